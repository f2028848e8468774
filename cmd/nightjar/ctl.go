package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
)

// cmdCtl is `nightjar ctl COMMAND`: ask a running `nightjar run` over its control socket. The
// socket is --socket, or nightjar.sock in the log directory (-l, or the config's
// default-log-dir), which is where `nightjar run` makes it unless told otherwise.
func cmdCtl(args []string) int {
	var (
		socket, outDir, configFile string
		asJSON                     bool
		timeout                    = 10 * time.Minute
	)
	p := newArgParser()
	p.value(func(v string) error { socket = v; return nil }, "--socket")
	p.value(func(v string) error { outDir = v; return nil }, "-l")
	p.value(func(v string) error { configFile = v; return nil }, "-c")
	p.boolean(func() error { asJSON = true; return nil }, "--json")
	p.value(func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a duration such as 30s, got %q", v)
		}
		timeout = d
		return nil
	}, "--timeout")
	if err := p.parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar ctl: %v\n", err)
		return exitUnusable
	}
	if len(p.ignored) > 0 {
		fmt.Fprintf(os.Stderr, "nightjar ctl: unknown flag %s\n", strings.Join(p.ignored, " "))
		return exitUnusable
	}
	if len(p.positional) != 1 || p.positional[0] != "reload" {
		fmt.Fprintln(os.Stderr, "usage: nightjar ctl reload [--socket PATH | -l DIR | -c CONFIG] [--json] [--timeout D]")
		return exitUnusable
	}
	if socket == "" {
		if outDir == "" {
			cfg, _, err := sensor.LoadConfig(configFile, nil)
			if err != nil {
				fmt.Fprintf(os.Stderr, "nightjar ctl: %v\n", err)
				return exitUnusable
			}
			outDir = cfg.DefaultLogDir
		}
		socket = sensor.DefaultCtlSocket(outDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	raw, err := sensor.Control(ctx, socket, p.positional[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar ctl: %v\n", err)
		return exitUnusable
	}
	var res sensor.ReloadResult
	if err := json.Unmarshal(raw, &res); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar ctl: bad answer %s: %v\n", raw, err)
		return exitUnusable
	}
	if asJSON {
		os.Stdout.Write(raw)
	} else {
		printReload(os.Stdout, &res)
	}
	if !res.OK {
		if asJSON {
			fmt.Fprintf(os.Stderr, "nightjar ctl: reload failed: %s\n", res.Error)
		}
		return exitUnusable
	}
	return exitOK
}

// printReload writes a reload's outcome for a person.
func printReload(w io.Writer, r *sensor.ReloadResult) {
	if r.OK {
		fmt.Fprintf(w, "rules reloaded: %d loaded, %d failed, of %d (compiled in %.0f ms, every worker switched in %.0f ms)\n",
			r.RulesLoaded, r.RulesFailed, r.RulesTotal, r.CompileMS, r.SwapMS)
		fmt.Fprintf(w, "  memory (RSS): %s before, %s with both engines, %s after\n",
			mib(r.RSSBefore), mib(r.RSSCompiled), mib(r.RSSAfter))
	} else {
		fmt.Fprintf(w, "reload failed, the previous rules stay in use: %s\n", r.Error)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  not loaded: %s\n", p)
	}
	if n := r.RulesFailed - len(r.Problems); n > 0 && len(r.Problems) > 0 {
		fmt.Fprintf(w, "  … and %d more (see the sensor's log)\n", n)
	}
	fmt.Fprintf(w, "  engine reloads %d, failures %d\n", r.Reloads, r.Failures)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
