package collector

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nightjar-ids/nightjar/export"
)

func closeSink(t testing.TB, s *export.FlightSink, wait time.Duration) export.FlightSinkStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return s.Close(ctx)
}

// wantIDs checks that the lake holds each id in [0, n) exactly once, except those in skip.
func wantIDs(t *testing.T, got map[int64]int, n int, what string) {
	t.Helper()
	bad := 0
	for id := 0; id < n; id++ {
		if got[int64(id)] != 1 {
			if bad < 5 {
				t.Errorf("%s: flow_id %d stored %d times, want once", what, id, got[int64(id)])
			}
			bad++
		}
	}
	if len(got) != n {
		t.Errorf("%s: %d distinct ids in the lake, want %d", what, len(got), n)
	}
	if bad > 0 {
		t.Errorf("%s: %d ids wrong", what, bad)
	}
}

func TestSinkToCollector(t *testing.T) {
	lake := t.TempDir()
	c, addr := startCollector(t, Options{Lake: lake, NoSync: true, CompactEvery: -1})
	s := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}, SpoolDir: t.TempDir()})
	ts := time.Date(2024, 5, 6, 7, 59, 59, 0, time.UTC)
	const batches, per = 20, 100
	for i := 0; i < batches; i++ {
		// Every batch straddles an hour boundary, so it splits over two partitions.
		rec := flowBatchStep(i*per, per, ts, 20*time.Millisecond)
		if err := s.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	a := alertBatch(0, 3, ts)
	s.Write(a)
	a.Release()
	st := closeSink(t, s, 10*time.Second)
	if st.AckedBatches != batches+1 || st.PendingBatches != 0 || st.DroppedRows() != 0 {
		t.Fatalf("sink stats %+v", st)
	}
	if cs := c.Stats(); cs.Rows != batches*per+3 {
		t.Errorf("collector stored %d rows, want %d", cs.Rows, batches*per+3)
	}
	db := openDuck(t)
	wantIDs(t, lakeIDs(t, db, lake, "flow"), batches*per, "flows")
	wantIDs(t, lakeIDs(t, db, lake, "alert"), 3, "alerts")
	for _, p := range []string{"hour=07", "hour=08"} {
		if m, _ := filepath.Glob(filepath.Join(lake, "event_type=flow", "date=2024-05-06", p, "sensor=s1", "*.parquet")); len(m) == 0 {
			t.Errorf("no files in partition %s", p)
		}
	}
	// The Hive partition columns come back as columns.
	var sensor string
	var hour int
	if err := db.QueryRow("SELECT sensor, hour FROM read_parquet(?, hive_partitioning = true) WHERE flow_id = 99",
		filepath.Join(lake, "event_type=flow", "**", "*.parquet")).Scan(&sensor, &hour); err != nil {
		t.Fatal(err)
	}
	if sensor != "s1" || hour != 8 {
		t.Errorf("partition columns: sensor %q hour %d", sensor, hour)
	}
}

