package sensor

import (
	"encoding/binary"
	"io"
	"log/slog"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// FuzzWorker runs arbitrary frame sequences through a whole worker: decode, flows, reassembly,
// protocol detection (midstream pick-up on, so flows get turned around), the parsers, the demo
// rules, EVE output, with an app-layer memcap small enough that states are refused and parsers
// cut. Nothing may panic, and the app layer's accounting must match what the flows hold, live
// and after every flow ended. The input is frames, each a 2-byte length and its bytes; the
// seeds are runs of frames of a real HTTP capture. Under `go test` the seeds run as a
// regression test. Fuzzing it is slow (a few executions a second, on this machine 10 in 15 s):
// coverage is counted over every package the sensor links, Arrow and gRPC included.
func FuzzWorker(f *testing.F) {
	frames := loadFrames(f, "../testdata/demo/http-methods.pcap")
	// Seeds of a few sessions each: the fuzzer slows to a crawl on inputs of hundreds of KB.
	for start := 0; start+20 <= len(frames) && start < 100; start += 20 {
		var seed []byte
		for _, fr := range frames[start : start+20] {
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(fr.data)))
			seed = append(seed, fr.data...)
		}
		f.Add(seed)
	}
	cfg, _, err := LoadConfig("", []string{"stream.midstream=true", "app-layer.memcap=48kb", "flow.memcap=1mb"})
	if err != nil {
		f.Fatal(err)
	}
	det, err := loadDetection(&cfg, &ReadOptions{RuleFiles: []string{"../testdata/demo/demo.rules"}},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		w := testWorker(t, &cfg, det, false)
		ts := int64(1_700_000_000e9)
		for i := uint64(1); len(in) >= 2; i++ {
			n := int(binary.BigEndian.Uint16(in))
			in = in[2:]
			n = min(n, len(in))
			w.packet(in[:n], n, decoders.LinkEthernet, ts, i)
			in = in[n:]
			ts += 1e6
			if _, held := liveStates(w.app); w.app.pool.live != held {
				t.Fatalf("frame %d: pool charges %d bytes to live states, they hold %d", i, w.app.pool.live, held)
			}
		}
		w.finish(ts + 3600e9)
		if n, _ := liveStates(w.app); n != 0 || w.app.pool.live != 0 {
			t.Fatalf("after every flow ended: %d live states, %d bytes charged", n, w.app.pool.live)
		}
	})
}
