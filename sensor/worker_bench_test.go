package sensor

import (
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

// BenchmarkDecodeAndFlow is the per-packet cost of the spine: decode in place, then the flow
// table update, over the frames of a real capture replayed with advancing time so that flows
// keep being created and ended (steady state: allocs/op must be 0).
func BenchmarkDecodeAndFlow(b *testing.B) {
	frames := loadFrames(b, "../testdata/demo/http-methods.pcap")
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	ended := 0
	table := flow.NewTable(flow.DefaultConfig(), func(*flow.Flow, flow.Reason) { ended++ })
	var p decoders.Packet
	var shift int64
	span := frames[len(frames)-1].time - frames[0].time + 1e9
	var bytes int64
	for _, f := range frames {
		bytes += int64(len(f.data))
	}
	b.SetBytes(bytes / int64(len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(frames)
		if k == 0 && i > 0 {
			shift += span + 700e9 // past every timeout: the old flows end, new ones start
			table.Expire(frames[0].time + shift)
		}
		f := &frames[k]
		dec.Decode(&p, f.data, f.lt, f.time+shift, f.wireLen)
		table.Update(&p)
	}
	b.StopTimer()
	if ended == 0 && b.N > 2*len(frames) {
		b.Fatal("no flow ever ended: the benchmark is not exercising the table")
	}
}
