package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// RunOptions says what `nightjar bench run` measures.
type RunOptions struct {
	Files      []string
	RuleFiles  []string
	ConfigFile string
	Sets       []string // --set key=value overrides of the config
	Workers    []int    // one series per count; 0 is the sensor's default (one per CPU)
	RuleSizes  []int    // one series per rule count (the first N rules of RuleFiles); -1: all
	Repeat     int      // runs per series (median and spread over them)
	Stages     bool     // also run the variants the per-stage breakdown is derived from
	OutDir     string   // where the sensor writes its outputs; "": a temporary folder
	Pin        bool
	Progress   io.Writer // a line per second; nil: quiet
	Log        *slog.Logger
}

// Report is everything a bench run found; it is written as JSON, Markdown and SVG.
type Report struct {
	Created string     `json:"created"`
	Host    HostInfo   `json:"host"`
	Input   InputInfo  `json:"input"`
	Rules   []RuleLoad `json:"rule_loads,omitempty"`
	Series  []Series   `json:"series"`
	Stages  []Stage    `json:"stages,omitempty"`
	// Profile is the CPU per packet of each stage in one profiled run of the whole pipeline
	// (bench/run-profile.go): measured inside the run, unlike Stages.
	Profile        []StageCPU `json:"profile,omitempty"`
	ProfileRuns    int        `json:"profile_runs,omitempty"`
	ProfileSamples int64      `json:"profile_samples,omitempty"` // CPU samples behind Profile
	Notes          []string   `json:"notes,omitempty"`
}

// HostInfo is the machine a report comes from.
type HostInfo struct {
	Hostname   string `json:"hostname"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Load1      string `json:"loadavg_1m,omitempty"` // the machine's load when the run began
	CPUModel   string `json:"cpu_model,omitempty"`  // /proc/cpuinfo's model name
	MemoryMiB  int64  `json:"memory_mib,omitempty"` // /proc/meminfo's MemTotal
	Kernel     string `json:"kernel,omitempty"`     // uname -r
}

// Describe is the host in one line for reports.
func (h HostInfo) Describe() string {
	s := fmt.Sprintf("%s: %d CPUs", h.Hostname, h.CPUs)
	if h.CPUModel != "" {
		s += " (" + h.CPUModel + ")"
	}
	if h.MemoryMiB > 0 {
		s += fmt.Sprintf(", %.1f GiB memory", float64(h.MemoryMiB)/1024)
	}
	if h.Kernel != "" {
		s += ", Linux " + h.Kernel
	}
	s += fmt.Sprintf(", %s %s/%s, GOMAXPROCS %d", h.GoVersion, h.OS, h.Arch, h.GOMAXPROCS)
	if h.Load1 != "" {
		s += ", load " + h.Load1
	}
	return s
}

// InputInfo is what the runs read.
type InputInfo struct {
	Files     []string `json:"files"`
	FileBytes int64    `json:"file_bytes"`
	Packets   uint64   `json:"packets"`
	Bytes     uint64   `json:"bytes"` // captured bytes of the packets
}

// RuleLoad is the cost of loading one rule set.
type RuleLoad struct {
	Requested int     `json:"requested"` // -1: every rule of the files
	Loaded    int     `json:"loaded"`
	Failed    int     `json:"failed"`
	Seconds   float64 `json:"seconds"`
}

// Series is one configuration run Repeat times.
type Series struct {
	Name         string  `json:"name"`
	Workers      int     `json:"workers"`
	Rules        int     `json:"rules"` // rules loaded for the series; 0: none
	Detect       bool    `json:"detect"`
	Outputs      bool    `json:"outputs"`
	Pipeline     bool    `json:"pipeline"` // false: capture reading alone
	Repeats      int     `json:"repeats"`
	Packets      uint64  `json:"packets"`
	Bytes        uint64  `json:"bytes"`
	Flows        uint64  `json:"flows"`
	Alerts       uint64  `json:"alerts"`
	Wall         Stat    `json:"wall_s"`
	CPU          Stat    `json:"cpu_s"`
	PPS          Stat    `json:"pkts_per_s"`
	Gbps         Stat    `json:"gbit_per_s"`
	NsPerPkt     Stat    `json:"wall_ns_per_pkt"`
	CPUNsPerPkt  Stat    `json:"cpu_ns_per_pkt"`
	AllocsPerPkt Stat    `json:"allocs_per_pkt"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"` // process high-water mark after the series
	Kind         string  `json:"kind"`         // workers, rules or stage: which chart or breakdown it feeds
}

