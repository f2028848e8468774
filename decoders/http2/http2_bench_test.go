package http2

import "testing"

// BenchmarkDataFrames measures the steady state of a download: DATA frames of 16 KiB on one
// stream, fed as the reassembler delivers them. It must not allocate per frame.
func BenchmarkDataFrames(b *testing.B) {
	p := NewParser(Config{ResponseBodyLimit: 1 << 10})
	client, _ := conversation()
	p.Feed(true, client)
	fr := frame(FrameData, 0, 1, make([]byte, 16384))
	p.Feed(false, fr) // the body reaches its limit: what follows is counted, not stored
	b.SetBytes(int64(len(fr)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Feed(false, fr[:1000])
		p.Feed(false, fr[1000:])
	}
}

// BenchmarkControlFrames measures connection-level frames, each its own global transaction,
// released as the app layer does after logging them.
func BenchmarkControlFrames(b *testing.B) {
	p := NewParser(Config{})
	p.Feed(true, []byte(Preface))
	fr := append(frame(FrameWindowUpdate, 0, 0, []byte{0, 0, 1, 0}), frame(FramePing, 0, 0, make([]byte, 8))...)
	b.SetBytes(int64(len(fr)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Feed(true, fr)
		if txs := p.Txs(); len(txs) > 0 {
			p.ReleaseDone(txs[len(txs)-1].ID)
		}
	}
}
