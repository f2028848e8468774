package decoders

import "encoding/binary"

const (
	sllHeaderLen   = 16
	sll2HeaderLen  = 20
	nullHeaderLen  = 4
	chdlcHeaderLen = 4
	nflogHdrLen    = 4
	nflogTLVLen    = 4

	sllProtoNovell8023 = 0x0001 // raw 802.3 frame (Novell)
	sllProto8022       = 0x0004 // 802.2 LLC frame
	arphrdNetlink      = 824    // netlink capture: the protocol field is a netlink family

	nflogPayloadType = 9 // NFULA_PAYLOAD: the packet itself
)

// BSD address families as the NULL and LOOP link types write them. IPv6 has a different number on
// each BSD: 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS); Linux's 10 shows up in crafted files.
const (
	afInet        = 2
	afInet6Linux  = 10
	afInet6BSD    = 24
	afInet6FreeBS = 28
	afInet6Darwin = 30
)

// decodeRawIP decodes a frame that is an IP packet with no link header; the version decides.
func (d *Decoder) decodeRawIP(p *Packet, b []byte) {
	if len(b) == 0 {
		p.AddEvent(EventIPRawInvalidIPVer)
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.decodeIPv4(p, b)
	case 6:
		d.decodeIPv6(p, b)
	default:
		p.AddEvent(EventIPRawInvalidIPVer)
	}
}

// decodeAF decodes b as the network protocol named by a BSD address family.
func (d *Decoder) decodeAF(p *Packet, af uint32, b []byte) {
	switch af {
	case afInet:
		d.decodeIPv4(p, b)
	case afInet6Linux, afInet6BSD, afInet6FreeBS, afInet6Darwin:
		d.decodeIPv6(p, b)
	default:
		p.AddEvent(EventLTNullUnsupportedType)
	}
}

// decodeNull decodes BSD loopback: the family is in the capturing host's byte order, which the
// file does not say, so a value that only makes sense swapped is swapped.
func (d *Decoder) decodeNull(p *Packet, b []byte) {
	d.count(CountNull)
	if len(b) < nullHeaderLen {
		p.AddEvent(EventLTNullPktTooSmall)
		return
	}
	af := binary.LittleEndian.Uint32(b)
	if af > 0xffff {
		af = binary.BigEndian.Uint32(b)
	}
	d.decodeAF(p, af, b[nullHeaderLen:])
}

// decodeLoop decodes OpenBSD loopback, whose family is always in network order.
func (d *Decoder) decodeLoop(p *Packet, b []byte) {
	if len(b) < nullHeaderLen {
		p.AddEvent(EventLTNullPktTooSmall)
		return
	}
	d.decodeAF(p, binary.BigEndian.Uint32(b), b[nullHeaderLen:])
}

// decodeSLL decodes a Linux cooked (v1) header.
func (d *Decoder) decodeSLL(p *Packet, b []byte) {
	d.count(CountSLL)
	if len(b) < sllHeaderLen {
		p.AddEvent(EventSLLPktTooSmall)
		return
	}
	d.decodeSLLProto(p, binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint16(b[14:]), b[sllHeaderLen:])
}

// decodeSLL2 decodes a Linux cooked v2 header.
func (d *Decoder) decodeSLL2(p *Packet, b []byte) {
	d.count(CountSLL2)
	if len(b) < sll2HeaderLen {
		p.AddEvent(EventSLLPktTooSmall)
		return
	}
	d.decodeSLLProto(p, binary.BigEndian.Uint16(b[8:]), binary.BigEndian.Uint16(b), b[sll2HeaderLen:])
}

// decodeSLLProto dispatches on the cooked header's protocol, an EtherType except for a few
// Linux pseudo values.
func (d *Decoder) decodeSLLProto(p *Packet, hatype, proto uint16, b []byte) {
	if hatype == arphrdNetlink {
		return
	}
	switch proto {
	case sllProtoNovell8023, sllProto8022:
		p.Layers |= HasLLC
		return
	}
	d.decodeEtherType(p, proto, b, EventNone)
}

