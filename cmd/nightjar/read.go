package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
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
		files    []string
		checksum string
		cpuProf  string
		memProf  string
		sf       sensorFlags
	)
	p := newArgParser()
	p.value(func(v string) error { files = append(files, v); return nil }, "-r", "--pcap")
	p.value(func(v string) error { checksum = v; return nil }, "-k")
	p.value(func(v string) error { cpuProf = v; return nil }, "--cpuprofile")
	p.value(func(v string) error { memProf = v; return nil }, "--memprofile")
	sf.register(p)
	// Suricata flags suricata-verify passes that take a value Nightjar has no use for.
	p.ignoreValue("--runmode", "--include", "--pcap-file-delete", "-F",
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

	cfg, err := sf.loadConfig(log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
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
	outDir := sf.outDir
	if cpuProf != "" {
		stopProf, err := startCPUProfile(cpuProf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
			return exitUnusable
		}
		defer stopProf()
	}
	if memProf != "" {
		defer writeAllocsProfile(memProf, log)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := sensor.ReadFiles(ctx, &cfg, sensor.ReadOptions{
		Files:   files,
		OutDir:  outDir,
		Workers: sf.workers,
		Filter:  strings.Join(p.positional, " "),
		Pin:     !sf.noPin,
		Log:     log,

		RuleFiles:       sf.rules,
		ExtraRuleFiles:  sf.extraRules,
		InitErrorsFatal: sf.initErrorsFatal,
	})
	if err != nil && sum == nil {
		fmt.Fprintf(os.Stderr, "nightjar read: %v\n", err)
		return exitUnusable
	}
	if !sf.quiet {
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

// writeAllocsProfile writes the allocations of the whole run to path (`go tool pprof
// -sample_index=alloc_objects`): where the pipeline allocates.
func writeAllocsProfile(path string, log *slog.Logger) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		log.Warn("memory profile not written", "path", path, "err", err)
	}
}

// startCPUProfile writes a Go CPU profile of the run to path (for `go tool pprof`); the
// returned function stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