// StageCPU is one stage's share of a profiled run.
type StageCPU struct {
	Name        string  `json:"name"`
	CPUNsPerPkt float64 `json:"cpu_ns_per_pkt"`
	Share       float64 `json:"share"` // of the run's sampled CPU, 0–1
}

// Stage is one stage's cost per packet, derived by difference between two series.
type Stage struct {
	Name        string  `json:"name"`
	CPUNsPerPkt float64 `json:"cpu_ns_per_pkt"`
	NsPerPkt    float64 `json:"wall_ns_per_pkt"`
	Derivation  string  `json:"derivation"`
}

// Series kinds, for the charts and the breakdown.
const (
	kindWorkers = "workers"
	kindRules   = "rules"
	kindStage   = "stage"
)

// variant is one configuration to measure.
type variant struct {
	name      string
	kind      string
	workers   int
	rules     int
	ruleFiles []string
	outputs   bool
	pipeline  bool
}

// sample is one measured run.
type sample struct {
	wall, cpu     time.Duration
	packets       uint64
	bytes         uint64
	mallocs       uint64
	flows, alerts uint64
	workers       int
	detect        bool
	rssKiB        int64 // a child command's peak RSS (compare)
}

// expandInputs turns the -r arguments into capture files as `nightjar read` does (a directory
// gives every capture below it) and notes the files skipped for not being captures.
func expandInputs(args []string, rep *Report) ([]string, error) {
	files, skipped, err := capture.ExpandInputs(args)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no capture files in %s", strings.Join(args, ", "))
	}
	if len(skipped) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d files under the inputs are not captures and were skipped", len(skipped)))
	}
	return files, nil
}

// Run measures the pipeline over opts.Files as opts asks and returns the report.
func Run(ctx context.Context, opts RunOptions) (*Report, error) {
	if len(opts.Files) == 0 {
		return nil, errors.New("bench run: no input files")
	}
	if opts.Repeat <= 0 {
		opts.Repeat = 3
	}
	if len(opts.Workers) == 0 {
		opts.Workers = []int{0}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	base, warnings, err := sensor.LoadConfig(opts.ConfigFile, opts.Sets)
	if err != nil {
		return nil, fmt.Errorf("bench run: %w", err)
	}
	rep := &Report{Created: time.Now().UTC().Format(time.RFC3339), Host: hostInfo(), Notes: warnings}
	rep.Input.Files = opts.Files
	if opts.Files, err = expandInputs(opts.Files, rep); err != nil {
		return nil, fmt.Errorf("bench run: %w", err)
	}
	for _, f := range opts.Files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("bench run: %w", err)
		}
		rep.Input.FileBytes += st.Size()
	}
	tmp, err := os.MkdirTemp("", "nightjar-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench run: %w", err)
	}
	defer os.RemoveAll(tmp)
	outDir := opts.OutDir
	if outDir == "" {
		outDir = filepath.Join(tmp, "out")
	}

	variants, err := planVariants(&opts, &base, tmp, rep)
	if err != nil {
		return nil, err
	}
	m := &measurer{ctx: ctx, opts: &opts, base: base, outDir: outDir}
	var p *progress
	if opts.Progress != nil {
		p = newProgress(opts.Progress, m.status).ticking()
		defer p.stop()
	}
	for i, v := range variants {
		m.series, m.nseries, m.name = i+1, len(variants), v.name
		s, err := m.measure(v)
		if err != nil {
			return rep, err
		}
		rep.Series = append(rep.Series, s)
		if s.Pipeline && rep.Input.Packets == 0 {
			rep.Input.Packets, rep.Input.Bytes = s.Packets, s.Bytes
		}
	}
	rep.Stages, rep.Notes = deriveStages(rep.Series, rep.Notes)
	if opts.Stages && len(variants) > 0 {
		full := variants[len(variants)-1] // the stage variants end with the whole pipeline
		m.series, m.name, m.repeat = len(variants), "profiled: "+full.name, 1
		prof, samples, err := m.profile(full)
		if err != nil {
			return rep, err
		}
		rep.Profile, rep.ProfileRuns, rep.ProfileSamples = prof, max(opts.Repeat, 1), samples
		rep.Notes = append(rep.Notes, fmt.Sprintf("the sampled stage breakdown comes from as many more runs of %q under Go's CPU profiler (100 samples a second): each stage's share of the samples times the runs' CPU (getrusage); each sample is charged to the innermost frame that belongs to a stage, by package and, in package sensor, by file; \"runtime\" is what has no stage above it (GC workers, the scheduler)", full.name))
	}
	rep.Notes = append(rep.Notes,
		"wall figures come from sensor.Summary.Elapsed (the whole ReadFiles call: opening outputs, reading, draining workers, closing outputs), CPU from getrusage over the same span",
		"allocations are runtime.MemStats.Mallocs over the run divided by packets; peak RSS is the process's getrusage maxrss after the series, a high-water mark over every run before it")
	return rep, nil
}

