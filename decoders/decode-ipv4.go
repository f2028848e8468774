package decoders

import (
	"encoding/binary"
	"net/netip"
)

const ipv4HeaderLen = 20

// IP protocol numbers the decoders dispatch on.
const (
	IPProtoICMPv4 = 1
	IPProtoIPIP   = 4
	IPProtoTCP    = 6
	IPProtoUDP    = 17
	IPProtoIPv6   = 41
	IPProtoGRE    = 47
	IPProtoESP    = 50
	IPProtoAH     = 51
	IPProtoICMPv6 = 58
	IPProtoSCTP   = 132
)

// IPv4 option kinds.
const (
	ipOptKindEOL    = 0
	ipOptKindNOP    = 1
	ipOptKindRR     = 7
	ipOptKindQS     = 25
	ipOptKindTS     = 68
	ipOptKindSEC    = 130
	ipOptKindLSRR   = 131
	ipOptKindCIPSO  = 134
	ipOptKindSID    = 136
	ipOptKindSSRR   = 137
	ipOptKindRTRALT = 148
)

// maxDefragDepth bounds how often one frame may be reassembled (a reassembled tunnel whose inner
// packet is fragmented too); it also stops a defragmenter that hands back a fragment from looping.
const maxDefragDepth = 4

// l3Layers are the flags an IP decode owns; a tunnel's inner decode clears the outer ones.
const l3Layers = HasIPv4 | HasIPv6 | HasTCP | HasUDP | HasICMPv4 | HasICMPv6 | HasSCTP | IsFragment

// resetL3 forgets the L3 and L4 fields of an outer packet before its inner packet is decoded
// into the same Packet, so the Packet describes only the innermost headers.
func (p *Packet) resetL3() {
	p.Layers &^= l3Layers
	p.Src, p.Dst = netip.Addr{}, netip.Addr{}
	p.IPProto, p.TTL, p.TOS, p.IPID, p.FragOff, p.IPFlags = 0, 0, 0, 0, 0, 0
	p.IPv4Opts, p.IPv6Exts = 0, 0
	p.L3, p.L4, p.Payload = nil, nil, nil
	p.SrcPort, p.DstPort, p.TCPFlags, p.Seq, p.Ack, p.Window = 0, 0, 0, 0, 0, 0
	p.TCPOpts = TCPOptions{}
	p.ICMPType, p.ICMPCode, p.ICMPID, p.ICMPSeq = 0, 0, 0, 0
	p.BadIPChecksum, p.BadL4Checksum = false, false
}

