package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// cmdRun is `nightjar run`: live capture until SIGTERM or SIGINT. SIGHUP reopens the log files
// (for logrotate); it does not reload rules yet.
func cmdRun(args []string) int {
	var (
		ifaces, rules, extraRules, sets []string
		outDir, configFile, fanout      string
		metricsAddr, cpuList            string
		workers                         int
		noPin, quiet, initErrorsFatal   bool
	)
	p := newArgParser()
	p.value(func(v string) error { ifaces = append(ifaces, v); return nil }, "-i", "--af-packet")
	p.value(func(v string) error { rules = append(rules, v); return nil }, "-S")
	p.value(func(v string) error { extraRules = append(extraRules, v); return nil }, "-s")
	p.boolean(func() error { initErrorsFatal = true; return nil }, "--init-errors-fatal")
	p.value(func(v string) error { outDir = v; return nil }, "-l")
	p.value(func(v string) error { configFile = v; return nil }, "-c")
	p.value(func(v string) error { sets = append(sets, v); return nil }, "--set")
	p.value(func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a worker count, got %q", v)
		}
		workers = n
		return nil
	}, "--workers")
	p.value(func(v string) error { cpuList = v; return nil }, "--cpus")
	p.value(func(v string) error {
		if _, err := capture.ParseFanoutMode(v); err != nil {
			return err
		}
		fanout = v
		return nil
	}, "--fanout")
	p.value(func(v string) error { metricsAddr = v; return nil }, "--metrics")
	var flight flightFlags
	flight.register(p)
	p.boolean(func() error { noPin = true; return nil }, "--no-pin")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
	if err := p.parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, ig := range p.ignored {
		log.Warn("flag ignored", "flag", ig)
	}
	cfg, warnings, err := sensor.LoadConfig(configFile, sets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	flight.apply(&cfg)
	if len(ifaces) == 0 {
		// As Suricata's --af-packet without a value: every interface the af-packet list names.
		for _, a := range cfg.AFPacket {
			if a.Interface != "" && a.Interface != "default" {
				ifaces = append(ifaces, a.Interface)
			}
		}
	}
	if len(ifaces) == 0 {
		fmt.Fprintln(os.Stderr, "nightjar run: no interface: give one or more -i IFACE, or list them under af-packet in the config")
		return exitUnusable
	}
	var cpus []int
	if cpuList != "" {
		if cpus, err = sensor.ParseCPUList(cpuList); err != nil {
			fmt.Fprintf(os.Stderr, "nightjar run: --cpus: %v\n", err)
			return exitUnusable
		}
	}
	if outDir == "" {
		outDir = cfg.DefaultLogDir
	}
	if workers == 0 {
		workers = cfg.Workers
	}
	if workers == 0 && len(cpus) > 0 {
		workers = len(cpus)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reopen := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reopen <- struct{}{}:
			default: // a reopen is already pending
			}
		}
	}()

	sum, err := sensor.Run(ctx, &cfg, sensor.RunOptions{
		Interfaces:      ifaces,
		OutDir:          outDir,
		Workers:         workers,
		CPUs:            cpus,
		Pin:             !noPin,
		Filter:          strings.Join(p.positional, " "),
		Fanout:          fanout,
		MetricsAddr:     metricsAddr,
		Reopen:          reopen,
		Log:             log,
		RuleFiles:       rules,
		ExtraRuleFiles:  extraRules,
		InitErrorsFatal: initErrorsFatal,
	})
	if err != nil && sum == nil {
		// A missing CAP_NET_RAW arrives as a *capture.PermissionError whose text says what to do.
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
	if !quiet {
		sum.Print(os.Stdout, outDir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: output: %v\n", err)
		return exitUnusable
	}
	return exitOK
}