// planVariants lists the series to run: the worker sweep, the rule-size sweep and the stage
// variants, loading (and timing) each rule set on the way.
func planVariants(opts *RunOptions, base *sensor.Config, tmp string, rep *Report) ([]variant, error) {
	allRules := -1
	var variants []variant
	if len(opts.RuleFiles) > 0 {
		sizes := opts.RuleSizes
		if len(sizes) == 0 {
			sizes = []int{-1}
		}
		for _, n := range sizes {
			files := opts.RuleFiles
			if n >= 0 {
				f, err := firstRules(opts.RuleFiles, n, filepath.Join(tmp, "rules-"+strconv.Itoa(n)+".rules"))
				if err != nil {
					return nil, err
				}
				files = []string{f}
			}
			rl := loadRules(files, base)
			rl.Requested = n
			rep.Rules = append(rep.Rules, rl)
			if n < 0 {
				allRules = rl.Loaded
			}
			if len(opts.RuleSizes) > 0 {
				variants = append(variants, variant{name: fmt.Sprintf("rules=%d", rl.Loaded), kind: kindRules,
					workers: opts.Workers[0], rules: rl.Loaded, ruleFiles: files, outputs: true, pipeline: true})
			}
		}
		if allRules < 0 { // the sweep did not include "all": load them for the other series
			rl := loadRules(opts.RuleFiles, base)
			rl.Requested = -1
			rep.Rules = append(rep.Rules, rl)
			allRules = rl.Loaded
		}
	}
	rules := max(allRules, 0)
	for _, w := range opts.Workers {
		variants = append(variants, variant{name: fmt.Sprintf("workers=%d rules=%d", w, rules), kind: kindWorkers,
			workers: w, rules: rules, ruleFiles: opts.RuleFiles, outputs: true, pipeline: true})
	}
	if opts.Stages {
		w := opts.Workers[0]
		variants = append(variants,
			variant{name: "read only", kind: kindStage, workers: w},
			variant{name: "outputs off, rules off", kind: kindStage, workers: w, pipeline: true},
			variant{name: "outputs on, rules off", kind: kindStage, workers: w, outputs: true, pipeline: true})
		if rules > 0 {
			variants = append(variants, variant{name: "outputs on, rules on", kind: kindStage, workers: w,
				rules: rules, ruleFiles: opts.RuleFiles, outputs: true, pipeline: true})
		}
	}
	return variants, nil
}

// measurer runs variants and keeps what the progress line shows.
type measurer struct {
	ctx     context.Context
	opts    *RunOptions
	base    sensor.Config
	outDir  string
	series  int
	nseries int
	repeat  int
	name    string
}

