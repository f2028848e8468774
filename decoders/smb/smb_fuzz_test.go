package smb

import (
	"os"
	"testing"
)

// FuzzSMB feeds arbitrary bytes, split at a fuzzed point and sent both ways, with a gap: the
// state must not panic and must stay within its bounds.
func FuzzSMB(f *testing.F) {
	for _, name := range []string{"bug-5162-smb2-pipe.txt", "smb1-named-pipe-ascii.txt"} {
		if _, err := os.Stat("testdata/" + name); err != nil {
			continue
		}
		for _, g := range loadSession(f, name) {
			f.Add(g.b, uint16(len(g.b)/2))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		s := New()
		at := min(int(cut), len(b))
		s.Feed(true, b[:at])
		s.Feed(false, b[at:])
		s.Gap(false, 7)
		s.Feed(true, b)
		s.Feed(false, b)
		s.Finish()
		if len(s.Txs()) > maxTxs || len(s.Ifaces) > maxIfaces || len(s.trees) > maxMaps || len(s.reads) > maxMaps {
			t.Fatalf("%d txs %d interfaces", len(s.Txs()), len(s.Ifaces))
		}
	})
}
