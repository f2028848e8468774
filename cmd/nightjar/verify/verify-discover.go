package verify

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// testCase is one test folder and the name it is reported under.
type testCase struct {
	name string // path relative to the folder given on the command line ("alert-max/alert-max-20")
	dir  string // absolute
}

// discover expands the dirs into test folders: a folder holding test.yaml is a test and is
// not searched further (as run.py does); any other folder is searched for tests, following
// symbolic links. The result is sorted by name, then folder.
func discover(dirs []string, filter string) ([]testCase, error) {
	match := nameFilter(filter)
	var out []testCase
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("test dir %s: %w", d, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("test dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("test dir %s: not a folder", d)
		}
		if isTestDir(abs) {
			if match(filepath.Base(abs)) {
				out = append(out, testCase{name: filepath.Base(abs), dir: abs})
			}
			continue
		}
		found, err := walkTests(abs, abs, map[string]bool{}, 0)
		if err != nil {
			return nil, err
		}
		for _, tc := range found {
			if match(tc.name) {
				out = append(out, tc)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].dir < out[j].dir
	})
	return out, nil
}

func isTestDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "test.yaml"))
	return err == nil && st.Mode().IsRegular()
}

const maxTestDepth = 16

// walkTests searches root/dir for tests; seen holds resolved folders so a symbolic link
// loop ends.
func walkTests(root, dir string, seen map[string]bool, depth int) ([]testCase, error) {
	if depth > maxTestDepth {
		return nil, nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("test dir: %w", err)
	}
	if seen[real] {
		return nil, nil
	}
	seen[real] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("test dir: %w", err)
	}
	var out []testCase
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil || !st.IsDir() {
				continue
			}
		} else if !e.IsDir() {
			continue
		}
		if isTestDir(p) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return nil, err
			}
			out = append(out, testCase{name: filepath.ToSlash(rel), dir: p})
			continue
		}
		sub, err := walkTests(root, p, seen, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// nameFilter matches test names against a regular expression, or a plain substring when
// the filter is not a valid expression.
func nameFilter(filter string) func(string) bool {
	if filter == "" {
		return func(string) bool { return true }
	}
	re, err := regexp.Compile(filter)
	if err != nil {
		return func(name string) bool { return strings.Contains(name, filter) }
	}
	return re.MatchString
}
