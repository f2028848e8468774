package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options controls a conformance run.
type Options struct {
	JSON     bool          // one JSON object per test instead of PASS/FAIL/SKIP lines
	Out      io.Writer     // where results go; nil discards them
	Workdir  string        // root for per-test output folders; "" is the system temp folder
	Filter   string        // regular expression (or, if invalid, substring) on test names
	Version  string        // Suricata version whose behaviour is the reference; "" is 8.0.0
	Timeout  time.Duration // per sensor run; 0 is run.py's 300 s
	Parallel int           // tests run at once; < 1 is 1

	// Features replaces DefaultFeatures, the build features requirements are judged by.
	Features []string
	// KeepOutput leaves each test's output folder (eve.json, stderr, cmdline) in place.
	KeepOutput bool
	// AllowMissingConfig runs tests whose own suricata.yaml a trimmed copy of the suite
	// dropped (see index.tsv) with Nightjar's defaults instead of skipping them.
	AllowMissingConfig bool
}

// RunFunc runs `nightjar read` with args (which include -r, -l outDir and the test's
// Suricata-style options) and returns the exit code and standard error. err is for a run
// that could not happen at all. The context carries a RunInfo (see RunInfoFrom) with the
// working directory and environment run.py would give Suricata; a RunFunc should honour
// them, since some tests use paths relative to their folder.
type RunFunc func(ctx context.Context, args []string, outDir string) (exitCode int, stderr string, err error)

// RunInfo is what a RunFunc should apply to the process it starts.
type RunInfo struct {
	Test string   // test name
	Dir  string   // working directory: the test folder
	Env  []string // KEY=value pairs to add to the inherited environment (TZ=UTC, TEST_DIR …)
}

type runInfoKey struct{}

// RunInfoFrom returns the RunInfo Run attached to a RunFunc's context.
func RunInfoFrom(ctx context.Context) (RunInfo, bool) {
	ri, ok := ctx.Value(runInfoKey{}).(RunInfo)
	return ri, ok
}

// Status is a test verdict.
type Status string

// Verdicts.
const (
	StatusPass Status = "PASS"
	StatusFail Status = "FAIL"
	StatusSkip Status = "SKIP"
)

// Result is one test's verdict.
type Result struct {
	Name          string         `json:"name"`
	Dir           string         `json:"dir"`
	Status        Status         `json:"status"`
	Reason        string         `json:"reason,omitempty"`   // why it failed or was skipped
	Category      string         `json:"category,omitempty"` // skip reason family, for tallies
	Failed        []CheckFailure `json:"failed_checks,omitempty"`
	Checks        int            `json:"checks"`                   // checks listed in test.yaml
	SkippedChecks int            `json:"skipped_checks,omitempty"` // not applicable to the judged version
	Args          []string       `json:"args,omitempty"`           // the `nightjar read` arguments
	ExitCode      *int           `json:"exit_code,omitempty"`
	ElapsedMS     int64          `json:"elapsed_ms"`
}

// Summary totals a run.
type Summary struct {
	Passed, Failed, Skipped int
	Results                 []Result
}

const defaultTimeout = 300 * time.Second

