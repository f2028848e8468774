package sensor

import (
	"io"
	"log/slog"
	"testing"
)

// newDetectWorker is one worker with the test rules loaded and every output on (EVE, fast.log,
// Arrow files in a temporary folder), warmed up by one pass over frames so that its flows,
// buffers and batch builders exist.
func newDetectWorker(tb testing.TB, frames []heldFrame) (*worker, func()) {
	tb.Helper()
	cfg, _, err := LoadConfig("", []string{"detect.cache-dir="})
	if err != nil {
		tb.Fatal(err)
	}
	path := writeTestRules(tb)
	det, err := loadDetection(&cfg, &ReadOptions{RuleFiles: []string{path}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := openOutputs(&cfg, tb.TempDir(), true, true)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := newWorker(0, 1, &cfg, out, det)
	if err != nil {
		tb.Fatal(err)
	}
	for i, f := range frames {
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
	}
	return w, func() {
		w.finish(frames[len(frames)-1].time)
		out.close()
	}
}

// TestDetectPathDoesNotAllocate replays a capture through a warmed-up worker with rules loaded:
// decode, flow update, inspection and writing each alert to EVE, fast.log and Arrow must not
// allocate. Times repeat so that flows persist: ending a flow (its record's history string) is
// the flow table's cost, measured elsewhere.
func TestDetectPathDoesNotAllocate(t *testing.T) {
	frames := loadFrames(t, "../testdata/demo/http-methods.pcap")
	w, done := newDetectWorker(t, frames)
	defer done()
	before := w.det.alerts
	i := 0
	allocs := testing.AllocsPerRun(5*len(frames), func() {
		f := &frames[i%len(frames)]
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
		i++
	})
	if w.det.alerts == before {
		t.Fatal("no alert during the measured run: the test proves nothing")
	}
	if allocs != 0 {
		t.Errorf("packet with detection allocated %.3f times per packet, want 0", allocs)
	}
}

// BenchmarkDetectPath is the per-packet cost of decode + flow + detection + alert output with
// the test rules, on the same replay as TestDetectPathDoesNotAllocate.
func BenchmarkDetectPath(b *testing.B) {
	frames := loadFrames(b, "../testdata/demo/http-methods.pcap")
	w, done := newDetectWorker(b, frames)
	defer done()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := &frames[i%len(frames)]
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
	}
	b.StopTimer()
	b.ReportMetric(float64(w.det.alerts)/float64(b.N+len(frames)), "alerts/pkt")
}
