package bench

import (
	"bytes"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

func TestStageOf(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"github.com/nightjar-ids/nightjar/decoders.Decode", "/x/nightjar/decoders/decode.go", "decode"},
		{"github.com/nightjar-ids/nightjar/decoders/http.(*Parser).Feed", "/x/decoders/http/parse.go", "app-layer"},
		{"github.com/nightjar-ids/nightjar/sensor/stream.(*Reassembler).Packet", "/x/sensor/stream/s.go", "stream"},
		{"github.com/nightjar-ids/nightjar/sensor.(*appDetect).inspectStream", "/x/sensor/detect-app.go", "detect"},
		{"github.com/nightjar-ids/nightjar/sensor.(*appLayer).packet", "/x/sensor/applayer.go", "app-layer"},
		{"github.com/nightjar-ids/nightjar/sensor.(*worker).run.func1", "/x/sensor/worker.go", "sensor glue"},
		{"github.com/nightjar-ids/nightjar/signatures.(*Engine).Inspect", "/x/signatures/engine.go", "detect"},
		{"github.com/apache/arrow-go/v18/arrow/array.(*Int64Builder).Append", "/m/arrow/array/builder.go", "outputs"},
		{"runtime.mallocgc", "/usr/local/go/src/runtime/malloc.go", ""},
		{"github.com/nightjar-ids/nightjar/bench.Run", "/x/bench/run.go", ""},
	} {
		if got := stageOf(c.name, c.file); got != c.want {
			t.Errorf("stageOf(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestProfileAttribution profiles a loop of the decoder and checks that the parsed profile
// charges most of the CPU to decode.
func TestProfileAttribution(t *testing.T) {
	src, err := capture.Open(filepath.Join("..", "testdata", "demo", "http-methods.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var f capture.Frame
	err = src.Next(&f)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	frame := append([]byte(nil), f.Data...)
	d := decoders.NewDecoder(decoders.DefaultConfig())
	var p decoders.Packet
	byStage, err := profileRun(func() error {
		for end := time.Now().Add(400 * time.Millisecond); time.Now().Before(end); {
			for range 1000 {
				d.Decode(&p, frame, f.LinkType, 1, len(frame))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, ns := range byStage {
		total += ns
	}
	if total == 0 || byStage["decode"] < total/2 {
		t.Errorf("decoder loop charged %v of %d ns sampled; want decode above half", byStage, total)
	}
}

func TestParseProfileRejectsGarbage(t *testing.T) {
	if _, err := parseProfile(bytes.NewReader([]byte("not a profile"))); err == nil {
		t.Error("want an error for input that is not gzip")
	}
	// A real, empty profile parses.
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skip(err)
	}
	pprof.StopCPUProfile()
	if _, err := parseProfile(&buf); err != nil {
		t.Errorf("empty profile: %v", err)
	}
}
