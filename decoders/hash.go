package decoders

import (
	"encoding/binary"
	"math/bits"
)

// Well-known UDP ports of the tunnels FlowHash looks through (the decoders' defaults).
const (
	portVXLAN  = 4789
	portGeneve = 6081
	portTeredo = 3544
	portGTPU   = 2152
)

// maxHashDepth bounds how many tunnels FlowHash descends through.
const maxHashDepth = 4

// FlowHash is a cheap hash of the innermost IP address pair of a frame, equal for both directions
// so that a flow's two halves reach the same worker; 0 when the frame carries no IP. It looks
// through VLAN, QinQ, MPLS and PPPoE, and through IP-in-IP, GRE, VXLAN, Geneve, GTP-U and Teredo
// when their headers are plain. It stops at a fragmented IP header and hashes that header's
// pair: only the first fragment shows the tunnel, and every fragment of a datagram must land on
// the worker that reassembles it. Ports are left out for the same reason.
func FlowHash(data []byte, lt LinkType) uint32 {
	var fh flowHasher
	return fh.hash(data, lt)
}

// FlowHashes is FlowHash, and the hash of the outermost UDP datagram FlowHash looked through as
// an encapsulation (VXLAN, Geneve, Teredo, GTP-U) with ok true, when there is one: the outer
// datagram has a UDP flow of its own, which must land on one worker too.
func FlowHashes(data []byte, lt LinkType) (inner, carrier uint32, ok bool) {
	var fh flowHasher
	inner = fh.hash(data, lt)
	return inner, fh.carrier, fh.hasCarrier
}

// flowHasher walks a frame for FlowHash and remembers the UDP encapsulation's carrier.
type flowHasher struct {
	carrier    uint32
	hasCarrier bool
}

func (fh *flowHasher) hash(data []byte, lt LinkType) uint32 {
	b := data
	switch lt {
	case LinkEthernet:
		return fh.hashEthernet(b, 0)
	case LinkRaw, LinkRawDLT12, LinkRawDLT14, LinkIPv4, LinkIPv6:
		return fh.hashIP(b, 0)
	case LinkLinuxSLL:
		if len(b) < sllHeaderLen {
			return 0
		}
		return fh.hashEtherType(binary.BigEndian.Uint16(b[14:]), b[sllHeaderLen:], 0)
	case LinkLinuxSLL2:
		if len(b) < sll2HeaderLen {
			return 0
		}
		return fh.hashEtherType(binary.BigEndian.Uint16(b), b[sll2HeaderLen:], 0)
	case LinkNull, LinkLoop:
		if len(b) < nullHeaderLen {
			return 0
		}
		return fh.hashIP(b[nullHeaderLen:], 0)
	case LinkPPP, LinkPPPHDLC:
		if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
			b = b[2:]
		} else if len(b) >= chdlcHeaderLen && (b[0] == 0x0f || b[0] == 0x8f) {
			return fh.hashEtherType(binary.BigEndian.Uint16(b[2:]), b[chdlcHeaderLen:], 0)
		}
		return fh.hashPPP(b)
	case LinkCHDLC:
		if len(b) < chdlcHeaderLen {
			return 0
		}
		return fh.hashEtherType(binary.BigEndian.Uint16(b[2:]), b[chdlcHeaderLen:], 0)
	case LinkNFLOG:
		if payload, ok := nflogPayload(b); ok {
			return fh.hashIP(payload, 0)
		}
	}
	return 0
}

func (fh *flowHasher) hashEthernet(b []byte, depth int) uint32 {
	if len(b) < ethernetHeaderLen {
		return 0
	}
	return fh.hashEtherType(binary.BigEndian.Uint16(b[12:]), b[ethernetHeaderLen:], depth)
}

