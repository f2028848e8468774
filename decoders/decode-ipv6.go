package decoders

import (
	"encoding/binary"
	"net/netip"
)

const (
	ipv6HeaderLen     = 40
	ipv6FragHeaderLen = 8
	ipv6AHMinLen      = 12
)

// IPv6 next-header values that are extension headers.
const (
	nhHopByHop = 0
	nhRouting  = 43
	nhFragment = 44
	nhESP      = 50
	nhAH       = 51
	nhNoNext   = 59
	nhDestOpts = 60
	nhMobility = 135
	nhHIP      = 139
	nhShim6    = 140
)

// IPv6 options inside hop-by-hop and destination options headers.
const (
	ip6OptPad1        = 0x00
	ip6OptPadN        = 0x01
	ip6OptRouterAlert = 0x05
	ip6OptJumbo       = 0xc2
	ip6OptHomeAddress = 0xc9
)

// Upper-layer protocols Nightjar does not decode but knows to be legitimate after IPv6.
const (
	ipProtoIGMP = 2
	ipProtoPIM  = 103
	ipProtoVRRP = 112
	ipProtoL2TP = 115
)

// ipv6KnownUpper reports whether an upper-layer protocol after IPv6 is one Suricata knows, so
// that the rest raise ipv6.unknown_next_header.
func ipv6KnownUpper(proto uint8) bool {
	switch proto {
	case IPProtoTCP, IPProtoUDP, IPProtoICMPv6, IPProtoSCTP, IPProtoGRE, IPProtoIPIP, IPProtoIPv6,
		IPProtoESP, IPProtoAH, ipProtoIGMP, ipProtoPIM, ipProtoVRRP, ipProtoL2TP:
		return true
	}
	return false
}

