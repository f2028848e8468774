package signatures

import "github.com/nightjar-ids/nightjar/decoders"

// Flow keywords that need what the matcher learns from a flow's packets: flow.age (time since
// the flow's first packet) and stream_size (each TCP side's sequence span). The matcher sees
// every packet of a flow in order, so it keeps both in the flow's detection state instead of
// asking the flow tracker.

// seqSide is one TCP sender: its initial sequence number and the next one it is expected to
// send (Suricata's TcpStream isn and next_seq).
type seqSide struct {
	isn, next uint32
	known     bool
}

// tcpSeqs is the sequence state of a TCP flow, client and server side.
type tcpSeqs struct {
	cli, srv seqSide
}

func seqGT(a, b uint32) bool { return int32(a-b) > 0 }

// observe updates the sides from one packet, as Suricata's stream tracker moves next_seq: a SYN
// sets its sender's isn (and a SYN/ACK the other side's from its ack), a side first seen
// mid-stream starts at seq-1 (the receiver at ack-1), and data or a FIN that continues the
// sender's sequence moves next past it. Out-of-order data ahead of next does not move it.
func (t *tcpSeqs) observe(p *decoders.Packet, toServer bool) {
	if !p.Has(decoders.HasTCP) {
		return
	}
	snd, rcv := &t.cli, &t.srv
	if !toServer {
		snd, rcv = &t.srv, &t.cli
	}
	fl, seq := p.TCPFlags, p.Seq
	if fl&decoders.TCPSyn != 0 {
		*snd = seqSide{isn: seq, next: seq + 1, known: true}
		if fl&decoders.TCPAck != 0 && !rcv.known {
			*rcv = seqSide{isn: p.Ack - 1, next: p.Ack, known: true}
		}
		return
	}
	if !snd.known {
		*snd = seqSide{isn: seq - 1, next: seq, known: true}
	}
	if fl&decoders.TCPAck != 0 && !rcv.known {
		*rcv = seqSide{isn: p.Ack - 1, next: p.Ack, known: true}
	}
	end := seq + uint32(len(p.Payload))
	if fl&decoders.TCPFin != 0 {
		end++
	}
	if !seqGT(seq, snd.next) && seqGT(end, snd.next) {
		snd.next = end
	}
}

// match applies stream_size. A side not seen yet has span 0, as in Suricata's zeroed session;
// a flow with no TCP session at all does not match.
func (s *StreamSizeMatch) match(t *tcpSeqs) bool {
	if !t.cli.known && !t.srv.known {
		return false
	}
	cs, ss := t.cli.next-t.cli.isn, t.srv.next-t.srv.isn
	switch s.Side {
	case "server":
		return s.Cmp.Match(uint64(ss))
	case "client":
		return s.Cmp.Match(uint64(cs))
	case "both":
		return s.Cmp.Match(uint64(ss)) && s.Cmp.Match(uint64(cs))
	case "either":
		return s.Cmp.Match(uint64(ss)) || s.Cmp.Match(uint64(cs))
	}
	return false
}

// matchFlowKeywords checks stream_size, flow.age, flow.pkts and flow.bytes; all need a flow.
func (r *Rule) matchFlowKeywords(p *decoders.Packet, fs *flowState, in *PacketInput) bool {
	if fs == nil || in == nil {
		return false
	}
	for i := range r.FlowCounts {
		if !r.FlowCounts[i].match(in) {
			return false
		}
	}
	if len(r.StreamSize) > 0 {
		if !p.Has(decoders.HasTCP) {
			return false
		}
		for i := range r.StreamSize {
			if !r.StreamSize[i].match(&fs.seqs) {
				return false
			}
		}
	}
	if r.FlowAge != nil {
		// Whole seconds of the packet minus whole seconds of the flow start, as Suricata
		// compares its second-resolution timestamps.
		age := p.Time/1e9 - fs.start/1e9
		if age < 0 || !r.FlowAge.Match(uint64(age)) {
			return false
		}
	}
	return true
}

// match compares the flow's counters in the match's direction (either: one of the two).
func (c *FlowCountMatch) match(in *PacketInput) bool {
	v := in.FlowPkts
	if c.Bytes {
		v = in.FlowBytes
	}
	switch c.Dir {
	case 's':
		return c.Cmp.Match(v[0])
	case 'c':
		return c.Cmp.Match(v[1])
	}
	return c.Cmp.Match(v[0]) || c.Cmp.Match(v[1])
}

// needsSeqs reports whether any rule of the engine uses stream_size, so that flows track TCP
// sequence numbers only when a rule reads them.
func (e *Engine) needsSeqs() bool {
	for _, er := range e.rules {
		if len(er.r.StreamSize) > 0 {
			return true
		}
	}
	return false
}
