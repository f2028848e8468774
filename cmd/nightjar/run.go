package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// cmdRun is `nightjar run`: live capture until SIGTERM or SIGINT. SIGHUP reopens the log files
// (for logrotate) and reloads the rules; `nightjar ctl reload` reloads them over the control
// socket and says how it went.
func cmdRun(args []string) int {
	var (
		ifaces                       []string
		fanout, metricsAddr, cpuList string
		ctlSocket                    string
		sf                           sensorFlags
	)
	p := newArgParser()
	p.value(func(v string) error { ifaces = append(ifaces, v); return nil }, "-i", "--af-packet")
	sf.register(p)
	p.value(func(v string) error { cpuList = v; return nil }, "--cpus")
	p.value(func(v string) error {
		if _, err := capture.ParseFanoutMode(v); err != nil {
			return err
		}
		fanout = v
		return nil
	}, "--fanout")
	p.value(func(v string) error { metricsAddr = v; return nil }, "--metrics")
	p.value(func(v string) error { ctlSocket = v; return nil }, "--ctl-socket")
	if err := p.parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
	level := slog.LevelInfo
	if sf.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, ig := range p.ignored {
		log.Warn("flag ignored", "flag", ig)
	}
	cfg, err := sf.loadConfig(log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
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
	outDir, workers := sf.outDir, sf.workers
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
		Pin:             !sf.noPin,
		Filter:          strings.Join(p.positional, " "),
		Fanout:          fanout,
		MetricsAddr:     metricsAddr,
		Reopen:          reopen,
		CtlSocket:       ctlSocket,
		Log:             log,
		RuleFiles:       sf.rules,
		ExtraRuleFiles:  sf.extraRules,
		InitErrorsFatal: sf.initErrorsFatal,
	})
	if err != nil && sum == nil {
		// A missing CAP_NET_RAW arrives as a *capture.PermissionError whose text says what to do.
		fmt.Fprintf(os.Stderr, "nightjar run: %v\n", err)
		return exitUnusable
	}
	if !sf.quiet {
		sum.Print(os.Stdout, outDir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar run: output: %v\n", err)
		return exitUnusable
	}
	return exitOK
}
