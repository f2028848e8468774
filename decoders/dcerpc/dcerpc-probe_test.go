package dcerpc

import "testing"

func TestProbe(t *testing.T) {
	bind := "\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00"
	for _, c := range []struct {
		name string
		in   string
		want Verdict
	}{
		{"bind, little endian", bind, Match},
		{"request, big endian", "\x05\x00\x00\x03\x00\x00\x00\x00\x00\x48\x00\x00\x00\x00\x00\x01", Match},
		{"short", bind[:10], NeedMore},
		{"one byte", "\x05", NeedMore},
		{"version 4", "\x04\x00" + bind[2:], NoMatch},
		{"minor 1", "\x05\x01" + bind[2:], NoMatch},
		{"bad drep", bind[:4] + "\x20" + bind[5:], NoMatch},
		{"bad char representation", bind[:5] + "\x04" + bind[6:], NoMatch},
		{"text", "USER anonymous\r\n", NoMatch},
	} {
		if got := Probe([]byte(c.in)); got != c.want {
			t.Errorf("%s: Probe = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestIsAnswer(t *testing.T) {
	for typ, want := range map[byte]bool{TypeRequest: false, TypeBind: false, TypeAlterContext: false,
		TypeResponse: true, TypeBindAck: true, TypeBindNak: true, TypeAlterContextResp: true, TypeFault: true} {
		if got := IsAnswer([]byte{5, 0, typ, 3}); got != want {
			t.Errorf("type %d: %v, want %v", typ, got, want)
		}
	}
}
