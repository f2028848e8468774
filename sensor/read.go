package sensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// tickNanos is how often, in packet time, every worker runs its flow timeouts. All workers tick
// at the same packet times whatever their number, so output does not depend on --workers.
const tickNanos = int64(time.Second)

// ReadOptions says what `nightjar read` does.
type ReadOptions struct {
	Files   []string
	OutDir  string
	Workers int    // 0: one per allowed CPU
	Filter  string // tcpdump-syntax BPF expression; empty passes all
	Pin     bool   // pin workers to CPUs
	Log     *slog.Logger

	// Rules. RuleFiles (-S) replaces the configured rule-files; ExtraRuleFiles (-s) adds to
	// them. With neither and no rule-files in the configuration, detection is off.
	RuleFiles       []string
	ExtraRuleFiles  []string
	InitErrorsFatal bool // a rule that fails to load stops the run (--init-errors-fatal)
}

// FileResult is what happened to one input file.
type FileResult struct {
	File    string
	Packets uint64
	Bytes   uint64
	Err     error // nil, a *capture.CorruptError, or why the file could not be read
}

// ReadFiles runs the sensor over capture files, in order, as one continuous input, and writes
// the configured outputs into opts.OutDir. Damaged files are processed up to the damage and
// reported in the summary; the run goes on with the next file.
func ReadFiles(ctx context.Context, cfg *Config, opts ReadOptions) (*Summary, error) {
	start := time.Now()
	cpuStart := processCPU()
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	n := opts.Workers
	if n <= 0 {
		n = len(allowedCPUs())
	}
	var filter *bpfFilter
	if opts.Filter != "" {
		f, err := newBPFFilter(opts.Filter)
		if err != nil {
			return nil, err
		}
		filter = f
	}
	det, err := loadDetection(cfg, &opts, log)
	if err != nil {
		return nil, err
	}
	out, err := openOutputs(cfg, opts.OutDir, det != nil, true)
	if err != nil {
		return nil, err
	}
	workers := make([]*worker, n)
	for i := range workers {
		if workers[i], err = newWorker(i, n, cfg, out, det); err != nil {
			return nil, errors.Join(err, out.close())
		}
	}

	r := &reader{workers: workers, filter: filter, pin: opts.Pin, log: log}
	ready, cpuReady := time.Now(), processCPU()
	results := r.run(ctx, opts.Files)

	saveDatasets(det, log)
	sum := newSummary(workers, results, n, time.Since(start), det)
	sum.CPU = processCPU() - cpuStart
	sum.Startup, sum.StartupCPU = ready.Sub(start), cpuReady-cpuStart
	var errs []error
	for _, w := range workers {
		if w.err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %w", w.id, w.err))
		}
	}
	if err := out.writeStats(sum, r.lastTime); err != nil {
		errs = append(errs, err)
	}
	if err := out.close(); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// reader moves frames from files to workers.
type reader struct {
	workers  []*worker
	filter   *bpfFilter
	pin      bool
	log      *slog.Logger
	lastTime int64 // newest packet time seen
	nextTick int64
	filtered uint64
}

func (r *reader) run(ctx context.Context, files []string) []FileResult {
	if len(r.workers) == 1 {
		return r.runInline(ctx, files)
	}
	return r.runFanout(ctx, files)
}

// runInline is the one-worker path: the worker decodes frames straight out of the reader's
// buffer, with no copy and no hand-over.
func (r *reader) runInline(ctx context.Context, files []string) []FileResult {
	w := r.workers[0]
	if r.pin {
		if unpin, err := pinToCPU(allowedCPUs()[0]); err != nil {
			r.log.Warn("worker not pinned", "err", err)
			defer unpin()
		} else {
			defer unpin()
		}
	}
	res := r.readAll(ctx, files, func(f *capture.Frame) {
		w.packet(f.Data, f.WireLen, f.LinkType, f.Time, f.Index)
	}, func(now int64) { w.tick(now) })
	w.finish(r.lastTime)
	return res
}

