package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// CompareOptions says what `nightjar bench compare` runs: Nightjar as Run does (the first
// worker count, every rule, outputs on) and Command on the same input.
type CompareOptions struct {
	Run     RunOptions
	Command []string // "{pcap}" in any argument is replaced by the input file
	// Startup also runs both on a capture of the input's first frame alone, as many times, and
	// reports the processing cost: each one's medians less its start-up (rule loading and
	// compiling, outputs), so that engines whose start-up differs by tens of seconds are
	// compared on the traffic.
	Startup bool
	Stdout  io.Writer
	Stderr  io.Writer
}

// Comparison is Nightjar and another command side by side.
type Comparison struct {
	Command   string  `json:"command"`
	Nightjar  Series  `json:"nightjar"`
	Other     Series  `json:"other"`
	WallRatio float64 `json:"wall_ratio"` // other / nightjar, medians: above 1, Nightjar is faster
	// With Startup: each one on the input's first frame alone, and the ratios of the
	// processing cost (median less start-up median).
	NightjarStartup *Series `json:"nightjar_startup,omitempty"`
	OtherStartup    *Series `json:"other_startup,omitempty"`
	ProcWallRatio   float64 `json:"processing_wall_ratio,omitempty"`
	ProcCPURatio    float64 `json:"processing_cpu_ratio,omitempty"`
	WallMinRatio    float64 `json:"wall_min_ratio"` // of the fastest runs, the least disturbed by load
	CPURatio        float64 `json:"cpu_ratio"`
	RSSRatio        float64 `json:"peak_rss_ratio"`
}

// Compare runs Nightjar and the command in turn, Repeat times each, alternating so that a
// change in the machine's load falls on both, and reports the ratios.
func Compare(ctx context.Context, opts CompareOptions) (*Comparison, error) {
	if len(opts.Command) == 0 {
		return nil, errors.New("bench compare: no command: give it after --")
	}
	ro := opts.Run
	if len(ro.Files) != 1 {
		return nil, errors.New("bench compare: give exactly one input (-r FILE or -r DIR)")
	}
	input := ro.Files[0] // a directory stays one argument for the other command
	var err error
	if ro.Files, err = expandInputs(ro.Files, &Report{}); err != nil {
		return nil, fmt.Errorf("bench compare: %w", err)
	}
	ro.Repeat = max(ro.Repeat, 1)
	if ro.Log == nil {
		ro.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	base, _, err := sensor.LoadConfig(ro.ConfigFile, ro.Sets)
	if err != nil {
		return nil, fmt.Errorf("bench compare: %w", err)
	}
	tmp, err := os.MkdirTemp("", "nightjar-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench compare: %w", err)
	}
	defer os.RemoveAll(tmp)
	v := variant{name: "nightjar", kind: kindWorkers, outputs: true, pipeline: true, ruleFiles: ro.RuleFiles}
	if len(ro.Workers) > 0 {
		v.workers = ro.Workers[0]
	}
	if len(ro.RuleFiles) > 0 {
		v.rules = loadRules(ro.RuleFiles, &base).Loaded
	}
	m := &measurer{ctx: ctx, opts: &ro, base: base, outDir: filepath.Join(tmp, "out"), nseries: 1, series: 1, name: v.name}
	if ro.Progress != nil {
		p := newProgress(ro.Progress, m.status).ticking()
		defer p.stop()
	}

	args := commandArgs(opts.Command, input)
	nj, other, err := compareRuns(ctx, m, v, args, opts)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Command: other.Name, Nightjar: nj, Other: other}
	c.WallRatio = ratio(other.Wall.Median, nj.Wall.Median)
	c.WallMinRatio = ratio(other.Wall.Min, nj.Wall.Min)
	c.CPURatio = ratio(other.CPU.Median, nj.CPU.Median)
	c.RSSRatio = ratio(other.PeakRSSMiB, nj.PeakRSSMiB)
	if opts.Startup {
		first, firstArg, err := firstFrameCapture(ro.Files[0], input, tmp)
		if err != nil {
			return nil, fmt.Errorf("bench compare: start-up capture: %w", err)
		}
		saved := ro.Files
		ro.Files = []string{first}
		njS, otherS, err := compareRuns(ctx, m, v, commandArgs(opts.Command, firstArg), opts)
		ro.Files = saved
		if err != nil {
			return nil, err
		}
		c.NightjarStartup, c.OtherStartup = &njS, &otherS
		c.ProcWallRatio = ratio(other.Wall.Median-otherS.Wall.Median, nj.Wall.Median-njS.Wall.Median)
		c.ProcCPURatio = ratio(other.CPU.Median-otherS.CPU.Median, nj.CPU.Median-njS.CPU.Median)
	}
	return c, nil
}

