package signatures

import (
	"strings"
	"testing"
)

// loadOne loads a single rule (header and sid added when the text is just options).
func loadOne(t testing.TB, text string) (*Rule, []LoadError) {
	t.Helper()
	if _, ok := actions[strings.Fields(text + " x")[0]]; !ok {
		text = "alert tcp any any -> any any (" + text + " sid:1;)"
	}
	rs, errs := LoadReader(strings.NewReader(text), "test.rules", DefaultVars(), Options{})
	if len(rs.Rules) == 0 {
		return nil, errs
	}
	return rs.Rules[0], errs
}

func mustRule(t testing.TB, text string) *Rule {
	t.Helper()
	r, errs := loadOne(t, text)
	if r == nil {
		t.Fatalf("rule %q not loaded: %v", text, errs)
	}
	return r
}
