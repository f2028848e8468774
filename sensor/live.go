package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// RunOptions says what `nightjar run` does.
type RunOptions struct {
	Interfaces []string
	OutDir     string
	Workers    int   // 0: one per CPU of CPUs (or of the allowed CPUs)
	CPUs       []int // CPUs the workers are pinned to, worker i on CPUs[i%len]; nil: the allowed CPUs
	Pin        bool  // pin workers to CPUs
	Filter     string
	Fanout     string // hash, cpu, qm, ebpf (or Suricata's cluster_*); "": the af-packet cluster-type
	// MetricsAddr serves Prometheus metrics at /metrics; "" leaves it off. A bare port or
	// ":port" binds to 127.0.0.1 only.
	MetricsAddr string
	// Reopen asks, each time it receives, that the log files be reopened and the rules
	// reloaded (SIGHUP).
	Reopen <-chan struct{}
	// CtlSocket is the unix socket `nightjar ctl` talks to: "" for DefaultCtlSocket(OutDir),
	// CtlSocketOff for none.
	CtlSocket string
	// Started, when set, is called once every ring is open and every worker is reading.
	Started func()
	Log     *slog.Logger

	// Rules, as ReadOptions has them.
	RuleFiles       []string
	ExtraRuleFiles  []string
	InitErrorsFatal bool
}

// Run captures live from opts.Interfaces until ctx is done, then stops capture, drains the
// rings, ends every flow (reason shutdown), flushes the outputs and returns the summary.
//
// Each worker owns one ring per interface; all rings of an interface form one PACKET_FANOUT
// group, so the kernel, not the sensor, decides which worker sees a packet, and a packet is
// decoded where the kernel put it.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*LiveSummary, error) {
	start := time.Now()
	cpuStart := processCPU()
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if len(opts.Interfaces) == 0 {
		return nil, errors.New("no interface: give one or more -i IFACE")
	}
	cpus := opts.CPUs
	if len(cpus) == 0 {
		cpus = allowedCPUs()
	}
	n := opts.Workers
	if n <= 0 {
		n = len(cpus)
	}
	det, err := loadDetection(cfg, &ReadOptions{RuleFiles: opts.RuleFiles, ExtraRuleFiles: opts.ExtraRuleFiles, InitErrorsFatal: opts.InitErrorsFatal}, log)
	if err != nil {
		return nil, err
	}

	rings, err := openRings(cfg, &opts, n)
	if err != nil {
		return nil, err
	}
	ringsOpen := true
	defer func() {
		if ringsOpen {
			closeRings(rings, log)
		}
	}()

	// The XDP program is attached while the process still has its privileges; the kernel link
	// goes with the process however it ends.
	xdp, err := openXDPBypass(cfg, opts.Interfaces, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := xdp.close(); err != nil {
			log.Warn("detaching the XDP bypass", "err", err)
		}
	}()
	for _, perWorker := range rings {
		for _, r := range perWorker {
			r.xdp = xdp.attached(r.Interface())
		}
	}

	var metrics *metricsServer
	if opts.MetricsAddr != "" {
		if metrics, err = listenMetrics(opts.MetricsAddr); err != nil {
			return nil, err
		}
		defer metrics.close()
	}
	ctl, err := openControl(&opts, log)
	if err != nil {
		return nil, err
	}
	if ctl != nil {
		defer ctl.close()
	}
	if cfg.RunAs.User != "" || cfg.RunAs.Group != "" {
		if err := dropPrivileges(cfg.RunAs, log); err != nil {
			return nil, err
		}
	}

	out, err := openOutputs(cfg, opts.OutDir, det != nil, false)
	if err != nil {
		return nil, err
	}
	rel := newReloader(cfg, &opts, det, n, log)
	lws := make([]*liveWorker, n)
	for i := range lws {
		w, err := newWorker(i, n, cfg, out, det)
		if err != nil {
			return nil, errors.Join(err, out.close())
		}
		if xdp != nil {
			w.useCapture(xdp)
		}
		cpu := -1
		if opts.Pin {
			cpu = cpus[i%len(cpus)]
		}
		lws[i] = &liveWorker{w: w, det: det, reload: rel, rings: rings[i], cpu: cpu, log: log, arrowCheck: arrowCheckEvery(out.batchAge())}
		lws[i].drainWait = drainWindow(cfg, opts.Interfaces)
	}
	st := &liveState{start: start, workers: lws, rings: rings, ifaces: opts.Interfaces, reload: rel, xdp: xdp.attachments()}
	if metrics != nil {
		metrics.serve(st, log)
	}
	if ctl != nil {
		ctl.serve(rel, log)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, lw := range lws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lw.run(&stop)
		}()
	}
	log.Info("capturing", "interfaces", strings.Join(opts.Interfaces, ","), "workers", n, "fanout", rings[0][0].fanout)
	if opts.Started != nil {
		opts.Started()
	}

	var errs []error
	st.control(ctx, cfg, out, opts.Reopen, log, &errs)

	// Shutdown: the kernel stops queueing, the workers empty their rings (the block the kernel
	// is filling comes at its timeout) and end their flows, then the outputs close.
	for _, perWorker := range rings {
		for _, r := range perWorker {
			if err := r.Stop(); err != nil {
				log.Warn("stopping capture", "interface", r.Interface(), "err", err)
			}
		}
	}
	stop.Store(true)
	rel.captureStopped()
	wg.Wait()

	saveDatasets(rel.cur.Load(), log)
	sum := st.summary(time.Since(start))
	sum.CPU = processCPU() - cpuStart
	closeRings(rings, log)
	ringsOpen = false
	for _, lw := range lws {
		if lw.w.err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %w", lw.w.id, lw.w.err))
		}
	}
	if err := out.writeStats(&sum.Summary, time.Now().UnixNano()); err != nil {
		errs = append(errs, err)
	}
	if err := out.close(); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// ringHandle is a ring with the worker and fanout it was opened for.
