package decoders

import "encoding/binary"

// Network Service Header (RFC 8300): service function chaining metadata in front of the
// packet it steers, carried over Ethernet (EtherType 0x894f) or GRE.
const (
	EtherTypeNSH = 0x894f

	nshBaseLen = 8 // base header (4) + service path header (4)

	nshMDType1   = 1 // fixed-length context headers: 24 bytes in all
	nshMDType2   = 2 // variable-length context headers
	nshMD1Len    = 24
	nshMDTypeRes = 0xf

	nshNextIPv4     = 1
	nshNextIPv6     = 2
	nshNextEthernet = 3
	nshNextMPLS     = 5
)

// decodeNSH skips an NSH header and decodes what it carries, with Suricata's checks: version
// 0 only, a header length that leaves payload, 24 bytes for MD type 1. Reserved and unknown
// MD types, other versions and next protocols (NSH in NSH included) end decoding with an
// event but leave the packet valid, as Suricata does.
func (d *Decoder) decodeNSH(p *Packet, b []byte) {
	d.count(CountNSH)
	if len(b) < nshBaseLen {
		p.AddEvent(EventNSHHeaderTooSmall)
		return
	}
	if d.depth++; d.depth > maxLinkDepth {
		p.AddEvent(EventTooManyLayers)
		return
	}
	w := binary.BigEndian.Uint16(b)
	if w>>14 != 0 {
		p.AddEvent(EventNSHUnsupportedVersion)
		return
	}
	hlen := int(w&0x3f) * 4
	if hlen >= len(b) {
		p.AddEvent(EventNSHBadHeaderLength)
		return
	}
	// The whole byte is compared, as Suricata does: the 4 bits above the MD type are unused
	// and must be zero for a known type.
	switch b[2] {
	case 0, nshMDTypeRes:
		p.AddEvent(EventNSHReservedType)
		return
	case nshMDType1:
		if hlen != nshMD1Len {
			p.AddEvent(EventNSHBadHeaderLength)
			return
		}
	case nshMDType2:
		// A length below the base header would put the payload inside it.
		if hlen < nshBaseLen {
			p.AddEvent(EventNSHBadHeaderLength)
			return
		}
	default:
		p.AddEvent(EventNSHUnsupportedType)
		return
	}
	inner := b[hlen:]
	switch b[3] {
	case nshNextIPv4:
		d.decodeIPv4(p, inner)
	case nshNextIPv6:
		d.decodeIPv6(p, inner)
	case nshNextEthernet:
		d.decodeEthernet(p, inner)
	case nshNextMPLS:
		d.decodeMPLS(p, inner)
	default:
		p.AddEvent(EventNSHUnknownPayload)
	}
}
