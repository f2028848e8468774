package signatures

import "github.com/nightjar-ids/nightjar/decoders"

// hdrKind names the packet header a header buffer (ipv4.hdr …) inspects.
type hdrKind uint8

const (
	hdrNone hdrKind = iota
	hdrIPv4
	hdrIPv6
	hdrTCP
	hdrUDP
	hdrICMPv4
	hdrICMPv6
	hdrIPSrc // the source address field of the innermost IP header (ip.src, Suricata 8)
	hdrIPDst // the destination address field (ip.dst)
)

// hdrBytes returns the raw bytes of one header of p, or nil when p has no such header. The
// slices come from the decoded packet: L3 runs from the innermost IP header to the end, L4
// from the transport header to the end, and Payload is L4's tail.
func hdrBytes(p *decoders.Packet, k hdrKind) []byte {
	switch k {
	case hdrIPv4:
		if !p.Has(decoders.HasIPv4) || len(p.L3) < 20 {
			return nil
		}
		hlen := int(p.L3[0]&0x0f) * 4
		if hlen < 20 || hlen > len(p.L3) {
			return nil
		}
		return p.L3[:hlen]
	case hdrIPv6:
		if !p.Has(decoders.HasIPv6) || len(p.L3) < 40 {
			return nil
		}
		// The fixed header and the extension headers: everything before the upper layer.
		hlen := 40
		if p.L4 != nil && len(p.L4) <= len(p.L3)-40 {
			hlen = len(p.L3) - len(p.L4)
		}
		return p.L3[:hlen]
	case hdrTCP:
		if !p.Has(decoders.HasTCP) || len(p.L4) < 20 {
			return nil
		}
		hlen := int(p.L4[12]>>4) * 4
		if hlen < 20 || hlen > len(p.L4) {
			return nil
		}
		return p.L4[:hlen]
	case hdrUDP:
		if !p.Has(decoders.HasUDP) || len(p.L4) < 8 {
			return nil
		}
		return p.L4[:8]
	case hdrICMPv4:
		if !p.Has(decoders.HasICMPv4) {
			return nil
		}
		return icmpv4Header(p.L4)
	case hdrICMPv6:
		if !p.Has(decoders.HasICMPv6) {
			return nil
		}
		return l4Header(p)
	case hdrIPSrc, hdrIPDst:
		return ipAddrBytes(p, k == hdrIPSrc)
	}
	return nil
}

// ipAddrBytes is the raw source or destination address of the innermost IP header: 4 bytes
// for IPv4, 16 for IPv6 (what datasets of type ip and ipv4 compare).
func ipAddrBytes(p *decoders.Packet, src bool) []byte {
	switch {
	case p.Has(decoders.HasIPv4) && len(p.L3) >= 20:
		if src {
			return p.L3[12:16]
		}
		return p.L3[16:20]
	case p.Has(decoders.HasIPv6) && len(p.L3) >= 40:
		if src {
			return p.L3[8:24]
		}
		return p.L3[24:40]
	}
	return nil
}

// icmpv4Header is the ICMPv4 header as Suricata sizes it: 8 bytes, plus the three timestamps
// of a timestamp request or reply, plus the address entries of a router advertisement, each
// only when the message holds them.
func icmpv4Header(b []byte) []byte {
	const base = 8
	if len(b) < base {
		return nil
	}
	hlen := base
	switch b[0] {
	case 13, 14: // timestamp, timestamp reply
		if len(b) >= base+12 {
			hlen += 12
		}
	case 9: // router advertisement: naddr entries of addr_sz 32-bit words
		if n := int(b[4]) * int(b[5]) * 4; len(b) >= base+n {
			hlen += n
		}
	}
	return b[:hlen]
}

// l4Header is the part of L4 before the payload.
func l4Header(p *decoders.Packet) []byte {
	n := len(p.L4) - len(p.Payload)
	if n <= 0 {
		return nil
	}
	return p.L4[:n]
}

// MatchHdrBuffers verifies the rule's packet-header buffers (ipv4.hdr, tcp.hdr …) against p: a
// header the packet lacks is no match, as in Suricata, unless the list is marked absent. A rule without header buffers matches.
// st must come from NewMatchState for the rule's RuleSet; the call allocates nothing.
func (r *Rule) MatchHdrBuffers(p *decoders.Packet, st *MatchState) bool {
	if len(r.HdrBuffers) == 0 {
		return true
	}
	if !st.fits(r) {
		*st = *newMatchState(max(len(r.ByteVars), len(st.vars)), max(r.maxCaps, st.pcreCaps))
	}
	for _, l := range r.HdrBuffers {
		h := hdrBytes(p, l.hdr)
		if h == nil {
			if l.Absent == AbsentNone {
				return false
			}
			continue
		}
		if l.Absent == AbsentOnly || !st.InspectBuffer(l, h) {
			return false
		}
	}
	return true
}

// inspectsPacketState reports whether the rule tests more of the packet or its flow than
// addresses: such a rule is never IP-only.
func (r *Rule) inspectsPacketState() bool {
	return len(r.HdrBuffers) > 0 || r.hasFlowKeywords() || r.IPVersion != 0 || len(r.Csums) > 0 || r.StreamEvents != 0 ||
		len(r.VLANIDs) > 0
}
