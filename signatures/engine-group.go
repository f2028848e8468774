package signatures

import (
	"slices"
	"sort"
	"unsafe"
)

// Signature grouping after Suricata's signature group heads (detect-engine-build.c): rules
// are split by flow direction, then by transport; TCP and UDP further by the port the server
// side uses (destination port to the server, source port to the client), other protocols by
// IP protocol number. A group is a superset of the rules whose header can match a packet that
// lands in it; the verifier still checks every header field, so grouping only saves work.
// Like Suricata, the number of distinct port groups per transport and direction can be
// bounded (EngineOptions): the largest keep their own group, the rest share one.
//
// Unlike Suricata, groups do not own a prefilter database. Per-group databases repeat the "any
// port" rules' patterns in every port group (ET Open: 41k patterns in 113 databases for 1.7k
// distinct patterns), which made the cold compile take a minute and a half. Instead there is
// one database per prefilter class, (TCP, UDP, other) x direction, over the distinct fast
// patterns of the class's rules, and a group keeps the bit set of its rules with a fast
// pattern, which filters the scan's hits; groups are per class. TCP classes hold two
// databases, the stream-capable rules' patterns and the others', so that a packet whose
// payload goes to stream inspection scans only the patterns of the few packet-only rules
// (ET Open: about 100 of 1.4k to the server). One database for everything compiles faster
// still, but UDP's short binary patterns then make the scan of a TCP packet about 1.6x
// slower; per-class databases scan within about 10% of per-group ones on the capture corpus.

const (
	dirToServer = 0
	dirToClient = 1
)

// Prefilter classes: transport (TCP, UDP, any other IP protocol) x direction.
const nPFClasses = 6

func pfClass(ipProto, dir int) int {
	switch ipProto {
	case 6:
		return dir
	case 17:
		return 2 + dir
	}
	return 4 + dir
}

// ruleSetBits is a set of internal rule ids.
type ruleSetBits []uint64

func (b ruleSetBits) key() string {
	if len(b) == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*8))
}

func (b ruleSetBits) has(ri int32) bool {
	w := int(ri >> 6)
	return w < len(b) && b[w]&(1<<(uint(ri)&63)) != 0
}

