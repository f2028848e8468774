package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Rule reload while capturing (SIGHUP, `nightjar ctl reload`).
//
// The new engine is compiled off the workers, on a thread of its own at a lower priority, while
// the workers keep inspecting with the old one. Once it is built it is published through an
// atomic pointer; each worker looks at the pointer between two batches of packets (at most
// blocksPerTurn blocks per ring, or one poll of at most maxPollWait on a quiet link) and
// switches there, so every packet is inspected, by the old engine or the new, never by none.
//
// Per-flow detection state (flowbits, flowints, xbits, thresholds, a pass verdict) lives in a
// worker's Matcher, and each worker makes a new Matcher from the new Engine, so that state
// starts empty for flows already open: a flowbit set before the reload is not seen after it,
// and a flow passed by the old engine is inspected again. Flow records, stream reassembly and
// the app layer carry on unchanged, as does the worker's knowledge of which TCP sessions are
// established.
//
// Memory is bounded: one reload runs at a time (later requests wait; SIGHUPs that arrive
// during a reload fold into one), and the next does not start before every worker has left
// the previous engine, so at most two engines exist at once, the one in use and the one being
// built. When the last worker has switched the old engine has no reference left; a collection
// then runs its finalizers, which free its Hyperscan databases and scratch (C memory).

// reloadSwapTimeout bounds how long a reload waits for every worker to switch engines.
const reloadSwapTimeout = 30 * time.Second

// maxReloadProblems is how many rule problems a reload result lists (all are logged).
const maxReloadProblems = 20

// ReloadResult is what one rule reload did, as `nightjar ctl reload` prints it.
type ReloadResult struct {
	OK          bool     `json:"ok"`
	Error       string   `json:"error,omitempty"` // why the old engine was kept
	RuleFiles   []string `json:"rule_files,omitempty"`
	RulesLoaded int      `json:"rules_loaded"`
	RulesFailed int      `json:"rules_failed"`
	RulesTotal  int      `json:"rules_total"`
	Problems    []string `json:"problems,omitempty"` // the first maxReloadProblems, FILE:LINE sid N: reason
	CompileMS   float64  `json:"compile_ms"`
	SwapMS      float64  `json:"swap_ms"` // from publication until the last worker switched
	// Resident memory of the process (Go heap, Hyperscan and all) before the reload, with the
	// new engine built beside the old, and once the old one has been released.
	RSSBefore   uint64 `json:"rss_before"`
	RSSCompiled uint64 `json:"rss_compiled"`
	RSSAfter    uint64 `json:"rss_after"`
	// The sensor's counters once this reload is over.
	Reloads  uint64 `json:"engine_reloads"`
	Failures uint64 `json:"engine_reload_failures"`
}

// reloader compiles new engines and hands them to the workers.
type reloader struct {
	cfg   *Config
	files []string // the rule files the sensor started with, re-read on each reload
	fatal bool     // --init-errors-fatal: any rule problem fails the reload too
	log   *slog.Logger

	cur     atomic.Pointer[detection] // the engine workers should use
	acks    []atomic.Pointer[detection]
	stopped chan struct{} // closed when capture stops: nobody will switch any more
	stop    sync.Once

	mu         sync.Mutex // held for a whole reload: one at a time
	hupPending atomic.Bool

	reloads, failures atomic.Uint64
}

func newReloader(cfg *Config, opts *RunOptions, det *detection, workers int, log *slog.Logger) *reloader {
	files := opts.RuleFiles
	if len(files) == 0 {
		files = append(configRuleFiles(cfg), opts.ExtraRuleFiles...)
	}
	r := &reloader{cfg: cfg, files: files, fatal: opts.InitErrorsFatal, log: log,
		acks: make([]atomic.Pointer[detection], workers), stopped: make(chan struct{})}
	r.cur.Store(det)
	for i := range r.acks {
		r.acks[i].Store(det)
	}
	return r
}

// capturing ends: a reload in progress stops waiting for workers.
func (r *reloader) captureStopped() { r.stop.Do(func() { close(r.stopped) }) }

// followEngine switches the worker to the latest engine if it is not using it yet. It runs on
// the worker's goroutine between two batches, so no packet is ever half inspected.
func (lw *liveWorker) followEngine() {
	r := lw.reload
	if r == nil {
		return
	}
	d := r.cur.Load()
	if d == lw.det {
		return
	}
	lw.w.useDetection(d)
	lw.det = d
	r.acks[lw.w.id].Store(d)
}

// useDetection makes the worker inspect with d from its next packet on, with a fresh matcher.
// What the worker counted, its record of established sessions, the tags in force and the
// flows' variables (flowbits, flowints) carry over.
func (w *worker) useDetection(d *detection) {
	nd := newWorkerDetect(d)
	if old := w.det; old != nil {
		nd.alerts = old.alerts
		nd.estGen = old.estGen
		nd.tags = old.tags
		nd.matcher.AdoptFlows(old.matcher)
	}
	w.det = nd
}

// requestFromSignal starts a reload for SIGHUP without waiting for it; a sensor started
// without rules has none to reload. While one is already
// waiting to start, another signal adds nothing: it would load the same files.
func (r *reloader) requestFromSignal() {
	if r.cur.Load() == nil {
		return // no rules to reload: SIGHUP only reopens the logs
	}
	if !r.hupPending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		res := r.reload(func() { r.hupPending.Store(false) })
		if !res.OK {
			r.log.Error("rule reload failed; the previous rules stay in use", "err", res.Error)
		}
	}()
}

