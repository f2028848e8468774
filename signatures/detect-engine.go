package signatures

import (
	"slices"

	"github.com/nightjar-ids/nightjar/decoders"
)

// PacketInput is one packet with what the flow tracker knows about it.
type PacketInput struct {
	Pkt         *decoders.Packet
	HasFlow     bool
	ToServer    bool     // direction of this packet in its flow (client → server)
	Established bool     // flow state established (TCP handshake seen, or UDP reply seen)
	FlowSlot    int      // flow.Flow.Slot(); with FlowGen identifies the flow for per-flow state
	FlowGen     uint32   // flow.Flow.Gen(): a new Gen on the same slot means a new flow
	PktNum      uint64   // pcap_cnt
	App         AppProto // the flow's application protocol (AppUnknown until detected)
	// AppTS and AppTC are the protocols detection recognised on each direction (Suricata's
	// alproto_ts and alproto_tc): AppUnknown until that direction's data was looked at.
	// app-layer-protocol compares them in its direction modes.
	AppTS, AppTC AppProto
	// ProtoDone says this is the first packet of its direction since detection concluded on
	// that direction (Suricata's PKT_PROTO_DETECT_TS_DONE / _TC_DONE): the one packet
	// rules testing nothing but app-layer-protocol are checked on.
	ProtoDone bool
	// Stream says the packet's payload is inspected as reassembled stream data
	// (InspectStream): stream-capable rules then skip the packet itself, so that a pattern
	// is found once, whatever the segmentation.
	Stream bool
	// NoPayload says the flow's payload is no longer inspected (its session went encrypted;
	// Suricata's encryption-handling): rules with payload keywords skip the packet, the others
	// (header, flow, decoder-event rules) still run.
	NoPayload bool
	// FlowPkts and FlowBytes are the flow's counters ([0] to server, [1] to client), this
	// packet included: flow.pkts and flow.bytes compare them.
	FlowPkts, FlowBytes [2]uint64
	// StreamEvents are the events the TCP stream engine raised on this packet (stream-event).
	StreamEvents StreamEvents
}

// Match is one alert: the rule and its action (alert, pass, drop, reject; in IDS mode drop and
// reject alert like alert does).
type Match struct {
	Rule   *Rule
	Action Action
	// Tx is set for per-transaction rules: TxID is the transaction and ToServer the
	// direction it was inspected in.
	Tx       bool
	TxID     uint64
	ToServer bool
	// Stream is set for a match on reassembled stream data; ToServer is then the stream's
	// direction.
	Stream bool
}

// Matcher runs an Engine for one worker. It owns the Hyperscan scratch, the verification
// scratch and the per-flow detection state (flowbits, flowints, by_flow thresholds, indexed by
// flow slot); xbits and the other thresholds live in a HostState, which workers may share
// (NewMatcherWith). Not safe for concurrent use.
type Matcher struct {
	e     *Engine
	st    *MatchState
	hs    *hsScanner
	seen  []uint64 // candidate de-duplication, one bit per rule
	cand  []int32
	queue []int32 // matched rules of the packet, in order
	flows []flowState
	hosts *HostState // xbits and host thresholds, shared by the matchers given the same

	// seqMode is 0 until the first packet, then 1 when no rule uses stream_size, 2 when one
	// does (flows then track TCP sequence numbers).
	seqMode uint8

	// bypass: a rule with the bypass keyword matched since TakeBypass was last called.
	bypass bool
}

// TakeBypass reports whether a rule carrying the bypass keyword matched in the inspections since
// the last call, and clears the report. Such a rule asks for its flow to be bypassed whether it
// alerts, is a pass rule, is noalert or is thresholded (Suricata runs bypass as a post-match
// action), so the report does not depend on the alerts returned.
func (m *Matcher) TakeBypass() bool {
	b := m.bypass
	m.bypass = false
	return b
}