// A resend of a batch the lake already holds, even to a restarted collector, is stored once.
func TestDedupSurvivesRestart(t *testing.T) {
	lake := t.TempDir()
	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	rec := flowBatch(0, 10, ts)
	defer rec.Release()
	meta := export.BatchMeta{EventType: "flow", Sensor: "s1", Stream: "flow-abc", Seq: 7}
	put := func() export.FlightAck {
		c, addr := startCollector(t, Options{Lake: lake, NoSync: true, CompactEvery: -1})
		defer c.Close(time.Second)
		client, err := export.DialFlight(export.FlightClientOptions{Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		stream, err := client.DoPut(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		w := flight.NewRecordWriter(stream, ipc.WithSchema(rec.Schema()))
		md := []byte(`{"event_type":"flow","sensor":"s1","stream":"flow-abc","seq":7}`)
		if err := w.WriteWithAppMetadata(rec, md); err != nil {
			t.Fatal(err)
		}
		res, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		stream.CloseSend()
		var a export.FlightAck
		if err := jsonUnmarshal(res.AppMetadata, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := put(); a.Dup || a.BatchMeta != meta {
		t.Fatalf("first put: ack %+v", a)
	}
	if a := put(); !a.Dup {
		t.Fatalf("second put after restart: ack %+v, want dup", a)
	}
	wantIDs(t, lakeIDs(t, openDuck(t), lake, "flow"), 10, "flows")
}

func TestAuthToken(t *testing.T) {
	lake := t.TempDir()
	c, addr := startCollector(t, Options{Lake: lake, Token: "s3cret", NoSync: true, CompactEvery: -1})

	// A bare client is refused with Unauthenticated.
	client, err := export.DialFlight(export.FlightClientOptions{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	stream, err := client.DoPut(context.Background())
	if err == nil {
		rec := flowBatch(0, 1, time.Now())
		w := flight.NewRecordWriter(stream, ipc.WithSchema(rec.Schema()))
		_ = w.WriteWithAppMetadata(rec, []byte(`{"event_type":"flow","sensor":"x","stream":"flow-x","seq":0}`))
		rec.Release()
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("DoPut without token: %v, want Unauthenticated", err)
	}

	// A sink with the wrong token delivers nothing and keeps its batch.
	bad := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr, Token: "wrong"}, SpoolDir: t.TempDir()})
	rec := flowBatch(0, 5, time.Now())
	bad.Write(rec)
	st := closeSink(t, bad, 300*time.Millisecond)
	if st.AckedBatches != 0 || st.PendingBatches != 1 || !strings.Contains(st.LastError, "Unauthenticated") {
		t.Errorf("wrong token: stats %+v", st)
	}
	// The right token gets through.
	good := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr, Token: "s3cret"}})
	good.Write(rec)
	rec.Release()
	if st := closeSink(t, good, 10*time.Second); st.AckedRows != 5 {
		t.Errorf("right token: stats %+v", st)
	}
	if c.Stats().Refused == 0 {
		t.Error("collector counted no refusal")
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cfg, caPath := selfSigned(t, dir)
	lake := filepath.Join(dir, "lake")
	_, addr := startCollector(t, Options{Lake: lake, TLS: cfg, NoSync: true, CompactEvery: -1})
	rec := flowBatch(0, 4, time.Now())
	defer rec.Release()

	plain := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}})
	plain.Write(rec)
	if st := closeSink(t, plain, 500*time.Millisecond); st.AckedBatches != 0 || st.LastError == "" {
		t.Errorf("plain connection to a TLS collector: stats %+v", st)
	}
	// No CA: the self-signed certificate is not trusted.
	untrusted := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: "grpc+tls://" + addr}})
	untrusted.Write(rec)
	if st := closeSink(t, untrusted, 500*time.Millisecond); st.AckedBatches != 0 {
		t.Errorf("untrusted certificate accepted: stats %+v", st)
	}
	good := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr, CAFile: caPath}})
	good.Write(rec)
	if st := closeSink(t, good, 10*time.Second); st.AckedRows != 4 {
		t.Errorf("TLS with CA: stats %+v", st)
	}
	wantIDs(t, lakeIDs(t, openDuck(t), lake, "flow"), 4, "flows")
}

