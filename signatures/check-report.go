package signatures

import (
	"fmt"
	"io"
)

// CheckReport writes the result of loading rule files the way `nightjar rules check` prints
// it: one "FILE:LINE sid N: reason" line per rule not loaded (file-level problems as
// "FILE: reason"), then "loaded N of M rules". It returns the number of problems, so the
// caller exits non-zero when it is not 0.
func CheckReport(w io.Writer, rs *RuleSet, errs []LoadError) (int, error) {
	for _, e := range errs {
		if _, err := fmt.Fprintln(w, e.Error()); err != nil {
			return len(errs), fmt.Errorf("writing rule check report: %w", err)
		}
	}
	loaded, total := 0, 0
	if rs != nil {
		loaded, total = len(rs.Rules), rs.Total
	}
	if _, err := fmt.Fprintf(w, "loaded %d of %d rules\n", loaded, total); err != nil {
		return len(errs), fmt.Errorf("writing rule check report: %w", err)
	}
	return len(errs), nil
}
