package smb

import "testing"

func TestProbe(t *testing.T) {
	negotiate2 := "\x00\x00\x00\x44\xfeSMB\x40\x00"
	for _, c := range []struct {
		name    string
		in      string
		smbPort bool
		want    Verdict
	}{
		{"smb2 record", negotiate2, false, Match},
		{"smb1 record", "\x00\x00\x00\x2f\xffSMBr", false, Match},
		{"smb3 transform", "\x00\x00\x00\x40\xfdSMB", true, Match},
		{"short session message", "\x00\x00\x00\x44\xfeS", false, NeedMore},
		{"session message, other payload", "\x00\x00\x00\x44GET /", false, NoMatch},
		{"empty", "", false, NeedMore},
		{"http", "GET / HTTP/1.1\r\n", true, NoMatch},
		{"set-up away from the smb port", "\x81\x00\x00\x44 CKFDENEC", false, NoMatch},
		{"set-up then smb on the smb port", "\x81\x00\x00\x04ABCD" + negotiate2, true, Match},
		{"keep-alive then smb", "\x85\x00\x00\x00" + negotiate2, true, Match},
		{"set-up, record still to come", "\x81\x00\x00\x44 CKFDENEC", true, NeedMore},
		{"set-up then something else", "\x81\x00\x00\x04ABCD\x00\x00\x00\x10GET /", true, NoMatch},
		{"set-up too long to wait for", "\x81\x00\x01\x00 CK", true, NoMatch},
		{"bad flags", "\x81\x02\x00\x04ABCD", true, NoMatch},
	} {
		if got := Probe([]byte(c.in), c.smbPort); got != c.want {
			t.Errorf("%s: Probe = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestIsResponse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"\x00\x00\x00\x44\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00", true},
		{"\x00\x00\x00\x44\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", false},
		{"\x00\x00\x00\x2f\xffSMBr\x00\x00\x00\x00\x98", true},
		{"\x00\x00\x00\x2f\xffSMBr\x00\x00\x00\x00\x18", false},
		{"\x85\x00\x00\x00\x00\x00\x00\x2f\xffSMBr\x00\x00\x00\x00\x98", true}, // keep-alive first
		{"\x00\x00\x00\x40\xfdSMB", false},                                     // encrypted: says nothing
	} {
		if got := IsResponse([]byte(c.in)); got != c.want {
			t.Errorf("%q: %v, want %v", c.in, got, c.want)
		}
	}
}