// decodeCHDLC decodes Cisco HDLC: address, control, then an EtherType.
func (d *Decoder) decodeCHDLC(p *Packet, b []byte) {
	d.count(CountCHDLC)
	if len(b) < chdlcHeaderLen {
		p.AddEvent(EventCHDLCPktTooSmall)
		return
	}
	d.decodeEtherType(p, binary.BigEndian.Uint16(b[2:]), b[chdlcHeaderLen:], EventNone)
}

// Frame Relay NLPIDs (RFC 2427).
const (
	nlpidIPv4 = 0xcc
	nlpidIPv6 = 0x8e
	nlpidSNAP = 0x80
	frUI      = 0x03
)

// decodeFrameRelay decodes a Q.922 address, then either RFC 2427 (UI control and an NLPID) or
// Cisco's encapsulation (an EtherType right after the address).
func (d *Decoder) decodeFrameRelay(p *Packet, b []byte) {
	// The address ends at the byte whose extension bit (bit 0) is set; 2 to 4 bytes.
	n := 0
	for n < len(b) && n < 4 {
		n++
		if b[n-1]&1 == 1 {
			break
		}
	}
	if n < 2 || len(b) < n+2 {
		p.AddEvent(EventFrameRelayPktTooSmall)
		return
	}
	b = b[n:]
	if b[0] != frUI {
		d.decodeEtherType(p, binary.BigEndian.Uint16(b), b[2:], EventNone)
		return
	}
	b = b[1:]
	if b[0] == 0 { // optional padding before the NLPID
		b = b[1:]
	}
	if len(b) == 0 {
		p.AddEvent(EventFrameRelayPktTooSmall)
		return
	}
	switch b[0] {
	case nlpidIPv4:
		d.decodeIPv4(p, b[1:])
	case nlpidIPv6:
		d.decodeIPv6(p, b[1:])
	case nlpidSNAP:
		// OUI (3) and PID (2): PID is an EtherType when the OUI is zero.
		if len(b) < 6 {
			p.AddEvent(EventFrameRelayPktTooSmall)
			return
		}
		if b[1] == 0 && b[2] == 0 && b[3] == 0 {
			d.decodeEtherType(p, binary.BigEndian.Uint16(b[4:]), b[6:], EventNone)
		}
	}
}

// decodeNFLOG walks the NFLOG TLVs to the payload TLV, an IP packet of the header's family.
func (d *Decoder) decodeNFLOG(p *Packet, b []byte) {
	payload, ok := nflogPayload(b)
	if !ok {
		p.AddEvent(EventNFLOGPktTooSmall)
		return
	}
	if payload == nil {
		return // a log record without the packet
	}
	switch b[0] {
	case afInet:
		d.decodeIPv4(p, payload)
	case afInet6Linux:
		d.decodeIPv6(p, payload)
	default:
		d.decodeRawIP(p, payload)
	}
}

// nflogPayload finds the payload TLV of an NFLOG record; ok is false when the record is
// malformed, payload nil when it has none. TLV lengths and types are in the capturing host's
// byte order; the first TLV's length tells which.
func nflogPayload(b []byte) (payload []byte, ok bool) {
	if len(b) < nflogHdrLen {
		return nil, false
	}
	tlvs := b[nflogHdrLen:]
	var order binary.ByteOrder = binary.LittleEndian
	if len(tlvs) >= nflogTLVLen {
		if l := int(binary.LittleEndian.Uint16(tlvs)); l < nflogTLVLen || l > len(tlvs) {
			order = binary.BigEndian
		}
	}
	for len(tlvs) >= nflogTLVLen {
		tlen := int(order.Uint16(tlvs))
		if tlen < nflogTLVLen || tlen > len(tlvs) {
			return nil, false
		}
		if order.Uint16(tlvs[2:])&0x7fff == nflogPayloadType {
			return tlvs[nflogTLVLen:tlen], true
		}
		// TLVs are padded to four bytes; the last one may lack its padding.
		step := (tlen + 3) &^ 3
		if step > len(tlvs) {
			break
		}
		tlvs = tlvs[step:]
	}
	return nil, true
}
