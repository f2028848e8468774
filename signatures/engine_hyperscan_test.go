package signatures

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveHits is the reference for a prefilter scan: the ids of the patterns with an occurrence
// whose end lies inside the pattern's window.
func naiveHits(pats []fastPattern, data []byte) []uint32 {
	var out []uint32
	low := asciiLower(data)
	for id := range pats {
		p := &pats[id]
		hay, lit := data, []byte(p.lit)
		if p.nocase {
			hay, lit = low, asciiLower(lit)
		}
		for i := 0; i+len(lit) <= len(hay); i++ {
			end := uint64(i + len(lit))
			if !bytes.Equal(hay[i:i+len(lit)], lit) || end < p.minEnd || (p.maxEnd != 0 && end > p.maxEnd) {
				continue
			}
			out = append(out, uint32(id))
			break
		}
	}
	return out
}

// asciiLower folds A-Z only, as Hyperscan's caseless mode and Suricata's nocase do (bytes.ToLower
// would read the bytes as UTF-8).
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// TestPrefilterScanMatchesNaive checks the Hyperscan literal binding against a plain search on
// random pattern sets and buffers: lengths from 1 to well past Hyperscan's long-literal
// threshold, both cases, windows, duplicates, and buffers from empty to a few hundred bytes
// that embed some patterns at random places.
func TestPrefilterScanMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abcAB\x00\x01\xff-")
	randLit := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		// Long runs of one byte (base64 of zeros, NOP sleds) take Hyperscan down other paths.
		if n > 8 && rng.IntN(2) == 0 {
			lo := rng.IntN(n)
			hi := lo + rng.IntN(n-lo+1)
			for i := lo; i < hi; i++ {
				b[i] = 'A'
			}
		}
		return string(b)
	}
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	for round := 0; round < rounds; round++ {
		pats := make([]fastPattern, 1+rng.IntN(40))
		for i := range pats {
			n := 1 + rng.IntN(8)
			if rng.IntN(4) == 0 {
				n = 20 + rng.IntN(100)
			}
			p := fastPattern{lit: randLit(n), nocase: rng.IntN(3) == 0}
			if i > 0 && rng.IntN(8) == 0 {
				p.lit = pats[rng.IntN(i)].lit
			}
			switch rng.IntN(4) {
			case 0:
				p.maxEnd = uint64(len(p.lit) + rng.IntN(20))
			case 1:
				p.minEnd = uint64(len(p.lit) + rng.IntN(20))
				if rng.IntN(2) == 0 {
					p.maxEnd = p.minEnd + uint64(rng.IntN(20))
				}
			}
			pats[i] = p
		}
		db, _, bad, err := compilePatterns(pats)
		if err != nil {
			t.Fatalf("round %d: compile: %v (pattern %d)", round, err, bad)
		}
		s, err := newHSScanner([]*hsDB{db})
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 20; k++ {
			var data []byte
			size := rng.IntN(300)
			if rng.IntN(2) == 0 {
				size = rng.IntN(40) // shorter than Hyperscan's block-scan thresholds
			}
			for len(data) < size {
				if rng.IntN(3) == 0 {
					data = append(data, pats[rng.IntN(len(pats))].lit...)
				} else {
					data = append(data, randLit(1+rng.IntN(10))...)
				}
			}
			var got []uint32
			for _, id := range s.scan(db, data) {
				got = append(got, uint32(id))
			}
			slices.Sort(got)
			if want := naiveHits(pats, data); !slices.Equal(got, want) {
				t.Fatalf("round %d, %d-byte buffer %q: hits %v, want %v", round, len(data), data, got, want)
			}
		}
	}
}

// TestScanShortBufferWithLongRunLiteral pins the case that rules out Hyperscan's literal API:
// with ET Open's base64 "TVqQAAMAAAAEAAAA//8AALgAAAAA…" pattern in the set, hs_compile_lit_multi
// databases (5.4) report nothing in buffers under about 35 bytes.
func TestScanShortBufferWithLongRunLiteral(t *testing.T) {
	pats := []fastPattern{
		{lit: "h\x04\x0b\x00\x00\x00"},
		{lit: "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nocase: true},
	}
	db, _, _, err := compilePatterns(pats)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newHSScanner([]*hsDB{db})
	if err != nil {
		t.Fatal(err)
	}
	for pad := 0; pad < 40; pad++ {
		data := []byte(strings.Repeat("-", pad) + pats[0].lit)
		if ids := s.scan(db, data); len(ids) != 1 || ids[0] != 0 {
			t.Errorf("%d-byte buffer: hits %v, want [0]", len(data), ids)
		}
	}
}
