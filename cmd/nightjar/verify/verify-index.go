package verify

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// A trimmed copy of suricata-verify (like the one in ../shared) keeps only test.yaml, rule
// files and captures, and describes what it dropped in an index.tsv beside tests/:
// has_suricata_yaml says the test had its own configuration, extra_files names the other
// files it had. A test whose configuration or input files are gone cannot be run as
// written, so it is skipped with that reason instead of failing for a reason that is not
// the sensor's. A full checkout has no index.tsv and nothing is skipped this way.

type indexRow struct {
	hasSuricataYAML bool
	extraFiles      []string
}

type suiteIndexes struct {
	mu     sync.Mutex
	suites map[string]map[string]indexRow // suite root → test name → row
}

// lookup finds the row for a test folder: the nearest ancestor named tests whose parent
// holds index.tsv is the suite, and the test's path below tests/ is its name.
func (s *suiteIndexes) lookup(testDir string) (indexRow, bool) {
	dir := testDir
	for range maxTestDepth {
		parent := filepath.Dir(dir)
		if parent == dir {
			return indexRow{}, false
		}
		if filepath.Base(parent) == "tests" {
			root := filepath.Dir(parent)
			rows := s.load(root)
			if rows != nil {
				rel, err := filepath.Rel(parent, testDir)
				if err != nil {
					return indexRow{}, false
				}
				row, ok := rows[filepath.ToSlash(rel)]
				return row, ok
			}
		}
		dir = parent
	}
	return indexRow{}, false
}

func (s *suiteIndexes) load(root string) map[string]indexRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rows, ok := s.suites[root]; ok {
		return rows
	}
	if s.suites == nil {
		s.suites = map[string]map[string]indexRow{}
	}
	rows := readIndex(filepath.Join(root, "index.tsv"))
	s.suites[root] = rows
	return rows
}

// readIndex returns nil when there is no usable index.
func readIndex(path string) map[string]indexRow {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	if !sc.Scan() {
		return nil
	}
	col := map[string]int{}
	for i, h := range strings.Split(sc.Text(), "\t") {
		col[h] = i
	}
	nameCol, ok1 := col["name"]
	yamlCol, ok2 := col["has_suricata_yaml"]
	extraCol, ok3 := col["extra_files"]
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	rows := map[string]indexRow{}
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) <= max(nameCol, yamlCol, extraCol) {
			continue
		}
		row := indexRow{hasSuricataYAML: f[yamlCol] == "1"}
		for _, e := range strings.Split(f[extraCol], ",") {
			if e = strings.TrimSpace(e); e != "" && e != "-" {
				row.extraFiles = append(row.extraFiles, e)
			}
		}
		rows[f[nameCol]] = row
	}
	return rows
}

// strippedInputs says why a test cannot run from this copy: its suricata.yaml is gone
// (unless allowMissingConfig), an input file its test.yaml or rules name is gone, or a
// file-compare check's expected file is gone.
func strippedInputs(spec *testSpec, testDir string, row indexRow, indexed, allowMissingConfig bool) *skipReason {
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(testDir, name))
		return err == nil
	}
	for _, c := range spec.checks {
		if c.Type != "file-compare" {
			continue
		}
		body, _ := c.Body.(*ymap)
		if exp, ok := body.get("expected"); ok && !exists(pyStr(exp)) {
			return skipf("stripped input", "file-compare expected file %s is not in this copy of the suite", pyStr(exp))
		}
	}
	if !indexed {
		return nil
	}
	if row.hasSuricataYAML && !allowMissingConfig && !exists("suricata.yaml") {
		return skipf("stripped suricata.yaml", "the test's suricata.yaml is not in this copy of the suite")
	}
	if len(row.extraFiles) == 0 {
		return nil
	}
	// Only files the test refers to are inputs; helpers such as writepcap.py are not.
	var refs strings.Builder
	if b, err := os.ReadFile(filepath.Join(testDir, "test.yaml")); err == nil {
		refs.Write(b)
	}
	if rules, err := filepath.Glob(filepath.Join(testDir, "*.rules")); err == nil {
		for _, r := range rules {
			if b, err := os.ReadFile(r); err == nil {
				refs.Write(b)
			}
		}
	}
	text := refs.String()
	for _, e := range row.extraFiles {
		if !exists(e) && strings.Contains(text, e) {
			return skipf("stripped input", "input file %s is not in this copy of the suite", e)
		}
	}
	return nil
}
