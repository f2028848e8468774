package export

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Helpers the batchers' tests share: every event type is checked the same way (IPC round trip,
// presence against EVE, no allocation per row).

// writeAndRead sends rows through a batcher and an IPC file sink and reads the single file back.
func writeAndRead(t *testing.T, kind string, schema *arrow.Schema, flush func() arrow.RecordBatch) []map[string]any {
	t.Helper()
	dir := t.TempDir()
	sink, err := NewIPCFileSink(IPCFileSinkOptions{Dir: dir, Kind: kind, Prefix: "w0", Schema: schema, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := flush()
	if err := sink.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, kind+"-w0-*"+IPCFileExt))
	if len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rdr, err := ipc.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Schema().Equal(schema) {
		t.Errorf("schema read back differs:\n%s\nwant\n%s", rdr.Schema(), schema)
	}
	md := rdr.Schema().Metadata()
	if v, _ := md.GetValue(MetaEventType); v != kind {
		t.Errorf("metadata %s = %q, want %q", MetaEventType, v, kind)
	}
	if v, _ := md.GetValue(MetaSchemaVersion); v != "1" {
		t.Errorf("metadata %s = %q", MetaSchemaVersion, v)
	}
	if et := SchemaEventType(rdr.Schema()); !ValidEventType(et) {
		t.Errorf("event type %q is not one a Flight collector accepts", et)
	}
	var rows []map[string]any
	for rdr.Next() {
		got := rdr.RecordBatch()
		for i := 0; i < int(got.NumRows()); i++ {
			rows = append(rows, rowValues(got, i))
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkRows compares the rows read back with want, row by row.
func checkRows(t *testing.T, got, want []map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("read %d rows, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		compareRow(t, fmt.Sprintf("row %d", i), got[i], want[i])
	}
}

// checkEVEPresence asserts that each column of rec that has an EVE field of the same path is null
// exactly when EVE omits that field; eve(i) encodes the event of row i, and skip (when not nil)
// exempts the paths where the two outputs differ by design.
func checkEVEPresence(t *testing.T, rec arrow.RecordBatch, eve func(i int) []byte, skip func(path string, v any) bool) {
	t.Helper()
	for i := 0; i < int(rec.NumRows()); i++ {
		obj := decodeLine(t, eve(i))
		for path, v := range rowValues(rec, i) {
			if skip != nil && skip(path, v) {
				continue
			}
			if _, inEVE := get(obj, path); (v == nil) == inEVE {
				t.Errorf("sample %d: %s is %v in Arrow but present=%v in EVE", i, path, v, inEVE)
			}
		}
	}
}

// checkAppendAllocs fills one batch (sizing the builders' buffers), flushes it, then asserts that
// appendRow(i) allocates nothing per row in the steady state.
func checkAppendAllocs(t *testing.T, appendRow func(i int), flush func() arrow.RecordBatch) {
	t.Helper()
	for i := 0; i < 4096; i++ {
		appendRow(i)
	}
	flush().Release()
	i := 0
	allocs := testing.AllocsPerRun(3000, func() {
		appendRow(i)
		i++
	})
	if allocs != 0 {
		t.Errorf("Append allocated %.2f times per row, want 0", allocs)
	}
}