// Inspect runs every candidate rule on the packet and appends the alerts to dst in Suricata's
// order (internal rule id: action, flowbits, priority, sid), returning it. It allocates nothing
// in steady state. A matching pass rule ends the packet's alerts (those after it in the order
// are dropped); an IP-only pass rule passes the rest of its flow.
func (m *Matcher) Inspect(in *PacketInput, dst []Match) []Match {
	if in == nil || in.Pkt == nil {
		return dst
	}
	p := in.Pkt
	if p.Layers&(decoders.HasIPv4|decoders.HasIPv6) == 0 {
		return m.inspectNoIP(in, dst)
	}
	e := m.e
	var fs *flowState
	if in.HasFlow {
		fs = m.flow(in.FlowSlot, in.FlowGen)
		if fs != nil {
			m.trackFlow(fs, p, in.ToServer)
			if fs.flags&flowPassed != 0 {
				return dst
			}
		}
	}
	dir := dirToServer
	if in.HasFlow && !in.ToServer {
		dir = dirToClient
	}
	g := e.groupOf(p, dir)

	m.cand = m.cand[:0]
	payload := p.Payload
	if in.NoPayload {
		payload = nil
	}
	// Stream-capable rules wait for the stream when the payload goes there.
	m.groupCandidates(g, payload, true, !in.Stream)
	if p.EventCount > 0 {
		for _, ri := range e.deRules {
			m.addCandidate(ri)
		}
	}
	if len(e.ipOnly) > 0 && m.ipOnlyDue(fs, dir) {
		m.ipOnlyCandidates(p.Src, p.Dst)
	}
	if len(m.cand) == 0 {
		return dst
	}
	slices.Sort(m.cand)
	for _, ri := range m.cand {
		m.seen[ri>>6] = 0
	}

	fi := FlowInfo{HasFlow: in.HasFlow, ToServer: in.ToServer, Established: in.Established}
	m.queue = m.queue[:0]
	for _, ri := range m.cand {
		er := e.rules[ri]
		if er.disabled || (in.Stream && er.stream && !er.alsoPacket) || (in.NoPayload && er.r.hasPayload()) ||
			!m.matchRule(er, p, fi, fs, p.Payload, in) {
			continue
		}
		// Post-match effects happen at once, so later rules of this packet see them.
		m.postMatch(er, p, fs)
		m.queue = append(m.queue, ri)
	}
	return m.finalize(p, fs, dst)
}

// trackFlow records what flow.age and stream_size read: the flow's start and, when a rule
// needs them, its TCP sequence spans.
func (m *Matcher) trackFlow(fs *flowState, p *decoders.Packet, toServer bool) {
	if !fs.started {
		fs.started, fs.start = true, p.Time
	}
	if m.seqMode == 0 {
		m.seqMode = 1
		if m.e.needsSeqs() {
			m.seqMode = 2
		}
	}
	if m.seqMode == 2 {
		fs.seqs.observe(p, toServer)
	}
}

// finalize is Suricata's PacketAlertFinalize: thresholds and suppressions per queued rule, rule
// actions, and the cut after a pass.
func (m *Matcher) finalize(p *decoders.Packet, fs *flowState, dst []Match) []Match {
	passed := false
	for _, ri := range m.queue {
		er := m.e.rules[ri]
		if er.r.Bypass {
			m.bypass = true
		}
		res := m.thresholdVerdict(er, p, fs)
		if res > 0 && er.r.Action == ActionPass {
			passed = true
			if er.flowAction && fs != nil {
				fs.flags |= flowPassed
			}
		}
		if res != thrAlert || er.noAlert {
			continue
		}
		if passed {
			break
		}
		dst = append(dst, Match{Rule: er.r, Action: er.r.Action})
	}
	return dst
}

func (m *Matcher) addCandidate(ri int32) {
	w, bit := ri>>6, uint64(1)<<(uint(ri)&63)
	if m.seen[w]&bit == 0 {
		m.seen[w] |= bit
		m.cand = append(m.cand, ri)
	}
}

// ipOnlyDue says whether IP-only rules run on this packet: always without a flow, else on the
// first packet of each direction (Suricata's FLOW_TOSERVER/TOCLIENT_IPONLY_SET).
func (m *Matcher) ipOnlyDue(fs *flowState, dir int) bool {
	if fs == nil {
		return true
	}
	bit := flowIPOnlyToServer
	if dir == dirToClient {
		bit = flowIPOnlyToClient
	}
	if fs.flags&bit != 0 {
		return false
	}
	fs.flags |= bit
	return true
}

// groupOf finds the packet's signature group.
func (e *Engine) groupOf(p *decoders.Packet, dir int) *group {
	var gi uint16
	switch p.IPProto {
	case 6, 17:
		ti := 0
		if p.IPProto == 17 {
			ti = 1
		}
		port := p.DstPort
		if dir == dirToClient {
			port = p.SrcPort
		}
		if t := e.ports[ti][dir]; len(t) == 65536 {
			gi = t[port]
		}
	default:
		gi = e.other[dir][p.IPProto]
	}
	return e.groups[gi]
}