func (m *measurer) status(el time.Duration) string {
	return fmt.Sprintf("bench run: %s elapsed, series %d/%d (%s) repeat %d/%d, cpu %.1fs, peak rss %.0f MiB",
		el.Round(time.Second), m.series, m.nseries, m.name, m.repeat, m.opts.Repeat, processCPU().Seconds(), peakRSSMiB())
}

func (m *measurer) measure(v variant) (Series, error) {
	samples := make([]sample, 0, m.opts.Repeat)
	for r := 1; r <= m.opts.Repeat; r++ {
		m.repeat = r
		smp, err := m.once(v)
		if err != nil {
			return Series{}, err
		}
		samples = append(samples, smp)
	}
	return summarise(v, samples), nil
}

// once runs a variant one time.
func (m *measurer) once(v variant) (sample, error) {
	var smp sample
	var err error
	if v.pipeline {
		smp, err = m.runPipeline(v)
	} else {
		smp, err = readOnly(m.ctx, m.opts.Files)
		smp.workers = 1
	}
	if err != nil {
		return smp, fmt.Errorf("bench run %s: %w", v.name, err)
	}
	return smp, nil
}

// summarise turns the runs of a variant into a series: medians and spreads per figure.
func summarise(v variant, samples []sample) Series {
	s := Series{Name: v.name, Kind: v.kind, Workers: v.workers, Rules: v.rules, Outputs: v.outputs, Pipeline: v.pipeline, Repeats: len(samples)}
	var wall, cpu, pps, gbps, ns, cpuNs, allocs []float64
	for _, smp := range samples {
		s.Packets, s.Bytes, s.Flows, s.Alerts, s.Detect = smp.packets, smp.bytes, smp.flows, smp.alerts, smp.detect
		if v.workers == 0 {
			s.Workers = smp.workers
		}
		sec, pk := smp.wall.Seconds(), float64(max(smp.packets, 1))
		wall = append(wall, sec)
		cpu = append(cpu, smp.cpu.Seconds())
		pps = append(pps, float64(smp.packets)/sec)
		gbps = append(gbps, float64(smp.bytes)*8/sec/1e9)
		ns = append(ns, float64(smp.wall.Nanoseconds())/pk)
		cpuNs = append(cpuNs, float64(smp.cpu.Nanoseconds())/pk)
		allocs = append(allocs, float64(smp.mallocs)/pk)
	}
	s.Wall, s.CPU, s.PPS, s.Gbps = newStat(wall), newStat(cpu), newStat(pps), newStat(gbps)
	s.NsPerPkt, s.CPUNsPerPkt, s.AllocsPerPkt = newStat(ns), newStat(cpuNs), newStat(allocs)
	s.PeakRSSMiB = peakRSSMiB()
	return s
}

