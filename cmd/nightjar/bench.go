package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/nightjar-ids/nightjar/bench"
)

const benchUsage = `usage: nightjar bench SUBCOMMAND [flags]

  gen      write deterministic synthetic traffic (and FILE.expected.json, the attack alerts)
           nightjar bench gen -o FILE [--seed N] [--size SIZE] [--clients N] [--servers N]
                              [--flows N] [--mix http=25,dns=45,tls12=5,tls13=20,ssh=1,tcp=1,udp=1]
                              [--attack-every N] [--rate PPS] [-q]
  run      measure the pipeline over captures
           nightjar bench run -r FILE… | --gen SIZE [--seed N]  [-S RULES…] [-c CONFIG] [--set k=v]
                              [--workers N[,N…]] [--rule-sizes N,N,…,all] [--repeat K] [--stages]
                              [--json FILE] [--md FILE] [--svg DIR] [--out DIR] [-q]
  compare  run another command on the same input, side by side with Nightjar
           nightjar bench compare -r FILE|DIR | --gen SIZE [--repeat K] [--workers N] [-S RULES…]
                              [--startup] -- CMD…
           ({pcap} in CMD is replaced by the input; one quoted argument runs through sh -c;
           --startup also runs both on the input's first frame alone and compares the
           processing cost, start-up subtracted)
  live     replay a capture through a veth pair between two private network namespaces at
           rising rates; find the highest rate each worker count takes without loss (root)
           nightjar bench live -r FILE [--workers 1,2] [--rates 20k,50k,100k,200k |
                              --start RATE --factor F --max RATE] [--duration 3s] [--senders N]
                              [-S RULES…] [--set k=v] [--json FILE] [--md FILE] [--svg DIR] [-q]
  soak     replay a capture through the same lab at one rate for a long time, reloading the
           rules on a clock, and sample the sensor's memory (root)
           nightjar bench soak -r FILE --rate PPS [--workers N] [--duration 10m]
                              [--reload-every 30s] [--senders N] [-S RULES…] [--set k=v]
                              [--json FILE] [--md FILE] [--svg DIR] [-q]
`

func cmdBench(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, benchUsage)
		return exitUnusable
	}
	switch args[0] {
	case "gen":
		return benchGen(args[1:])
	case "run":
		return benchRun(args[1:], false)
	case "compare":
		return benchRun(args[1:], true)
	case "live":
		return benchLive(args[1:])
	case "soak":
		return benchSoak(args[1:])
	case "help", "-h", "--help":
		fmt.Print(benchUsage)
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "nightjar bench: unknown subcommand %q: gen, run, compare, live or soak (`nightjar bench help` shows their flags)\n", args[0])
	return exitUnusable
}

// genFlags registers the generator's flags on p.
func genFlags(p *argParser, o *bench.GenOptions) {
	p.value(func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		o.Seed = n
		return err
	}, "--seed")
	p.value(func(v string) (err error) { o.Size, err = bench.ParseSize(v); return err }, "--size")
	p.value(intFlag(&o.Clients), "--clients")
	p.value(intFlag(&o.Servers), "--servers")
	p.value(intFlag(&o.Concurrency), "--flows")
	p.value(intFlag(&o.AttackEvery), "--attack-every")
	p.value(func(v string) (err error) { o.Mix, err = bench.ParseMix(v); return err }, "--mix")
	p.value(func(v string) (err error) { o.Rate, err = strconv.ParseFloat(v, 64); return err }, "--rate")
}

func intFlag(dst *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want a number, got %q", v)
		}
		*dst = n
		return nil
	}
}

func intList(dst *[]int, allowAll bool) func(string) error {
	return func(v string) error {
		for _, f := range strings.Split(v, ",") {
			if allowAll && f == "all" {
				*dst = append(*dst, -1)
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				return fmt.Errorf("want a list of numbers, got %q", v)
			}
			*dst = append(*dst, n)
		}
		return nil
	}
}

func benchGen(args []string) int {
	o := bench.DefaultGenOptions()
	var out string
	quiet := false
	p := newArgParser()
	genFlags(p, &o)
	p.value(func(v string) error { out = v; return nil }, "-o")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
	if err := p.parse(args); err != nil || len(p.ignored) > 0 || len(p.positional) > 0 {
		return benchBadArgs("gen", err, p)
	}
	if out == "" {
		fmt.Fprintln(os.Stderr, "nightjar bench gen: no output: give -o FILE")
		return exitUnusable
	}
	if !quiet {
		o.Progress = os.Stderr
	}
	st, err := bench.GenerateFile(out, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench gen: %v\n", err)
		return exitUnusable
	}
	if !quiet {
		fmt.Printf("wrote %s: %d bytes, %d packets, %d flows (%d tcp, %d udp), %d attack transactions in %.2fs (%.0f MB/s)\n",
			out, st.Bytes, st.Packets, st.Flows, st.TCPFlows, st.UDPFlows, st.Attacks,
			st.Elapsed.Seconds(), float64(st.Bytes)/1e6/st.Elapsed.Seconds())
		fmt.Printf("expected alerts: %s.expected.json\n", out)
	}
	return exitOK
}