// hashEtherType follows VLAN tags, MPLS labels, PPPoE, VN-Tag, 802.1ah and 802.3 SNAP to the
// IP header.
func (fh *flowHasher) hashEtherType(et uint16, b []byte, depth int) uint32 {
	for range MaxVLAN + 4 {
		switch et {
		case EtherTypeIPv4, EtherTypeIPv6:
			return fh.hashIP(b, depth)
		case EtherTypeVLAN, EtherTypeQinQ, EtherTypeQinQ9100, EtherTypeQinQ9200:
			if len(b) < vlanHeaderLen {
				return 0
			}
			et, b = binary.BigEndian.Uint16(b[2:]), b[vlanHeaderLen:]
		case EtherTypeMPLS, EtherTypeMPLSMcast:
			for len(b) >= mplsHeaderLen {
				bottom := b[2]&1 == 1
				b = b[mplsHeaderLen:]
				if bottom {
					return fh.hashIP(b, depth)
				}
			}
			return 0
		case EtherTypePPPoESess:
			if len(b) < pppoeHdrLen {
				return 0
			}
			return fh.hashPPP(b[pppoeHdrLen:])
		case EtherTypeVNTag:
			if len(b) < vntagHeaderLen {
				return 0
			}
			et, b = binary.BigEndian.Uint16(b[4:]), b[vntagHeaderLen:]
		case EtherType8021AH:
			if len(b) < ieee8021ahLen {
				return 0
			}
			et, b = binary.BigEndian.Uint16(b[16:]), b[ieee8021ahLen:]
		default:
			// 802.3 with LLC/SNAP carrying an EtherType.
			if et > maxEthernetLength || len(b) < 8 || b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 {
				return 0
			}
			et, b = binary.BigEndian.Uint16(b[6:]), b[8:]
		}
	}
	return 0
}

func (fh *flowHasher) hashPPP(b []byte) uint32 {
	switch {
	case len(b) >= 1 && (b[0] == pppIPv4 || b[0] == pppIPv6):
		return fh.hashIP(b[1:], 0)
	case len(b) >= 2 && b[0] == 0 && (b[1] == pppIPv4 || b[1] == pppIPv6):
		return fh.hashIP(b[2:], 0)
	}
	return 0
}

// hashIP hashes the address pair of the IP header at b, or of the packet tunnelled inside it.
func (fh *flowHasher) hashIP(b []byte, depth int) uint32 {
	if len(b) == 0 {
		return 0
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < ipv4HeaderLen {
			return 0
		}
		hlen := int(b[0]&0x0f) << 2
		total := int(binary.BigEndian.Uint16(b[2:]))
		src, dst := binary.BigEndian.Uint32(b[12:]), binary.BigEndian.Uint32(b[16:])
		if depth < maxHashDepth && binary.BigEndian.Uint16(b[6:])&0x3fff == 0 &&
			hlen >= ipv4HeaderLen && hlen <= total && total <= len(b) {
			if h := fh.hashTunnel(b[9], b[hlen:total], depth); h != 0 {
				if b[9] == IPProtoUDP {
					// Set on the way out of the recursion: the outermost carrier wins.
					fh.carrier, fh.hasCarrier = hashPair4(src, dst), true
				}
				return h
			}
		}
		return hashPair4(src, dst)
	case 6:
		if len(b) < ipv6HeaderLen {
			return 0
		}
		if depth < maxHashDepth {
			if proto, l4, ok := ipv6Upper(b); ok {
				if h := fh.hashTunnel(proto, l4, depth); h != 0 {
					if proto == IPProtoUDP {
						fh.carrier, fh.hasCarrier = hashPair6(b[8:24], b[24:40]), true
					}
					return h
				}
			}
		}
		return hashPair6(b[8:24], b[24:40])
	}
	return 0
}

// ipv6Upper skips the common extension headers; ok is false for fragments and odd chains.
func ipv6Upper(b []byte) (proto uint8, l4 []byte, ok bool) {
	total := ipv6HeaderLen + int(binary.BigEndian.Uint16(b[4:]))
	if total > len(b) {
		return 0, nil, false
	}
	proto, l4 = b[6], b[ipv6HeaderLen:total]
	for range 4 {
		switch proto {
		case nhHopByHop, nhRouting, nhDestOpts:
			if len(l4) < 2 {
				return 0, nil, false
			}
			n := (int(l4[1]) + 1) << 3
			if n > len(l4) {
				return 0, nil, false
			}
			proto, l4 = l4[0], l4[n:]
		default:
			return proto, l4, proto != nhFragment
		}
	}
	return 0, nil, false
}

