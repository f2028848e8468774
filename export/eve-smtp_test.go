package export

import (
	"strings"
	"testing"
)

func sampleSMTP() *SMTPEvent {
	return &SMTPEvent{AppHeader: sampleAppHeader(0, true),
		SMTP: SMTPInfo{Helo: []byte("GP"), MailFrom: []byte("<g@patriots.in>"), RcptTo: [][]byte{[]byte("<r@yahoo.co.in>")}},
		Email: &EmailInfo{From: []byte(`"G S" <g@patriots.in>`), HasFrom: true,
			To: [][]byte{[]byte("<r@yahoo.co.in>"), []byte(`"Doe, J" <j@x>`)}, Status: "PARSE_DONE",
			Attachments: [][]byte{[]byte("NEWS.txt")}, URLs: [][]byte{[]byte("b.example/"), []byte("a.example")}}}
}

func TestAppendSMTP(t *testing.T) {
	e := sampleSMTP()
	line := string(defaultEVE.AppendSMTP(nil, e))
	want := `"smtp":{"helo":"GP","mail_from":"<g@patriots.in>","rcpt_to":["<r@yahoo.co.in>"]},` +
		`"email":{"from":"\"G S\" <g@patriots.in>","to":["<r@yahoo.co.in>","\"Doe, J\" <j@x>"],"status":"PARSE_DONE",` +
		`"attachment":["NEWS.txt"],"url":["b.example/","a.example"]}}` + "\n"
	if !strings.Contains(line, `"event_type":"smtp"`) || !strings.Contains(line, `"tx_id":0`) || !strings.HasSuffix(line, want) {
		t.Errorf("got %s", line)
	}
	// No message (QUIT): the smtp object alone, empty fields left out.
	line = string(defaultEVE.AppendSMTP(nil, &SMTPEvent{AppHeader: sampleAppHeader(1, true), SMTP: SMTPInfo{Helo: []byte("GP")}}))
	if !strings.HasSuffix(line, `"smtp":{"helo":"GP"}}`+"\n") {
		t.Errorf("got %s", line)
	}
	// The fileinfo event of an attachment carries both objects.
	fi := defaultEVE.AppendFileInfo(nil, &FileInfoEvent{AppHeader: e.AppHeader, AppProto: "smtp", SMTP: e,
		File: FileInfo{Filename: []byte("NEWS.txt"), State: FileStateClosed, Size: 3}})
	if !strings.Contains(string(fi), `"email":{"from"`) || !strings.Contains(string(fi), `"fileinfo":{"filename":"NEWS.txt"`) {
		t.Errorf("got %s", fi)
	}
}

func TestSMTPAgainstSuricataSchema(t *testing.T) {
	sch := eveSchema(t)
	e := sampleSMTP()
	e.Email.Extended, e.Email.Subject, e.Email.HasSubject = true, []byte("NEWS"), true
	e.Email.Received = [][]byte{[]byte("from a by b")}
	e.Email.BodyMD5 = []byte("0123456789abcdef0123456789abcdef")
	for _, line := range [][]byte{defaultEVE.AppendSMTP(nil, e),
		defaultEVE.AppendFileInfo(nil, &FileInfoEvent{AppHeader: e.AppHeader, AppProto: "smtp", SMTP: e,
			File: FileInfo{Filename: []byte("x"), State: FileStateClosed}})} {
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s\ndoes not validate: %v", line, err)
		}
	}
}
