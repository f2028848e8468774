package bench

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir is ../shared beside the repository.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rules", "et-open-2024")); err != nil {
		t.Skipf("../shared/rules/et-open-2024 is absent (%v): test needs the shared rule set", err)
	}
	return dir
}

func smallOpts(seed uint64, size int64) GenOptions {
	o := DefaultGenOptions()
	o.Seed, o.Size = seed, size
	o.Concurrency = 48
	o.Clients, o.Servers = 40, 60
	o.AttackEvery = 25
	return o
}

func genFile(t testing.TB, o GenOptions) (string, *GenStats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gen.pcap")
	st, err := GenerateFile(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return path, st
}

func sha256File(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readJSONLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: bad JSON line %q: %v", path, sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}
