package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// testSpec is a loaded test.yaml, with defaults applied the way run.py applies them.
type testSpec struct {
	requires   *ymap
	skip       any
	args       []string // each entry of "args", split on whitespace as run.py does
	command    string
	hasCommand bool
	pcap       string // "pcap:" when it names a file
	pcapKey    bool   // "pcap:" is present and truthy
	pcapOff    bool   // "pcap: false" (or requires: pcap: false)
	rules      string // "rules:" (a path to a rule file outside the test folder)
	exitCode   int
	count      int // how many times to run the sensor
	retry      int // attempts while a check fails
	env        [][2]string
	setup      []string
	preCheck   string
	unixCmds   bool
	checks     []checkSpec
}

// checkSpec is one check: a type (filter, shell, stats, file-compare …) and its body.
// Index is run.py's 1-based "Sub test #"; one list entry may hold several typed checks.
type checkSpec struct {
	Index int
	Type  string
	Body  any
}

func loadSpec(dir string) (*testSpec, error) {
	data, err := os.ReadFile(filepath.Join(dir, "test.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read test.yaml: %w", err)
	}
	return parseSpec(data)
}

func parseSpec(data []byte) (*testSpec, error) {
	v, err := loadYAML(data)
	if err != nil {
		return nil, fmt.Errorf("parse test.yaml: %w", err)
	}
	top, ok := v.(*ymap)
	if v != nil && !ok {
		return nil, fmt.Errorf("test.yaml: top level is %s, not a mapping", pyTypeName(v))
	}
	s := &testSpec{count: 1, retry: 1}
	if r, ok := top.get("requires"); ok && r != nil {
		if s.requires, ok = r.(*ymap); !ok {
			return nil, fmt.Errorf("test.yaml: requires is not a mapping")
		}
	}
	s.skip, _ = top.get("skip")
	if a, ok := top.get("args"); ok && a != nil {
		list, ok := a.([]any)
		if !ok {
			return nil, fmt.Errorf("test.yaml: args is not a list")
		}
		for _, e := range list {
			// run.py splits every entry on single whitespace characters; dropping the
			// empty words that double spaces would make keeps the command line sane.
			s.args = append(s.args, strings.Fields(pyStr(e))...)
		}
	}
	if c, ok := top.get("command"); ok {
		s.hasCommand = true
		s.command = pyStr(c)
	}
	if p, ok := top.get("pcap"); ok {
		switch x := p.(type) {
		case string:
			s.pcap, s.pcapKey = x, x != ""
			s.pcapOff = x == ""
		case bool:
			s.pcapOff = !x
			if x {
				return nil, fmt.Errorf("test.yaml: pcap: true names no file")
			}
		case nil:
			s.pcapOff = true
		default:
			return nil, fmt.Errorf("test.yaml: pcap is %s", pyTypeName(p))
		}
	}
	if r, ok := s.requires.get("pcap"); ok {
		if b, isBool := r.(bool); isBool && !b {
			s.pcapOff = true
		}
	}
	if r, ok := top.get("rules"); ok {
		s.rules = pyStr(r)
	}
	if err := intKey(top, "exit-code", &s.exitCode); err != nil {
		return nil, err
	}
	if err := intKey(top, "count", &s.count); err != nil {
		return nil, err
	}
	if err := intKey(top, "retry", &s.retry); err != nil {
		return nil, err
	}
	if s.count < 1 || s.count > 100 {
		return nil, fmt.Errorf("test.yaml: count %d out of range", s.count)
	}
	if s.retry < 1 || s.retry > 100 {
		return nil, fmt.Errorf("test.yaml: retry %d out of range", s.retry)
	}
	if e, ok := top.get("env"); ok && e != nil {
		m, ok := e.(*ymap)
		if !ok {
			return nil, fmt.Errorf("test.yaml: env is not a mapping")
		}
		for i, k := range m.keys {
			s.env = append(s.env, [2]string{keyString(k), pyStr(m.vals[i])})
		}
	}
	if st, ok := top.get("setup"); ok && st != nil {
		list, ok := st.([]any)
		if !ok {
			return nil, fmt.Errorf("test.yaml: setup is not a list")
		}
		for _, e := range list {
			m, ok := e.(*ymap)
			if !ok {
				return nil, fmt.Errorf("test.yaml: setup entry is not a mapping")
			}
			if sc, ok := m.get("script"); ok {
				s.setup = append(s.setup, pyStr(sc))
			}
		}
	}
	if pc, ok := top.get("pre-check"); ok {
		s.preCheck = pyStr(pc)
	}
	s.unixCmds = top.has("unix-commands")
	if c, ok := top.get("checks"); ok && c != nil {
		list, ok := c.([]any)
		if !ok {
			return nil, fmt.Errorf("test.yaml: checks is not a list")
		}
		for i, e := range list {
			m, ok := e.(*ymap)
			if !ok {
				return nil, fmt.Errorf("test.yaml: check %d is not a mapping", i+1)
			}
			for j, k := range m.keys {
				s.checks = append(s.checks, checkSpec{Index: i + 1, Type: keyString(k), Body: m.vals[j]})
			}
		}
	}
	return s, nil
}

func intKey(m *ymap, key string, dst *int) error {
	v, ok := m.get(key)
	if !ok {
		return nil
	}
	n, isNum := asNum(v)
	if !isNum || n.isFloat || !n.i.IsInt64() {
		return fmt.Errorf("test.yaml: %s is %s, not an int", key, pyRepr(v))
	}
	*dst = int(n.i.Int64())
	return nil
}
