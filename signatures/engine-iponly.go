package signatures

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
)

// IP-only rule lookup. IP-only rules run once per flow direction, but ET Open has over a
// thousand of them (reputation lists: hundreds of addresses each -> $HOME_NET), and checking
// every one against the packet's addresses cost a quarter of the whole detect time. Like
// Suricata's IP-only radix trees, the engine indexes each rule by the narrower of its two
// address sets: the address space is cut into segments at every span edge, and each segment
// lists the rules whose indexed set covers it. A lookup is a binary search per address; the
// rules found are candidates only, the full header check still decides, so the index may
// return a superset but never misses a rule.

// addrIndex maps an address to the rules whose indexed set contains it.
type addrIndex struct {
	starts []netip.Addr // segment i covers [starts[i], starts[i+1]) (the last: to the family's end)
	// starts4 is the IPv4 head of starts as integers (IPv4 sorts before IPv6), searched
	// instead of starts for IPv4 addresses.
	starts4 []uint32
	rules   [][]int32 // rules covering segment i, ascending
	// other, for a segment that many rules cover, indexes those rules by their other address
	// set (nil for the rest). ET's reputation rules, "[hundreds of networks] -> $HOME_NET",
	// are indexed by $HOME_NET when their lists are the wider side: without the second level
	// every flow to a home address made all of them candidates.
	other []*addrIndex
}

// otherMin is how many rules a segment needs before it gets a second-level index.
const otherMin = 16

// ipOnlyIndex is the candidate lookup for the IP-only rules.
type ipOnlyIndex struct {
	bySrc, byDst addrIndex
	always       []int32 // rules with no narrow side (or "<>"): candidates on every lookup
}

// addrCoverage is the size of a set, approximately (only the order matters: it picks the
// narrower side of a rule).
func addrCoverage(s *AddrSet) float64 {
	if s.Any {
		return math.Inf(1)
	}
	total := 0.0
	for _, sp := range s.spans {
		lo, hi := sp.Lo.As16(), sp.Hi.As16()
		if sp.Lo.Is4() {
			total += float64(be32(hi[12:])) - float64(be32(lo[12:])) + 1
			continue
		}
		// IPv6 spans by their top 64 bits, scaled past any IPv4 span.
		total += (float64(be64(hi[:8])) - float64(be64(lo[:8])) + 1) * (1 << 32)
	}
	return total
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func be64(b []byte) uint64 {
	return uint64(be32(b[:4]))<<32 | uint64(be32(b[4:8]))
}

// buildIPOnlyIndex indexes the enabled rules of ids (ascending).
func (e *Engine) buildIPOnlyIndex(ids []int32) *ipOnlyIndex {
	x := &ipOnlyIndex{}
	var srcRules, dstRules []int32
	for _, ri := range ids {
		er := e.rules[ri]
		if er.disabled {
			continue
		}
		r := er.r
		cs, cd := addrCoverage(&r.Src), addrCoverage(&r.Dst)
		switch {
		case r.Bidirectional || (r.Src.Any && r.Dst.Any):
			x.always = append(x.always, ri)
		case cs <= cd:
			srcRules = append(srcRules, ri)
		default:
			dstRules = append(dstRules, ri)
		}
	}
	src := func(r *Rule) *AddrSet { return &r.Src }
	dst := func(r *Rule) *AddrSet { return &r.Dst }
	x.bySrc = e.newAddrIndex(srcRules, src)
	x.bySrc.other = e.otherIndexes(&x.bySrc, dst)
	x.byDst = e.newAddrIndex(dstRules, dst)
	x.byDst.other = e.otherIndexes(&x.byDst, src)
	return x
}

func (e *Engine) newAddrIndex(ids []int32, set func(*Rule) *AddrSet) addrIndex {
	if len(ids) == 0 {
		return addrIndex{}
	}
	cuts := []netip.Addr{addrDomain.univ[0].Lo, addrDomain.univ[1].Lo}
	for _, ri := range ids {
		for _, sp := range set(e.rules[ri].r).spans {
			cuts = append(cuts, sp.Lo)
			if n, ok := addrDomain.next(sp.Hi); ok {
				cuts = append(cuts, n)
			}
		}
	}
	slices.SortFunc(cuts, func(a, b netip.Addr) int { return a.Compare(b) })
	cuts = slices.Compact(cuts)
	ix := addrIndex{starts: cuts, rules: make([][]int32, len(cuts))}
	for _, c := range cuts {
		if !c.Is4() {
			break
		}
		ix.starts4 = append(ix.starts4, addr4(c))
	}
	for _, ri := range ids {
		for _, sp := range set(e.rules[ri].r).spans {
			// Segments are cut at every span edge, so a span covers whole segments.
			i := sort.Search(len(cuts), func(i int) bool { return cuts[i].Compare(sp.Lo) >= 0 })
			for ; i < len(cuts) && cuts[i].Compare(sp.Hi) <= 0; i++ {
				if l := ix.rules[i]; len(l) == 0 || l[len(l)-1] != ri {
					ix.rules[i] = append(l, ri)
				}
			}
		}
	}
	return ix
}

// otherIndexes builds the second level of ix: for each segment with otherMin rules or more, an
// index of those rules by their other set. Segments with the same rules share one.
func (e *Engine) otherIndexes(ix *addrIndex, other func(*Rule) *AddrSet) []*addrIndex {
	var out []*addrIndex
	built := map[string]*addrIndex{}
	for i, rules := range ix.rules {
		if len(rules) < otherMin {
			continue
		}
		if out == nil {
			out = make([]*addrIndex, len(ix.rules))
		}
		key := fmt.Sprint(rules)
		if built[key] == nil {
			sub := e.newAddrIndex(rules, other)
			built[key] = &sub
		}
		out[i] = built[key]
	}
	return out
}

// segment returns the index of the segment holding a, or -1.
func (ix *addrIndex) segment(a netip.Addr) int {
	if len(ix.starts) == 0 || !a.IsValid() {
		return -1
	}
	a = a.Unmap()
	if a.Is4() {
		k := addr4(a)
		lo, hi := 0, len(ix.starts4)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if ix.starts4[m] <= k {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo - 1
	}
	lo, hi := 0, len(ix.starts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ix.starts[m].Compare(a) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// lookup returns the rules whose indexed set holds a and, where the segment has a second
// level, whose other set holds b (nil when none).
func (ix *addrIndex) lookup(a, b netip.Addr) []int32 {
	i := ix.segment(a)
	if i < 0 {
		return nil
	}
	if ix.other != nil && ix.other[i] != nil {
		return ix.other[i].lookup(b, netip.Addr{})
	}
	return ix.rules[i]
}

// ipOnlyCandidates adds the IP-only rules that may match a packet from src to dst.
func (m *Matcher) ipOnlyCandidates(src, dst netip.Addr) {
	x := m.e.ipIdx
	for _, ri := range x.bySrc.lookup(src, dst) {
		m.addCandidate(ri)
	}
	for _, ri := range x.byDst.lookup(dst, src) {
		m.addCandidate(ri)
	}
	for _, ri := range x.always {
		m.addCandidate(ri)
	}
}