func benchRun(args []string, compare bool) int {
	name := "run"
	if compare {
		name = "compare"
	}
	var (
		ro             bench.RunOptions
		genSize        string
		jsonOut, mdOut string
		svgDir, outDir string
		quiet, noPin   bool
		startup        bool
		g              = bench.DefaultGenOptions()
		genSizeGiven   bool
	)
	p := newArgParser()
	p.value(func(v string) error { ro.Files = append(ro.Files, v); return nil }, "-r", "--pcap")
	p.value(func(v string) error { ro.RuleFiles = append(ro.RuleFiles, v); return nil }, "-S", "-s")
	p.value(func(v string) error { ro.ConfigFile = v; return nil }, "-c")
	p.value(func(v string) error { ro.Sets = append(ro.Sets, v); return nil }, "--set")
	p.value(intList(&ro.Workers, false), "--workers")
	p.value(intList(&ro.RuleSizes, true), "--rule-sizes")
	p.value(intFlag(&ro.Repeat), "--repeat")
	p.boolean(func() error { ro.Stages = true; return nil }, "--stages")
	p.value(func(v string) error { jsonOut = v; return nil }, "--json")
	p.value(func(v string) error { mdOut = v; return nil }, "--md")
	p.value(func(v string) error { svgDir = v; return nil }, "--svg")
	p.value(func(v string) error { outDir = v; return nil }, "--out")
	p.value(func(v string) error { genSize, genSizeGiven = v, true; return nil }, "--gen")
	p.value(func(v string) (err error) { g.Seed, err = strconv.ParseUint(v, 10, 64); return err }, "--seed")
	p.boolean(func() error { quiet = true; return nil }, "-q", "--quiet")
	p.boolean(func() error { noPin = true; return nil }, "--no-pin")
	if compare {
		p.boolean(func() error { startup = true; return nil }, "--startup")
	}
	if err := p.parse(args); err != nil || len(p.ignored) > 0 || (!compare && len(p.positional) > 0) {
		return benchBadArgs(name, err, p)
	}
	ro.Pin = !noPin
	if !quiet {
		ro.Progress = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if genSizeGiven {
		size, err := bench.ParseSize(genSize)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nightjar bench %s: --gen: %v\n", name, err)
			return exitUnusable
		}
		dir, err := os.MkdirTemp("", "nightjar-bench-gen-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "nightjar bench %s: %v\n", name, err)
			return exitUnusable
		}
		defer os.RemoveAll(dir)
		g.Size, g.Progress = size, ro.Progress
		f := filepath.Join(dir, "gen.pcap")
		if _, err := bench.GenerateFile(f, g); err != nil {
			fmt.Fprintf(os.Stderr, "nightjar bench %s: %v\n", name, err)
			return exitUnusable
		}
		ro.Files = append(ro.Files, f)
	}
	if len(ro.Files) == 0 {
		fmt.Fprintf(os.Stderr, "nightjar bench %s: no input: give -r FILE or --gen SIZE\n", name)
		return exitUnusable
	}

	if compare {
		c, err := bench.Compare(ctx, bench.CompareOptions{Run: ro, Command: p.positional, Stderr: os.Stderr, Startup: startup})
		if err != nil {
			fmt.Fprintf(os.Stderr, "nightjar bench compare: %v\n", err)
			return exitUnusable
		}
		c.WriteMarkdown(os.Stdout)
		return exitOK
	}

	rep, err := bench.Run(ctx, ro)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench run: %v\n", err)
		return exitUnusable
	}
	if err := writeBenchOutputs(rep, jsonOut, mdOut, svgDir, outDir); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar bench run: %v\n", err)
		return exitUnusable
	}
	if !quiet {
		rep.WriteMarkdown(os.Stdout)
	}
	return exitOK
}

func writeBenchOutputs(rep *bench.Report, jsonOut, mdOut, svgDir, outDir string) error {
	if outDir != "" {
		if _, err := rep.WriteFiles(outDir); err != nil {
			return err
		}
	}
	writeTo := func(path string, fn func(f *os.File) error) error {
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = fn(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := writeTo(jsonOut, func(f *os.File) error { return rep.WriteJSON(f) }); err != nil {
		return err
	}
	if err := writeTo(mdOut, func(f *os.File) error { return rep.WriteMarkdown(f) }); err != nil {
		return err
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

func benchBadArgs(name string, err error, p *argParser) int {
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "nightjar bench %s: %v\n", name, err)
	case len(p.ignored) > 0:
		fmt.Fprintf(os.Stderr, "nightjar bench %s: unknown flag %s\n", name, p.ignored[0])
	default:
		fmt.Fprintf(os.Stderr, "nightjar bench %s: unexpected argument %q\n", name, p.positional[0])
	}
	return exitUnusable
}
