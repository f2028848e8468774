package signatures

import (
	"strings"
	"testing"
)

// TestSMTPRules checks how SMTP rules resolve: the smtp and email buffers make a rule SMTP's,
// file.data of an SMTP rule is each attachment (whatever the order of its keywords), file.data
// alone stays HTTP's, and what cannot be honoured is refused with its reason.
func TestSMTPRules(t *testing.T) {
	for _, c := range []struct {
		rule string
		app  AppProto
		buf  BufferID
	}{
		{`alert smtp any any -> any any (file.data; content:"a"; sid:1;)`, AppSMTP, BufFileDataFiles},
		{`alert tcp any any -> any any (file_data; content:"a"; smtp.helo; content:"b"; sid:1;)`, AppSMTP, BufFileDataFiles},
		{`alert tcp any any -> any any (file.data; content:"a"; sid:1;)`, AppHTTP, BufFileData},
		{`alert http any any -> any any (file.data; content:"a"; sid:1;)`, AppHTTP, BufFileData},
		{`alert smtp any any -> any any (email.url; content:"a"; sid:1;)`, AppSMTP, BufEmailURL},
		{`alert tcp any any -> any any (email.received; content:"a"; sid:1;)`, AppSMTP, BufEmailReceived},
		{`alert smtp any any -> any any (file.name; content:"a.exe"; sid:1;)`, AppSMTP, BufFileName},
		{`alert smtp any any -> any any (filename:"a.exe"; sid:1;)`, AppSMTP, BufFileName},
		{`alert ftp-data any any -> any any (file.name; content:"a.exe"; sid:1;)`, AppFTPData, BufFTPDataFileName},
		{`alert ftp-data any any -> any any (file.data; content:"MZ"; sid:1;)`, AppFTPData, BufFileData},
	} {
		r := mustRule(t, c.rule)
		if r.App != c.app || len(r.Buffers) == 0 || r.Buffers[0].ID != c.buf {
			t.Errorf("%s: app %v, buffers %v", c.rule, r.App, r.Buffers)
			continue
		}
		if r.Buffers[0].dir != bufToServer && c.app == AppSMTP {
			t.Errorf("%s: an SMTP buffer inspected to the client", c.rule)
		}
	}
	r := mustRule(t, `alert smtp any any -> any any (app-layer-event:smtp.invalid_reply; sid:1;)`)
	if r.App != AppSMTP || len(r.AppEvents) != 1 {
		t.Errorf("event rule: app %v events %v", r.App, r.AppEvents)
	}
	for _, c := range []struct{ rule, reason string }{
		{`alert http any any -> any any (file.name; content:"a"; sid:1;)`, "file.name on http rules not supported yet"},
		{`alert tcp any any -> any any (file.name; content:"a"; sid:1;)`, "file.name on http rules not supported yet"},
		{`alert smtp any any -> any any (http.uri; content:"a"; sid:1;)`, "http.uri is not a smtp keyword"},
		{`alert smtp any any -> any any (app-layer-event:smtp.nope; sid:1;)`, "app-layer-event smtp.nope not supported yet"},
		{`alert smtp any any -> any any (email.body_md5; content:"a"; sid:1;)`, "keyword email.body_md5 not supported yet"},
	} {
		r, errs := loadOne(t, c.rule)
		if r != nil || len(errs) == 0 || !strings.Contains(errs[0].Error(), c.reason) {
			t.Errorf("%s: loaded %v, errors %v; want refused: %s", c.rule, r != nil, errs, c.reason)
		}
	}
}
