package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/nightjar-ids/nightjar/bench"
)

// benchLive is `nightjar bench live`: the replay lab runs this same binary as the sensor.
func benchLive(args []string) int {
	var (
		o                      = bench.LiveOptions{Duration: 3 * time.Second}
		rates                  []float64
		start, factor, maxRate float64
	)
	p := newArgParser()
	lf := labFlags{file: &o.File, rules: &o.RuleFiles, sets: &o.Sets, senders: &o.Senders, duration: &o.Duration}
	lf.register(p)
	p.value(intList(&o.Workers, false), "--workers")
	p.value(func(v string) (err error) { rates, err = bench.ParseRates(v); return err }, "--rates")
	p.value(func(v string) (err error) { start, err = bench.ParseRate(v); return err }, "--start")
	p.value(func(v string) (err error) { maxRate, err = bench.ParseRate(v); return err }, "--max")
	p.value(func(v string) (err error) {
		_, err = fmt.Sscanf(v, "%g", &factor)
		return err
	}, "--factor")
	if err := p.parse(args); err != nil || len(p.ignored) > 0 || len(p.positional) > 0 {
		return benchBadArgs("live", err, p)
	}
	if o.File == "" {
		fmt.Fprintln(os.Stderr, "nightjar bench live: no input: give -r FILE")
		return exitUnusable
	}
	switch {
	case rates != nil && (start != 0 || factor != 0 || maxRate != 0):
		fmt.Fprintln(os.Stderr, "nightjar bench live: give either --rates or --start/--factor/--max, not both")
		return exitUnusable
	case rates == nil && (start != 0 || factor != 0 || maxRate != 0):
		var err error
		if rates, err = bench.RateSteps(start, factor, maxRate); err != nil {
			fmt.Fprintf(os.Stderr, "nightjar bench live: --start/--factor/--max: %v\n", err)
			return exitUnusable
		}
	case rates == nil:
		rates = []float64{20000, 50000, 100000, 200000}
	}
	o.Rates = rates
	if len(o.Workers) == 0 {
		o.Workers = []int{1, 2}
	}
	return lf.run("live", &o.Sensor, &o.Progress, func(ctx context.Context) (labReport, error) {
		rep, err := bench.Live(ctx, o)
		if rep == nil || len(rep.Sweeps) == 0 {
			return nil, err // nothing measured; an interface holding a nil pointer would not be nil
		}
		return rep, err
	})
}

// benchSoak is `nightjar bench soak`: one rate for a long time, reloads on a clock.
func benchSoak(args []string) int {
	o := bench.SoakOptions{Duration: 10 * time.Minute, ReloadEvery: 30 * time.Second}
	p := newArgParser()
	lf := labFlags{file: &o.File, rules: &o.RuleFiles, sets: &o.Sets, senders: &o.Senders, duration: &o.Duration}
	lf.register(p)
	p.value(func(v string) (err error) { o.Rate, err = bench.ParseRate(v); return err }, "--rate")
	p.value(positiveInt(&o.Workers, "workers"), "--workers")
	p.value(positiveDuration(&o.ReloadEvery), "--reload-every")
	if err := p.parse(args); err != nil || len(p.ignored) > 0 || len(p.positional) > 0 {
		return benchBadArgs("soak", err, p)
	}
	if o.File == "" || o.Rate == 0 {
		fmt.Fprintln(os.Stderr, "nightjar bench soak: give -r FILE and --rate PPS (the highest zero-drop rate `nightjar bench live` found)")
		return exitUnusable
	}
	return lf.run("soak", &o.Sensor, &o.Progress, func(ctx context.Context) (labReport, error) {
		rep, err := bench.Soak(ctx, o)
		if rep == nil {
			return nil, err
		}
		return rep, err
	})
}

// run runs a lab with this binary as its sensor: reports its error, writes what it measured
// (even when it stopped part way) and gives the exit code. An interrupt ends the step under
// way; the lab then removes its namespaces before returning. err's text starts "bench NAME: ".
func (f *labFlags) run(name string, sensor *string, progress *io.Writer, lab func(context.Context) (labReport, error)) int {
	exe, ok := labSensor(name)
	if !ok {
		return exitUnusable
	}
	*sensor = exe
	if !f.quiet {
		*progress = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := lab(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar %v\n", err)
	}
	if rep == nil {
		return exitUnusable
	}
	if werr := writeLabOutputs(rep, f.jsonOut, f.mdOut, f.svgDir); werr != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench %s: %v\n", name, werr)
		return exitUnusable
	}
	if !f.quiet {
		rep.WriteMarkdown(os.Stdout)
	}
	if err != nil {
		return exitUnusable
	}
	return exitOK
}

// labFlags are the flags the live and soak labs share; outputs and quiet are filled by parse.
type labFlags struct {
	file                   *string
	rules, sets            *[]string
	senders                *int
	duration               *time.Duration
	jsonOut, mdOut, svgDir string
	quiet                  bool
}

func (f *labFlags) register(p *argParser) {
	p.value(func(v string) error { *f.file = v; return nil }, "-r", "--pcap")
	p.value(func(v string) error { *f.rules = append(*f.rules, v); return nil }, "-S", "-s")
	p.value(func(v string) error { *f.sets = append(*f.sets, v); return nil }, "--set")
	p.value(positiveInt(f.senders, "senders"), "--senders")
	p.value(positiveDuration(f.duration), "--duration")
	p.value(func(v string) error { f.jsonOut = v; return nil }, "--json")
	p.value(func(v string) error { f.mdOut = v; return nil }, "--md")
	p.value(func(v string) error { f.svgDir = v; return nil }, "--svg")
	p.boolean(func() error { f.quiet = true; return nil }, "-q", "--quiet")
}

// labSensor checks the lab can run here and finds this binary, which the lab runs as the sensor.
func labSensor(cmd string) (string, bool) {
	if os.Geteuid() != 0 {
		fmt.Fprintf(os.Stderr, "nightjar bench %s: needs root: it makes network namespaces and a veth pair and opens AF_PACKET sockets (run it with sudo)\n", cmd)
		return "", false
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench %s: finding this binary to run as the sensor: %v\n", cmd, err)
		return "", false
	}
	return exe, true
}

func positiveInt(dst *int, what string) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("want a count of %s from 1 to 1024, got %q", what, v)
		}
		*dst = n
		return nil
	}
}

func positiveDuration(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 30s or 10m, got %q", v)
		}
		*dst = d
		return nil
	}
}

// labReport is what the live and soak labs write.
type labReport interface {
	WriteJSON(io.Writer) error
	WriteMarkdown(io.Writer) error
	Charts() map[string][]byte
}

func writeLabOutputs(rep labReport, jsonOut, mdOut, svgDir string) error {
	for _, out := range []struct {
		path  string
		write func(*os.File) error
	}{
		{jsonOut, func(f *os.File) error { return rep.WriteJSON(f) }},
		{mdOut, func(f *os.File) error { return rep.WriteMarkdown(f) }},
	} {
		if out.path == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out.path), 0o755); err != nil {
			return err
		}
		f, err := os.Create(out.path)
		if err != nil {
			return err
		}
		err = out.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", out.path, err)
		}
	}
	if svgDir != "" {
		if err := os.MkdirAll(svgDir, 0o755); err != nil {
			return err
		}
		for name, svg := range rep.Charts() {
			if err := os.WriteFile(filepath.Join(svgDir, name), svg, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
