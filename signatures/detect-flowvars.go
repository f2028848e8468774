package signatures

import mathbits "math/bits"

// FlowVars appends to bits the names of the flowbits set on the flow in slot (generation
// gen), in id order, and to ints the names and values of its set flowints: what Suricata
// writes as an event's metadata.flowbits and metadata.flowints. It allocates nothing once the
// slices have grown.
func (m *Matcher) FlowVars(slot int, gen uint32, bits, intNames []string, intVals []uint32) ([]string, []string, []uint32) {
	if slot < 0 || slot >= len(m.flows) {
		return bits, intNames, intVals
	}
	fs := &m.flows[slot]
	if !fs.used || fs.gen != gen {
		return bits, intNames, intVals
	}
	e := m.e
	for w, word := range fs.bits {
		for ; word != 0; word &= word - 1 {
			if id := w*64 + mathbits.TrailingZeros64(word); id < len(e.flowbitNames) {
				bits = append(bits, e.flowbitNames[id])
			}
		}
	}
	for w, word := range fs.intSet {
		for ; word != 0; word &= word - 1 {
			if id := w*64 + mathbits.TrailingZeros64(word); id < len(e.flowintNames) && id < len(fs.ints) {
				intNames, intVals = append(intNames, e.flowintNames[id]), append(intVals, fs.ints[id])
			}
		}
	}
	return bits, intNames, intVals
}

// AdoptFlows carries the per-flow state of old, a matcher of an earlier engine, into m, which
// must be new: on a rule reload the flows keep their flowbits and flowints, by name (one the
// new rules no longer name is dropped), as Suricata keeps a flow's variables across reloads,
// and their start, stream sizes and pass verdict. Thresholds start over with the new rules.
func (m *Matcher) AdoptFlows(old *Matcher) {
	if old == nil || len(old.flows) == 0 {
		return
	}
	e, oe := m.e, old.e
	bitIDs, intIDs := newIDs(oe.flowbitNames, e.flowbitNames), newIDs(oe.flowintNames, e.flowintNames)
	m.flows = make([]flowState, len(old.flows))
	for s := range old.flows {
		of, nf := &old.flows[s], &m.flows[s]
		if !of.used {
			continue
		}
		nf.gen, nf.used, nf.flags, nf.started, nf.start, nf.seqs = of.gen, true, of.flags, of.started, of.start, of.seqs
		for w, word := range of.bits {
			for ; word != 0; word &= word - 1 {
				id := bitIDs[w*64+mathbits.TrailingZeros64(word)]
				if id < 0 {
					continue
				}
				if len(nf.bits) == 0 {
					nf.bits = make([]uint64, (e.nFlowbits+63)/64)
				}
				nf.bits[id>>6] |= 1 << (uint(id) & 63)
			}
		}
		for w, word := range of.intSet {
			for ; word != 0; word &= word - 1 {
				oid := w*64 + mathbits.TrailingZeros64(word)
				id := intIDs[oid]
				if id < 0 || oid >= len(of.ints) {
					continue
				}
				if len(nf.ints) == 0 {
					nf.ints = make([]uint32, e.nFlowints)
					nf.intSet = make([]uint64, (e.nFlowints+63)/64)
				}
				nf.ints[id] = of.ints[oid]
				nf.intSet[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
}

// newIDs maps each old id to the id of the same name in the new table, -1 where it has none.
func newIDs(old, cur []string) []int {
	byName := make(map[string]int, len(cur))
	for id, n := range cur {
		byName[n] = id
	}
	ids := make([]int, len(old))
	for i, n := range old {
		ids[i] = -1
		if id, ok := byName[n]; ok {
			ids[i] = id
		}
	}
	return ids
}
