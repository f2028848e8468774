package signatures

import (
	"net/netip"

	"github.com/nightjar-ids/nightjar/decoders"
)

// FlowInfo is what the flow tracker knows about a packet that the flow keyword tests.
type FlowInfo struct {
	HasFlow     bool // the packet belongs to a tracked flow
	ToServer    bool // sent by the side that opened the flow
	Established bool // TCP handshake completed, or UDP seen both ways
	Stream      bool // the data inspected is reassembled stream, not one packet
}

// MatchHeader checks everything a rule tests outside its buffers against one decoded packet:
// protocol, addresses and ports (both ways for "<>"), flow, dsize and the IP/TCP/ICMP header
// keywords. Flowbits, flowint, xbits and thresholds are stateful and left to the caller.
func (r *Rule) MatchHeader(p *decoders.Packet, f FlowInfo) bool {
	// Pure tests, cheapest and most selective first: the address sets (binary searches, some
	// over long reputation lists) come last, after flags, dsize and the flow keyword have
	// turned most packets away.
	return r.matchProto(p) && r.matchFlow(p, f) && r.matchPacketKeywords(p) && r.matchTuple(p)
}

// matchTuple checks the rule's addresses and ports against the packet's, both ways for "<>".
func (r *Rule) matchTuple(p *decoders.Packet) bool {
	return r.matchAddrs(p.Src, p.Dst, p.SrcPort, p.DstPort) ||
		(r.Bidirectional && r.matchAddrs(p.Dst, p.Src, p.DstPort, p.SrcPort))
}

// matchPacketKeywords checks dsize, sameip and the IP/TCP/ICMP header keywords.
func (r *Rule) matchPacketKeywords(p *decoders.Packet) bool {
	if r.Dsize != nil && !r.Dsize.Match(uint64(len(p.Payload))) {
		return false
	}
	if r.SameIP && p.Src != p.Dst {
		return false
	}
	for i := range r.Header {
		h := &r.Header[i]
		v, ok := headerValue(p, h.Field)
		if !ok || !h.Cmp.Match(v) {
			return false
		}
	}
	if r.Flags != nil && (!p.Has(decoders.HasTCP) || !r.Flags.MatchTCPFlags(p.TCPFlags)) {
		return false
	}
	if r.Frag != nil && (!p.Has(decoders.HasIPv4) || !r.Frag.Match(p.IPFlags)) {
		return false
	}
	if r.IPOpt != 0 && p.IPv4Opts&r.IPOpt == 0 {
		return false
	}
	if r.IPOptAny && p.IPv4Opts == 0 {
		return false
	}
	for i := range r.VLANIDs {
		if !r.VLANIDs[i].match(p.VLAN[:min(int(p.VLANCount), len(p.VLAN))]) {
			return false
		}
	}
	for _, c := range r.Csums {
		if !c.match(p) {
			return false
		}
	}
	return true
}

func (r *Rule) matchProto(p *decoders.Packet) bool {
	switch r.IPVersion {
	case 4:
		if !p.Has(decoders.HasIPv4) {
			return false
		}
	case 6:
		if !p.Has(decoders.HasIPv6) {
			return false
		}
	}
	// A decoder-event rule of a transport matches the packet whose transport header failed to
	// decode: Suricata compares the IP header's protocol number (tcp.pkt_too_small fires on
	// "alert tcp").
	l4Failed := len(r.DecodeEvents) > 0 && p.Layers&(decoders.HasIPv4|decoders.HasIPv6) != 0
	switch r.Proto {
	case ProtoTCP:
		return p.Has(decoders.HasTCP) || (l4Failed && p.IPProto == 6)
	case ProtoUDP:
		return p.Has(decoders.HasUDP) || (l4Failed && p.IPProto == 17)
	case ProtoICMP:
		return p.Has(decoders.HasICMPv4) || p.Has(decoders.HasICMPv6)
	case ProtoICMPv4:
		return p.Has(decoders.HasICMPv4)
	case ProtoICMPv6:
		return p.Has(decoders.HasICMPv6)
	case ProtoSCTP:
		return p.Has(decoders.HasSCTP)
	}
	return p.Layers&(decoders.HasIPv4|decoders.HasIPv6) != 0
}

func (r *Rule) matchAddrs(src, dst netip.Addr, sp, dp uint16) bool {
	if !r.Src.Contains(src) || !r.Dst.Contains(dst) {
		return false
	}
	if r.Proto == ProtoICMP || r.Proto == ProtoICMPv4 || r.Proto == ProtoICMPv6 {
		// Ports only mean something for transports that have them.
		return true
	}
	// An ip rule's ports hold too, as in Suricata: a packet without ports has 0 for both.
	return r.SrcPorts.Contains(sp) && r.DstPorts.Contains(dp)
}

func (r *Rule) matchFlow(p *decoders.Packet, f FlowInfo) bool {
	fl := r.Flow
	if fl == 0 {
		return true
	}
	if fl&(FlowToServer|FlowToClient|FlowEstablished|FlowNotEstablished) != 0 && !f.HasFlow {
		return false
	}
	switch {
	case fl&FlowToServer != 0 && !f.ToServer,
		fl&FlowToClient != 0 && f.ToServer,
		fl&FlowEstablished != 0 && !f.Established,
		fl&FlowNotEstablished != 0 && f.Established,
		fl&FlowOnlyStream != 0 && !f.Stream,
		fl&FlowNoStream != 0 && f.Stream,
		fl&FlowOnlyFrag != 0 && !p.Has(decoders.IsReassembled),
		fl&FlowNoFrag != 0 && p.Has(decoders.IsReassembled):
		return false
	}
	return true
}

// headerValue reads a header field; ok is false when the packet has no such header.
func headerValue(p *decoders.Packet, f HeaderField) (uint64, bool) {
	ip := p.Layers&(decoders.HasIPv4|decoders.HasIPv6) != 0
	tcp := p.Has(decoders.HasTCP)
	icmp := p.Layers&(decoders.HasICMPv4|decoders.HasICMPv6) != 0
	switch f {
	case FieldTTL:
		return uint64(p.TTL), ip
	case FieldTOS:
		return uint64(p.TOS), ip
	case FieldIPID:
		return uint64(p.IPID), p.Has(decoders.HasIPv4)
	case FieldIPProto:
		return uint64(p.IPProto), ip
	case FieldFragOffset:
		return uint64(p.FragOff), ip
	case FieldSeq:
		return uint64(p.Seq), tcp
	case FieldAck:
		return uint64(p.Ack), tcp
	case FieldWindow:
		return uint64(p.Window), tcp
	case FieldIType:
		return uint64(p.ICMPType), icmp
	case FieldICode:
		return uint64(p.ICMPCode), icmp
	case FieldICMPID:
		return uint64(p.ICMPID), icmp
	case FieldICMPSeq:
		return uint64(p.ICMPSeq), icmp
	case FieldTCPMSS:
		return uint64(p.TCPOpts.MSS), tcp && p.TCPOpts.HasMSS
	}
	return 0, false
}
