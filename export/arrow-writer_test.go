package export

import (
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// readArrowsFile reads a finished file to its end-of-stream marker and returns its row count and
// the flow_id of every row.
func readArrowsFile(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rdr, err := ipc.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer rdr.Release()
	var ids []int64
	for rdr.Next() {
		rec := rdr.RecordBatch()
		col := rec.Column(1).(interface{ Value(int) int64 })
		for i := 0; i < int(rec.NumRows()); i++ {
			ids = append(ids, col.Value(i))
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// A complete stream ends with the end-of-stream marker: 0xFFFFFFFF then a zero length.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(data); n < 8 || string(data[n-8:]) != "\xff\xff\xff\xff\x00\x00\x00\x00" {
		t.Errorf("%s does not end with the IPC end-of-stream marker", path)
	}
	return ids
}

func flowBatch(b *FlowBatcher, firstID, n int) arrow.RecordBatch {
	r := sampleTCPFlow()
	for i := 0; i < n; i++ {
		r.FlowID = uint64(firstID + i)
		b.Append(r)
	}
	return b.Flush()
}

// While a file is being written, only finished files carry the .arrows name, and each of them is
// complete; the one in progress is hidden. After Close nothing temporary remains.
func TestIPCFileSinkPublishesOnlyCompleteFiles(t *testing.T) {
	dir := t.TempDir()
	sink, err := NewIPCFileSink(IPCFileSinkOptions{
		Dir: dir, Kind: "flow", Prefix: "s1-w2", Schema: FlowSchema, MaxBytes: 64 << 10, NoSync: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	b := NewFlowBatcher(BatchOptions{})
	defer b.Release()

	const batches, rowsPer = 40, 100
	for i := 0; i < batches; i++ {
		rec := flowBatch(b, i*rowsPer, rowsPer)
		if err := sink.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()

		visible, _ := filepath.Glob(filepath.Join(dir, "*.arrows"))
		for _, p := range visible {
			readArrowsFile(t, p)
		}
		if open := sink.Path(); open != "" {
			if _, err := os.Stat(open); err == nil {
				t.Fatalf("file in progress is visible as %s", open)
			}
			tmp := filepath.Join(dir, "."+filepath.Base(open)+".tmp")
			if _, err := os.Stat(tmp); err != nil {
				t.Fatalf("file in progress not at its temporary name: %v", err)
			}
		}
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range entries { // ReadDir sorts by name, and names sort by opening order
		name := e.Name()
		if !strings.HasPrefix(name, "flow-s1-w2-") || !strings.HasSuffix(name, IPCFileExt) {
			t.Errorf("unexpected file %s left in %s", name, dir)
			continue
		}
		got = append(got, readArrowsFile(t, filepath.Join(dir, name))...)
	}
	if len(entries) < 2 {
		t.Errorf("%d files: size rotation did not happen", len(entries))
	}
	if sink.Files != uint64(len(entries)) || sink.Rows != batches*rowsPer {
		t.Errorf("sink counted %d files, %d rows; dir has %d files, want %d rows", sink.Files, sink.Rows, len(entries), batches*rowsPer)
	}
	if len(got) != batches*rowsPer {
		t.Fatalf("read %d rows, want %d", len(got), batches*rowsPer)
	}
	for i, id := range got {
		if id != int64(i) {
			t.Fatalf("row %d has flow_id %d: rows lost or out of order across files", i, id)
		}
	}
}

func TestIPCFileSinkRotatesByAge(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	sink, err := NewIPCFileSink(IPCFileSinkOptions{
		Dir: dir, Kind: "flow", Prefix: "w0", Schema: FlowSchema, MaxAge: time.Minute, NoSync: true,
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	b := NewFlowBatcher(BatchOptions{})
	defer b.Release()
	rec := flowBatch(b, 0, 10)
	defer rec.Release()
	if err := sink.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := sink.Tick(now.Add(59 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.arrows")); len(files) != 0 {
		t.Fatalf("file published before MaxAge: %v", files)
	}
	if err := sink.Tick(now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.arrows"))
	if len(files) != 1 || filepath.Base(files[0]) != "flow-w0-20240501T120000Z-000001.arrows" {
		t.Fatalf("after MaxAge: %v", files)
	}
	// A restart within the same second must not overwrite the published file.
	again, err := NewIPCFileSink(IPCFileSinkOptions{Dir: dir, Kind: "flow", Prefix: "w0", Schema: FlowSchema, NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ = filepath.Glob(filepath.Join(dir, "*.arrows"))
	if len(files) != 2 {
		t.Fatalf("after restart: %v", files)
	}
	for _, f := range files {
		if n := len(readArrowsFile(t, f)); n != 10 {
			t.Errorf("%s has %d rows, want 10", f, n)
		}
	}
}

func TestIPCFileSinkOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []IPCFileSinkOptions{
		{Dir: dir, Kind: "flow"},                                            // no schema
		{Dir: dir, Schema: FlowSchema},                                      // no kind
		{Dir: dir, Kind: "flow", Prefix: "../x", Schema: FlowSchema},        // path in prefix
		{Dir: dir, Kind: "flow", Schema: FlowSchema, Compression: "brotli"}, // unknown codec
	} {
		if _, err := NewIPCFileSink(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	// Compressed files read back.
	sink, err := NewIPCFileSink(IPCFileSinkOptions{Dir: dir, Kind: "flow", Prefix: "z", Schema: FlowSchema, Compression: "zstd", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	b := NewFlowBatcher(BatchOptions{})
	defer b.Release()
	rec := flowBatch(b, 0, 50)
	defer rec.Release()
	if err := sink.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "flow-z-*.arrows"))
	if len(files) != 1 || len(readArrowsFile(t, files[0])) != 50 {
		t.Errorf("zstd file: %v", files)
	}
}

// BenchmarkIPCFileSink measures the whole per-worker Arrow path: Append into the batcher, cut
// batches of 65,536 rows, write them to rotating IPC files (synced on rotation, as in production).
func BenchmarkIPCFileSink(b *testing.B) {
	sink, err := NewIPCFileSink(IPCFileSinkOptions{Dir: b.TempDir(), Kind: "flow", Prefix: "bench", Schema: FlowSchema})
	if err != nil {
		b.Fatal(err)
	}
	fb := NewFlowBatcher(BatchOptions{})
	defer fb.Release()
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	write := func() {
		rec := fb.Flush()
		if rec == nil {
			return
		}
		if err := sink.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := recs[i%3]
		r.FlowID = uint64(i)
		if fb.Append(r) {
			write()
		}
	}
	write()
	if err := sink.Close(); err != nil {
		b.Fatal(err)
	}
	cpu.Report(b, "rows")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if b.N > 0 {
		b.ReportMetric(float64(sink.Bytes)/float64(b.N), "file-bytes/row")
	}
}