// decodeIPv6 decodes an IPv6 header, its extension headers and what they carry. Tunnels call it
// for inner packets.
func (d *Decoder) decodeIPv6(p *Packet, b []byte) {
	d.count(CountIPv6)
	if p.Layers&l3Layers != 0 {
		p.resetL3()
	}
	if len(b) < ipv6HeaderLen {
		p.AddEvent(EventIPv6PktTooSmall)
		return
	}
	if b[0]>>4 != 6 {
		p.AddEvent(EventIPv6WrongIPVer)
		return
	}
	total := ipv6HeaderLen + int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < total {
		p.AddEvent(EventIPv6TruncPkt)
		return
	}
	b = b[:total]
	p.Layers |= HasIPv6
	p.L3 = b
	p.TOS = uint8(binary.BigEndian.Uint16(b) >> 4)
	p.TTL = b[7]
	p.Src = netip.AddrFrom16([16]byte(b[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	d.decodeIPv6Exts(p, b)
}

// decodeIPv6Exts walks the extension header chain of pkt (the whole IPv6 packet), raising
// Suricata's events for duplicated, truncated and odd headers, and decodes the upper layer.
func (d *Decoder) decodeIPv6Exts(p *Packet, pkt []byte) {
	next := pkt[6]
	off := ipv6HeaderLen
	var exts uint16
	dstOpts := 0 // destination options headers since the last routing header
	for {
		rest := pkt[off:]
		p.IPv6Exts = exts
		p.IPProto = next
		if off > ipv6HeaderLen && next != nhNoNext && len(rest) < 2 {
			// An extension header names a next header that is not there (Suricata checks
			// this at each step of the chain, before the upper layer).
			p.AddEvent(EventIPv6TruncExthdr)
			return
		}
		switch next {
		case nhHopByHop, nhDestOpts, nhRouting, nhMobility, nhHIP, nhShim6:
			if len(rest) < 2 {
				p.AddEvent(EventIPv6TruncExthdr)
				return
			}
			hlen := (int(rest[1]) + 1) << 3
			if hlen > len(rest) {
				p.AddEvent(EventIPv6TruncExthdr)
				return
			}
			switch next {
			case nhHopByHop:
				if exts&IPv6ExtHopByHop != 0 {
					p.AddEvent(EventIPv6ExthdrDuplHH)
				}
				exts |= IPv6ExtHopByHop
				ipv6Options(p, rest[2:hlen], true)
			case nhDestOpts:
				// Allowed once before a routing header and once after it.
				if dstOpts++; dstOpts > 1 {
					p.AddEvent(EventIPv6ExthdrDuplDH)
				}
				exts |= IPv6ExtDestOpts
				ipv6Options(p, rest[2:hlen], false)
			case nhRouting:
				if exts&IPv6ExtRouting != 0 {
					p.AddEvent(EventIPv6ExthdrDuplRH)
				}
				exts |= IPv6ExtRouting
				dstOpts = 0
				if rest[2] == 0 {
					// Type 0 is deprecated (RFC 5095): an amplification vector.
					p.AddEvent(EventIPv6RHType0)
				}
			case nhMobility:
				exts |= IPv6ExtMobility
			case nhHIP:
				exts |= IPv6ExtHIP
			case nhShim6:
				exts |= IPv6ExtShim6
			}
			next = rest[0]
			off += hlen
		case nhFragment:
			if len(rest) < ipv6FragHeaderLen {
				p.AddEvent(EventIPv6TruncExthdr)
				return
			}
			if exts&IPv6ExtFragment != 0 {
				p.AddEvent(EventIPv6ExthdrDuplFH)
				return
			}
			exts |= IPv6ExtFragment
			fo := binary.BigEndian.Uint16(rest[2:])
			if rest[1] != 0 || fo&0x0006 != 0 {
				p.AddEvent(EventIPv6FHNonZeroResField)
			}
			offset, more := fo&^7, fo&1 == 1
			if offset == 0 && !more {
				// An atomic fragment (RFC 6946): nothing to reassemble, decode on.
				p.AddEvent(EventIPv6ExthdrUselessFH)
				next = rest[0]
				off += ipv6FragHeaderLen
				continue
			}
			p.IPv6Exts = exts
			p.IPProto = rest[0]
			p.IPID = binary.BigEndian.Uint32(rest[4:])
			p.FragOff = offset
			if more {
				p.IPFlags = 1
				if (len(rest)-ipv6FragHeaderLen)%8 != 0 {
					p.AddEvent(EventIPv6FragInvalidLength)
				}
			}
			if d.defragDepth < maxDefragDepth {
				if whole := d.defrag.IPv6(p, pkt, off); whole != nil {
					d.decodeReassembled(p, whole, true)
					return
				}
			}
			p.Layers |= IsFragment
			return
		case nhAH:
			if len(rest) < ipv6AHMinLen {
				p.AddEvent(EventIPv6TruncExthdr)
				return
			}
			hlen := (int(rest[1]) + 2) << 2
			if hlen > len(rest) || hlen < ipv6AHMinLen {
				p.AddEvent(EventIPv6TruncExthdr)
				return
			}
			if exts&IPv6ExtAH != 0 {
				p.AddEvent(EventIPv6ExthdrDuplAH)
			}
			exts |= IPv6ExtAH
			if binary.BigEndian.Uint16(rest[2:]) != 0 {
				p.AddEvent(EventIPv6ExthdrAHResNotNull)
			}
			next = rest[0]
			off += hlen
		case nhESP:
			// Encrypted from here on.
			p.IPv6Exts = exts | IPv6ExtESP
			d.decodeIPPayload(p, next, rest, true)
			return
		case nhNoNext:
			p.IPv6Exts = exts | IPv6ExtNoNext
			if len(rest) > 0 {
				p.AddEvent(EventIPv6DataAfterNoneHeader)
			}
			return
		default:
			d.decodeIPPayload(p, next, rest, true)
			return
		}
	}
}

// ipv6Options checks the options of a hop-by-hop (hbh) or destination options header.
func ipv6Options(p *Packet, o []byte, hbh bool) {
	unknown, onlyPad := EventIPv6DstoptsUnknownOpt, EventIPv6DstoptsOnlyPadding
	if hbh {
		unknown, onlyPad = EventIPv6HopoptsUnknownOpt, EventIPv6HopoptsOnlyPadding
	}
	padding := true
	for len(o) > 0 {
		t := o[0]
		if t == ip6OptPad1 {
			o = o[1:]
			continue
		}
		if len(o) < 2 || 2+int(o[1]) > len(o) {
			p.AddEvent(EventIPv6ExthdrInvalidOptlen)
			return
		}
		olen := int(o[1])
		switch t {
		case ip6OptPadN:
			if olen == 0 {
				p.AddEvent(EventIPv6ZeroLenPadN)
			}
		case ip6OptRouterAlert, ip6OptJumbo, ip6OptHomeAddress:
			padding = false
		default:
			padding = false
			p.AddEvent(unknown)
		}
		o = o[2+olen:]
	}
	if padding {
		p.AddEvent(onlyPad)
	}
}