// reload compiles the rule files again and, if they are usable, makes every worker switch to
// the new engine. On failure the old engine stays and the result says why. started, when not
// nil, is called once this reload holds the lock.
func (r *reloader) reload(started func()) ReloadResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if started != nil {
		started()
	}
	res := ReloadResult{RuleFiles: r.files, RSSBefore: processRSS()}
	err := r.build(&res)
	if err != nil {
		r.failures.Add(1)
		res.Error = err.Error()
	} else {
		r.reloads.Add(1)
		res.OK = true
	}
	res.Reloads, res.Failures = r.reloads.Load(), r.failures.Load()
	return res
}

func (r *reloader) build(res *ReloadResult) error {
	if r.cur.Load() == nil {
		return errors.New("the sensor was started without rules: there is nothing to reload (start it with -S or rule-files)")
	}
	if len(r.files) == 0 {
		return errors.New("no rule files")
	}
	// A file that cannot be read would silently drop all its rules; that is a broken set.
	for _, f := range r.files {
		fh, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("rule file: %w", err)
		}
		fh.Close()
	}
	t0 := time.Now()
	d, problems, err := compileOffWorkers(r.cfg, r.files, r.fatal, r.log)
	res.CompileMS = float64(time.Since(t0).Microseconds()) / 1000
	res.RSSCompiled = processRSS()
	res.Problems = problems[:min(len(problems), maxReloadProblems)]
	if err != nil {
		return err
	}
	res.RulesLoaded, res.RulesTotal, res.RulesFailed = d.loaded, d.total, d.loadErrors
	if d.loaded == 0 {
		return fmt.Errorf("no rule of %d loaded from %s", d.total, strings.Join(r.files, ", "))
	}

	// xbits and host thresholds outlive the rules: they are keyed by name and gid:sid.
	if old := r.cur.Load(); old != nil {
		d.hosts = old.hosts
	}
	t1 := time.Now()
	r.cur.Store(d)
	if !r.waitForWorkers(d) {
		// The new engine stays published and the stragglers will take it; the next reload waits.
		r.log.Warn("rule reload: not every worker switched engines in time", "waited", reloadSwapTimeout)
	}
	res.SwapMS = float64(time.Since(t1).Microseconds()) / 1000
	// Nothing refers to the old engine now; collect it so that its finalizers free the
	// Hyperscan memory before the next reload can build another.
	runtime.GC()
	res.RSSAfter = processRSS()
	r.log.Info("rules reloaded", "loaded", res.RulesLoaded, "failed", res.RulesFailed, "total", res.RulesTotal,
		"compile_ms", res.CompileMS, "swap_ms", res.SwapMS, "rss_before", res.RSSBefore, "rss_compiled", res.RSSCompiled, "rss_after", res.RSSAfter)
	return nil
}

// waitForWorkers waits until every worker inspects with d, capture stops, or the timeout.
func (r *reloader) waitForWorkers(d *detection) bool {
	deadline := time.Now().Add(reloadSwapTimeout)
	for {
		all := true
		for i := range r.acks {
			if r.acks[i].Load() != d {
				all = false
				break
			}
		}
		if all {
			return true
		}
		select {
		case <-r.stopped:
			return true
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// compileOffWorkers loads and compiles the rules on a thread of its own at a lower priority,
// so that a pinned worker sharing its CPU keeps precedence over the compile. It returns every
// problem loadDetection logged, which the reload result repeats.
func compileOffWorkers(cfg *Config, files []string, fatal bool, log *slog.Logger) (*detection, []string, error) {
	type outcome struct {
		d        *detection
		problems []string
		err      error
	}
	done := make(chan outcome, 1)
	go func() {
		// The thread is never unlocked, so it ends with the goroutine and its priority with it.
		runtime.LockOSThread()
		_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 10)
		col := &problemCollector{next: log.Handler(), store: &problemStore{}}
		d, err := loadDetection(cfg, &ReadOptions{RuleFiles: files, InitErrorsFatal: fatal}, slog.New(col))
		done <- outcome{d, col.lines(), err}
	}()
	o := <-done
	return o.d, o.problems, o.err
}

// problemCollector passes log records on and keeps the rule problems among them.
type problemCollector struct {
	next  slog.Handler
	store *problemStore
}

type problemStore struct {
	mu   sync.Mutex
	msgs []string
}

func (c *problemCollector) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || c.next.Enabled(ctx, l)
}

func (c *problemCollector) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelWarn {
		c.store.mu.Lock()
		c.store.msgs = append(c.store.msgs, strings.TrimPrefix(rec.Message, "rule not loaded: "))
		c.store.mu.Unlock()
	}
	if c.next.Enabled(ctx, rec.Level) {
		return c.next.Handle(ctx, rec)
	}
	return nil
}

func (c *problemCollector) WithAttrs(as []slog.Attr) slog.Handler {
	return &problemCollector{next: c.next.WithAttrs(as), store: c.store}
}

func (c *problemCollector) WithGroup(name string) slog.Handler {
	return &problemCollector{next: c.next.WithGroup(name), store: c.store}
}

func (c *problemCollector) lines() []string {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	return append([]string(nil), c.store.msgs...)
}

// processRSS is the process's resident set in bytes (0 where /proc cannot tell).
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, rss uint64
	if _, err := fmt.Sscan(string(b), &size, &rss); err != nil {
		return 0
	}
	return rss * uint64(os.Getpagesize())
}
