package dcerpc

import "testing"

// BenchmarkSession parses a bind and a request with their answers, the transactions
// released as the sensor does once they are logged.
func BenchmarkSession(b *testing.B) {
	s := New()
	b.ReportAllocs()
	b.SetBytes(int64(len(realBind) + len(realBindAck) + len(realRequest) + len(realResp)))
	for b.Loop() {
		s.Feed(true, realBind)
		s.Feed(false, realBindAck)
		s.Feed(true, realRequest)
		s.Feed(false, realResp)
		s.Release(func(*Tx) bool { return true })
		s.Reset()
	}
}