// commandArgs is the other command with {pcap} replaced by input. One argument with spaces is
// a shell command line, as `bench compare -- "suricata -r {pcap}"`.
func commandArgs(command []string, input string) []string {
	args := make([]string, len(command))
	for i, a := range command {
		args[i] = strings.ReplaceAll(a, "{pcap}", input)
	}
	if len(args) == 1 && strings.ContainsAny(args[0], " \t|;&") {
		args = []string{"/bin/sh", "-c", args[0]}
	}
	return args
}

// compareRuns runs Nightjar's variant v and the other command alternately, Repeat times each,
// over m's input files.
func compareRuns(ctx context.Context, m *measurer, v variant, args []string, opts CompareOptions) (nj, other Series, err error) {
	var njs, others []sample
	for r := 1; r <= m.opts.Repeat; r++ {
		m.repeat = r
		smp, err := m.once(v)
		if err != nil {
			return nj, other, err
		}
		njs = append(njs, smp)
		o, err := runCommand(ctx, args, opts)
		if err != nil {
			return nj, other, fmt.Errorf("bench compare: %s: %w", strings.Join(args, " "), err)
		}
		o.packets, o.bytes = smp.packets, smp.bytes
		others = append(others, o)
	}
	nj = summarise(v, njs)
	other = summarise(variant{name: strings.Join(args, " ")}, others)
	other.PeakRSSMiB = 0
	for _, o := range others {
		other.PeakRSSMiB = max(other.PeakRSSMiB, float64(o.rssKiB)/1024)
	}
	return nj, other, nil
}

// firstFrameCapture writes the first frame of file into a capture of its own in dir, for the
// start-up runs (an empty capture will not do: Suricata refuses one). firstArg is what the
// other command gets: the file, or a folder holding it when the input was a folder.
func firstFrameCapture(file, input, dir string) (first, firstArg string, err error) {
	src, err := capture.Open(file)
	if err != nil {
		return "", "", err
	}
	defer src.Close()
	var f capture.Frame
	if err := src.Next(&f); err != nil {
		return "", "", fmt.Errorf("%s: first frame: %w", file, err)
	}
	sub := filepath.Join(dir, "startup")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", "", err
	}
	first = filepath.Join(sub, "first.pcap")
	out, err := os.Create(first)
	if err != nil {
		return "", "", err
	}
	w, err := newPcapWriter(out, uint32(f.LinkType))
	if err == nil {
		err = w.write(f.Time, f.Data)
	}
	if err == nil {
		err = w.flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", err
	}
	if st, serr := os.Stat(input); serr == nil && st.IsDir() {
		return first, sub, nil
	}
	return first, first, nil
}

// runCommand runs the other command once: wall time, and its CPU time and peak RSS from the
// kernel's accounting of the child.
func runCommand(ctx context.Context, args []string, opts CompareOptions) (sample, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = orDiscard(opts.Stdout), orDiscard(opts.Stderr)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, err
	}
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		s.rssKiB = ru.Maxrss
	}
	return s, nil
}

// ratio is a/b; 0 (no ratio) unless both are positive: a processing cost at or below zero
// means start-up swallowed the run, and its ratio would mean nothing.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// ratioCell writes a ratio, or a dash where start-up left nothing to compare.
func ratioCell(r float64) string {
	if r == 0 {
		return "— (start-up is most of the run)"
	}
	return fmt.Sprintf("%.2f", r)
}

// WriteMarkdown writes the comparison as a table.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| | wall s (median [min–max]) | cpu s | peak RSS |\n|---|---|---|---|\n")
	row := func(name string, s Series, note string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f MiB%s |\n", name, statCell(s.Wall, "%.3f"), statCell(s.CPU, "%.3f"), s.PeakRSSMiB, note)
	}
	cmd := "`" + strings.ReplaceAll(c.Command, "|", `\|`) + "`"
	row("nightjar (in process)", c.Nightjar, " (harness process)")
	row(cmd, c.Other, "")
	fmt.Fprintf(&b, "| ratio other/nightjar | %.2f (fastest runs: %.2f) | %.2f | %.2f |\n", c.WallRatio, c.WallMinRatio, c.CPURatio, c.RSSRatio)
	if c.NightjarStartup != nil && c.OtherStartup != nil {
		row("nightjar start-up (first frame only)", *c.NightjarStartup, "")
		row("other start-up (first frame only)", *c.OtherStartup, "")
		fmt.Fprintf(&b, "| nightjar processing (median less start-up) | %.3f | %.3f | |\n",
			c.Nightjar.Wall.Median-c.NightjarStartup.Wall.Median, c.Nightjar.CPU.Median-c.NightjarStartup.CPU.Median)
		fmt.Fprintf(&b, "| other processing (median less start-up) | %.3f | %.3f | |\n",
			c.Other.Wall.Median-c.OtherStartup.Wall.Median, c.Other.CPU.Median-c.OtherStartup.CPU.Median)
		fmt.Fprintf(&b, "| processing ratio other/nightjar | %s | %s | |\n", ratioCell(c.ProcWallRatio), ratioCell(c.ProcCPURatio))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
