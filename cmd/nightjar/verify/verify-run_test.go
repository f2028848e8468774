package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSensor stands in for `nightjar read`: it copies the "capture" (which in these tests
// holds EVE lines) to OUTDIR/eve.json, so each test crafts the events it is judged on.
func fakeSensor(t *testing.T, calls *atomic.Int32) RunFunc {
	return func(ctx context.Context, args []string, outDir string) (int, string, error) {
		calls.Add(1)
		ri, ok := RunInfoFrom(ctx)
		if !ok || ri.Dir == "" || ri.Test == "" {
			return 0, "", errors.New("no RunInfo")
		}
		var pcap string
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-r" {
				pcap = args[i+1]
			}
		}
		if strings.Contains(pcap, "sleep") {
			<-ctx.Done()
			return -1, "", ctx.Err()
		}
		data, err := os.ReadFile(pcap)
		if err != nil {
			return 1, "cannot read " + pcap, nil
		}
		if err := os.WriteFile(filepath.Join(outDir, "eve.json"), data, 0o644); err != nil {
			return 0, "", err
		}
		return 0, "read " + strings.Join(args, " ") + "\n", nil
	}
}

const twoAlerts = `{"event_type":"alert","alert":{"signature_id":1}}
{"event_type":"alert","alert":{"signature_id":1}}
{"event_type":"stats","stats":{"decoder":{"pkts":5}}}
`

func buildSuite(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "tests")
	suite := map[string]map[string]string{
		"a-pass": {"input.pcap": twoAlerts, "test.rules": "", "test.yaml": `
args:
  - -k none
checks:
  - filter:
      count: 2
      match:
        event_type: alert
        alert.signature_id: 1
  - filter:
      count: 0
      match:
        alert.signature_id: 2
  - shell:
      args: grep -c signature_id eve.json
      expect: 2
  - shell:
      args: grep -c 'read -r' stderr
      expect: 1
  - stats:
      decoder.pkts: 5
  - filter:
      lt-version: 7
      count: 99
      match: {event_type: alert}
`},
		"b-fail": {"input.pcap": twoAlerts, "test.yaml": `
checks:
  - filter:
      count: 1
      match: {event_type: alert}
  - filter:
      count: 2
      match: {event_type: alert}
  - filter:
      comment: no drops
      count: 1
      match: {event_type: drop}
`},
		"group/nested-ips": {"input.pcap": twoAlerts, "test.yaml": `
checks:
  - shell:
      args: grep -c -- --simulate-ips cmdline
      expect: 1
`},
		"group/sub/deeper": {"test.pcap": "", "test.yaml": "checks: []\n"},
		"c-skip-version":   {"input.pcap": "", "test.yaml": "requires:\n  min-version: 99\n"},
		"d-exit-code":      {"input.pcap": "", "test.yaml": "exit-code: 1\n"},
		"e-checks-skipped": {"input.pcap": "", "test.yaml": "checks:\n  - filter:\n      requires: {lt-version: 7}\n      count: 1\n      match: {}\n"},
		"f-bad-yaml":       {"input.pcap": "", "test.yaml": "checks: [\n"},
		"g-sleep":          {"sleep.pcap": "", "test.yaml": ""},
		"h-unknown-check":  {"input.pcap": "", "test.yaml": "checks:\n  - telepathy: {}\n"},
	}
	for name, files := range suite {
		writeTest(t, filepath.Join(root, name), files)
	}
	return root
}

