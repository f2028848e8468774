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
