package decoders

import "encoding/binary"

const udpHeaderLen = 8

// decodeUDP decodes a UDP header, then offers the payload to the UDP tunnel decoders. As in
// Suricata 7, bytes past the UDP length are trailing data, not an error; a length field larger
// than the IP payload or smaller than the header is.
func (d *Decoder) decodeUDP(p *Packet, b []byte) {
	d.count(CountUDP)
	if len(b) < udpHeaderLen {
		p.AddEvent(EventUDPHlenTooSmall)
		return
	}
	ulen := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < ulen {
		p.AddEvent(EventUDPPktTooSmall)
		return
	}
	if ulen < udpHeaderLen {
		p.AddEvent(EventUDPLenInvalid)
		return
	}
	b = b[:ulen]
	p.Layers |= HasUDP
	p.SrcPort = binary.BigEndian.Uint16(b)
	p.DstPort = binary.BigEndian.Uint16(b[2:])
	p.L4 = b
	p.Payload = b[udpHeaderLen:]
	if d.checksumsOn() {
		// Over IPv4 a zero checksum means the sender did not compute one.
		if sum := binary.BigEndian.Uint16(b[6:]); sum != 0 || p.Layers&HasIPv6 != 0 {
			p.BadL4Checksum = !d.l4ChecksumOK(p, IPProtoUDP, b)
		}
	}
	// When this reports true the inner packet has replaced the L3/L4 view; nothing follows here
	// that could undo it.
	if d.decodeUDPTunnel(p, p.Payload) {
		p.Layers |= InUDPTunnel
	}
}
