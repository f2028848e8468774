package verify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CheckFailure describes one failed check of a test.
type CheckFailure struct {
	Index    int    `json:"index"`              // 1-based position in test.yaml's checks
	Type     string `json:"type"`               // filter, shell, stats, file-compare
	Message  string `json:"message"`            // what went wrong, in one line
	Expected any    `json:"expected,omitempty"` // filter: the match block; shell: expect
	Want     *int64 `json:"want_count,omitempty"`
	Matched  *int64 `json:"matched,omitempty"` // filter: events that matched
	Filename string `json:"filename,omitempty"`
}

// supportedChecks are the check types this runner implements.
var supportedChecks = map[string]bool{"filter": true, "shell": true, "stats": true, "file-compare": true}

// checkRequires gathers a check's own requirements: its "requires" block plus the
// shorthand keys run.py folds into it (version, min-version, lt-version, feature).
func checkRequires(c checkSpec) (*ymap, error) {
	body, _ := c.Body.(*ymap)
	req := &ymap{}
	if r, ok := body.get("requires"); ok && r != nil {
		rm, ok := r.(*ymap)
		if !ok {
			return nil, fmt.Errorf("check %d: requires is not a mapping", c.Index)
		}
		for i, k := range rm.keys {
			req.set(k, rm.vals[i])
		}
	}
	for _, k := range []string{"version", "min-version", "lt-version"} {
		if v, ok := body.get(k); ok && v != nil {
			req.set(k, v)
		}
	}
	if c.Type == "filter" {
		if f, ok := body.get("feature"); ok && f != nil {
			req.set("features", []any{f})
		}
	}
	return req, nil
}

// filterSpec is a parsed filter check.
type filterSpec struct {
	count    any
	terms    []matchTerm
	filename string
	comment  string
	match    map[string]any // for reports
}

func parseFilter(body any) (*filterSpec, error) {
	m, ok := body.(*ymap)
	if !ok {
		return nil, errors.New("filter is not a mapping")
	}
	f := &filterSpec{filename: "eve.json"}
	if f.count, ok = m.get("count"); !ok {
		return nil, errors.New("filter has no count")
	}
	if fn, ok := m.get("filename"); ok {
		f.filename = pyStr(fn)
	}
	if c, ok := m.get("comment"); ok {
		f.comment = pyStr(c)
	}
	mv, _ := m.get("match")
	mm, ok := mv.(*ymap)
	if !ok {
		return nil, errors.New("filter has no match mapping")
	}
	for i, k := range mm.keys {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("match key %s is not a string", pyRepr(k))
		}
		f.terms = append(f.terms, matchTerm{key: ks, want: plain(mm.vals[i])})
	}
	f.match, _ = plain(mm).(map[string]any)
	return f, nil
}

// checkRun holds what the checks of one test run share.
type checkRun struct {
	eng     *engine
	testDir string
	outDir  string
	env     []string
	events  map[string]eventsOrErr
}

type eventsOrErr struct {
	events []any
	err    error
}

// maxEveLine bounds one EVE line; Suricata's biggest records (files, http bodies with
// payloads) stay well below it.
const maxEveLine = 64 << 20

func (r *checkRun) loadEvents(name string) ([]any, error) {
	if e, ok := r.events[name]; ok {
		return e.events, e.err
	}
	events, err := readEvents(filepath.Join(r.outDir, name))
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
	}
	r.events[name] = eventsOrErr{events, err}
	return events, err
}