type ringHandle struct {
	*capture.Ring
	worker int
	fanout capture.FanoutMode
	xdp    bool // the XDP bypass drops bypassed flows on this ring's interface
}

// openRings opens, for each worker, one ring per interface. Opening is all or nothing.
func openRings(cfg *Config, opts *RunOptions, n int) ([][]*ringHandle, error) {
	rings := make([][]*ringHandle, n)
	for j, iface := range opts.Interfaces {
		ac, err := cfg.afpacketFor(iface, j)
		if err != nil {
			closeRings(rings, nil)
			return nil, err
		}
		mode := opts.Fanout
		if mode == "" {
			mode = ac.ClusterType
		}
		fanout, err := capture.ParseFanoutMode(mode)
		if err != nil {
			closeRings(rings, nil)
			return nil, err
		}
		ro := ac.ringOptions(fanout)
		ro.Filter = opts.Filter
		if ro.Filter == "" {
			ro.Filter = ac.BPFFilter
		}
		prog, err := fanoutProgram(fanout)
		if err != nil {
			closeRings(rings, nil)
			return nil, err
		}
		for i := 0; i < n; i++ {
			if i == 0 && prog != nil {
				ro.Fanout.ProgFD = prog.FD()
			} else {
				ro.Fanout.ProgFD = -1
			}
			r, err := capture.OpenRing(ro)
			if err != nil {
				if prog != nil {
					prog.Close()
				}
				closeRings(rings, nil)
				return nil, err
			}
			rings[i] = append(rings[i], &ringHandle{Ring: r, worker: i, fanout: fanout})
		}
		if prog != nil {
			// The fanout group holds its own reference to the program.
			prog.Close()
		}
	}
	return rings, nil
}

func closeRings(rings [][]*ringHandle, log *slog.Logger) {
	for _, perWorker := range rings {
		for _, r := range perWorker {
			if err := r.Close(); err != nil && log != nil {
				log.Warn("closing ring", "interface", r.Interface(), "err", err)
			}
		}
	}
}

// drainWindow is how long a stopping worker keeps looking for blocks: the kernel hands over
// the block it was filling only when the block times out.
func drainWindow(cfg *Config, ifaces []string) time.Duration {
	longest := time.Duration(0)
	for j, iface := range ifaces {
		if ac, err := cfg.afpacketFor(iface, j); err == nil {
			longest = max(longest, time.Duration(ac.BlockTimeout)*time.Millisecond)
		}
	}
	return 2*longest + 50*time.Millisecond
}

// ParseCPUList reads a CPU list as taskset and /sys do: "0-3,6,8-9".
func ParseCPUList(s string) ([]int, error) {
	var cpus []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a >= 1024 {
			return nil, fmt.Errorf("cpu list %q: bad cpu %q", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b >= 1024 {
				return nil, fmt.Errorf("cpu list %q: bad range %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				cpus = append(cpus, c)
			}
		}
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("cpu list %q is empty", s)
	}
	return cpus, nil
}
