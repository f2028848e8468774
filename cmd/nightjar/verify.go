package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/nightjar-ids/nightjar/cmd/nightjar/verify"
)

func cmdVerify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "one JSON object per test, with each failed check")
	filter := fs.String("filter", "", "run only tests whose name matches this regular expression")
	parallel := fs.Int("parallel", runtime.NumCPU(), "tests run at once")
	timeout := fs.Duration("timeout", 120*time.Second, "limit per test")
	keep := fs.Bool("keep", false, "keep each test's output folder")
	workdir := fs.String("workdir", "", "root for per-test output folders (default: a temp folder)")
	allowMissing := fs.Bool("allow-missing-config", false, "run tests whose suricata.yaml is missing from a trimmed suite on Nightjar's defaults")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nightjar verify [flags] DIR…  (suricata-verify test folders, or folders of them)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar verify: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := verify.Run(ctx, verify.Options{
		JSON: *jsonOut, Out: os.Stdout, Workdir: *workdir, Filter: *filter,
		Timeout: *timeout, Parallel: *parallel, KeepOutput: *keep, AllowMissingConfig: *allowMissing,
	}, fs.Args(), readRunner(self))
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar verify: %v\n", err)
		return 1
	}
	if sum.Failed > 0 {
		return 1
	}
	return 0
}

// readRunner runs `nightjar read` as a child process of this same binary, so a crash in one
// test cannot take the whole run down, with the working directory and environment the test
// expects. One worker: the output does not depend on the count, and tests are run in parallel.
func readRunner(self string) verify.RunFunc {
	return func(ctx context.Context, args []string, outDir string) (int, string, error) {
		cmd := exec.CommandContext(ctx, self, append([]string{"read", "-q", "--workers", "1", "--no-pin"}, args...)...)
		if ri, ok := verify.RunInfoFrom(ctx); ok {
			cmd.Dir = ri.Dir
			cmd.Env = append(os.Environ(), ri.Env...)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0, stderr.String(), nil
		case errors.As(err, &exit):
			code := exit.ExitCode()
			if code == exitDamaged {
				// Suricata finishes a damaged capture with exit 0 after logging the error;
				// the suite's expectations are written against that.
				code = 0
			}
			return code, stderr.String(), nil
		default:
			return -1, stderr.String(), err
		}
	}
}
