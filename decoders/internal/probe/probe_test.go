package probe

import "testing"

func TestPrefixFold(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Verdict
	}{
		{"EHLO x\r\n", Match},
		{"ehlo x\r\n", Match},
		{"eHlO", Match},
		{"EH", NeedMore},
		{"", NeedMore},
		{"HEL", NeedMore},
		{"EHLX", NoMatch},
		{"GET / HTTP/1.1", NoMatch},
		{"\x00HLO", NoMatch},
		{"ehl\xef", NoMatch}, // 0xef is not 'O' in another case
	} {
		if got := PrefixFold([]byte(c.in), "EHLO", "HELO"); got != c.want {
			t.Errorf("PrefixFold(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}