// TestSpoolBound fills a bounded spool while the collector is away: flow batches are dropped
// first, alerts survive, every dropped row is counted, and a restarted sink delivers the rest.
func TestSpoolBound(t *testing.T) {
	spool := t.TempDir()
	// A port with nobody listening: reserve one, then close it.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()

	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	probe := flowBatch(0, 200, ts)
	one := spoolSize(t, probe)
	probe.Release()

	s := newSink(t, export.FlightSinkOptions{
		FlightClientOptions: export.FlightClientOptions{Addr: addr},
		SpoolDir:            spool, SpoolMaxBytes: 10 * one, QueueBatches: 2,
	})
	const flows, alerts = 30, 5
	id := 0
	for i := 0; i < flows; i++ {
		rec := flowBatch(id, 200, ts)
		id += 200
		s.Write(rec)
		rec.Release()
		if i%6 == 5 { // alerts interleaved, arriving when the spool is already full of flows
			a := alertBatch(i, 1, ts)
			s.Write(a)
			a.Release()
		}
	}
	st := closeSink(t, s, 200*time.Millisecond)
	if d := st.Dropped["alert"]; d.Rows != 0 {
		t.Errorf("alerts dropped: %+v", d)
	}
	df := st.Dropped["flow"]
	if df.Rows == 0 || df.Rows%200 != 0 || df.Rows != df.Batches*200 {
		t.Errorf("flow drops %+v: want whole 200-row batches", df)
	}
	if st.PendingRows+df.Rows != flows*200+alerts {
		t.Errorf("pending %d + dropped %d rows != written %d", st.PendingRows, df.Rows, flows*200+alerts)
	}
	if st.AckedBatches != 0 {
		t.Errorf("acked %d batches with no collector", st.AckedBatches)
	}

	// The collector comes up; a new sink on the same spool sends what it holds.
	lake := t.TempDir()
	lis2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	c := serveOn(t, Options{Lake: lake, NoSync: true, CompactEvery: -1}, lis2)
	s2 := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}, SpoolDir: spool})
	st2 := closeSink(t, s2, 10*time.Second)
	if st2.PendingBatches != 0 || st2.AckedRows != st.PendingRows {
		t.Errorf("resumed spool: acked %d rows, want %d (stats %+v)", st2.AckedRows, st.PendingRows, st2)
	}
	db := openDuck(t)
	if got := lakeIDs(t, db, lake, "alert"); len(got) != alerts {
		t.Errorf("lake holds %d alerts, want %d", len(got), alerts)
	}
	got := lakeIDs(t, db, lake, "flow")
	if uint64(len(got)) != flows*200-df.Rows {
		t.Errorf("lake holds %d flows, want %d written - %d dropped", len(got), flows*200, df.Rows)
	}
	if c.Stats().Duplicates != 0 {
		t.Errorf("%d duplicates", c.Stats().Duplicates)
	}
}

// spoolSize is the size a batch takes in the spool.
func spoolSize(t *testing.T, rec arrow.RecordBatch) int64 {
	dir := t.TempDir()
	sp, err := export.OpenSpool(dir, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := sp.Put(1, export.BatchMeta{EventType: "flow", Sensor: "s", Stream: "x", Seq: 1}, rec); !ok || err != nil {
		t.Fatal(ok, err)
	}
	return sp.Bytes()
}

// A collector that goes away mid-stream and comes back on the same address: the sink spools,
// reconnects and resends; the lake ends with every row once.
func TestReconnectNoLossNoDup(t *testing.T) {
	lake := t.TempDir()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	c1, err := New(Options{Lake: lake, NoSync: true, CompactEvery: -1, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	go c1.Serve(lis)
	s := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}, SpoolDir: t.TempDir(), QueueBatches: 4})
	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	const batches, per = 60, 50
	for i := 0; i < batches; i++ {
		if i == 20 {
			c1.srv.Stop() // abrupt: open streams are cut
			c1.lake.close()
		}
		if i == 40 {
			lis2, err := net.Listen("tcp", addr)
			if err != nil {
				t.Skipf("port %s taken meanwhile: %v", addr, err)
			}
			serveOn(t, Options{Lake: lake, NoSync: true, CompactEvery: -1}, lis2)
		}
		rec := flowBatch(i*per, per, ts)
		s.Write(rec)
		rec.Release()
		time.Sleep(2 * time.Millisecond)
	}
	st := closeSink(t, s, 15*time.Second)
	if st.PendingBatches != 0 || st.DroppedRows() != 0 || st.AckedRows != batches*per {
		t.Fatalf("sink stats %+v", st)
	}
	if st.Reconnects == 0 {
		t.Error("no reconnect counted")
	}
	wantIDs(t, lakeIDs(t, openDuck(t), lake, "flow"), batches*per, "flows")
}

