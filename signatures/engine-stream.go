package signatures

import "slices"

// Stream inspection. On a TCP flow under reassembly, payload rules inspect the in-order stream
// data of a direction instead of single packets, so that a pattern split across segments is
// found. The sensor hands each new chunk joined to the last bytes already inspected (the
// window, see sensor/stream's Tail); a rule alerts only when its match reaches into the new
// bytes, so a pattern is reported once, by the chunk that completed it.

// streamCapable reports whether the rule's payload keywords may inspect stream data: it has
// payload keywords, does not insist on packets (tcp-pkt, dsize, flow:no_stream, header
// buffers) and can match TCP.
func streamCapable(r *Rule) bool {
	if r.Payload == nil || len(r.Payload.Matchers) == 0 || r.PacketOnly || r.Dsize != nil ||
		r.Flow&FlowNoStream != 0 || len(r.HdrBuffers) > 0 || len(r.Buffers) > 0 {
		return false
	}
	if r.Proto != ProtoTCP && r.Proto != ProtoIP {
		return false
	}
	// Freshness is judged by where content and pcre matches end; a list without a positive one
	// has no such end, so it stays on packets.
	return slices.ContainsFunc(r.Payload.Matchers, func(k Keyword) bool {
		return !k.Negated && (k.Kind == MatchContent || k.Kind == MatchPCRE)
	})
}

// anchoredPayload reports a payload content with depth or offset. Suricata's SigValidate then
// sets SIG_FLAG_REQUIRE_PACKET besides REQUIRE_STREAM: such a rule still falls back to the
// packet's own payload when the packet's segment went into the stream (DetectEngine-
// InspectRulePayloadMatches), so it may alert on the packet and again on the stream.
func anchoredPayload(r *Rule) bool {
	return slices.ContainsFunc(r.Payload.Matchers, func(k Keyword) bool {
		return k.Kind == MatchContent && k.Content != nil && (k.Content.HasDepth || k.Content.HasOffset)
	})
}

// streamKeepMax bounds the bytes of a direction kept for the next window.
const streamKeepMax = 2048

// streamKeep is how much of a direction's stream to keep between chunks: enough for the
// longest pattern of a stream-capable rule to straddle two chunks (bounded).
func streamKeep(rules []*engineRule) int {
	keep := 0
	for _, er := range rules {
		if !er.stream {
			continue
		}
		for i := range er.r.Payload.Matchers {
			if c := er.r.Payload.Matchers[i].Content; c != nil {
				keep = max(keep, len(c.Pattern)-1)
			}
		}
	}
	return min(keep, streamKeepMax)
}

// StreamKeep is the number of stream bytes of each direction the sensor keeps in front of the
// next chunk it inspects (0: no rule inspects streams).
func (e *Engine) StreamKeep() int { return e.streamKeep }

// InspectStream runs the stream-capable rules of the flow's group over win, stream data of the
// direction in.ToServer, of which win[:fresh] was inspected before. in.Pkt is oriented in that
// direction (a pseudo packet from the flow when the packet at hand goes the other way). A rule
// alerts only if its match ends past fresh. Allocates nothing in steady state.
func (m *Matcher) InspectStream(in *PacketInput, win []byte, fresh int, dst []Match) []Match {
	if in == nil || in.Pkt == nil || len(win) <= fresh {
		return dst
	}
	p := in.Pkt
	e := m.e
	var fs *flowState
	if in.HasFlow {
		fs = m.flow(in.FlowSlot, in.FlowGen)
		if fs != nil && fs.flags&flowPassed != 0 {
			return dst
		}
	}
	dir := dirToServer
	if !in.ToServer {
		dir = dirToClient
	}
	g := e.groupOf(p, dir)
	m.cand = m.cand[:0]
	m.groupCandidates(g, win, false, true)
	if len(m.cand) == 0 {
		return dst
	}
	slices.Sort(m.cand)
	for _, ri := range m.cand {
		m.seen[ri>>6] = 0
	}
	fi := FlowInfo{HasFlow: in.HasFlow, ToServer: in.ToServer, Established: in.Established, Stream: true}
	m.queue = m.queue[:0]
	for _, ri := range m.cand {
		er := e.rules[ri]
		if er.disabled || !er.stream || !m.matchRule(er, p, fi, fs, win, in) {
			continue
		}
		if int(m.st.maxEnd) <= fresh {
			continue // found whole in bytes an earlier window inspected
		}
		m.postMatch(er, p, fs)
		m.queue = append(m.queue, ri)
	}
	n := len(dst)
	dst = m.finalize(p, fs, dst)
	for i := n; i < len(dst); i++ {
		dst[i].Stream, dst[i].ToServer = true, in.ToServer
	}
	return dst
}
