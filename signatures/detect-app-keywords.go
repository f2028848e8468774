package signatures

import "github.com/nightjar-ids/nightjar/decoders"

// Matching of the event keywords: decode-event on packets, app-layer-event on transactions.

// matchDecodeEvents reports whether the packet carries every decoder event the rule names.
func (r *Rule) matchDecodeEvents(p *decoders.Packet) bool {
	for _, want := range r.DecodeEvents {
		found := false
		for _, e := range p.Events[:min(int(p.EventCount), len(p.Events))] {
			if e == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// inspectNoIP inspects a packet without an IP layer (truncated IP, a link layer the decoders
// gave up on …). As Suricata's decoder-event group, only the decode-event rules run, and only
// when the packet carries an event; the header check lets through ip/pkthdr rules with "any"
// addresses alone, and no flow is involved.
func (m *Matcher) inspectNoIP(in *PacketInput, dst []Match) []Match {
	p := in.Pkt
	if p.EventCount == 0 || len(m.e.deRules) == 0 {
		return dst
	}
	m.queue = m.queue[:0]
	for _, ri := range m.e.deRules {
		er := m.e.rules[ri]
		if er.disabled || !m.matchNoIP(er, p) {
			continue
		}
		m.postMatch(er, p, nil)
		m.queue = append(m.queue, ri)
	}
	return m.finalize(p, nil, dst)
}

// matchNoIP is matchRule for a packet without an IP layer: only ip/pkthdr rules qualify, and
// what needs a flow or an IP header (flow state, header buffers) cannot match.
func (m *Matcher) matchNoIP(er *engineRule, p *decoders.Packet) bool {
	r := er.r
	if r.Proto != ProtoIP || r.IPVersion != 0 || r.App != AppUnknown || len(r.AppLayer) > 0 {
		return false
	}
	if len(er.flowbitTests) > 0 || len(er.flowintTests) > 0 || len(er.xbitTests) > 0 ||
		len(r.HdrBuffers) > 0 || r.hasFlowKeywords() {
		return false
	}
	if !r.matchTuple(p) || !r.matchFlow(p, FlowInfo{}) || !r.matchPacketKeywords(p) || !r.matchDecodeEvents(p) {
		return false
	}
	return r.MatchPayload(p.Payload, m.st)
}

// matchAppEvents reports whether the transaction raised every app-layer event of the rule.
func (r *Rule) matchAppEvents(tx AppTx) bool {
	for _, ev := range r.AppEvents {
		if !tx.Event(ev) {
			return false
		}
	}
	return true
}

// appEventStage is the stage of its own direction at which an app-layer-event rule is
// inspected. The engine inspects a transaction rule once per direction, where Suricata
// retries event rules until the direction completes; HTTP raises events up to the end of the
// body, so HTTP event rules wait for the whole message, and FTP raises them up to the final
// reply (too_many_transactions on a transaction that was open). The other parsers raise theirs by the
// transaction's start (DNS: the message) or, for TLS and SSH sessions, on later records that
// no stage marks: events raised after the first inspection are not seen.
func appEventStage(p AppProto) uint8 {
	// SMTP raises events up to the end of the mail (MIME events with its body), as HTTP does.
	if p == AppHTTP || p == AppSMTP || p == AppFTP {
		return StageComplete
	}
	return StageStart
}
