package signatures

import (
	"unsafe"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Per-flow detection state, indexed by the flow table slot. Each slot keeps its buffers for
// the next flow that lands there, so steady-state inspection allocates nothing; a new FlowGen
// on the slot (or FlowEnded) clears them.

// maxFlowSlots bounds the slot index the matcher keeps state for; a larger slot (a misbehaving
// caller) gets no flow state rather than a huge allocation.
const maxFlowSlots = 1 << 24

const (
	flowPassed         uint8 = 1 << iota // a pass rule passed the flow (flowAction): no more inspection
	flowIPOnlyToServer                   // IP-only rules ran for the to-server direction
	flowIPOnlyToClient                   // … and for to-client
)

type flowState struct {
	gen     uint32
	used    bool
	flags   uint8
	started bool     // start is set
	start   int64    // time of the flow's first packet (flow.age)
	seqs    tcpSeqs  // TCP sequence spans (stream_size), kept when a rule needs them
	bits    []uint64 // flowbits
	ints    []uint32 // flowint values
	intSet  []uint64 // which flowints are set
	thr     []flowThreshold
}

type flowThreshold struct {
	key   int32 // rule id, negated-minus-one for detection_filter
	entry thrEntry
}

func (fs *flowState) reset(gen uint32) {
	fs.gen, fs.used, fs.flags = gen, true, 0
	fs.started, fs.start, fs.seqs = false, 0, tcpSeqs{}
	clear(fs.bits)
	clear(fs.ints)
	clear(fs.intSet)
	fs.thr = fs.thr[:0]
}

// flow returns the state for the flow on slot, cleared when gen is new there.
func (m *Matcher) flow(slot int, gen uint32) *flowState {
	if slot < 0 || slot >= maxFlowSlots {
		return nil
	}
	if slot >= len(m.flows) {
		n := max(slot+1, 2*len(m.flows), 1024)
		n = min(n, maxFlowSlots)
		grown := make([]flowState, n)
		copy(grown, m.flows)
		m.flows = grown
	}
	fs := &m.flows[slot]
	if !fs.used || fs.gen != gen {
		fs.reset(gen)
	}
	return fs
}

func bitIsSet(b []uint64, id int) bool {
	return id>>6 < len(b) && b[id>>6]&(1<<(uint(id)&63)) != 0
}

// flowbitsMatch evaluates isset / isnotset (with | and & groups). Without a flow nothing
// matches, as in Suricata.
func (fs *flowState) flowbitsMatch(ops []flowbitOp) bool {
	if fs == nil {
		return false
	}
	for i := range ops {
		op := &ops[i]
		want := op.cmd == cmdIsset
		if op.or {
			any := false
			for _, id := range op.ids {
				if bitIsSet(fs.bits, id) == want {
					any = true
					break
				}
			}
			if !any {
				return false
			}
			continue
		}
		for _, id := range op.ids {
			if bitIsSet(fs.bits, id) != want {
				return false
			}
		}
	}
	return true
}

func (fs *flowState) applyFlowbits(ops []flowbitOp, n int) {
	if len(fs.bits) == 0 {
		fs.bits = make([]uint64, (n+63)/64)
	}
	for i := range ops {
		op := &ops[i]
		for _, id := range op.ids {
			w, bit := id>>6, uint64(1)<<(uint(id)&63)
			if w >= len(fs.bits) {
				continue
			}
			switch op.cmd {
			case cmdSet:
				fs.bits[w] |= bit
			case cmdUnset:
				fs.bits[w] &^= bit
			case cmdToggle:
				fs.bits[w] ^= bit
			}
		}
	}
}

func (fs *flowState) flowint(id int) (uint32, bool) {
	if !bitIsSet(fs.intSet, id) || id >= len(fs.ints) {
		return 0, false
	}
	return fs.ints[id], true
}

// target is the operand: a literal, or another flowint (0 when that one is unset, as in
// Suricata).
func (fs *flowState) target(op *flowintOp) uint32 {
	if op.tgt < 0 {
		return op.val
	}
	v, _ := fs.flowint(op.tgt)
	return v
}

// flowintsMatch evaluates the flowint tests (DetectFlowintMatch): a comparison needs its
// variable set.
func (fs *flowState) flowintsMatch(ops []flowintOp) bool {
	if fs == nil {
		return false
	}
	for i := range ops {
		op := &ops[i]
		v, ok := fs.flowint(op.id)
		t := fs.target(op)
		var res bool
		switch op.op {
		case fiIsset:
			res = ok
		case fiNotset:
			res = !ok
		case fiEq:
			res = ok && v == t
		case fiNe:
			res = ok && v != t
		case fiLt:
			res = ok && v < t
		case fiLe:
			res = ok && v <= t
		case fiGt:
			res = ok && v > t
		case fiGe:
			res = ok && v >= t
		}
		if !res {
			return false
		}
	}
	return true
}

// applyFlowints runs the modifiers: = sets, + adds (an unset variable starts from 0), - only
// changes a set variable (uint32 wrap-around, as in Suricata).
func (fs *flowState) applyFlowints(ops []flowintOp, n int) {
	if len(fs.ints) == 0 {
		fs.ints = make([]uint32, n)
		fs.intSet = make([]uint64, (n+63)/64)
	}
	for i := range ops {
		op := &ops[i]
		if op.id >= len(fs.ints) {
			continue
		}
		t := fs.target(op)
		v, ok := fs.flowint(op.id)
		switch op.op {
		case fiSet:
			v = t
		case fiAdd:
			v += t
		case fiSub:
			if !ok {
				continue
			}
			v -= t
		}
		fs.ints[op.id] = v
		fs.intSet[op.id>>6] |= 1 << (uint(op.id) & 63)
	}
}

func xbitKeyFor(op *xbitOp, p *decoders.Packet) xbitKey {
	switch op.track {
	case trackDst:
		return xbitKey{name: op.name, a: p.Dst}
	case trackPair:
		a, b := p.Src, p.Dst
		if b.Less(a) {
			a, b = b, a
		}
		return xbitKey{name: op.name, a: a, b: b}
	}
	return xbitKey{name: op.name, a: p.Src}
}

// xbitsMatch evaluates xbits isset / isnotset; a bit past its expiry is unset.
func (m *Matcher) xbitsMatch(ops []xbitOp, p *decoders.Packet) bool {
	h := m.hosts
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range ops {
		op := &ops[i]
		exp, ok := h.xbits[xbitKeyFor(op, p)]
		set := ok && p.Time <= exp
		if set != (op.cmd == cmdIsset) {
			return false
		}
	}
	return true
}

func (m *Matcher) applyXbits(ops []xbitOp, p *decoders.Packet) {
	h := m.hosts
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range ops {
		op := &ops[i]
		k := xbitKeyFor(op, p)
		switch op.cmd {
		case cmdSet:
			h.xbits[k] = p.Time + op.expire
		case cmdUnset:
			delete(h.xbits, k)
		case cmdToggle:
			if exp, ok := h.xbits[k]; ok && p.Time <= exp {
				delete(h.xbits, k)
			} else {
				h.xbits[k] = p.Time + op.expire
			}
		}
	}
	// Expired entries would otherwise pile up with the hosts seen; sweep when the table grows.
	if len(h.xbits) > 1<<16 {
		for k, exp := range h.xbits {
			if exp < p.Time {
				delete(h.xbits, k)
			}
		}
	}
}

// FlowStateBytes is what a Matcher keeps per flow slot before any flowbit, flowint or
// threshold is set: the sensor's flow memcap pays for it.
const FlowStateBytes = int(unsafe.Sizeof(flowState{}))
