package bench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress writes a status line about once a second during long work. The line comes from
// status, called on the worker's own goroutine by poll (generation) or from a ticker (runs,
// where the work happens inside the sensor and the line reads only process-wide figures).
type progress struct {
	w      io.Writer
	status func(elapsed time.Duration) string
	start  time.Time
	last   time.Time
	done   chan struct{}
	wg     sync.WaitGroup
}

func newProgress(w io.Writer, status func(time.Duration) string) *progress {
	now := time.Now()
	return &progress{w: w, status: status, start: now, last: now}
}

// poll prints a line when a second has passed since the last one.
func (p *progress) poll() {
	now := time.Now()
	if now.Sub(p.last) >= time.Second {
		p.last = now
		fmt.Fprintln(p.w, p.status(now.Sub(p.start)))
	}
}

// ticking prints a line every second from its own goroutine until stop.
func (p *progress) ticking() *progress {
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case now := <-t.C:
				fmt.Fprintln(p.w, p.status(now.Sub(p.start)))
			}
		}
	}()
	return p
}

func (p *progress) stop() {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
		p.done = nil
	}
}
