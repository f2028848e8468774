package signatures

import (
	"strings"
	"testing"
)

// TestMalformedHeadersReturn: inputs that once made the rule parser spin forever (gonids's
// lexer loops on an empty protocol) are refused with a reason.
func TestMalformedHeadersReturn(t *testing.T) {
	for _, text := range []string{"( )", "alert (sid:1;)", "alert  ", "alert [tcp] any any -> any any (sid:1;)"} {
		rs, errs := LoadReader(strings.NewReader(text), "bad.rules", nil, Options{})
		if len(rs.Rules) != 0 || len(errs) == 0 {
			t.Errorf("%q: loaded %d rules, %d errors; want 0 rules and an error", text, len(rs.Rules), len(errs))
		}
	}
}
