package decoders

import "encoding/binary"

const sctpHeaderLen = 12

// decodeSCTP decodes the SCTP common header: ports for the flow key, chunks as payload.
func (d *Decoder) decodeSCTP(p *Packet, b []byte) {
	d.count(CountSCTP)
	if len(b) < sctpHeaderLen {
		p.AddEvent(EventSCTPPktTooSmall)
		return
	}
	p.Layers |= HasSCTP
	p.SrcPort = binary.BigEndian.Uint16(b)
	p.DstPort = binary.BigEndian.Uint16(b[2:])
	p.L4 = b
	p.Payload = b[sctpHeaderLen:]
}
