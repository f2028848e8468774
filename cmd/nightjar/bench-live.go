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
		jsonOut, mdOut, svgDir string
		quiet                  bool
	)
	p := newArgParser()
	p.value(func(v string) error { o.File = v; return nil }, "-r", "--pcap")
	p.value(func(v string) error { o.RuleFiles = append(o.RuleFiles, v); return nil }, "-S", "-s")
	p.value(func(v string) error { o.Sets = append(o.Sets, v); return nil }, "--set")
	p.value(intList(&o.Workers, false), "--workers")
	p.value(func(v string) (err error) { rates, err = bench.ParseRates(v); return err }, "--rates")
	p.value(func(v string) (err error) { start, err = bench.ParseRate(v); return err }, "--start")
	p.value(func(v string) (err error) { maxRate, err = bench.ParseRate(v); return err }, "--max")
	p.value(func(v string) (err error) {
		_, err = fmt.Sscanf(v, "%g", &factor)
		return err
	}, "--factor")
	p.value(positiveDuration(&o.Duration), "--duration")
	p.value(positiveInt(&o.Senders, "senders"), "--senders")
	p.value(func(v string) error { jsonOut = v; return nil }, "--json")
	p.value(func(v string) error { mdOut = v; return nil }, "--md")
	p.value(func(v string) error { svgDir = v; return nil }, "--svg")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
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
	exe, ok := labSensor("live")
	if !ok {
		return exitUnusable
	}
	o.Sensor = exe
	if !quiet {
		o.Progress = os.Stderr
	}
	// An interrupt ends the step under way; Live then removes its namespaces before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Live(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar %v\n", err) // err starts "bench live: "
		if rep == nil || len(rep.Sweeps) == 0 {
			return exitUnusable
		}
	}
	if werr := writeLabOutputs(rep, jsonOut, mdOut, svgDir); werr != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench live: %v\n", werr)
		return exitUnusable
	}
	if !quiet {
		rep.WriteMarkdown(os.Stdout)
	}
	if err != nil {
		return exitUnusable
	}
	return exitOK
}

// benchSoak is `nightjar bench soak`: one rate for a long time, reloads on a clock.
func benchSoak(args []string) int {
	var (
		o                      = bench.SoakOptions{Duration: 10 * time.Minute, ReloadEvery: 30 * time.Second}
		jsonOut, mdOut, svgDir string
		quiet                  bool
	)
	p := newArgParser()
	p.value(func(v string) error { o.File = v; return nil }, "-r", "--pcap")
	p.value(func(v string) error { o.RuleFiles = append(o.RuleFiles, v); return nil }, "-S", "-s")
	p.value(func(v string) error { o.Sets = append(o.Sets, v); return nil }, "--set")
	p.value(func(v string) (err error) { o.Rate, err = bench.ParseRate(v); return err }, "--rate")
	p.value(positiveInt(&o.Workers, "workers"), "--workers")
	p.value(positiveInt(&o.Senders, "senders"), "--senders")
	p.value(positiveDuration(&o.Duration), "--duration")
	p.value(positiveDuration(&o.ReloadEvery), "--reload-every")
	p.value(func(v string) error { jsonOut = v; return nil }, "--json")
	p.value(func(v string) error { mdOut = v; return nil }, "--md")
	p.value(func(v string) error { svgDir = v; return nil }, "--svg")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
	if err := p.parse(args); err != nil || len(p.ignored) > 0 || len(p.positional) > 0 {
		return benchBadArgs("soak", err, p)
	}
	if o.File == "" || o.Rate == 0 {
		fmt.Fprintln(os.Stderr, "nightjar bench soak: give -r FILE and --rate PPS (the highest zero-drop rate `nightjar bench live` found)")
		return exitUnusable
	}
	exe, ok := labSensor("soak")
	if !ok {
		return exitUnusable
	}
	o.Sensor = exe
	if !quiet {
		o.Progress = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Soak(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar %v\n", err)
		if rep == nil {
			return exitUnusable
		}
	}
	if werr := writeLabOutputs(rep, jsonOut, mdOut, svgDir); werr != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench soak: %v\n", werr)
		return exitUnusable
	}
	if !quiet {
		rep.WriteMarkdown(os.Stdout)
	}
	if err != nil {
		return exitUnusable
	}
	return exitOK
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
