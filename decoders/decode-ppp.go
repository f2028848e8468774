package decoders

import "encoding/binary"

// PPP protocol numbers.
const (
	pppIPv4       = 0x0021
	pppIPv6       = 0x0057
	pppVJComp     = 0x002d // Van Jacobson compressed TCP/IP: headers cannot be rebuilt statelessly
	pppVJUncomp   = 0x002f // Van Jacobson uncompressed: an IPv4 header whose protocol holds a slot id
	pppMPLSUcast  = 0x0281
	pppMPLSMcast  = 0x0283
	pppoeHdrLen   = 6
	pppoeCodeSess = 0x00
)

// pppUnsupported lists valid PPP protocols that carry no IP: link and network control, auth,
// compression. Suricata reports the data-carrying ones (below 0x8000) as ppp.unsup_proto,
// unknown values as ppp.wrong_type.
func pppUnsupported(proto uint16) bool {
	switch proto {
	case pppVJComp, 0x0023, 0x0025, 0x0027, 0x0029, 0x002b, 0x0031, 0x0033, 0x0039, 0x003b,
		0x003d, 0x003f, 0x0041, 0x004f, 0x0051, 0x0053, 0x0055, 0x00fb, 0x00fd, 0x0201, 0x0203,
		0x0231, 0x0233,
		0x8021, 0x8023, 0x8025, 0x8027, 0x8029, 0x802b, 0x802d, 0x802f, 0x8031, 0x8033, 0x8035,
		0x8037, 0x8039, 0x803b, 0x803d, 0x803f, 0x8041, 0x804f, 0x8051, 0x8053, 0x8057, 0x80fb,
		0x80fd, 0x8281, 0x8283,
		0xc021, 0xc023, 0xc025, 0xc027, 0xc02b, 0xc02d, 0xc081, 0xc223, 0xc227, 0xc26f, 0xc481:
		return true
	}
	return false
}

// decodePPPLink decodes the PPP link types (9, and 50 which is PPP in HDLC-like framing); both
// may or may not carry the 0xff 0x03 address and control bytes, and 50 may hold Cisco HDLC.
func (d *Decoder) decodePPPLink(p *Packet, b []byte) {
	if len(b) < 2 {
		p.AddEvent(EventPPPPktTooSmall)
		return
	}
	switch {
	case b[0] == 0xff && b[1] == 0x03:
		b = b[2:]
	case b[0] == 0x0f || b[0] == 0x8f:
		d.decodeCHDLC(p, b)
		return
	}
	d.decodePPP(p, b)
}

// decodePPP decodes a PPP frame from its protocol field, which may be compressed to one byte
// (an odd first byte) as RFC 1661 allows.
func (d *Decoder) decodePPP(p *Packet, b []byte) {
	d.count(CountPPP)
	var proto uint16
	switch {
	case len(b) >= 1 && b[0]&1 == 1:
		proto = uint16(b[0])
		b = b[1:]
	case len(b) >= 2:
		proto = binary.BigEndian.Uint16(b)
		b = b[2:]
	default:
		p.AddEvent(EventPPPPktTooSmall)
		return
	}
	p.Layers |= HasPPP
	switch proto {
	case pppIPv4:
		if len(b) < ipv4HeaderLen {
			p.AddEvent(EventPPPIPv4PktTooSmall)
			return
		}
		d.decodeIPv4(p, b)
	case pppIPv6:
		if len(b) < ipv6HeaderLen {
			p.AddEvent(EventPPPIPv6PktTooSmall)
			return
		}
		d.decodeIPv6(p, b)
	case pppVJUncomp:
		if len(b) < ipv4HeaderLen {
			p.AddEvent(EventPPPVJUPktTooSmall)
			return
		}
		// The protocol byte holds a VJ slot number, so only the IPv4 header is trustworthy.
		if b[0]>>4 == 4 {
			d.decodeIPv4(p, b)
		}
	case pppMPLSUcast, pppMPLSMcast:
		d.decodeMPLS(p, b)
	default:
		switch {
		case proto >= 0x8000 && pppUnsupported(proto):
			// Network and link control (IPCP, LCP, PAP, CHAP …) are the session's normal
			// upkeep: Suricata 7.0.12 and later raise nothing for them.
		case pppUnsupported(proto):
			p.AddEvent(EventPPPUnsupProto)
		default:
			p.AddEvent(EventPPPWrongType)
		}
	}
}

// decodePPPoESession decodes a PPPoE session header and the PPP frame it carries.
func (d *Decoder) decodePPPoESession(p *Packet, b []byte) {
	d.count(CountPPPoE)
	if len(b) < pppoeHdrLen+2 {
		p.AddEvent(EventPPPoEPktTooSmall)
		return
	}
	p.Layers |= HasPPPoE
	if b[1] != pppoeCodeSess {
		p.AddEvent(EventPPPoEWrongCode)
		return
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	b = b[pppoeHdrLen:]
	if plen > len(b) {
		p.AddEvent(EventPPPoEPktTooSmall)
		return
	}
	// The length field trims Ethernet padding off the PPP frame.
	d.decodePPP(p, b[:plen])
}

// PPPoE discovery codes.
const (
	pppoePADI = 0x09
	pppoePADO = 0x07
	pppoePADR = 0x19
	pppoePADS = 0x65
	pppoePADT = 0xa7
)

// decodePPPoEDiscovery recognises a discovery frame and checks its tags; it carries no IP.
func (d *Decoder) decodePPPoEDiscovery(p *Packet, b []byte) {
	d.count(CountPPPoE)
	if len(b) < pppoeHdrLen {
		p.AddEvent(EventPPPoEPktTooSmall)
		return
	}
	p.Layers |= HasPPPoE
	d.Stats.PPPoEDiscovery++
	switch b[1] {
	case pppoePADI, pppoePADO, pppoePADR, pppoePADS, pppoePADT:
	default:
		p.AddEvent(EventPPPoEWrongCode)
		return
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	tags := b[pppoeHdrLen:]
	if plen > len(tags) {
		p.AddEvent(EventPPPoEPktTooSmall)
		return
	}
	tags = tags[:plen]
	for len(tags) > 0 {
		if len(tags) < 4 {
			p.AddEvent(EventPPPoEMalformedTags)
			return
		}
		tlen := int(binary.BigEndian.Uint16(tags[2:]))
		if 4+tlen > len(tags) {
			p.AddEvent(EventPPPoEMalformedTags)
			return
		}
		if binary.BigEndian.Uint16(tags) == 0 { // End-Of-List
			return
		}
		tags = tags[4+tlen:]
	}
}
