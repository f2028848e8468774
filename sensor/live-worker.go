package sensor

import (
	"errors"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

const (
	// liveTick is how often, in wall time, a live worker runs its flow timeouts, hands its EVE
	// lines to the writer and publishes its counters. Packets carry kernel timestamps of the same
	// clock, so flow ages mean the same as in a capture file.
	liveTick = time.Second
	// blocksPerTurn bounds how many blocks a worker takes from one ring before looking at its
	// next, so one busy interface cannot starve another.
	blocksPerTurn = 8
	// maxPollWait bounds a poll, so a stop request is seen promptly on an idle link.
	maxPollWait = 100 * time.Millisecond
)

// liveWorker drives one worker from its rings. Everything it touches on the hot path is its
// own; what other goroutines read (counters) it publishes as an immutable snapshot, swapped
// in atomically once per tick.
type liveWorker struct {
	w         *worker
	det       *detection
	reload    *reloader // publishes the engine to switch to after a rule reload
	rings     []*ringHandle
	cpu       int // -1: not pinned
	log       *slog.Logger
	drainWait time.Duration
	// arrowCheck is how often the worker looks for Arrow batches that have waited the batch age:
	// on a quiet link a batch would otherwise not fill for hours.
	arrowCheck time.Duration

	captureErrors uint64 // poll errors and socket errors (interface down …)
	snap          atomic.Pointer[workerSnapshot]
}

// workerSnapshot is a worker's counters at one moment. It is never written after publication.
type workerSnapshot struct {
	sum        *Summary
	malformed  uint64
	vlanNoRoom uint64
	errors     uint64
}

func (lw *liveWorker) run(stop *atomic.Bool) {
	if lw.cpu >= 0 {
		unpin, err := pinToCPU(lw.cpu)
		if err != nil {
			lw.log.Warn("worker not pinned", "worker", lw.w.id, "cpu", lw.cpu, "err", err)
		}
		defer unpin()
	} else {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	w := lw.w
	pfds := make([]unix.PollFd, len(lw.rings))
	for i, r := range lw.rings {
		pfds[i] = unix.PollFd{Fd: int32(r.FD()), Events: unix.POLLIN}
	}
	var (
		blk       capture.Block
		fr        capture.Frame
		now       = time.Now().UnixNano()
		nextTick  = now + int64(liveTick)
		nextArrow = now + int64(lw.arrowCheck)
		stopAt    int64
	)
	lw.publish()
	for {
		got := false
		for _, r := range lw.rings {
			w.byp.captureHere = r.xdp
			for k := 0; k < blocksPerTurn && r.Acquire(&blk); k++ {
				for blk.Next(&fr) {
					w.packet(fr.Data, fr.WireLen, fr.LinkType, fr.Time, fr.Index)
				}
				r.Release(&blk)
				got = true
			}
		}
		lw.followEngine() // between two batches: no packet is inspected half by each engine
		now = time.Now().UnixNano()
		if now >= nextTick {
			w.tick(now)
			w.flushEVE()
			lw.publish()
			nextTick = now + int64(liveTick)
		}
		if now >= nextArrow {
			w.flushDueArrow(time.Unix(0, now))
			nextArrow = now + int64(lw.arrowCheck)
		}
		if stopAt == 0 && stop.Load() {
			stopAt = now + int64(lw.drainWait)
		}
		if got {
			continue
		}
		if stopAt != 0 && now >= stopAt {
			break
		}
		wait := min(time.Duration(min(nextTick, nextArrow)-now), maxPollWait)
		if stopAt != 0 {
			wait = min(wait, time.Duration(stopAt-now))
		}
		lw.poll(pfds, wait)
	}
	w.finish(time.Now().UnixNano())
	lw.publish()
}

// poll sleeps until a ring has a block or wait has passed. A socket error (the interface went
// down) is read, which clears it, and counted; the ring carries on when the link returns.
func (lw *liveWorker) poll(pfds []unix.PollFd, wait time.Duration) {
	for i := range pfds {
		pfds[i].Revents = 0
	}
	ms := max(int(wait/time.Millisecond), 1)
	_, err := unix.Poll(pfds, ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		lw.captureError("poll", err)
		time.Sleep(10 * time.Millisecond)
		return
	}
	for i := range pfds {
		if pfds[i].Revents&(unix.POLLERR|unix.POLLNVAL) != 0 {
			serr, _ := unix.GetsockoptInt(int(pfds[i].Fd), unix.SOL_SOCKET, unix.SO_ERROR)
			lw.captureError(lw.rings[i].Interface(), unix.Errno(serr))
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (lw *liveWorker) captureError(where string, err error) {
	lw.captureErrors++
	// One line for the first few, then silence: a link that flaps must not flood the log.
	if lw.captureErrors <= 5 {
		lw.log.Warn("capture error", "worker", lw.w.id, "where", where, "err", err)
	}
}

// arrowCheckEvery is how often a live worker checks its Arrow batches' age: a quarter of the
// age, so a batch waits at most 1.25 times it, between 10 ms and the worker's tick.
func arrowCheckEvery(age time.Duration) time.Duration {
	return min(max(age/4, 10*time.Millisecond), liveTick)
}

// publish makes the worker's counters readable by the stats writer and the metrics endpoint.
// It runs on the worker's goroutine, so it reads the worker's state without a race; the cost
// (a few maps) is paid once a tick, not per packet.
func (lw *liveWorker) publish() {
	s := &workerSnapshot{sum: newSummary([]*worker{lw.w}, nil, 1, 0, lw.det), errors: lw.captureErrors}
	for _, r := range lw.rings {
		s.malformed += r.Malformed
		s.vlanNoRoom += r.VLANNoRoom
	}
	lw.snap.Store(s)
}
