package ssh

import (
	"reflect"
	"testing"
)

// FuzzSSH feeds arbitrary client and server bytes whole and cut at a fuzzer-chosen point:
// no panic, and the cut changes nothing.
func FuzzSSH(f *testing.F) {
	conv := conversation()
	var cs, sc []byte
	for _, c := range conv {
		if c.toServer {
			cs = append(cs, c.data...)
		} else {
			sc = append(sc, c.data...)
		}
	}
	f.Add(cs, sc, uint16(13))
	f.Add([]byte("SSH-1.99-x\n"), []byte("junk\nSSH-2.0-y\r\n\x00\x00\x00\x0c\x0a\x15"), uint16(2))
	s := New(Config{MaxBanner: 64, MaxKexInit: 512})
	f.Fuzz(func(t *testing.T, client, server []byte, cut uint16) {
		chunks := []chunk{{true, client}, {false, server}}
		whole := feed(s, chunks, func(n int) int { return n })
		split := feed(s, chunks, func(n int) int { return int(cut)%n + 1 })
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("cut %d changed the result:\n%+v\n%+v", cut, whole, split)
		}
		Probe(true, client)
	})
}
