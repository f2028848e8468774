package signatures

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// withoutRuns must give a part of the literal with no long run, the longest such part, and
// the window of the part's end that the literal's window implies.
func TestFastPatternWithoutRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 5000; i++ {
		n := 1 + rng.IntN(24)
		b := make([]byte, n)
		for j := range b {
			b[j] = "aAb\x00"[rng.IntN(4)]
		}
		fp := fastPattern{lit: string(b), nocase: rng.IntN(2) == 0}
		if rng.IntN(2) == 0 {
			fp.minEnd = uint64(n + rng.IntN(10))
			fp.maxEnd = fp.minEnd + uint64(rng.IntN(10))
		}
		got := fp.withoutRuns()
		fold := func(s string) string {
			if fp.nocase {
				return strings.ToLower(s)
			}
			return s
		}
		off := strings.Index(fp.lit, got.lit)
		if got.lit == "" || off < 0 || got.nocase != fp.nocase {
			t.Fatalf("%q: part %q is not in the literal", fp.lit, got.lit)
		}
		if r := longestRun([]byte(fold(got.lit))); r > maxRun {
			t.Fatalf("%q: part %q keeps a run of %d", fp.lit, got.lit, r)
		}
		// No longer part qualifies.
		for lo := 0; lo < n; lo++ {
			for hi := lo + len(got.lit) + 1; hi <= n; hi++ {
				if longestRun([]byte(fold(fp.lit[lo:hi]))) <= maxRun {
					t.Fatalf("%q: part %q, but %q is longer", fp.lit, got.lit, fp.lit[lo:hi])
				}
			}
		}
		// The part chosen is the first of its length, so its end is off+len: the window
		// moves back by what follows it.
		cut := uint64(n - off - len(got.lit))
		if fp.maxEnd != 0 && (got.maxEnd != fp.maxEnd-cut || got.minEnd != fp.minEnd-cut) {
			t.Fatalf("%q window %d-%d: part %q at %d has window %d-%d", fp.lit, fp.minEnd, fp.maxEnd, got.lit, off, got.minEnd, got.maxEnd)
		}
	}
}

func longestRun(b []byte) int {
	best, run := 0, 0
	for i := range b {
		if i > 0 && b[i] == b[i-1] {
			run++
		} else {
			run = 1
		}
		best = max(best, run)
	}
	return best
}

// The prefilter still wakes a rule whose content is mostly one byte.
func TestEngineRunHeavyContent(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (msg:"nops"; content:"|90 90 90 90 90 90 90 90 eb 04|"; offset:2; depth:12; sid:1;)`, EngineOptions{})
	nops := string(bytes.Repeat([]byte{0x90}, 8)) + "\xeb\x04"
	h.expect(tcpTo(80, "ab"+nops), 1)
	h.expect(tcpTo(80, "abcde"+nops))
	h.expect(tcpTo(80, "ab"+nops[1:]))
}
