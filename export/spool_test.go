package export

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func spoolTestBatch(eventType string, rows int) arrow.RecordBatch {
	md := arrow.NewMetadata([]string{MetaEventType}, []string{eventType})
	s := arrow.NewSchema([]arrow.Field{{Name: "flow_id", Type: arrow.PrimitiveTypes.Int64}}, &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecordBatch()
}

// A reopened spool lists its batches in order with their keys, and loads them back whole.
func TestSpoolResume(t *testing.T) {
	dir := t.TempDir()
	sp, err := OpenSpool(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i, et := range []string{"flow", "alert", "flow"} {
		rec := spoolTestBatch(et, 10+i)
		// Orders out of sequence: 3 is a batch spilled from memory at shutdown, older than 5.
		ord := []uint64{5, 3, 9}[i]
		if ok, err := sp.Put(ord, BatchMeta{EventType: et, Sensor: "s", Stream: et + "-r", Seq: uint64(i)}, rec); !ok || err != nil {
			t.Fatal(ok, err)
		}
		rec.Release()
	}
	os.WriteFile(filepath.Join(dir, "00000000000000000001-flow.arrows"), []byte("garbage"), 0o644)
	os.WriteFile(filepath.Join(dir, ".00000000000000000002-flow.arrows.tmp"), []byte("torn"), 0o644)

	sp2, err := OpenSpool(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if sp2.Len() != 3 || sp2.Rows() != 33 || sp2.MaxOrder() != 9 {
		t.Fatalf("reopened: %d batches, %d rows, max order %d", sp2.Len(), sp2.Rows(), sp2.MaxOrder())
	}
	wantOrd := []uint64{3, 5, 9}
	wantSeq := []uint64{1, 0, 2}
	for i := 0; i < 3; i++ {
		e := sp2.take()
		if e.ord != wantOrd[i] || e.meta.Seq != wantSeq[i] || e.meta.Sensor != "s" {
			t.Errorf("entry %d: order %d meta %+v", i, e.ord, e.meta)
		}
		rec, err := sp2.load(e)
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() != e.rows || SchemaEventType(rec.Schema()) != e.meta.EventType {
			t.Errorf("loaded %d rows of %q", rec.NumRows(), SchemaEventType(rec.Schema()))
		}
		if _, ok := rec.Schema().Metadata().GetValue(spoolMetaSeq); ok {
			t.Error("spool metadata leaked into the loaded batch")
		}
		rec.Release()
		sp2.remove(e)
	}
	if sp2.Len() != 0 || sp2.Bytes() != 0 {
		t.Errorf("after removing all: %d batches, %d bytes", sp2.Len(), sp2.Bytes())
	}
	if _, err := os.Stat(filepath.Join(dir, "00000000000000000001-flow.arrows.bad")); err != nil {
		t.Errorf("damaged file not set aside: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".00000000000000000002-flow.arrows.tmp")); err == nil {
		t.Error("temporary file left")
	}
}

// A full spool gives up flows for alerts, never a batch in flight, and refuses flows for flows.
func TestSpoolDropOrder(t *testing.T) {
	probe := spoolTestBatch("flow", 100)
	defer probe.Release()
	size, err := writeSpoolFile(filepath.Join(t.TempDir(), "probe"), BatchMeta{EventType: "flow", Sensor: "s", Stream: "flow-r", Seq: 0}, probe)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := OpenSpool(t.TempDir(), 3*size+size/2)
	if err != nil {
		t.Fatal(err)
	}
	put := func(ord uint64, et string) bool {
		rec := spoolTestBatch(et, 100)
		defer rec.Release()
		ok, err := sp.Put(ord, BatchMeta{EventType: et, Sensor: "s", Stream: et + "-r", Seq: ord}, rec)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := uint64(1); i <= 3; i++ {
		if !put(i, "flow") {
			t.Fatalf("flow %d refused below the bound", i)
		}
	}
	inFlight := sp.take() // order 1: must survive eviction
	if put(4, "flow") {
		t.Error("a flow was taken into a full spool")
	}
	for i := uint64(5); i <= 6; i++ {
		if !put(i, "alert") {
			t.Errorf("alert %d refused while flows could give way", i)
		}
	}
	if put(7, "alert") {
		t.Error("alert stored although only a taken flow and alerts remain")
	}
	if d := sp.Dropped["flow"]; d.Batches != 3 || d.Rows != 300 {
		t.Errorf("flow drops %+v, want 3 batches 300 rows (1 refused, 2 evicted)", d)
	}
	if d := sp.Dropped["alert"]; d.Batches != 1 || d.Rows != 100 {
		t.Errorf("alert drops %+v", d)
	}
	var ords []uint64
	for _, e := range sp.entries {
		ords = append(ords, e.ord)
	}
	if len(ords) != 3 || ords[0] != inFlight.ord || ords[1] != 5 || ords[2] != 6 {
		t.Errorf("spool holds orders %v, want [1 5 6]", ords)
	}
}
