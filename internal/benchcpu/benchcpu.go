// Package benchcpu adds a cpu-ns/op metric to Go benchmarks. On the shared machines Nightjar is
// developed on, wall-clock ns/op counts the time other processes held the CPU; the CPU time of
// the benchmark's own thread does not, so it is the figure to compare across runs.
package benchcpu

import (
	"runtime"
	"syscall"
	"testing"
)

// rusageThread is RUSAGE_THREAD: the calling thread's usage (Linux).
const rusageThread = 1

// ThreadNanos is the user plus system CPU time of the calling OS thread, 0 where unknown.
func ThreadNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// ProcessNanos is the user plus system CPU time of the whole process (all threads), 0 where
// unknown: for benchmarks whose work spans goroutines.
func ProcessNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Meter measures one benchmark loop.
type Meter struct{ start int64 }

// Start locks the benchmark goroutine to its OS thread (so the thread's CPU time is the loop's)
// and starts measuring. Call it right before the loop.
func Start(b *testing.B) *Meter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &Meter{start: ThreadNanos()}
}

// Report adds cpu-ns/op and, when unit is not empty, "<unit>/cpu-s" (operations per CPU-second).
func (m *Meter) Report(b *testing.B, unit string) {
	ns := ThreadNanos() - m.start
	if ns <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(ns)/float64(b.N), "cpu-ns/op")
	if unit != "" {
		b.ReportMetric(float64(b.N)/(float64(ns)/1e9), unit+"/cpu-s")
	}
}
