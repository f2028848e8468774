package sensor

import (
	"net"
	"runtime"
	"testing"
)

// BenchmarkMemoryPerFlow measures what an active flow costs in memory, in two parts: what a
// worker reserves for every flow slot up front (the flow table's pool, the reassembly state
// and app-layer tables sized to it: B/slot), and what one more open flow allocates on top
// (B/flow: app-layer state, parsers, queued segments), with each kind of flow left open. One op
// opens one flow; ns/op is mostly building its frames and means little. The live heap is read
// after a GC at the start and the end, so the figures are retained memory, not garbage.
func BenchmarkMemoryPerFlow(b *testing.B) {
	cases := []struct {
		name string
		open func(v *daConv)
	}{
		// A UDP flow with one DNS query waiting for its answer.
		{"udp-dns-query", func(v *daConv) { v.udp(true, dnsQuery("www.example.com")) }},
		// An established TCP session with no data yet: flow and stream state.
		{"tcp-established", func(v *daConv) { v.handshake() }},
		// An HTTP request sent and acknowledged, its response not begun: the parser and one
		// transaction held.
		{"http-request-open", func(v *daConv) {
			v.handshake()
			v.send(true, "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n")
		}},
		// A 1,460-byte segment queued behind a hole: reassembly holds it until the hole fills.
		{"tcp-out-of-order-segment", func(v *daConv) {
			v.handshake()
			v.c.seq += 1460 // the segment before it is never sent
			v.tcp(true, false, true, false, true, make([]byte, 1460))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cfg, _, err := LoadConfig("", nil)
			if err != nil {
				b.Fatal(err)
			}
			before := liveHeap()
			w := testWorker(b, &cfg, nil, false)
			reserved := liveHeap() - before
			slots := w.flows.Cap()
			// Stay well inside the table: past its capacity flows would be evicted, not held.
			n := min(b.N, slots/2)
			capt := newDACapture(b)
			var index uint64
			base := liveHeap()
			b.ResetTimer()
			for i := range n {
				v := capt.conv(uint16(1024+i%60000), 80)
				v.c.ip = net.IPv4(10, 1, byte(i>>16), byte(i>>8)).To4()
				v.s.ip = net.IPv4(10, 2, 0, byte(i)).To4()
				c.open(v)
				for _, f := range capt.frames {
					index++
					w.packet(f, len(f), 1, 1_700_000_000e9+int64(index)*1000, index)
				}
				capt.frames = capt.frames[:0]
			}
			b.StopTimer()
			capt.frames = nil
			grown := liveHeap() - base
			// Pressure is a whole percentage of the slots: allow for its rounding down.
			if used := (w.flows.Pressure() + 1) * slots / 100; used < n {
				b.Fatalf("about %d flows held after opening %d: the benchmark is not holding them", used, n)
			}
			b.ReportMetric(float64(reserved)/float64(slots), "B/slot")
			b.ReportMetric(float64(grown)/float64(n), "B/flow")
			runtime.KeepAlive(w)
		})
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// dnsQuery is a minimal DNS query for name, type A.
func dnsQuery(name string) []byte {
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, label := range splitDots(name) {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	return append(q, 0, 0, 1, 0, 1)
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
