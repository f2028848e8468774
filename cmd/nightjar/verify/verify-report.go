package verify

import (
	"encoding/json"
	"fmt"
	"io"
)

// reporter writes results as they complete, keeping the first write error.
type reporter struct {
	w    io.Writer
	json bool
	err  error
}

func (r *reporter) printf(format string, args ...any) {
	if r.err != nil {
		return
	}
	_, r.err = fmt.Fprintf(r.w, format, args...)
}

// result writes "PASS name", "FAIL name: reason" or "SKIP name: reason", or with JSON
// one object holding the whole Result, failed checks included.
func (r *reporter) result(res Result) {
	if r.json {
		b, err := json.Marshal(res)
		if err != nil {
			// Only a value the YAML loader made could fail to encode; keep the verdict.
			b, _ = json.Marshal(Result{Name: res.Name, Dir: res.Dir, Status: res.Status, Reason: res.Reason})
		}
		r.printf("%s\n", b)
		return
	}
	if res.Status == StatusPass {
		r.printf("PASS %s\n", res.Name)
		return
	}
	r.printf("%s %s: %s\n", res.Status, res.Name, oneLine(res.Reason))
}

func (r *reporter) total(s Summary) {
	r.printf("%d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
}
