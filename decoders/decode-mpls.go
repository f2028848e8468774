package decoders

import "encoding/binary"

const (
	mplsHeaderLen = 4
	mplsPWLen     = 4 // pseudowire control word

	mplsLabelIPv4ExplicitNull = 0
	mplsLabelRouterAlert      = 1
	mplsLabelIPv6ExplicitNull = 2
	mplsLabelImplicitNull     = 3
	mplsLabelMaxReserved      = 15
)

// decodeMPLS pops the label stack, then guesses the payload as Suricata does: the explicit-null
// labels name it, otherwise the first nibble (4 or 6 for IP, 0 for a pseudowire control word).
// Anything else is taken as an Ethernet pseudowire without control word.
func (d *Decoder) decodeMPLS(p *Packet, b []byte) {
	d.count(CountMPLS)
	p.Layers |= HasMPLS
	var label uint32
	for {
		if len(b) < mplsHeaderLen {
			p.AddEvent(EventMPLSHeaderTooSmall)
			return
		}
		w := binary.BigEndian.Uint32(b)
		b = b[mplsHeaderLen:]
		label = w >> 12
		bottom := w&0x100 != 0
		switch {
		case label == mplsLabelRouterAlert && bottom:
			// Router alert must sit above another label.
			p.AddEvent(EventMPLSBadLabelRouterAlert)
		case label == mplsLabelImplicitNull:
			// Implicit null is signalled, never put on the wire.
			p.AddEvent(EventMPLSBadLabelImplicitNull)
		case label > mplsLabelImplicitNull && label <= mplsLabelMaxReserved:
			p.AddEvent(EventMPLSBadLabelReserved)
		}
		if bottom {
			break
		}
	}
	if len(b) == 0 {
		p.AddEvent(EventMPLSPktTooSmall)
		return
	}
	switch label {
	case mplsLabelIPv4ExplicitNull:
		d.decodeIPv4(p, b)
		return
	case mplsLabelIPv6ExplicitNull:
		d.decodeIPv6(p, b)
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.decodeIPv4(p, b)
	case 6:
		d.decodeIPv6(p, b)
	case 0:
		if len(b) < mplsPWLen+ethernetHeaderLen {
			p.AddEvent(EventMPLSPktTooSmall)
			return
		}
		d.decodeEthernet(p, b[mplsPWLen:])
	default:
		if len(b) < ethernetHeaderLen {
			p.AddEvent(EventMPLSUnknownPayloadType)
			return
		}
		d.decodeEthernet(p, b)
	}
}