func (b ruleSetBits) count() int {
	n := 0
	for _, w := range b {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

func inDirection(r *Rule, dir int) bool {
	if dir == dirToServer {
		return r.Flow&FlowToClient == 0
	}
	return r.Flow&FlowToServer == 0
}

// protoNumbers reports whether the rule can match IP protocol n.
func protoMatches(r *Rule, n int) bool {
	switch r.Proto {
	case ProtoIP:
		return true
	case ProtoTCP:
		return n == 6
	case ProtoUDP:
		return n == 17
	case ProtoICMP:
		return n == 1 || n == 58
	case ProtoICMPv4:
		return n == 1
	case ProtoICMPv6:
		return n == 58
	case ProtoSCTP:
		return n == 132
	}
	return false
}

// groupPorts returns the port spans a rule occupies in the port groups of dir.
func groupPorts(r *Rule, dir int) []span[uint32] {
	if r.Proto == ProtoIP {
		return portDomain.univ
	}
	ps := &r.DstPorts
	other := &r.SrcPorts
	if dir == dirToClient {
		ps, other = other, ps
	}
	if ps.Any || (r.Bidirectional && other.Any) {
		return portDomain.univ
	}
	if !r.Bidirectional {
		return ps.spans
	}
	// "<>" rules match with the header reversed, so the other side's ports count too.
	return portDomain.normalize(append(append([]span[uint32](nil), ps.spans...), other.spans...))
}

// subsetOfAll reports whether set is contained in every one of sets.
func subsetOfAll(set ruleSetBits, sets []ruleSetBits) bool {
	for _, o := range sets {
		for w, b := range o {
			if set[w]&^b != 0 {
				return false
			}
		}
	}
	return true
}

func (e *Engine) buildGroups(opts EngineOptions) {
	words := (len(e.rules) + 63) / 64
	byKey := map[string]uint16{}
	e.groups = []*group{{}}
	// pf is the prefilter class of the traffic the set was built for.
	groupFor := func(set ruleSetBits, pf int) uint16 {
		if set.count() == 0 {
			return 0
		}
		// Groups are per class: each scans its class's databases, split by side.
		k := string(rune('a'+pf)) + set.key()
		if gi, ok := byKey[k]; ok {
			return gi
		}
		g := &group{fp: make(ruleSetBits, words), pfClass: pf}
		for ri, er := range e.rules {
			if !set.has(int32(ri)) {
				continue
			}
			if er.hasFP {
				g.fp[ri>>6] |= 1 << (uint(ri) & 63)
			} else {
				g.always = append(g.always, int32(ri))
			}
		}
		gi := uint16(len(e.groups))
		e.groups = append(e.groups, g)
		byKey[k] = gi
		return gi
	}
	for _, er := range e.rules {
		if er.ipOnly {
			e.ipOnly = append(e.ipOnly, er.idx)
		}
		if er.grouped() && len(er.r.DecodeEvents) > 0 {
			e.deRules = append(e.deRules, er.idx)
		}
	}
	for dir := 0; dir < 2; dir++ {
		limit := opts.ToServerGroups
		if dir == dirToClient {
			limit = opts.ToClientGroups
		}
		for ti, proto := range [2]int{6, 17} {
			pf := pfClass(proto, dir)
			e.ports[ti][dir] = e.portGroups(dir, proto, words, limit, func(set ruleSetBits) uint16 { return groupFor(set, pf) })
		}
		// Most protocol numbers match the same header protocols (ip only): build each
		// distinct combination's set once.
		byProtos := map[uint8]uint16{}
		for n := 0; n < 256; n++ {
			if n == 6 || n == 17 {
				continue
			}
			var protos uint8
			for p := ProtoIP; p <= ProtoSCTP; p++ {
				if protoMatches(&Rule{Proto: p}, n) {
					protos |= 1 << p
				}
			}
			if gi, ok := byProtos[protos]; ok {
				e.other[dir][n] = gi
				continue
			}
			set := make(ruleSetBits, words)
			for _, er := range e.rules {
				if er.grouped() && len(er.r.DecodeEvents) == 0 && inDirection(er.r, dir) && protos&(1<<er.r.Proto) != 0 {
					set[er.idx>>6] |= 1 << (uint(er.idx) & 63)
				}
			}
			e.other[dir][n] = groupFor(set, pfClass(n, dir))
			byProtos[protos] = e.other[dir][n]
		}
	}
}

// portGroups splits the port space for one transport and direction into segments with equal
// rule sets, bounds their number, and returns the port -> group table.
func (e *Engine) portGroups(dir, proto, words, limit int, groupFor func(ruleSetBits) uint16) []uint16 {
	type member struct {
		idx   int32
		spans []span[uint32]
	}
	var members []member
	cuts := []uint32{0, 65536}
	for _, er := range e.rules {
		if !er.grouped() || len(er.r.DecodeEvents) > 0 || !inDirection(er.r, dir) || !protoMatches(er.r, proto) {
			continue
		}
		sp := groupPorts(er.r, dir)
		members = append(members, member{er.idx, sp})
		for _, s := range sp {
			cuts = append(cuts, s.Lo, s.Hi+1)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	type segment struct {
		lo, hi uint32 // [lo, hi)
		set    ruleSetBits
	}
	segs := make([]segment, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		segs = append(segs, segment{lo: cuts[i], hi: cuts[i+1], set: make(ruleSetBits, words)})
	}
	for _, m := range members {
		for _, s := range m.spans {
			// Segments are cut at every span edge, so each span covers whole segments.
			i := sort.Search(len(segs), func(i int) bool { return segs[i].lo >= s.Lo })
			for ; i < len(segs) && segs[i].hi <= s.Hi+1; i++ {
				segs[i].set[m.idx>>6] |= 1 << (uint(m.idx) & 63)
			}
		}
	}
	// Distinct rule sets, largest first; beyond the limit they merge into one shared group.
	type uniq struct {
		set   ruleSetBits
		count int
		first uint32
	}
	idx := map[string]int{}
	var us []*uniq
	segU := make([]int, len(segs))
	for i, s := range segs {
		k := s.set.key()
		j, ok := idx[k]
		if !ok {
			j = len(us)
			idx[k] = j
			us = append(us, &uniq{set: s.set, count: s.set.count(), first: s.lo})
		}
		segU[i] = j
	}
	rank := make([]int, len(us))
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(a, b int) bool {
		ua, ub := us[rank[a]], us[rank[b]]
		if ua.count != ub.count {
			return ua.count > ub.count
		}
		return ua.first < ub.first
	})
	final := make([]ruleSetBits, len(us))
	if limit < 1 {
		limit = 1
	}
	if len(us) > limit {
		// The ports no port-specific rule names (most of the port space, and most traffic on
		// ephemeral ports) have the smallest set: merging it with the rare ports' sets would
		// make their packets check every rare-port rule. It keeps its own group.
		sets := make([]ruleSetBits, len(us))
		for j, u := range us {
			sets[j] = u.set
		}
		base := slices.IndexFunc(sets, func(set ruleSetBits) bool { return subsetOfAll(set, sets) })
		if base >= 0 && limit >= 2 {
			rank = slices.DeleteFunc(rank, func(j int) bool { return j == base })
			final[base] = us[base].set
			limit--
		}
		merged := make(ruleSetBits, words)
		for _, j := range rank[limit-1:] {
			for w := range merged {
				merged[w] |= us[j].set[w]
			}
			final[j] = merged
		}
		for _, j := range rank[:limit-1] {
			final[j] = us[j].set
		}
	} else {
		for j := range us {
			final[j] = us[j].set
		}
	}
	table := make([]uint16, 65536)
	for i, s := range segs {
		gi := groupFor(final[segU[i]])
		for p := s.lo; p < s.hi; p++ {
			table[p] = gi
		}
	}
	return table
}