// hashTunnel hashes the inner packet of an IP payload that is a known tunnel, or returns 0.
func (fh *flowHasher) hashTunnel(proto uint8, l4 []byte, depth int) uint32 {
	depth++
	switch proto {
	case IPProtoIPIP, IPProtoIPv6:
		return fh.hashIP(l4, depth)
	case IPProtoGRE:
		return fh.hashGRE(l4, depth)
	case IPProtoUDP:
		if len(l4) < udpHeaderLen {
			return 0
		}
		sport, dport := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		pl := l4[udpHeaderLen:]
		switch {
		case dport == portVXLAN:
			if len(pl) >= 8 && pl[0]&0x08 != 0 {
				return fh.hashEthernet(pl[8:], depth)
			}
		case dport == portGeneve:
			if len(pl) >= 8 && pl[0]>>6 == 0 {
				n := 8 + int(pl[0]&0x3f)<<2
				if n <= len(pl) {
					if et := binary.BigEndian.Uint16(pl[2:]); et == EtherTypeTEB {
						return fh.hashEthernet(pl[n:], depth)
					} else {
						return fh.hashEtherType(et, pl[n:], depth)
					}
				}
			}
		case dport == portGTPU || sport == portGTPU:
			return fh.hashGTPU(pl, depth)
		case dport == portTeredo || sport == portTeredo:
			if len(pl) >= ipv6HeaderLen && pl[0]>>4 == 6 {
				return fh.hashIP(pl, depth)
			}
		}
	}
	return 0
}

// hashGRE looks through GRE version 0 without routing, and ERSPAN II/III.
func (fh *flowHasher) hashGRE(b []byte, depth int) uint32 {
	if len(b) < 4 || b[1]&0x07 != 0 || b[0]&0x40 != 0 {
		return 0
	}
	n := 4
	for _, bit := range [...]byte{0x80, 0x20, 0x10} { // checksum, key, sequence
		if b[0]&bit != 0 {
			n += 4
		}
	}
	if n > len(b) {
		return 0
	}
	inner := b[n:]
	switch et := binary.BigEndian.Uint16(b[2:]); et {
	case EtherTypeTEB:
		return fh.hashEthernet(inner, depth)
	case 0x88be: // ERSPAN type II: an 8-byte header, then the mirrored frame
		if b[0]&0x10 != 0 && len(inner) >= 8 {
			return fh.hashEthernet(inner[8:], depth)
		}
	case 0x22eb: // ERSPAN type III: 12 bytes, plus 8 when the O bit is set
		if len(inner) >= 12 {
			h := 12
			if inner[11]&0x01 != 0 {
				h += 8
			}
			if h <= len(inner) {
				return fh.hashEthernet(inner[h:], depth)
			}
		}
	default:
		return fh.hashEtherType(et, inner, depth)
	}
	return 0
}

// hashGTPU looks through a GTPv1-U G-PDU to the user's IP packet.
func (fh *flowHasher) hashGTPU(b []byte, depth int) uint32 {
	if len(b) < 8 || b[0]>>5 != 1 || b[1] != 0xff {
		return 0
	}
	n := 8
	if b[0]&0x07 != 0 { // sequence, N-PDU or extension present: 4 more bytes
		n = 12
		if len(b) < n {
			return 0
		}
		next := byte(0)
		if b[0]&0x04 != 0 {
			next = b[11]
		}
		for next != 0 {
			if n >= len(b) {
				return 0
			}
			l := int(b[n]) << 2
			if l == 0 || n+l > len(b) {
				return 0
			}
			n += l
			next = b[n-1]
		}
	}
	if n > len(b) {
		return 0
	}
	return fh.hashIP(b[n:], depth)
}

// hashPair4 orders the pair so both directions hash alike, then mixes it (a 64-bit finaliser).
func hashPair4(a, b uint32) uint32 {
	if a > b {
		a, b = b, a
	}
	return finish(uint64(a)<<32 | uint64(b))
}

func hashPair6(a, b []byte) uint32 {
	ah, al := binary.BigEndian.Uint64(a), binary.BigEndian.Uint64(a[8:])
	bh, bl := binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	if ah > bh || ah == bh && al > bl {
		ah, al, bh, bl = bh, bl, ah, al
	}
	x := mix64(ah ^ bits.RotateLeft64(al, 32))
	y := mix64(bh ^ bits.RotateLeft64(bl, 32))
	return finish(x ^ bits.RotateLeft64(y, 17))
}

// mix64 is the MurmurHash3 64-bit finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// finish folds a mixed value to 32 bits and keeps 0 for "not IP".
func finish(x uint64) uint32 {
	x = mix64(x)
	h := uint32(x) ^ uint32(x>>32)
	if h == 0 {
		h = 1
	}
	return h
}