func (m *measurer) runPipeline(v variant) (sample, error) {
	cfg := m.base
	if !v.outputs {
		cfg.Outputs.EVE.Enabled = false
		cfg.Outputs.Arrow.Enabled = false
	}
	ro := sensor.ReadOptions{Files: m.opts.Files, OutDir: m.outDir, Workers: v.workers, Pin: m.opts.Pin, Log: m.opts.Log}
	detect := v.rules > 0 && attachRules(&cfg, &ro, v.ruleFiles)
	// Each run starts from an empty output folder and a collected heap, so runs do not pay
	// for each other's files or garbage.
	if err := os.RemoveAll(m.outDir); err != nil {
		return sample{}, err
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	sum, err := sensor.ReadFiles(m.ctx, &cfg, ro)
	runtime.ReadMemStats(&m1)
	if err != nil {
		return sample{}, err
	}
	if sum.Damaged() {
		for _, f := range sum.Files {
			if f.Err != nil {
				return sample{}, fmt.Errorf("input damaged: %w", f.Err)
			}
		}
	}
	return sample{
		wall: sum.Elapsed, cpu: sum.CPU, packets: sum.Packets, bytes: sum.Bytes,
		mallocs: m1.Mallocs - m0.Mallocs, flows: sum.Counter("flow.total"),
		alerts: sum.Counter("detect.alert"), workers: sum.Workers, detect: detect,
	}, nil
}

// profile runs v under the CPU profiler as many times as the other series ran and turns the
// samples into CPU per packet by stage: each stage's share of the samples times the CPU the
// runs used (getrusage), so the figures add up to the runs' measured cost.
func (m *measurer) profile(v variant) (_ []StageCPU, samples int64, _ error) {
	byStage := map[string]int64{}
	var sampled int64
	var cpu time.Duration
	var packets uint64
	for r := 1; r <= max(m.opts.Repeat, 1); r++ {
		m.repeat = r
		var smp sample
		got, err := profileRun(func() (err error) {
			smp, err = m.runPipeline(v)
			return err
		})
		if err != nil {
			return nil, 0, fmt.Errorf("bench run profiled %s: %w", v.name, err)
		}
		for st, ns := range got {
			byStage[st] += ns
			sampled += ns
		}
		cpu += smp.cpu
		packets += smp.packets
	}
	var out []StageCPU
	for _, name := range stageOrder {
		ns, ok := byStage[name]
		if !ok || packets == 0 || sampled == 0 {
			continue
		}
		share := float64(ns) / float64(sampled)
		out = append(out, StageCPU{Name: name, Share: share, CPUNsPerPkt: share * float64(cpu.Nanoseconds()) / float64(packets)})
	}
	return out, sampled / profilePeriod.Nanoseconds(), nil
}

// profilePeriod is the CPU profiler's sampling period (runtime/pprof's fixed 100 Hz).
const profilePeriod = 10 * time.Millisecond

// attachRules gives the rule files to the sensor run; rules that do not load are skipped with
// a warning, as `nightjar read` does, so a partly supported rule set still measures detection.
func attachRules(_ *sensor.Config, ro *sensor.ReadOptions, files []string) bool {
	ro.RuleFiles = files
	return len(files) > 0
}

// deriveStages turns the stage variants into per-stage costs by difference.
func deriveStages(series []Series, notes []string) ([]Stage, []string) {
	find := func(name string) *Series {
		for i := range series {
			if series[i].Kind == kindStage && series[i].Name == name {
				return &series[i]
			}
		}
		return nil
	}
	read, off, on, rules := find("read only"), find("outputs off, rules off"), find("outputs on, rules off"), find("outputs on, rules on")
	if read == nil || off == nil || on == nil {
		return nil, notes
	}
	diff := func(name string, a, b *Series, how string) Stage {
		st := Stage{Name: name, Derivation: how}
		if b == nil {
			st.CPUNsPerPkt, st.NsPerPkt = a.CPUNsPerPkt.Median, a.NsPerPkt.Median
		} else {
			st.CPUNsPerPkt = a.CPUNsPerPkt.Median - b.CPUNsPerPkt.Median
			st.NsPerPkt = a.NsPerPkt.Median - b.NsPerPkt.Median
		}
		return st
	}
	stages := []Stage{
		diff("read (capture file parsing)", read, nil, "read-only run: capture.Open/Next over the files, no decode"),
		diff("decode + flow", off, read, "pipeline with outputs and rules off, minus read"),
		diff("outputs (EVE + Arrow)", on, off, "outputs on minus outputs off"),
	}
	if rules != nil && rules.Detect {
		stages = append(stages, diff("detect", rules, on, "rules on minus rules off"))
	}
	for _, s := range stages {
		if s.CPUNsPerPkt < 0 {
			notes = append(notes, fmt.Sprintf("stage %q came out negative (%.0f cpu-ns/pkt): within the noise of the runs it is derived from", s.Name, s.CPUNsPerPkt))
		}
	}
	notes = append(notes, "stage costs are medians of whole runs subtracted from each other, not timers inside the pipeline: they include the stage's share of scheduling and cache effects, and are only as precise as the spread of the runs")
	return stages, notes
}

func hostInfo() HostInfo {
	h, _ := os.Hostname()
	hi := HostInfo{Hostname: h, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			hi.Load1 = f[0]
		}
	}
	hi.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		hi.MemoryMiB = kb / 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		hi.Kernel = strings.TrimSpace(string(b))
	}
	return hi
}

// procField is the value of the first "name: value" line of a /proc file; "" when absent.
func procField(path, name string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
