package dcerpc

import "testing"

// FuzzDCERPC feeds arbitrary bytes, split at a fuzzed point and sent both ways, with a gap:
// the state must not panic and must stay within its bounds.
func FuzzDCERPC(f *testing.F) {
	f.Add(append(append(append([]byte{}, realBind...), realRequest...), realBindAck...), uint16(len(realBind)+len(realRequest)))
	f.Add(fragment(TypeRequest, FlagFirstFrag, []byte("abcd")), uint16(3))
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		s := New()
		at := min(int(cut), len(b))
		s.Feed(true, b[:at])
		s.Feed(false, b[at:])
		s.Gap(true, 3)
		s.Feed(true, b)
		s.Finish()
		for _, tx := range s.Txs() {
			if len(tx.Stub[0]) > maxStub || len(tx.Stub[1]) > maxStub {
				t.Fatal("stub past its bound")
			}
		}
		if len(s.Txs()) > maxTxs || len(s.Ifaces) > maxIfaces {
			t.Fatalf("%d txs %d interfaces", len(s.Txs()), len(s.Ifaces))
		}
	})
}
