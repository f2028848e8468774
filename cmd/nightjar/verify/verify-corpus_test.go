package verify

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// suiteDir finds ../shared/suricata-verify/tests relative to the repository root.
func suiteDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// This package is cmd/nightjar/verify, three levels below the repository root.
	dir := filepath.Join(wd, "..", "..", "..", "..", "shared", "suricata-verify", "tests")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("suricata-verify suite not found at %s (needs ../shared next to the repository)", dir)
	}
	return dir
}

// Every test.yaml of the suite must load, and every check must be one we understand well
// enough to evaluate or to skip on purpose.
func TestCorpusParses(t *testing.T) {
	dir := suiteDir(t)
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "test.yaml" {
			return err
		}
		n++
		spec, err := loadSpec(filepath.Dir(p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		for _, c := range spec.checks {
			if _, err := checkRequires(c); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			if c.Type == "filter" {
				if _, err := parseFilter(c.Body); err != nil {
					t.Errorf("%s: check %d: %v", p, c.Index, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d test.yaml files under %s", n, dir)
	}
	t.Logf("%d test.yaml files parsed", n)
}

// Run the whole suite against a sensor that produces an empty eve.json: what is skipped is
// skipped by requirements or by this runner's limits, not by the sensor, so the tally
// shows how much of the suite Nightjar can be judged on. Every other test must fail (an
// empty eve.json meets few expectations) or pass only if it expects nothing.
func TestCorpusSkipBreakdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	dir := suiteDir(t)
	empty := func(ctx context.Context, args []string, outDir string) (int, string, error) {
		return 0, "", os.WriteFile(filepath.Join(outDir, "eve.json"), nil, 0o644)
	}
	sum, err := Run(context.Background(), Options{Workdir: t.TempDir(), Parallel: 2}, []string{dir}, empty)
	if err != nil {
		t.Fatal(err)
	}
	total := sum.Passed + sum.Failed + sum.Skipped
	if total != len(sum.Results) || total < 100 {
		t.Fatalf("tally %d vs %d results", total, len(sum.Results))
	}
	cats := map[string]int{}
	for _, r := range sum.Results {
		if r.Status == StatusSkip {
			cats[r.Category]++
		}
		if r.Status == StatusFail && strings.Contains(r.Reason, "test.yaml") {
			t.Errorf("%s: %s", r.Name, r.Reason)
		}
	}
	keys := make([]string, 0, len(cats))
	for k := range cats {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return cats[keys[i]] > cats[keys[j]] })
	t.Logf("%d tests: %d passed, %d failed, %d skipped (%.1f%%)", total, sum.Passed, sum.Failed, sum.Skipped, 100*float64(sum.Skipped)/float64(total))
	for _, k := range keys {
		t.Logf("  skip %-22s %4d", k, cats[k])
	}
}
