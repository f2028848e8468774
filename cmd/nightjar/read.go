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

// Exit codes of `nightjar read`.
const (
	exitOK       = 0
	exitUnusable = 1 // bad flags, config, filter or output directory: nothing was done
	exitDamaged  = 3 // ran to the end, but some input was corrupt or unreadable
)

func cmdRead(args []string) int {
	var (
		files, rules, sets []string
		extraRules         []string
		initErrorsFatal    bool
		outDir             = ""
		configFile         string
		checksum           string
		workers            int
		noPin              bool
		quiet              bool
	)
	p := newArgParser()
	p.value(func(v string) error { files = append(files, v); return nil }, "-r", "--pcap")
	// -S names the rule files to use instead of the configured rule-files; -s adds to them.
	p.value(func(v string) error { rules = append(rules, v); return nil }, "-S")
	p.value(func(v string) error { extraRules = append(extraRules, v); return nil }, "-s")
	p.boolean(func() error { initErrorsFatal = true; return nil }, "--init-errors-fatal")
	p.value(func(v string) error { outDir = v; return nil }, "-l")
	p.value(func(v string) error { configFile = v; return nil }, "-c")
	p.value(func(v string) error { checksum = v; return nil }, "-k")
	p.value(func(v string) error { sets = append(sets, v); return nil }, "--set")
	var flight flightFlags
	flight.register(p)
	p.value(func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a worker count, got %q", v)
		}
		workers = n
		return nil
	}, "--workers")
	p.boolean(func() error { noPin = true; return nil }, "--no-pin")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
	// Suricata flags suricata-verify passes that take a value Nightjar has no use for.
	p.ignoreValue("--runmode", "--data-dir", "--include", "--pcap-file-delete", "-F",
		"--simulate-packet-tcp-reassembly-memcap", "--simulate-packet-tcp-ssn-memcap",
		"--simulate-packet-flow-memcap", "--simulate-packet-defrag-memcap",
		"--simulate-applayer-error-at-offset-ts", "--simulate-applayer-error-at-offset-tc")
	if err := p.parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
	}
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "nightjar read: no input: give one or more -r FILE|DIR")
		return exitUnusable
	}
	files, skipped, err := capture.ExpandInputs(files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, ig := range p.ignored {
		log.Warn("flag ignored", "flag", ig)
	}
	if len(skipped) > 0 {
		log.Warn("files in input directories that are not captures were skipped", "count", len(skipped), "first", skipped[0])
	}

	cfg, warnings, err := sensor.LoadConfig(configFile, sets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	switch checksum {
	case "":
	case "all":
		cfg.PcapFile.ChecksumChecks = "yes"
	case "none":
		cfg.PcapFile.ChecksumChecks = "no"
	default:
		fmt.Fprintf(os.Stderr, "nightjar read: -k %s: want all or none\n", checksum)
		return exitUnusable
	}
	if outDir == "" {
		outDir = cfg.DefaultLogDir
	}
	if workers == 0 {
		workers = cfg.Workers
	}
	flight.apply(&cfg)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := sensor.ReadFiles(ctx, &cfg, sensor.ReadOptions{
		Files:   files,
		OutDir:  outDir,
		Workers: workers,
		Filter:  strings.Join(p.positional, " "),
		Pin:     !noPin,
		Log:     log,

		RuleFiles:       rules,
		ExtraRuleFiles:  extraRules,
		InitErrorsFatal: initErrorsFatal,
	})
	if err != nil && sum == nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
	}
	if !quiet {
		sum.Print(os.Stdout, outDir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar read: output: %v\n", err)
		return exitUnusable
	}
	if sum.Damaged() {
		for _, f := range sum.Files {
			if f.Err != nil {
				fmt.Fprintf(os.Stderr, "nightjar read: %v\n", f.Err)
			}
		}
		return exitDamaged
	}
	return exitOK
}