// runFanout spreads frames over the workers by a symmetric hash of their innermost address
// pair, so both directions of a flow, and every fragment of a datagram, meet in one worker.
func (r *reader) runFanout(ctx context.Context, files []string) []FileResult {
	n := len(r.workers)
	lanes := make([]*lane, n)
	cpus := allowedCPUs()
	var wg sync.WaitGroup
	for i, w := range r.workers {
		lanes[i] = newLane()
		wg.Add(1)
		go func(w *worker, l *lane, cpu int) {
			defer wg.Done()
			if r.pin {
				unpin, err := pinToCPU(cpu)
				if err != nil {
					r.log.Warn("worker not pinned", "worker", w.id, "err", err)
				}
				defer unpin()
			}
			for b := range l.full {
				for i := range b.frames {
					fr := &b.frames[i]
					data := b.buf[fr.off : fr.off+fr.n]
					if fr.part == partOuter {
						w.tunnelOuter(data, int(fr.wireLen), fr.linkType, fr.time, fr.index)
						continue
					}
					w.outerHere = fr.part == partWhole
					w.packet(data, int(fr.wireLen), fr.linkType, fr.time, fr.index)
				}
				if b.tick {
					w.tick(b.now)
				}
				l.free <- b
			}
			w.finish(r.lastTime)
		}(w, lanes[i], cpus[i%len(cpus)])
	}
	add := func(l *lane, f *capture.Frame, data []byte, part framePart) {
		if !l.cur.fits(len(data)) {
			l.send(r.lastTime, false)
		}
		l.cur.add(data, f.WireLen, f.LinkType, part, f.Time, f.Index)
	}
	res := r.readAll(ctx, files, func(f *capture.Frame) {
		data := f.Data
		if len(data) > batchBytes {
			data = data[:batchBytes]
		}
		h, carrier, tunnelled := decoders.FlowHashes(f.Data, f.LinkType)
		i := h % uint32(n)
		if tunnelled && carrier%uint32(n) != i {
			add(lanes[i], f, data, partInner)
			add(lanes[carrier%uint32(n)], f, data, partOuter)
			return
		}
		add(lanes[i], f, data, partWhole)
	}, func(now int64) {
		for _, l := range lanes {
			l.send(now, true)
		}
	})
	for _, l := range lanes {
		if len(l.cur.frames) > 0 {
			l.send(r.lastTime, false)
		}
		close(l.full)
	}
	wg.Wait()
	return res
}

// readAll reads every file in turn, giving each frame to deliver and calling tick whenever
// packet time crosses a tick boundary.
func (r *reader) readAll(ctx context.Context, files []string, deliver func(*capture.Frame), tick func(now int64)) []FileResult {
	results := make([]FileResult, 0, len(files))
	var f capture.Frame
	for _, name := range files {
		res := FileResult{File: name}
		src, err := capture.Open(name)
		if err != nil {
			res.Err = err
			results = append(results, res)
			continue
		}
		for {
			if res.Packets&1023 == 0 && ctx.Err() != nil {
				res.Err = ctx.Err()
				break
			}
			err := src.Next(&f)
			if err == io.EOF {
				break
			}
			if err != nil {
				res.Err = err
				break
			}
			res.Packets++
			res.Bytes += uint64(len(f.Data))
			if f.Time > r.lastTime {
				r.lastTime = f.Time
			}
			if r.nextTick == 0 {
				r.nextTick = (f.Time/tickNanos + 1) * tickNanos
			}
			for r.lastTime >= r.nextTick {
				tick(r.nextTick)
				r.nextTick += tickNanos
				if r.lastTime-r.nextTick > 3600*tickNanos { // a jump in time: skip the empty ticks
					r.nextTick = (r.lastTime/tickNanos + 1) * tickNanos
					tick(r.lastTime)
				}
			}
			if r.filter != nil && !r.filter.match(f.Data, f.WireLen, f.LinkType) {
				r.filtered++
				continue
			}
			deliver(&f)
		}
		src.Close()
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	return results
}

// processCPU is the user plus system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
