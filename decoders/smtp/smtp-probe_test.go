package smtp

import "testing"

func TestProbe(t *testing.T) {
	for _, c := range []struct {
		toServer bool
		in       string
		want     Verdict
	}{
		{true, "EHLO mail.example\r\n", Match},
		{true, "helo x\r\n", Match},
		{true, "QUIT\r\n", Match},
		{true, "EH", NeedMore},
		{true, "USER x\r\n", NoMatch},
		{false, "220 mail.example ESMTP\r\n", NoMatch},
		{false, "EHLO x\r\n", NoMatch},
	} {
		if got := Probe(c.toServer, []byte(c.in)); got != c.want {
			t.Errorf("Probe(%v, %q) = %d, want %d", c.toServer, c.in, got, c.want)
		}
	}
}