func TestRunEndToEnd(t *testing.T) {
	root := buildSuite(t)
	var calls atomic.Int32
	var out bytes.Buffer
	opts := Options{Out: &out, Workdir: t.TempDir(), Timeout: 200 * time.Millisecond, Parallel: 3}
	sum, err := Run(context.Background(), opts, []string{root}, fakeSensor(t, &calls))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"PASS a-pass",
		"FAIL b-fail: check #1 (filter): expected 1 matches; got 2 for {'event_type': 'alert'}",
		"SKIP c-skip-version: requires min-version 99 (judging as 8.0.0)",
		"FAIL d-exit-code: got exit code 0, expected 1",
		"SKIP e-checks-skipped: no check applies: requires lt-version 7 (judging as 8.0.0)",
		"FAIL f-bad-yaml: parse test.yaml: ",
		"FAIL g-sleep: timed out after 200ms",
		"PASS group/nested-ips",
		"PASS group/sub/deeper",
		"SKIP h-unknown-check: unsupported check type telepathy",
		"3 passed, 4 failed, 3 skipped",
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// Names sort as strings: "group/…" after "g-sleep", "h-…" after "group/…". The YAML
	// error's wording belongs to the YAML library, so only its prefix is fixed.
	same := len(got) == len(want)
	for i := 0; same && i < len(want); i++ {
		same = got[i] == want[i] || (strings.HasSuffix(want[i], ": ") && strings.HasPrefix(got[i], want[i]))
	}
	if !same {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if sum.Passed != 3 || sum.Failed != 4 || sum.Skipped != 3 || len(sum.Results) != 10 {
		t.Errorf("summary %d/%d/%d of %d", sum.Passed, sum.Failed, sum.Skipped, len(sum.Results))
	}
	var bfail Result
	for _, r := range sum.Results {
		if r.Name == "b-fail" {
			bfail = r
		}
	}
	if len(bfail.Failed) != 2 || bfail.Failed[0].Index != 1 || bfail.Failed[1].Index != 3 || *bfail.Failed[1].Matched != 0 ||
		!strings.HasPrefix(bfail.Failed[1].Message, "no drops: expected 1, got 0") {
		t.Errorf("b-fail checks: %+v", bfail.Failed)
	}
	if c := calls.Load(); c != 7 {
		t.Errorf("sensor ran %d times, want 7 (skips and bad yaml never run)", c)
	}
}

func TestRunEndToEndJSONAndFilter(t *testing.T) {
	root := buildSuite(t)
	var calls atomic.Int32
	var out bytes.Buffer
	opts := Options{JSON: true, Out: &out, Filter: "^b-|nested"}
	sum, err := Run(context.Background(), opts, []string{root}, fakeSensor(t, &calls))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || lines[2] != "1 passed, 1 failed, 0 skipped" || sum.Failed != 1 {
		t.Fatalf("output:\n%s", out.String())
	}
	var r Result
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Name != "b-fail" || r.Status != StatusFail || len(r.Failed) != 2 || r.Failed[0].Want == nil || *r.Failed[0].Want != 1 || *r.Failed[0].Matched != 2 {
		t.Errorf("json result: %s", lines[0])
	}
	if exp, ok := r.Failed[0].Expected.(map[string]any); !ok || exp["event_type"] != "alert" {
		t.Errorf("expected match block: %#v", r.Failed[0].Expected)
	}

	// A single test folder is accepted as is.
	out.Reset()
	sum, err = Run(context.Background(), Options{Out: &out}, []string{filepath.Join(root, "a-pass")}, fakeSensor(t, &calls))
	if err != nil || sum.Passed != 1 || out.String() != "PASS a-pass\n1 passed, 0 failed, 0 skipped\n" {
		t.Errorf("single test: %v %q", err, out.String())
	}
}

func TestRunCancelled(t *testing.T) {
	root := buildSuite(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	if _, err := Run(ctx, Options{}, []string{root}, fakeSensor(t, &calls)); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if _, err := Run(context.Background(), Options{}, []string{filepath.Join(root, "nope")}, fakeSensor(t, &calls)); err == nil {
		t.Error("missing folder: no error")
	}
}

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "verify-example")
	defer os.RemoveAll(dir)
	test := filepath.Join(dir, "alert-1")
	_ = os.MkdirAll(test, 0o755)
	_ = os.WriteFile(filepath.Join(test, "input.pcap"), nil, 0o644)
	_ = os.WriteFile(filepath.Join(test, "test.yaml"), []byte("checks:\n  - filter:\n      count: 1\n      match: {event_type: alert}\n"), 0o644)
	sensor := func(ctx context.Context, args []string, outDir string) (int, string, error) {
		return 0, "", os.WriteFile(filepath.Join(outDir, "eve.json"), []byte(`{"event_type":"alert"}`+"\n"), 0o644)
	}
	_, err := Run(context.Background(), Options{Out: os.Stdout}, []string{dir}, sensor)
	fmt.Println(err)
	// Output:
	// PASS alert-1
	// 1 passed, 0 failed, 0 skipped
	// <nil>
}