func TestCompaction(t *testing.T) {
	lake := t.TempDir()
	c, addr := startCollector(t, Options{Lake: lake, NoSync: true, CompactEvery: -1, CompactMinFiles: 4})
	s := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}})
	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		rec := flowBatch(i*10, 10, ts)
		s.Write(rec)
		rec.Release()
	}
	if st := closeSink(t, s, 10*time.Second); st.AckedBatches != 10 {
		t.Fatalf("stats %+v", st)
	}
	part := filepath.Join(lake, "event_type=flow", "date=2024-05-06", "hour=07", "sensor=s1")
	if err := c.Compact(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(part, "*.parquet"))
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "c-") {
		t.Fatalf("after compaction: %v", files)
	}
	wantIDs(t, lakeIDs(t, openDuck(t), lake, "flow"), 100, "flows")

	// A resend of a compacted batch is still recognised.
	s2 := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}})
	rec := flowBatch(100, 10, ts)
	s2.Write(rec)
	rec.Release()
	closeSink(t, s2, 10*time.Second)
	wantIDs(t, lakeIDs(t, openDuck(t), lake, "flow"), 110, "flows")
}

// A collector killed after renaming a compacted file but before deleting its sources finishes the
// job when it starts again; one killed before the rename undoes it.
func TestCompactionRecovery(t *testing.T) {
	for _, targetDone := range []bool{true, false} {
		lake := t.TempDir()
		part := filepath.Join(lake, "event_type=flow", "date=2024-05-06", "hour=07", "sensor=s1")
		os.MkdirAll(part, 0o755)
		for _, n := range []string{"b-x-1.parquet", "b-x-2.parquet"} {
			os.WriteFile(filepath.Join(part, n), []byte("PAR1"), 0o644)
		}
		target := "c-dead-1.parquet"
		if targetDone {
			os.WriteFile(filepath.Join(part, target), []byte("PAR1"), 0o644)
		} else {
			os.WriteFile(filepath.Join(part, "."+target+".tmp"), []byte("PA"), 0o644)
		}
		os.WriteFile(filepath.Join(part, ".compact-dead-1.intent"), []byte(`{"target":"`+target+`","sources":["b-x-1.parquet","b-x-2.parquet"]}`), 0o644)
		os.WriteFile(filepath.Join(part, lockName), nil, 0o644)
		c, err := New(Options{Lake: lake, NoSync: true, Log: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		c.Close(time.Second)
		var names []string
		des, _ := os.ReadDir(part)
		for _, d := range des {
			names = append(names, d.Name())
		}
		want := "b-x-1.parquet b-x-2.parquet"
		if targetDone {
			want = target
		}
		if strings.Join(names, " ") != want {
			t.Errorf("target done %v: partition holds %v, want %s", targetDone, names, want)
		}
	}
}

func TestTail(t *testing.T) {
	lake := t.TempDir()
	_, addr := startCollector(t, Options{Lake: lake, NoSync: true, CompactEvery: -1, RecentRows: 2})
	s := newSink(t, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}})
	ts := time.Now()
	a := alertBatch(0, 5, ts)
	s.Write(a)
	a.Release()
	for s.Stats().AckedBatches < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []int64
	go func() {
		// Once the recent batch has been seen, a live one follows.
		for len(gotSnapshot(&got)) == 0 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		a := alertBatch(100, 1, ts)
		s.Write(a)
		a.Release()
	}()
	err := Tail(ctx, export.FlightClientOptions{Addr: addr}, export.TailTicket{EventType: "alert", Follow: true}, func(sensor string, rec arrow.RecordBatch) error {
		if sensor != "s1" {
			t.Errorf("sensor %q", sensor)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			appendLocked(&got, rec.Column(1).(interface{ Value(int) int64 }).Value(i))
		}
		if len(gotSnapshot(&got)) >= 3 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The recent batch is cut to its last two rows (RecentRows), then the live row.
	if g := gotSnapshot(&got); len(g) != 3 || g[0] != 3 || g[1] != 4 || g[2] != 100 {
		t.Errorf("tail saw %v, want [3 4 100]", g)
	}
	closeSink(t, s, 5*time.Second)
}

var gotMu sync.Mutex

func appendLocked(s *[]int64, v int64) {
	gotMu.Lock()
	*s = append(*s, v)
	gotMu.Unlock()
}

func gotSnapshot(s *[]int64) []int64 {
	gotMu.Lock()
	defer gotMu.Unlock()
	return append([]int64(nil), *s...)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
