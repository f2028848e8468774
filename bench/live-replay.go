package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// ReplayOptions says how to write a capture file into the lab's sender end.
type ReplayOptions struct {
	PPS      int           // frames a second; 0: as fast as the socket takes them
	Loops    int           // passes over the file; ignored when Duration is set; 0: one
	Duration time.Duration // >0: loop over the file until this much time has gone
}

// ReplayResult is what a replay sent.
type ReplayResult struct {
	Sent    uint64
	Elapsed time.Duration
}

// Rate is the achieved send rate in frames a second.
func (r ReplayResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// Replay writes file's frames into the sender end of the veth pair with an AF_PACKET socket,
// paced to o.PPS, from a thread that has entered the sender namespace. It stops early,
// returning what it sent so far, when ctx ends.
func (l *Lab) Replay(ctx context.Context, file string, o ReplayOptions) (ReplayResult, error) {
	type result struct {
		r   ReplayResult
		err error
	}
	res := make(chan result, 1)
	go func() {
		// The thread enters the sender namespace and is never unlocked, so the runtime retires
		// it with the goroutine instead of reusing a thread in the wrong namespace.
		runtime.LockOSThread()
		r, err := l.replayInNS(ctx, file, o)
		res <- result{r, err}
	}()
	r := <-res
	if r.err != nil {
		return r.r, fmt.Errorf("replay %s: %w", file, r.err)
	}
	return r.r, nil
}

func (l *Lab) replayInNS(ctx context.Context, file string, o ReplayOptions) (r ReplayResult, err error) {
	nsf, err := os.Open(filepath.Join("/var/run/netns", l.SenderNS))
	if err != nil {
		return r, err
	}
	defer nsf.Close()
	if err := unix.Setns(int(nsf.Fd()), unix.CLONE_NEWNET); err != nil {
		return r, fmt.Errorf("setns: %w", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return r, fmt.Errorf("packet socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(l.SenderIf)
	if err != nil {
		return r, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return r, fmt.Errorf("ifindex of %s: %w", l.SenderIf, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: int(ifr.Uint32())}); err != nil {
		return r, fmt.Errorf("bind: %w", err)
	}
	loops := max(o.Loops, 1)
	start := time.Now()
	deadline := start.Add(o.Duration)
	defer func() { r.Elapsed = time.Since(start) }() // r is the named result: every return sets it
	var f capture.Frame
	for loop := 0; o.Duration > 0 || loop < loops; loop++ {
		src, err := capture.Open(file)
		if err != nil {
			return r, err
		}
		n, done, err := l.sendAll(ctx, fd, src, &f, &r, start, deadline, o)
		src.Close()
		if err != nil || done {
			return r, err
		}
		if n == 0 {
			return r, errors.New("no frames to send")
		}
	}
	return r, nil
}

// sendAll sends one pass over src; done says the replay is over (deadline or ctx).
func (l *Lab) sendAll(ctx context.Context, fd int, src capture.Source, f *capture.Frame, r *ReplayResult, start, deadline time.Time, o ReplayOptions) (n uint64, done bool, err error) {
	for {
		if err := src.Next(f); err != nil {
			if err == io.EOF {
				return n, false, nil
			}
			return n, true, err
		}
		// Pace in bursts of 32: sleep until the schedule catches up with what was sent; check
		// the clock and ctx as often, not per frame.
		if r.Sent%32 == 0 {
			if ctx.Err() != nil || (o.Duration > 0 && time.Now().After(deadline)) {
				return n, true, nil
			}
			if o.PPS > 0 {
				due := start.Add(time.Duration(float64(r.Sent) / float64(o.PPS) * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
			}
		}
		for {
			_, err := unix.Write(fd, f.Data)
			if err == nil {
				r.Sent++
				n++
				break
			}
			if errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			return n, true, fmt.Errorf("write frame %d (%d bytes): %w", r.Sent+1, len(f.Data), err)
		}
	}
}
