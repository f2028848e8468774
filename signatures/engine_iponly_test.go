package signatures

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestIPOnlyIndexFindsEveryMatch checks the IP-only index against the header check itself:
// for random address sets and addresses, every rule whose addresses match must be among the
// index's candidates.
func TestIPOnlyIndexFindsEveryMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	addr4 := func() string {
		// A narrow space so that sets and probes collide often.
		return fmt.Sprintf("10.%d.%d.%d", rng.IntN(2), rng.IntN(4), rng.IntN(256))
	}
	expr := func() string {
		switch rng.IntN(6) {
		case 0:
			return "any"
		case 1:
			return "$HOME_NET"
		case 2:
			return "!" + addr4() + "/" + fmt.Sprint(16+rng.IntN(17))
		case 3:
			return "[2001:db8::/" + fmt.Sprint(32+rng.IntN(90)) + "," + addr4() + "]"
		}
		var parts []string
		for n := 1 + rng.IntN(5); n > 0; n-- {
			a := addr4()
			if rng.IntN(3) == 0 {
				a += "/" + fmt.Sprint(20+rng.IntN(13))
			}
			parts = append(parts, a)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	var sb strings.Builder
	for i := 1; i <= 300; i++ {
		arrow := "->"
		if i%17 == 0 {
			arrow = "<>"
		}
		fmt.Fprintf(&sb, "alert ip %s any %s %s any (msg:\"r%d\"; sid:%d;)\n", expr(), arrow, expr(), i, i)
	}
	h := newHarness(t, sb.String(), EngineOptions{})
	if h.e.Stats().IPOnly != 300 {
		t.Fatalf("IPOnly = %d, want 300", h.e.Stats().IPOnly)
	}
	if x := h.e.ipIdx; x.bySrc.other == nil && x.byDst.other == nil {
		t.Fatal("no segment got a second-level index: the test does not exercise it")
	}
	m := h.m
	probe := func() netip.Addr {
		if rng.IntN(8) == 0 {
			return netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", rng.IntN(1<<16)))
		}
		return netip.MustParseAddr(addr4())
	}
	for i := 0; i < 20000; i++ {
		src, dst := probe(), probe()
		m.cand = m.cand[:0]
		m.ipOnlyCandidates(src, dst)
		got := slices.Clone(m.cand)
		for _, ri := range m.cand {
			m.seen[ri>>6] = 0
		}
		for _, ri := range h.e.ipOnly {
			r := h.e.rules[ri].r
			match := r.matchAddrs(src, dst, 1, 2) || (r.Bidirectional && r.matchAddrs(dst, src, 2, 1))
			if match && !slices.Contains(got, ri) {
				t.Fatalf("%v -> %v matches sid %d (%s) but the index missed it", src, dst, r.SID, r.Raw)
			}
		}
	}
}