// decodeIPv4 decodes an IPv4 header and what it carries. Tunnels call it for inner packets.
func (d *Decoder) decodeIPv4(p *Packet, b []byte) {
	d.count(CountIPv4)
	if p.Layers&l3Layers != 0 {
		p.resetL3()
	}
	if len(b) < ipv4HeaderLen {
		p.AddEvent(EventIPv4PktTooSmall)
		return
	}
	if b[0]>>4 != 4 {
		p.AddEvent(EventIPv4WrongIPVer)
		return
	}
	hlen := int(b[0]&0x0f) << 2
	if hlen < ipv4HeaderLen {
		p.AddEvent(EventIPv4HlenTooSmall)
		return
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < hlen {
		p.AddEvent(EventIPv4IPLenSmallerThanHlen)
		return
	}
	if len(b) < total {
		p.AddEvent(EventIPv4TruncPkt)
		return
	}
	b = b[:total] // drop link-layer padding
	if hlen > ipv4HeaderLen && !d.decodeIPv4Options(p, b[ipv4HeaderLen:hlen]) {
		return
	}
	p.Layers |= HasIPv4
	p.L3 = b
	p.TOS = b[1]
	p.IPID = uint32(binary.BigEndian.Uint16(b[4:]))
	fo := binary.BigEndian.Uint16(b[6:])
	p.IPFlags = uint8(fo >> 13)
	p.FragOff = (fo & 0x1fff) << 3
	p.TTL = b[8]
	proto := b[9]
	p.IPProto = proto
	p.Src = netip.AddrFrom4([4]byte(b[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	if d.checksumsOn() && !checksumOK(b[:hlen]) {
		p.BadIPChecksum = true
	}
	if fo&0x3fff != 0 { // MF or a non-zero offset
		if d.defragDepth < maxDefragDepth {
			if whole := d.defrag.IPv4(p, b); whole != nil {
				d.decodeReassembled(p, whole, false)
				return
			}
		}
		p.Layers |= IsFragment
		return
	}
	d.decodeIPPayload(p, proto, b[hlen:], false)
}

// decodeReassembled decodes a datagram the defragmenter completed in place of the fragment
// that completed it.
func (d *Decoder) decodeReassembled(p *Packet, whole []byte, v6 bool) {
	d.defragDepth++
	p.Layers |= IsReassembled
	if v6 {
		d.decodeIPv6(p, whole)
	} else {
		d.decodeIPv4(p, whole)
	}
	d.defragDepth--
}

// decodeIPPayload decodes the L4 header (or tunnel) that follows an IPv4 header or the IPv6
// extension header chain.
func (d *Decoder) decodeIPPayload(p *Packet, proto uint8, b []byte, v6 bool) {
	switch proto {
	case IPProtoTCP:
		d.decodeTCP(p, b)
	case IPProtoUDP:
		d.decodeUDP(p, b)
	case IPProtoICMPv4:
		if v6 {
			p.AddEvent(EventIPv6WithICMPv4)
			p.L4 = b
			return
		}
		d.decodeICMPv4(p, b)
	case IPProtoICMPv6:
		if !v6 {
			p.AddEvent(EventIPv4WithICMPv6)
			p.L4 = b
			return
		}
		d.decodeICMPv6(p, b)
	case IPProtoSCTP:
		d.decodeSCTP(p, b)
	case IPProtoGRE:
		p.L4 = b
		d.decodeGRE(p, b)
	case IPProtoIPIP, IPProtoIPv6:
		p.L4 = b
		d.decodeIPTunnel(p, proto, b)
	case IPProtoESP:
		p.L4 = b
		if len(b) < 8 {
			p.AddEvent(EventESPPktTooSmall)
		}
	default:
		p.L4 = b
		if v6 && !ipv6KnownUpper(proto) {
			p.AddEvent(EventIPv6UnknownNextHeader)
		}
	}
}

// decodeIPv4Options walks the options as Suricata validates them (RFC 791, 781, 1108, 2113,
// 4782). false means a malformed option made the header invalid.
func (d *Decoder) decodeIPv4Options(p *Packet, o []byte) bool {
	if len(o)%8 != 0 {
		// Suricata's check, stricter than RFC 791's 4-byte alignment; kept for parity.
		p.AddEvent(EventIPv4OptPadRequired)
	}
	var seen uint16
	for len(o) > 0 {
		kind := o[0]
		if kind == ipOptKindEOL {
			seen |= IPOptEOL
			break
		}
		if kind == ipOptKindNOP {
			seen |= IPOptNOP
			o = o[1:]
			continue
		}
		if len(o) < 2 {
			p.AddEvent(EventIPv4OptEOLRequired)
			break
		}
		olen := int(o[1])
		if olen < 2 || olen > len(o) {
			p.AddEvent(EventIPv4OptInvalidLen)
			return false
		}
		opt := o[:olen]
		o = o[olen:]
		bit := ipv4OptBit(kind)
		if bit == IPOptUnknown {
			p.AddEvent(EventIPv4OptInvalid)
			seen |= bit
			continue
		}
		if seen&bit != 0 {
			p.AddEvent(EventIPv4OptDuplicate)
			continue
		}
		if ev := validateIPv4Opt(kind, opt); ev != EventNone {
			p.AddEvent(ev)
			return false
		}
		seen |= bit
	}
	p.IPv4Opts = seen
	return true
}

func ipv4OptBit(kind uint8) uint16 {
	switch kind {
	case ipOptKindRR:
		return IPOptRR
	case ipOptKindTS:
		return IPOptTS
	case ipOptKindQS:
		return IPOptQS
	case ipOptKindLSRR:
		return IPOptLSRR
	case ipOptKindSSRR:
		return IPOptSSRR
	case ipOptKindSID:
		return IPOptSID
	case ipOptKindSEC:
		return IPOptSEC
	case ipOptKindCIPSO:
		return IPOptCIPSO
	case ipOptKindRTRALT:
		return IPOptRTRALT
	}
	return IPOptUnknown
}

// validateIPv4Opt checks one multi-byte option (type, length and data; 2 <= len(o) is known).
func validateIPv4Opt(kind uint8, o []byte) Event {
	olen := len(o)
	switch kind {
	case ipOptKindRR, ipOptKindLSRR, ipOptKindSSRR:
		// [type][len][ptr][addresses…]: ptr is 1-based, starts at 4 and moves by 4.
		if olen < 3 {
			return EventIPv4OptInvalidLen
		}
		ptr := int(o[2])
		if ptr < 4 || ptr%4 != 0 || ptr > olen+1 {
			return EventIPv4OptMalformed
		}
	case ipOptKindTS:
		// [type][len][ptr][overflow|flag][records…]: records are 8 bytes when they hold addresses.
		if olen < 5 {
			return EventIPv4OptInvalidLen
		}
		ptr := int(o[2])
		if ptr < 5 {
			return EventIPv4OptMalformed
		}
		rec := 4
		if flag := o[3] & 0x0f; flag == 1 || flag == 3 {
			rec = 8
		}
		if (ptr-5)%rec != 0 || ptr > olen+1 {
			return EventIPv4OptMalformed
		}
	case ipOptKindQS:
		if olen < 8 {
			return EventIPv4OptInvalidLen
		}
	case ipOptKindSEC:
		if olen != 11 {
			return EventIPv4OptInvalidLen
		}
	case ipOptKindSID, ipOptKindRTRALT:
		if olen != 4 {
			return EventIPv4OptInvalidLen
		}
	case ipOptKindCIPSO:
		return validateCIPSO(o)
	}
	return EventNone
}

// validateCIPSO checks the tag list of a CIPSO option: [type][len][DOI (4)][tags…].
func validateCIPSO(o []byte) Event {
	if len(o) < 10 {
		return EventIPv4OptInvalidLen
	}
	tags := o[6:]
	for len(tags) > 0 {
		if len(tags) < 2 {
			return EventIPv4OptMalformed
		}
		ttype, tlen := tags[0], int(tags[1])
		if tlen > len(tags) {
			return EventIPv4OptMalformed
		}
		switch ttype {
		case 1, 2, 5, 6, 7:
			if tlen < 4 {
				return EventIPv4OptMalformed
			}
			// Every tag but 7 has a zero alignment octet.
			if ttype != 7 && tags[2] != 0 {
				return EventIPv4OptMalformed
			}
			tags = tags[tlen:]
		default:
			return EventIPv4OptMalformed
		}
	}
	return EventNone
}
