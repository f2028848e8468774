package bench

import (
	"context"
	"io"
	"syscall"
	"time"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// readOnly reads the files frame by frame and does nothing else: the floor under the
// pipeline's cost, and the "read" stage of the breakdown.
func readOnly(ctx context.Context, files []string) (sample, error) {
	start, cpu0 := time.Now(), processCPU()
	var s sample
	var f capture.Frame
	for _, name := range files {
		src, err := capture.Open(name)
		if err != nil {
			return s, err
		}
		for {
			if s.packets&1023 == 0 && ctx.Err() != nil {
				src.Close()
				return s, ctx.Err()
			}
			err := src.Next(&f)
			if err == io.EOF {
				break
			}
			if err != nil {
				src.Close()
				return s, err
			}
			s.packets++
			s.bytes += uint64(len(f.Data))
		}
		src.Close()
	}
	s.wall, s.cpu = time.Since(start), processCPU()-cpu0
	return s, nil
}

// processCPU is the user plus system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMiB is the process's resident-set high-water mark (Linux reports maxrss in KiB).
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
