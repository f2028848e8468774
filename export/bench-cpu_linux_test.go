package export

import (
	"runtime"
	"syscall"
	"testing"
)

// cpuMeter measures the CPU time of the benchmark's own OS thread, which, unlike ns/op, does not
// grow when other processes compete for the cores. Background GC work on other threads is not
// counted; allocation-free paths have little of it.
type cpuMeter struct{ start int64 }

const rusageThread = 1 // RUSAGE_THREAD

func threadCPUNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// startCPU locks the goroutine to its thread and starts measuring.
func startCPU(b *testing.B) *cpuMeter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &cpuMeter{start: threadCPUNanos()}
}

// report adds cpu-ns/op and per-core rows/s metrics.
func (m *cpuMeter) report(b *testing.B) {
	ns := threadCPUNanos() - m.start
	if ns <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(ns)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/(float64(ns)/1e9), "rows/cpu-s")
}