// matchRule is the rule's full check, cheapest parts first; all parts are pure tests, so the
// order does not change the verdict.
func (m *Matcher) matchRule(er *engineRule, p *decoders.Packet, fi FlowInfo, fs *flowState, payload []byte, in *PacketInput) bool {
	r := er.r
	if er.pdOnly && !in.ProtoDone {
		return false
	}
	if !r.MatchHeader(p, fi) || !r.matchAppLayer(in) {
		return false
	}
	if len(r.DecodeEvents) > 0 && !r.matchDecodeEvents(p) {
		return false
	}
	if in.StreamEvents&r.StreamEvents != r.StreamEvents {
		return false
	}
	if r.hasFlowKeywords() && !r.matchFlowKeywords(p, fs, in) {
		return false
	}
	if len(r.HdrBuffers) > 0 && !r.MatchHdrBuffers(p, m.st) {
		return false
	}
	return m.matchVarTests(er, p, fs) && r.MatchPayload(payload, m.st)
}

// groupCandidates adds the rules of group g that data's prefilter scan of the packet side,
// the stream side or both wakes, and the group's rules without a fast pattern.
func (m *Matcher) groupCandidates(g *group, data []byte, packetSide, streamSide bool) {
	if len(data) > 0 && m.hs != nil {
		if packetSide {
			m.scanGroup(g, g.pf[pfPacket], data)
		}
		if streamSide {
			m.scanGroup(g, g.pf[pfStream], data)
		}
	}
	for _, ri := range g.always {
		m.addCandidate(ri)
	}
}

// scanGroup scans data with one of g's databases and adds the group's rules it wakes.
func (m *Matcher) scanGroup(g *group, pf *prefilter, data []byte) {
	if pf == nil {
		return
	}
	if pf.db != nil {
		m.wake(g, pf, data)
	}
	if h := pf.head; h != nil {
		m.wake(g, h, data[:min(len(data), pf.headLen)])
	}
}

// wake scans data with one database of a prefilter and adds the group's rules its hits wake.
func (m *Matcher) wake(g *group, pf *prefilter, data []byte) {
	// The database is shared by the groups of a class: a hit only wakes this group's rules.
	for _, id := range m.hs.scan(pf.db, data) {
		if int(id) < len(pf.patRules) {
			for _, ri := range pf.patRules[id] {
				if g.fp.has(ri) {
					m.addCandidate(ri)
				}
			}
		}
	}
}

// matchVarTests checks the rule's flowbits, flowint and xbits tests.
func (m *Matcher) matchVarTests(er *engineRule, p *decoders.Packet, fs *flowState) bool {
	if len(er.flowbitTests) > 0 && !fs.flowbitsMatch(er.flowbitTests) {
		return false
	}
	if len(er.flowintTests) > 0 && !fs.flowintsMatch(er.flowintTests) {
		return false
	}
	return len(er.xbitTests) == 0 || m.xbitsMatch(er.xbitTests, p)
}

// postMatch applies the rule's writes: flowbits, flowint modifiers, xbits.
func (m *Matcher) postMatch(er *engineRule, p *decoders.Packet, fs *flowState) {
	if fs != nil {
		if len(er.flowbitSets) > 0 {
			fs.applyFlowbits(er.flowbitSets, m.e.nFlowbits)
		}
		if len(er.flowintMods) > 0 {
			fs.applyFlowints(er.flowintMods, m.e.nFlowints)
		}
	}
	if len(er.xbitSets) > 0 {
		m.applyXbits(er.xbitSets, p)
	}
}

// FlowPassed reports whether a pass rule passed the rest of the flow in slot (generation gen):
// EVE's flow.action "pass". Read it before FlowEnded clears the state.
func (m *Matcher) FlowPassed(slot int, gen uint32) bool {
	if slot < 0 || slot >= len(m.flows) {
		return false
	}
	fs := &m.flows[slot]
	return fs.used && fs.gen == gen && fs.flags&flowPassed != 0
}

// FlowEnded clears the per-flow detection state of a flow (flowbits, flowints, by_flow
// thresholds, pass). A gen that no longer owns the slot is ignored.
func (m *Matcher) FlowEnded(slot int, gen uint32) {
	if slot < 0 || slot >= len(m.flows) {
		return
	}
	fs := &m.flows[slot]
	if fs.used && fs.gen == gen {
		fs.reset(gen)
		fs.used = false
	}
}
