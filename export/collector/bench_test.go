package collector

import (
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"runtime"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/export"
)

const benchRows = 16384 // rows per batch in the benchmarks

// BenchmarkFlightEndToEnd measures flow rows per second from FlightSink.Write to acknowledged
// Parquet in the lake, over loopback, with one sensor; one op is one batch of benchRows rows. The
// producer waits while more than 8 batches are unacknowledged, as the queue would otherwise spill
// into the spool and the figure would measure the disk. allocs/row counts both ends, since both
// run in this process.
func BenchmarkFlightEndToEnd(b *testing.B) {
	lake := b.TempDir()
	c, addr := startCollector(b, Options{Lake: lake, NoSync: true, CompactEvery: -1})
	s := newSink(b, export.FlightSinkOptions{FlightClientOptions: export.FlightClientOptions{Addr: addr}, QueueBatches: 16})
	rec := flowBatchStep(0, benchRows, time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC), time.Millisecond)
	defer rec.Release()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	cpu0 := time.Duration(benchcpu.ProcessNanos())
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for {
			st := s.Stats()
			if st.Batches-st.AckedBatches < 8 {
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
		if err := s.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	for s.Stats().AckedBatches < uint64(b.N) {
		time.Sleep(50 * time.Microsecond)
	}
	el := time.Since(start)
	cpu := time.Duration(benchcpu.ProcessNanos()) - cpu0
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	st := closeSink(b, s, 10*time.Second)
	if st.DroppedRows() != 0 || st.Spooled.Batches != 0 {
		b.Fatalf("benchmark spilled: %+v", st)
	}
	rows := float64(b.N) * benchRows
	b.ReportMetric(rows/el.Seconds(), "rows/s")
	// On a shared machine wall time says more about the neighbours than about this code; rows
	// per second of this process's CPU time (both ends, all goroutines) does not.
	b.ReportMetric(rows/cpu.Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/rows, "allocs/row")
	b.ReportMetric(float64(c.Stats().Bytes)/float64(c.Stats().Rows), "parquet-B/row")
}

// BenchmarkLakeWrite is the collector's share alone: one batch into Parquet files, no network.
func BenchmarkLakeWrite(b *testing.B) {
	l, err := openLake(b.TempDir(), "bench", true, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer l.close()
	rec := flowBatchStep(0, benchRows, time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC), time.Millisecond)
	defer rec.Release()
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := time.Duration(benchcpu.ProcessNanos())
	for i := 0; i < b.N; i++ {
		_, _, n, err := l.store(export.BatchMeta{EventType: "flow", Sensor: "s", Stream: "flow-x", Seq: uint64(i)}, rec)
		if err != nil {
			b.Fatal(err)
		}
		bytes += n
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)*benchRows/(time.Duration(benchcpu.ProcessNanos())-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(bytes)/(float64(b.N)*benchRows), "parquet-B/row")
}
