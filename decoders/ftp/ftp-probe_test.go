package ftp

import "testing"

func TestProbe(t *testing.T) {
	for _, c := range []struct {
		toServer bool
		in       string
		want     Verdict
	}{
		{true, "USER anonymous\r\n", Match},
		{true, "user anonymous\r\n", Match},
		{true, "PASS x\r\n", Match},
		{true, "PORT 10,0,0,1,4,1\r\n", Match},
		{true, "FEAT\r\n", Match},
		{true, "USE", NeedMore},
		{true, "USERX", NoMatch},
		{true, "EHLO x\r\n", NoMatch},
		{false, "220 (vsFTPd 3.0.3)\r\n", Match},
		{false, "220 mail.example ESMTP\r\n", NoMatch},
		{false, "220", NeedMore},
		{false, "USER x\r\n", NoMatch},
	} {
		if got := Probe(c.toServer, []byte(c.in)); got != c.want {
			t.Errorf("Probe(%v, %q) = %d, want %d", c.toServer, c.in, got, c.want)
		}
	}
}
