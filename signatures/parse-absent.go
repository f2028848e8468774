package signatures

import (
	"fmt"
	"strings"
)

// The absent keyword (Suricata 8): "<buffer>; absent;" matches a transaction or packet that
// lacks the buffer; "<buffer>; absent: or_else; <keywords>" matches when it lacks it or when
// the keywords match the buffer it has. Suricata keeps a buffer's absence apart from its
// content: without absent, a rule whose buffer is missing does not match, even with only
// negated content ("http.referer; content:!"x"" needs a Referer).

// absent is absent[: or_else] on the current sticky buffer. As in Suricata it must directly
// follow the buffer (transforms aside), and only an app-layer or packet-header buffer has an
// absence: pkt_data is always there.
func (b *ruleBuilder) absent(val string) error {
	var mode AbsentMode
	switch v := strings.TrimSpace(val); v {
	case "":
		mode = AbsentOnly
	case "or_else":
		mode = AbsentOrElse
	default:
		return fmt.Errorf("bad value %q (want nothing or or_else)", v)
	}
	if b.cur == nil || b.cur == b.r.Payload || b.r.b64Data == b.cur {
		return fmt.Errorf("absent needs a sticky buffer before it")
	}
	if len(b.cur.Matchers) > 0 || b.cur.Absent != AbsentNone {
		return fmt.Errorf("absent must come right after its buffer %s", b.cur.Name)
	}
	b.cur.Absent = mode
	return nil
}

// checkAbsent applies Suricata's rules for a list with absent once the rule is complete: a
// plain absent is the list's only test, or_else needs something else to test, and the list
// cannot hold the fast pattern (a prefilter on its bytes would never wake the rule for a
// transaction that lacks them).
func checkAbsent(l *Buffer) error {
	switch l.Absent {
	case AbsentOnly:
		if len(l.Matchers) > 0 {
			return fmt.Errorf("%s: a buffer tested for absence cannot be tested otherwise (use absent: or_else)", l.Name)
		}
	case AbsentOrElse:
		if len(l.Matchers) == 0 {
			return fmt.Errorf("%s: absent: or_else needs other keywords on the buffer", l.Name)
		}
	default:
		return nil
	}
	for i := range l.Matchers {
		if m := &l.Matchers[i]; m.Kind == MatchContent && m.Content.FastPattern {
			return fmt.Errorf("%s: fast_pattern cannot be on a buffer tested with absent", l.Name)
		}
	}
	return nil
}
