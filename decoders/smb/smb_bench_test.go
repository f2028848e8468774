package smb

import "testing"

// BenchmarkPipeSession parses a whole SMB2 session carrying DCERPC over a named pipe, the
// transactions released as the sensor does once they are logged.
func BenchmarkPipeSession(b *testing.B) {
	segs := loadSession(b, "bug-5162-smb2-pipe.txt")
	n := 0
	for _, g := range segs {
		n += len(g.b)
	}
	s := New()
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, g := range segs {
			s.Feed(g.toServer, g.b)
		}
		s.Release(func(*Tx) bool { return true })
		s.Reset()
	}
}