func readEvents(path string) ([]any, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("does not exist")
		}
		return nil, err
	}
	defer f.Close()
	var events []any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxEveLine)
	for n := 1; sc.Scan(); n++ {
		ev, err := decodeJSONLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		events = append(events, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return events, nil
}

// runCheck runs one check. It returns a skip reason when the check's requirements do
// not hold for the judged engine, a failure, or neither when it passes.
func (r *checkRun) runCheck(ctx context.Context, c checkSpec) (*skipReason, *CheckFailure) {
	fail := func(format string, args ...any) *CheckFailure {
		return &CheckFailure{Index: c.Index, Type: c.Type, Message: fmt.Sprintf(format, args...)}
	}
	req, err := checkRequires(c)
	if err != nil {
		return nil, fail("%v", err)
	}
	if sk := r.eng.evalRequires(req); sk != nil {
		return sk, nil
	}
	switch c.Type {
	case "filter":
		return nil, r.runFilter(c)
	case "shell":
		return nil, r.runShell(ctx, c)
	case "stats":
		return nil, r.runStats(c)
	case "file-compare":
		return nil, r.runFileCompare(c)
	}
	return skipf("unsupported check", "unsupported check type %s", c.Type), nil
}

func (r *checkRun) runFilter(c checkSpec) *CheckFailure {
	f, err := parseFilter(c.Body)
	if err != nil {
		return &CheckFailure{Index: c.Index, Type: c.Type, Message: err.Error()}
	}
	cf := &CheckFailure{Index: c.Index, Type: c.Type, Expected: f.match, Filename: f.filename}
	events, err := r.loadEvents(f.filename)
	if err != nil {
		cf.Message = err.Error()
		return cf
	}
	var n int64
	for _, ev := range events {
		ok, err := matchEvent(f.terms, ev)
		if err != nil {
			cf.Message = "runtime error: " + err.Error()
			return cf
		}
		if ok {
			n++
		}
	}
	if pyEqual(n, f.count) {
		return nil
	}
	cf.Matched = &n
	if w, ok := asNum(f.count); ok && !w.isFloat && w.i.IsInt64() {
		want := w.i.Int64()
		cf.Want = &want
	}
	if f.comment != "" {
		cf.Message = fmt.Sprintf("%s: expected %s, got %d", f.comment, pyStr(f.count), n)
	} else {
		cf.Message = fmt.Sprintf("expected %s matches; got %d for %s", pyStr(f.count), n, pyRepr(f.match))
	}
	return cf
}

func (r *checkRun) runShell(ctx context.Context, c checkSpec) *CheckFailure {
	cf := &CheckFailure{Index: c.Index, Type: c.Type}
	body, _ := c.Body.(*ymap)
	args, ok := body.get("args")
	if !ok {
		cf.Message = "shell check missing args"
		return cf
	}
	expect, hasExpect := body.get("expect")
	if hasExpect {
		cf.Expected = pyStr(expect)
	}
	// run.py runs the line through /bin/sh (subprocess with shell=True) in the output folder.
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", pyStr(args))
	cmd.Dir = r.outDir
	cmd.Env = r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		cf.Message = fmt.Sprintf("shell command failed: %s: %v %s", oneLine(pyStr(args)), err, oneLine(stderr.String()))
		return cf
	}
	if hasExpect && pyStr(expect) != strings.TrimSpace(stdout.String()) {
		cf.Message = fmt.Sprintf("shell %s: expected %q, got %q", oneLine(pyStr(args)), pyStr(expect), strings.TrimSpace(stdout.String()))
		return cf
	}
	return nil
}

func (r *checkRun) runStats(c checkSpec) *CheckFailure {
	cf := &CheckFailure{Index: c.Index, Type: c.Type, Filename: "eve.json"}
	body, ok := c.Body.(*ymap)
	if !ok {
		cf.Message = "stats check is not a mapping"
		return cf
	}
	events, err := r.loadEvents("eve.json")
	if err != nil {
		cf.Message = err.Error()
		return cf
	}
	// The last stats record holds the totals.
	var stats any
	for _, ev := range events {
		m, ok := ev.(map[string]any)
		if !ok {
			continue
		}
		if m["event_type"] == "stats" {
			stats = m["stats"]
		}
	}
	cf.Expected = plain(body)
	for i, k := range body.keys {
		key := keyString(k)
		got, err := findValue(key, stats)
		if err != nil {
			cf.Message = "runtime error: " + err.Error()
			return cf
		}
		want := plain(body.vals[i])
		if !pyEqual(got, want) {
			cf.Message = fmt.Sprintf("stats.%s: expected %s; got %s", key, pyStr(want), pyStr(got))
			return cf
		}
	}
	return nil
}

func (r *checkRun) runFileCompare(c checkSpec) *CheckFailure {
	cf := &CheckFailure{Index: c.Index, Type: c.Type}
	body, _ := c.Body.(*ymap)
	exp, ok1 := body.get("expected")
	got, ok2 := body.get("filename")
	if !ok1 || !ok2 {
		cf.Message = "file-compare needs expected and filename"
		return cf
	}
	cf.Filename = pyStr(got)
	want, err := os.ReadFile(resolveIn(r.testDir, pyStr(exp)))
	if err != nil {
		cf.Message = fmt.Sprintf("file-compare: %v", err)
		return cf
	}
	have, err := os.ReadFile(resolveIn(r.outDir, pyStr(got)))
	if err != nil {
		cf.Message = fmt.Sprintf("file-compare: %v", err)
		return cf
	}
	if !bytes.Equal(want, have) {
		cf.Message = fmt.Sprintf("file-compare: %s differs from %s", pyStr(got), pyStr(exp))
		return cf
	}
	return nil
}

func resolveIn(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
