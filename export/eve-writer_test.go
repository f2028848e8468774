package export

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// Size-based rotation moves whole buffers of lines to eve.json.<time> and starts a fresh file.
func TestEVEWriterRotateBySize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "eve.json")
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	w, err := OpenEVEWriterOptions(path, EVEWriterOptions{RotateBytes: 1000, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	line := AppendFlowJSON(nil, sampleTCPFlow())
	const lines = 20
	for i := 0; i < lines; i++ {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			now = now.Add(time.Second)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "eve.json*"))
	total, rotated := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(b), "\n")
		total += n
		if f == path {
			continue
		}
		rotated++
		if !strings.HasPrefix(filepath.Base(f), "eve.json.20240501T12000") {
			t.Errorf("rotated file %s: name should carry the UTC time", f)
		}
		if int64(len(b)) < 1000 || int64(len(b)) >= 1000+int64(len(line)) {
			t.Errorf("rotated file %s holds %d bytes; want the first size at or past 1000", f, len(b))
		}
		if !strings.HasSuffix(string(b), "\n") {
			t.Errorf("rotated file %s ends inside a line", f)
		}
	}
	wantRotated := lines * len(line) / (((1000 + len(line) - 1) / len(line)) * len(line))
	if total != lines || rotated != wantRotated {
		t.Errorf("%d lines in %d rotated files (%v), want %d lines in %d", total, rotated, files, lines, wantRotated)
	}
}

// Age-based rotation happens on Flush too, so a quiet sensor's file rotates on time; an empty
// file is never rotated.
func TestEVEWriterRotateByAge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "eve.json")
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	w, err := OpenEVEWriterOptions(path, EVEWriterOptions{RotateInterval: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	now = now.Add(2 * time.Minute)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(path + ".*"); len(files) != 0 {
		t.Fatalf("an empty file was rotated: %v", files)
	}
	w.Write(AppendFlowJSON(nil, sampleTCPFlow()))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + ".*")
	if len(files) != 1 || filepath.Base(files[0]) != "eve.json.20240501T120200Z" {
		t.Fatalf("rotated files = %v, want eve.json.20240501T120200Z", files)
	}
	now = now.Add(30 * time.Second)
	w.Write(AppendFlowJSON(nil, sampleTCPFlow()))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(path + ".*"); len(files) != 1 {
		t.Errorf("rotated again before the interval passed: %v", files)
	}
	// Reopen (SIGHUP) still works alongside rotation.
	if err := os.Rename(path, path+".manual"); err != nil {
		t.Fatal(err)
	}
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Write(AppendFlowJSON(nil, sampleTCPFlow()))
	w.Flush()
	if b, _ := os.ReadFile(path); strings.Count(string(b), "\n") != 1 {
		t.Errorf("after Reopen the new file holds %q", b)
	}
}
