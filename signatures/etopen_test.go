package signatures

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// sharedDir finds ../shared next to the repository root.
func sharedDir(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	return filepath.Join(root, "..", "shared")
}

// reasonClass folds per-rule details out of a reason so the counts group.
func reasonClass(r string) string {
	for _, p := range []string{"buffer ", "app-layer protocol ", "transform ", "keyword "} {
		if strings.HasPrefix(r, p) {
			return r
		}
	}
	if i := strings.Index(r, ": "); i >= 0 {
		head := r[:i]
		rest := r[i+2:]
		if j := strings.IndexAny(rest, "\"0123456789"); j > 0 {
			rest = rest[:j]
		}
		return head + ": " + rest
	}
	return r
}

func TestLoadETOpen(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "rules", "et-open-2024")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	if len(files) == 0 {
		t.Skipf("ET Open rules not found in %s (shared test data absent)", dir)
	}
	rs, errs := Load(files, DefaultVars())
	counts := map[string]int{}
	appLayer := 0
	for _, e := range errs {
		if e.Line == 0 {
			t.Errorf("file error: %v", e)
			continue
		}
		if strings.HasPrefix(e.Reason, "buffer ") || strings.HasPrefix(e.Reason, "app-layer protocol ") || strings.HasPrefix(e.Reason, "transform ") {
			appLayer++
		}
		counts[reasonClass(e.Reason)]++
	}
	type kv struct {
		k string
		v int
	}
	var top []kv
	for k, v := range counts {
		top = append(top, kv{k, v})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v })
	t.Logf("ET Open: %d rules, %d loaded, %d not loaded (%d of them app-layer: buffers, app protocols, transforms)",
		rs.Total, len(rs.Rules), len(errs), appLayer)
	t.Logf("non-app-layer rules: %d, loaded %d", rs.Total-appLayer, len(rs.Rules))
	for i, x := range top {
		if i == 40 {
			break
		}
		t.Logf("%6d  %s", x.v, x.k)
	}
	if len(rs.Rules) == 0 {
		t.Fatal("no ET Open rule loaded")
	}
	// Every loaded rule must survive verification on ordinary and hostile payloads.
	st := NewMatchState(rs)
	payloads := [][]byte{
		[]byte("GET /index.php?id=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla\r\n\r\n"),
		{0x00, 0x01, 0xff, 0xfe, 0x10, 0x00, 0x00, 0x00},
		[]byte(strings.Repeat("A", 2000)),
	}
	hits := 0
	for _, r := range rs.Rules {
		for _, p := range payloads {
			if r.MatchPayload(p, st) {
				hits++
			}
		}
	}
	t.Logf("payload matches over %d probes: %d", len(rs.Rules)*len(payloads), hits)
	if os.Getenv("NIGHTJAR_DUMP_ERRORS") != "" {
		for _, e := range errs {
			t.Log(e.Error())
		}
	}
}