// Run runs every test found under dirs (test folders or folders of tests) in sorted
// order and writes one line per test and a final tally to opts.Out. The returned error is
// for a run that could not proceed (bad folder, cancelled context); failing tests are
// reported in the Summary, not as an error.
func Run(ctx context.Context, opts Options, dirs []string, run RunFunc) (Summary, error) {
	var sum Summary
	if run == nil {
		return sum, errors.New("verify: no RunFunc")
	}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	eng, err := newEngine(opts.Version, opts.Features)
	if err != nil {
		return sum, fmt.Errorf("verify: %w", err)
	}
	tests, err := discover(dirs, opts.Filter)
	if err != nil {
		return sum, fmt.Errorf("verify: %w", err)
	}
	if opts.Workdir != "" {
		if err := os.MkdirAll(opts.Workdir, 0o755); err != nil {
			return sum, fmt.Errorf("verify: workdir: %w", err)
		}
	}
	root, err := os.MkdirTemp(opts.Workdir, "nightjar-verify-")
	if err != nil {
		return sum, fmt.Errorf("verify: workdir: %w", err)
	}
	if !opts.KeepOutput {
		defer os.RemoveAll(root)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	workers := max(opts.Parallel, 1)

	rn := &runner{opts: opts, eng: eng, run: run, idx: &suiteIndexes{}}
	results := make([]Result, len(tests))
	done := make([]chan struct{}, len(tests))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outDir := filepath.Join(root, fmt.Sprintf("%04d-%s", i, filepath.Base(tests[i].dir)))
				results[i] = rn.runTest(ctx, tests[i], outDir)
				if !opts.KeepOutput {
					os.RemoveAll(outDir) // a full suite would otherwise fill the disk
				}
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range tests {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	rep := reporter{w: out, json: opts.JSON}
	var runErr error
	for i := range tests {
		select {
		case <-done[i]:
		case <-ctx.Done():
			runErr = ctx.Err()
		}
		if runErr != nil {
			break
		}
		r := results[i]
		switch r.Status {
		case StatusPass:
			sum.Passed++
		case StatusFail:
			sum.Failed++
		default:
			sum.Skipped++
		}
		sum.Results = append(sum.Results, r)
		rep.result(r)
	}
	wg.Wait()
	rep.total(sum)
	if runErr != nil {
		return sum, fmt.Errorf("verify: %w", runErr)
	}
	return sum, rep.err
}

// runner holds what every test of a run shares.
type runner struct {
	opts Options
	eng  *engine
	run  RunFunc
	idx  *suiteIndexes
}

// runTest judges one test: requirements, then the sensor run(s), then the checks.
func (rn *runner) runTest(ctx context.Context, tc testCase, outDir string) Result {
	eng := rn.eng
	start := time.Now()
	res := Result{Name: tc.name, Dir: tc.dir}
	defer func() { res.ElapsedMS = time.Since(start).Milliseconds() }()
	skip := func(sk *skipReason) Result {
		res.Status, res.Reason, res.Category = StatusSkip, sk.Text, sk.Category
		return res
	}
	failf := func(format string, args ...any) Result {
		res.Status, res.Reason = StatusFail, fmt.Sprintf(format, args...)
		return res
	}

	spec, err := loadSpec(tc.dir)
	if err != nil {
		return failf("%v", err)
	}
	res.Checks = len(spec.checks)
	if sk := pretest(spec, eng); sk != nil {
		return skip(sk)
	}
	row, indexed := rn.idx.lookup(tc.dir)
	if sk := strippedInputs(spec, tc.dir, row, indexed, rn.opts.AllowMissingConfig); sk != nil {
		return skip(sk)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return failf("output folder: %v", err)
	}
	inv, err := buildInvocation(spec, eng, tc.dir, outDir)
	if err != nil {
		return failf("%v", err)
	}
	if inv.skip != nil {
		return skip(inv.skip)
	}
	res.Args = inv.args

	cr := &checkRun{eng: eng, testDir: tc.dir, outDir: outDir, env: append(os.Environ(), inv.env...)}
	var failures []CheckFailure
	skipped := 0
	var firstSkip *skipReason
	for attempt := 1; attempt <= spec.retry; attempt++ {
		for n := 0; n < spec.count; n++ {
			if err := resetDir(outDir); err != nil {
				return failf("output folder: %v", err)
			}
			for _, script := range spec.setup {
				if err := shellIn(ctx, script, outDir, cr.env); err != nil {
					return failf("setup script failed: %v", err)
				}
			}
			code, reason := runSensor(ctx, tc, inv, outDir, rn.opts.Timeout, rn.run)
			if reason != "" {
				return failf("%s", reason)
			}
			res.ExitCode = &code
			if code != spec.exitCode {
				return failf("got exit code %d, expected %d", code, spec.exitCode)
			}
			if spec.preCheck != "" {
				_ = shellIn(ctx, spec.preCheck, outDir, cr.env) // run.py ignores its status
			}
			cr.events = map[string]eventsOrErr{}
			failures, skipped, firstSkip = nil, 0, nil
			for _, c := range spec.checks {
				sk, f := cr.runCheck(ctx, c)
				switch {
				case sk != nil:
					skipped++
					if firstSkip == nil {
						firstSkip = sk
					}
				case f != nil:
					failures = append(failures, *f)
				}
			}
		}
		if len(failures) == 0 {
			break
		}
	}
	res.SkippedChecks = skipped
	switch {
	case len(failures) > 0:
		res.Failed = failures
		f := failures[0]
		return failf("check #%d (%s): %s", f.Index, f.Type, f.Message)
	case skipped > 0 && skipped == len(spec.checks):
		return skip(&skipReason{Category: firstSkip.Category, Text: "no check applies: " + firstSkip.Text})
	}
	res.Status = StatusPass
	return res
}

// pretest decides, before anything runs, whether the test applies: run.py's requires and
// skip, plus what this runner cannot do (unix-socket tests, unknown check types, check
// requirements it cannot judge, shell tools that are not installed).
func pretest(spec *testSpec, eng *engine) *skipReason {
	if sk := eng.evalRequires(spec.requires); sk != nil {
		return sk
	}
	if sk := eng.evalSkip(spec.skip); sk != nil {
		return sk
	}
	if spec.unixCmds {
		return skipf("unix socket", "unix-socket test (unix-commands)")
	}
	for _, c := range spec.checks {
		if !supportedChecks[c.Type] {
			return skipf("unsupported check", "unsupported check type %s", c.Type)
		}
		req, err := checkRequires(c)
		if err != nil {
			continue // reported as a failed check when it runs
		}
		sk := eng.evalRequires(req)
		if sk != nil && sk.Category == "unevaluable" {
			return &skipReason{Category: sk.Category, Text: fmt.Sprintf("check #%d: %s", c.Index, sk.Text)}
		}
		if sk != nil || c.Type != "shell" {
			continue
		}
		body, _ := c.Body.(*ymap)
		args, _ := body.get("args")
		if sk := shellUsable(pyStr(args)); sk != nil {
			return &skipReason{Category: sk.Category, Text: fmt.Sprintf("check #%d: %s", c.Index, sk.Text)}
		}
	}
	for _, s := range append(append([]string(nil), spec.setup...), spec.preCheck) {
		if sk := shellUsable(s); sk != nil {
			return sk
		}
	}
	return nil
}

func shellUsable(line string) *skipReason {
	if strings.Contains(line, "SRCDIR") {
		return skipf("srcdir", "shell line uses the Suricata source tree")
	}
	if missing := missingPrograms(line); len(missing) > 0 {
		return skipf("shell tool", "shell check needs %s, not installed", strings.Join(missing, ", "))
	}
	return nil
}

// runSensor makes one RunFunc call with the test's timeout and leaves stderr and the
// command line in the output folder, where shell checks look for them. A non-empty
// reason means the run itself failed.
func runSensor(ctx context.Context, tc testCase, inv *invocation, outDir string, timeout time.Duration, run RunFunc) (int, string) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rctx = context.WithValue(rctx, runInfoKey{}, RunInfo{Test: tc.name, Dir: inv.dir, Env: append([]string(nil), inv.env...)})
	args := append([]string(nil), inv.args...)
	_ = os.WriteFile(filepath.Join(outDir, "cmdline"), []byte("nightjar read "+strings.Join(args, " ")+"\n"), 0o644)
	code, stderr, err := run(rctx, args, outDir)
	if werr := os.WriteFile(filepath.Join(outDir, "stderr"), []byte(stderr), 0o644); werr != nil {
		return 0, fmt.Sprintf("write stderr: %v", werr)
	}
	if _, err := os.Stat(filepath.Join(outDir, "stdout")); errors.Is(err, os.ErrNotExist) {
		_ = os.WriteFile(filepath.Join(outDir, "stdout"), nil, 0o644)
	}
	switch {
	case errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		return 0, fmt.Sprintf("timed out after %s", timeout)
	case ctx.Err() != nil:
		return 0, fmt.Sprintf("cancelled: %v", ctx.Err())
	case err != nil:
		return 0, fmt.Sprintf("run: %v", err)
	}
	return code, ""
}

func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

func shellIn(ctx context.Context, script, dir string, env []string) error {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, oneLine(string(out)))
	}
	return nil
}
