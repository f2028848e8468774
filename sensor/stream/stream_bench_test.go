package stream

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// benchStream feeds one endless stream of 1460-byte segments, a cumulative ACK after every
// pair. swap sends each pair in reverse order (every second segment arrives out of order).
func benchStream(b *testing.B, swap bool) {
	cfg := DefaultConfig()
	cfg.Depth = 0
	r := NewReassembler(cfg)
	var s Stream
	var sink countSink
	r.Packet(&s, tcp(syn, 0, 0, ""), true, &sink)
	r.Packet(&s, tcp(syn|ack, 0, 1, ""), false, &sink)
	const segLen = 1460
	payload := make([]byte, segLen)
	for i := range payload {
		payload[i] = byte(i)
	}
	d1, d2 := tcp(ack|psh, 0, 1, ""), tcp(ack|psh, 0, 1, "")
	d1.Payload, d2.Payload = payload, payload
	a := tcp(ack, 1, 0, "")
	seq := uint32(1)
	b.SetBytes(segLen)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		d1.Seq, d2.Seq = seq, seq+segLen
		if swap {
			r.Packet(&s, d2, true, &sink)
			r.Packet(&s, d1, true, &sink)
		} else {
			r.Packet(&s, d1, true, &sink)
			r.Packet(&s, d2, true, &sink)
		}
		seq += 2 * segLen
		a.Ack = seq
		r.Packet(&s, a, false, &sink)
	}
	b.StopTimer()
	if sink.data < (b.N-1)*segLen || sink.gaps != 0 {
		b.Fatalf("delivered %d bytes, %d gap bytes, for %d segments", sink.data, sink.gaps, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*segLen), "ns/byte")
}

// One op is one segment (and half an ACK).
func BenchmarkInOrder(b *testing.B)    { benchStream(b, false) }
func BenchmarkOutOfOrder(b *testing.B) { benchStream(b, true) }

// Many small segments each acknowledged on its own: the per-packet overhead.
func BenchmarkSmallSegments(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Depth = 0
	r := NewReassembler(cfg)
	var s Stream
	var sink countSink
	r.Packet(&s, tcp(syn, 0, 0, ""), true, &sink)
	d := &decoders.Packet{Layers: decoders.HasTCP, TCPFlags: ack | psh, Ack: 1, Payload: make([]byte, 64)}
	a := tcp(ack, 1, 0, "")
	seq := uint32(1)
	b.SetBytes(64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Seq = seq
		r.Packet(&s, d, true, &sink)
		seq += 64
		a.Ack = seq
		r.Packet(&s, a, false, &sink)
	}
}
