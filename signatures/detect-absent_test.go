package signatures

import (
	"strings"
	"testing"
)

func TestAbsentParse(t *testing.T) {
	r := mustRule(t, `alert http any any -> any any (http.referer; absent; sid:1;)`)
	if len(r.Buffers) != 1 || r.Buffers[0].Absent != AbsentOnly {
		t.Fatalf("absent parsed as %+v", r.Buffers)
	}
	r = mustRule(t, `alert http any any -> any any (http.referer; absent: or_else; content:!"x"; sid:2;)`)
	if r.Buffers[0].Absent != AbsentOrElse || len(r.Buffers[0].Matchers) != 1 {
		t.Fatalf("absent: or_else parsed as %+v", r.Buffers[0])
	}
	// Transforms may sit between the buffer and absent, as in Suricata.
	mustRule(t, `alert http any any -> any any (http.uri; to_lowercase; absent: or_else; content:"a"; sid:3;)`)
	mustRule(t, `alert tcp any any -> any any (tcp.hdr; absent; sid:4;)`)
	for _, bad := range []string{
		`alert http any any -> any any (absent; sid:10;)`,
		`alert http any any -> any any (content:"a"; absent; sid:11;)`,
		`alert http any any -> any any (http.uri; content:"a"; absent; sid:12;)`,
		`alert http any any -> any any (http.uri; absent; content:"a"; sid:13;)`,
		`alert http any any -> any any (http.uri; absent: or_else; sid:14;)`,
		`alert http any any -> any any (http.uri; absent: or_else; content:"a"; fast_pattern; sid:15;)`,
		`alert http any any -> any any (http.uri; absent: maybe; sid:16;)`,
		`alert http any any -> any any (http.uri; absent; absent; sid:17;)`,
		`alert http any any -> any any (pkt_data; absent; sid:18;)`,
	} {
		if r, errs := loadOne(t, bad); r != nil {
			t.Errorf("loaded %s", bad)
		} else if len(errs) == 0 || !strings.Contains(errs[0].Error(), "absent") {
			t.Errorf("%s: error %v does not name absent", bad, errs)
		}
	}
}

func TestAbsentMatch(t *testing.T) {
	h := newHarness(t, `alert dns any any -> any any (dns.answers.rrname; absent; sid:1;)
alert dns any any -> any any (dns.answers.rrname; absent: or_else; content:"evil"; sid:2;)
alert dns any any -> any any (dns.queries.rrname; content:"example"; dns.answers.rrname; absent; sid:3;)
alert dns any any -> any any (dns.answers.rrname; content:!"evil"; sid:4;)
alert dns any any -> any any (dns.answers.rrname; absent: or_else; content:!"evil"; sid:5;)
`, EngineOptions{})
	now := [2]uint8{StageStart, StageStart}
	for _, c := range []struct {
		answers []string
		want    []uint32
	}{
		// No answer at all: every absent rule matches, the plain negated content does not.
		{nil, []uint32{1, 2, 3, 5}},
		{[]string{"evil.example"}, []uint32{2}},
		{[]string{"good.example"}, []uint32{4, 5}},
	} {
		tx := &fakeTx{queries: []string{"www.example.com"}, answers: c.answers}
		if got := h.inspectTx(AppDNS, tx, false, now); !sidsEqual(got, c.want) {
			t.Errorf("answers %q: %v, want %v", c.answers, got, c.want)
		}
	}
}

func TestAbsentHdrBuffer(t *testing.T) {
	h := newHarness(t, `alert ip any any -> any any (msg:"no udp header"; udp.hdr; absent; sid:1;)
alert ip any any -> any any (msg:"no udp header or port 53"; udp.hdr; absent: or_else; content:"|00 35|"; offset:2; depth:2; sid:2;)
`, EngineOptions{})
	h.expect(tcpTo(80, "x"), 1, 2)
	u := tcpTo(53, "x")
	u.proto = 17
	h.expect(u, 2)
	u = tcpTo(54, "x")
	u.proto = 17
	h.expect(u)
}
