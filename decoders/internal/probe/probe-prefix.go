package probe

// Verdict is a detection answer, numbered as the protocol packages' own Verdict types so that
// they convert.
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to decide
	Match
	NoMatch
)

// PrefixFold says whether b starts with one of patterns, ASCII case ignored: Match when one is
// there whole, NeedMore when b is too short to rule one out, NoMatch otherwise.
func PrefixFold(b []byte, patterns ...string) Verdict {
	v := NoMatch
	for _, p := range patterns {
		n := min(len(b), len(p))
		if !equalFold(b[:n], p[:n]) {
			continue
		}
		if n == len(p) {
			return Match
		}
		v = NeedMore
	}
	return v
}

// equalFold is ASCII case-insensitive equality of b and p, which have the same length.
func equalFold(b []byte, p string) bool {
	for i := range len(p) {
		if lower(b[i]) != lower(p[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
