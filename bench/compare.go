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
)

// CompareOptions says what `nightjar bench compare` runs: Nightjar as Run does (the first
// worker count, every rule, outputs on) and Command on the same input.
type CompareOptions struct {
	Run     RunOptions
	Command []string // "{pcap}" in any argument is replaced by the input file
	Stdout  io.Writer
	Stderr  io.Writer
}

// Comparison is Nightjar and another command side by side.
type Comparison struct {
	Command      string  `json:"command"`
	Nightjar     Series  `json:"nightjar"`
	Other        Series  `json:"other"`
	WallRatio    float64 `json:"wall_ratio"`     // other / nightjar, medians: above 1, Nightjar is faster
	WallMinRatio float64 `json:"wall_min_ratio"` // of the fastest runs, the least disturbed by load
	CPURatio     float64 `json:"cpu_ratio"`
	RSSRatio     float64 `json:"peak_rss_ratio"`
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

	args := make([]string, len(opts.Command))
	for i, a := range opts.Command {
		args[i] = strings.ReplaceAll(a, "{pcap}", input)
	}
	// One argument with spaces is a shell command line, as `bench compare -- "suricata -r {pcap}"`.
	if len(args) == 1 && strings.ContainsAny(args[0], " \t|;&") {
		args = []string{"/bin/sh", "-c", args[0]}
	}
	var njs, others []sample
	for r := 1; r <= ro.Repeat; r++ {
		m.repeat = r
		smp, err := m.once(v)
		if err != nil {
			return nil, err
		}
		njs = append(njs, smp)
		o, err := runCommand(ctx, args, opts)
		if err != nil {
			return nil, fmt.Errorf("bench compare: %s: %w", strings.Join(args, " "), err)
		}
		o.packets, o.bytes = smp.packets, smp.bytes
		others = append(others, o)
	}
	nj := summarise(v, njs)
	other := summarise(variant{name: strings.Join(args, " ")}, others)
	other.PeakRSSMiB = 0
	for _, o := range others {
		other.PeakRSSMiB = max(other.PeakRSSMiB, float64(o.rssKiB)/1024)
	}
	c := &Comparison{Command: other.Name, Nightjar: nj, Other: other}
	c.WallRatio = ratio(other.Wall.Median, nj.Wall.Median)
	c.WallMinRatio = ratio(other.Wall.Min, nj.Wall.Min)
	c.CPURatio = ratio(other.CPU.Median, nj.CPU.Median)
	c.RSSRatio = ratio(other.PeakRSSMiB, nj.PeakRSSMiB)
	return c, nil
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

func ratio(a, b float64) float64 {
	if b == 0 {
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

// WriteMarkdown writes the comparison as a table.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| | wall s (median [min–max]) | cpu s | peak RSS |\n|---|---|---|---|\n")
	row := func(name string, s Series, note string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f MiB%s |\n", name, statCell(s.Wall, "%.3f"), statCell(s.CPU, "%.3f"), s.PeakRSSMiB, note)
	}
	row("nightjar (in process)", c.Nightjar, " (harness process)")
	row("`"+strings.ReplaceAll(c.Command, "|", `\|`)+"`", c.Other, "")
	fmt.Fprintf(&b, "| ratio other/nightjar | %.2f (fastest runs: %.2f) | %.2f | %.2f |\n", c.WallRatio, c.WallMinRatio, c.CPURatio, c.RSSRatio)
	_, err := io.WriteString(w, b.String())
	return err
}
