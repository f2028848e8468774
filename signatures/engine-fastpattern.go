package signatures

import "fmt"

// fastPattern is the literal a rule contributes to its class's prefilter database. A match of
// it is necessary (never sufficient) for the rule to match, so the prefilter can only drop
// rules that could not match; the exact verifier decides.
type fastPattern struct {
	lit    string // the literal bytes
	nocase bool
	minEnd uint64 // least end offset of a useful match, 0 = unset
	maxEnd uint64 // greatest end offset of a useful match, 0 = unset
}

// chooseFastPattern picks the rule's fast pattern as Suricata does: the content marked
// fast_pattern, else the strongest non-negated content (PatternStrength: distinct bytes weigh
// more, ties go to the longer one, then the first). Negated contents never qualify: their
// absence is what the rule needs. ok is false when the payload list has no usable content.
func chooseFastPattern(r *Rule) (fastPattern, bool) {
	if r.Payload == nil {
		return fastPattern{}, false
	}
	return fastPatternOf(r.Payload.Matchers)
}

// fastPatternOf picks the fast pattern among one list's keywords.
func fastPatternOf(ms []Keyword) (fastPattern, bool) {
	var best *Keyword
	bestStrength := -1
	for i := range ms {
		m := &ms[i]
		if m.Kind != MatchContent || m.Negated || len(m.Content.Pattern) == 0 {
			continue
		}
		if m.Content.FastPattern {
			best = m
			break
		}
		s := patternStrength(m.Content.Pattern)
		if s > bestStrength || (s == bestStrength && len(m.Content.Pattern) > len(best.Content.Pattern)) {
			best, bestStrength = m, s
		}
	}
	if best == nil {
		return fastPattern{}, false
	}
	c := best.Content
	fp := fastPattern{lit: string(c.FastPatternBytes()), nocase: c.Nocase}
	// An absolute content with literal offset/depth bounds where the match may end; the scan's
	// match callback then drops out-of-window hits instead of waking the verifier.
	if !c.FastPatternChop && !best.Relative && !c.HasDistance && !c.HasWithin {
		n := uint64(len(c.Pattern))
		var off uint64
		if c.HasOffset && c.Offset.Var < 0 && c.Offset.Value > 0 {
			off = uint64(c.Offset.Value)
			fp.minEnd = off + n
		}
		if c.HasDepth && c.Depth.Var < 0 && (!c.HasOffset || c.Offset.Var < 0) {
			fp.maxEnd = off + uint64(c.Depth.Value)
			if fp.maxEnd < off+n {
				// Cannot match at all; let the verifier say so rather than hand Hyperscan a
				// contradictory window.
				fp.minEnd, fp.maxEnd = 0, 0
			}
		}
	}
	return fp, true
}

// patternStrength scores a literal like Suricata's PatternStrength: a first occurrence of a
// letter is worth 3, of a printable or 0x00/0x01/0xff byte 4, of anything else 6; repeats 1.
func patternStrength(p []byte) int {
	var seen [256]bool
	s := 0
	for _, b := range p {
		if seen[b] {
			s++
			continue
		}
		seen[b] = true
		switch {
		case (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'):
			s += 3
		case (b >= 0x20 && b < 0x7f) || b == 0x00 || b == 0x01 || b == 0xff:
			s += 4
		default:
			s += 6
		}
	}
	return s
}

// maxRun is the longest run of one byte (case-folded for nocase) a prefilter literal keeps.
// Hyperscan turns a run of three or more equal bytes into a bounded repeat, and a few such
// literals among others made a database of 40 ET Open patterns take 150 to 400 ms to compile
// instead of 2 ms (runs of zero bytes and NOPs are common in binary protocol rules).
const maxRun = 2

// withoutRuns returns the fast pattern as the prefilter databases hold it: the longest part
// of the literal (the first of equals) without a run longer than maxRun. A part of the literal
// occurs wherever the literal does, so the prefilter still drops only rules that cannot match;
// the end-offset window moves back by the bytes cut off the end.
func (fp fastPattern) withoutRuns() fastPattern {
	l := fp.lit
	same := func(a, b byte) bool {
		if fp.nocase {
			return toLowerASCII(a) == toLowerASCII(b)
		}
		return a == b
	}
	bestLo, bestHi, lo, run := 0, 0, 0, 0
	for j := 0; j < len(l); j++ {
		if j > 0 && same(l[j], l[j-1]) {
			run++
		} else {
			run = 1
		}
		if run > maxRun {
			lo = j - maxRun + 1
		}
		if j+1-lo > bestHi-bestLo {
			bestLo, bestHi = lo, j+1
		}
	}
	if bestLo == 0 && bestHi == len(l) {
		return fp
	}
	cut := uint64(len(l) - bestHi)
	fp.lit = l[bestLo:bestHi]
	if fp.minEnd > cut {
		fp.minEnd -= cut
	} else {
		fp.minEnd = 0
	}
	if fp.maxEnd > 0 {
		// maxEnd >= len(l) for a window that can hold the literal (fastPatternOf clears the
		// others), so this stays >= the part's length.
		fp.maxEnd -= cut
	}
	return fp
}

func toLowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// hsFlags are the pattern's Hyperscan compile flags. A windowed pattern has no single-match
// flag: its window is checked in the match callback, which must see every occurrence.
func (fp *fastPattern) hsFlags() uint32 {
	var f uint32
	if fp.minEnd == 0 && fp.maxEnd == 0 {
		f |= hsFlagSingleMatch
	}
	if fp.nocase {
		f |= hsFlagCaseless
	}
	return f
}

// key identifies the pattern for de-duplication and the cache hash.
func (fp *fastPattern) key() string {
	return fmt.Sprintf("%x/%t/%d/%d", fp.lit, fp.nocase, fp.minEnd, fp.maxEnd)
}
