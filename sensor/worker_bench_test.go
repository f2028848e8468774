package sensor

import (
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"io"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

type heldFrame struct {
	data    []byte
	wireLen int
	lt      decoders.LinkType
	time    int64
}

func loadFrames(tb testing.TB, path string) []heldFrame {
	tb.Helper()
	src, err := capture.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	var out []heldFrame
	var f capture.Frame
	for {
		if err := src.Next(&f); err == io.EOF {
			return out
		} else if err != nil {
			tb.Fatal(err)
		}
		out = append(out, heldFrame{append([]byte(nil), f.Data...), f.WireLen, f.LinkType, f.Time})
	}
}

// replayPasses returns a function that replays frames through w once more each call, 700 s
// after the previous pass (so every flow of a pass has ended and its slot starts a new one),
// ends the pass's flows and flushes the EVE output: the steady state the allocation tests
// measure.
func replayPasses(w *worker, frames []heldFrame) func() {
	pass := int64(0)
	return func() {
		shift := pass * 700e9
		for i, f := range frames {
			w.packet(f.data, f.wireLen, f.lt, f.time+shift, uint64(i+1))
		}
		w.flows.Expire(frames[len(frames)-1].time + shift + 600e9)
		w.eve.Flush()
		pass++
	}
}

// testWorker is worker 0 of 1 with cfg and det (nil: no rules), writing its outputs into a
// temporary directory (alerts with det, noSync as openOutputs takes it) that is closed when
// the test ends.
func testWorker(tb testing.TB, cfg *Config, det *detection, noSync bool) *worker {
	tb.Helper()
	out, err := openOutputs(cfg, tb.TempDir(), det != nil, noSync)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { out.close() })
	w, err := newWorker(0, 1, cfg, out, det)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// BenchmarkDecodeAndFlow is the per-packet cost of the spine: decode in place, then the flow
// table update, over the frames of a real capture (HTTP sessions: handshakes, data, teardowns)
// replayed again and again at one packet per microsecond (a busy link: 1 Mpps). Each pass starts
// 700 s after the one before, past every timeout, so each flow's first packet finds its old flow
// expired, ends it and starts a new one (churn), and the sweep (Expire) runs once per million
// packets, as the pipeline's one-second tick would at that rate. allocs/op must be 0.
func BenchmarkDecodeAndFlow(b *testing.B) {
	frames := loadFrames(b, "../testdata/demo/http-methods.pcap")
	for _, mode := range []struct {
		name string
		csum decoders.ChecksumMode
	}{{"checksums=none", decoders.ChecksumNone}, {"checksums=all", decoders.ChecksumAll}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := decoders.DefaultConfig()
			cfg.Checksums = mode.csum
			dec := decoders.NewDecoder(cfg)
			ended := 0
			table := flow.NewTable(flow.DefaultConfig(), func(*flow.Flow, flow.Reason) { ended++ })
			var p decoders.Packet
			var nextTick int64
			var bytes int64
			for _, f := range frames {
				bytes += int64(len(f.data))
			}
			b.SetBytes(bytes / int64(len(frames)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchcpu.Start(b)
			for i := 0; i < b.N; i++ {
				k := i % len(frames)
				f := &frames[k]
				pass := int64(i / len(frames))
				now := frames[0].time + pass*700e9 + int64(i)*1e3
				if int64(i)*1e3 >= nextTick {
					table.Expire(now)
					nextTick = int64(i)*1e3 + 1e9
				}
				dec.Decode(&p, f.data, f.lt, now, f.wireLen)
				table.Update(&p)
			}
			b.StopTimer()
			cpu.Report(b, "pkts")
			if ended == 0 && b.N > 2*len(frames) {
				b.Fatal("no flow ever ended: the benchmark is not exercising the table")
			}
		})
	}
}
