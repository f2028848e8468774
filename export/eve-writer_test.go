package export

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Several workers share one writer through their own buffers: every line must arrive whole, once.
func TestEVEWriterConcurrentWorkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eve.json")
	w, err := OpenEVEWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 4, 3000
	var wg sync.WaitGroup
	for id := 0; id < workers; id++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			buf := NewEVEBuffer(w, nil, 4096) // small limit: many hand-overs, so interleaving would show
			r := sampleTCPFlow()
			for i := 0; i < perWorker; i++ {
				r.FlowID = uint64(id)<<32 | uint64(i)
				buf.Flow(r)
			}
			if err := buf.Flush(); err != nil {
				t.Error(err)
			}
		}(id)
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := make(map[uint64]bool)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct {
			FlowID    uint64 `json:"flow_id"`
			EventType string `json:"event_type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.EventType != "flow" {
			t.Fatalf("broken line %q: %v", sc.Text(), err)
		}
		if seen[ev.FlowID] {
			t.Fatalf("flow %x written twice", ev.FlowID)
		}
		seen[ev.FlowID] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != workers*perWorker {
		t.Errorf("got %d lines, want %d", len(seen), workers*perWorker)
	}
	if _, err := w.Write([]byte("{}\n")); err == nil {
		t.Error("write after Close succeeded")
	}
}

// After a log rotator renames eve.json, Reopen starts a fresh file at the configured path.
func TestEVEWriterReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "eve.json")
	w, err := OpenEVEWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	b := NewEVEBuffer(w, nil, 0)
	b.Anomaly(sampleAnomaly())
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	b.Stats(sampleStats())
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{path + ".1": `"event_type":"anomaly"`, path: `"event_type":"stats"`} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s = %q, want one line with %s (%v)", name, data, want, err)
		}
	}
}

// A failing output reports its error through the worker's Flush and does not block.
func TestEVEBufferReportsWriteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eve.json")
	w, err := OpenEVEWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := NewEVEBuffer(w, nil, 0)
	b.Flow(sampleTCPFlow())
	if err := b.Flush(); err == nil {
		t.Error("Flush into a closed writer reported no error")
	}
	if b.Len() != 0 {
		t.Errorf("buffer kept %d bytes after a failed flush", b.Len())
	}
}
