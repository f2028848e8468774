package main

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/nightjar-ids/nightjar/sensor"
)

// sensorFlags are the flags `read` and `run` share (Suricata's names where Suricata has them):
// rules, output directory, config and overrides, workers, pinning, verbosity and the Flight export.
type sensorFlags struct {
	rules, extraRules, sets []string
	outDir, configFile      string
	workers                 int
	noPin, quiet            bool
	initErrorsFatal         bool
	flight                  flightFlags
}

func (f *sensorFlags) register(p *argParser) {
	// -S names the rule files to use instead of the configured rule-files; -s adds to them.
	p.value(func(v string) error { f.rules = append(f.rules, v); return nil }, "-S")
	p.value(func(v string) error { f.extraRules = append(f.extraRules, v); return nil }, "-s")
	p.boolean(func() error { f.initErrorsFatal = true; return nil }, "--init-errors-fatal")
	p.value(func(v string) error { f.outDir = v; return nil }, "-l")
	p.value(func(v string) error { f.configFile = v; return nil }, "-c")
	p.value(func(v string) error { f.sets = append(f.sets, v); return nil }, "--set")
	// --data-dir is Suricata's: where rules' dataset save and state files go.
	p.value(func(v string) error { f.sets = append(f.sets, "data-dir="+v); return nil }, "--data-dir")
	p.value(func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a worker count, got %q", v)
		}
		f.workers = n
		return nil
	}, "--workers")
	p.boolean(func() error { f.noPin = true; return nil }, "--no-pin")
	p.boolean(func() error { f.quiet = true; return nil }, "-q", "--quiet")
	f.flight.register(p)
}

// loadConfig reads the config file and the --set overrides (warning about keys it does not
// know), applies the Flight flags, and fills the output directory and worker count from the
// config where the flags left them unset.
func (f *sensorFlags) loadConfig(log *slog.Logger) (sensor.Config, error) {
	cfg, warnings, err := sensor.LoadConfig(f.configFile, f.sets)
	if err != nil {
		return cfg, err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	f.flight.apply(&cfg)
	if f.outDir == "" {
		f.outDir = cfg.DefaultLogDir
	}
	if f.workers == 0 {
		f.workers = cfg.Workers
	}
	return cfg, nil
}
