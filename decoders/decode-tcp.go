package decoders

import "encoding/binary"

const (
	tcpHeaderLen = 20
	tcpOptLenMax = 40
)

// TCP option kinds and the lengths Suricata accepts for them.
const (
	tcpOptEOL    = 0
	tcpOptNOP    = 1
	tcpOptMSS    = 2
	tcpOptWS     = 3
	tcpOptSACKOK = 4
	tcpOptSACK   = 5
	tcpOptTS     = 8

	tcpOptMSSLen     = 4
	tcpOptWSLen      = 3
	tcpOptSACKOKLen  = 2
	tcpOptTSLen      = 10
	tcpOptSACKMinLen = 10 // one block
	tcpOptSACKMaxLen = 34 // four blocks
)

// decodeTCP decodes a TCP header and its options; b is the segment (IP payload).
func (d *Decoder) decodeTCP(p *Packet, b []byte) {
	d.count(CountTCP)
	if len(b) < tcpHeaderLen {
		p.AddEvent(EventTCPPktTooSmall)
		return
	}
	hlen := int(b[12]>>4) << 2
	if len(b) < hlen {
		p.AddEvent(EventTCPHlenTooSmall)
		return
	}
	if hlen < tcpHeaderLen {
		// Suricata computes the option length unsigned, so a short header shows as a bad one.
		p.AddEvent(EventTCPInvalidOptlen)
		return
	}
	p.Layers |= HasTCP
	p.SrcPort = binary.BigEndian.Uint16(b)
	p.DstPort = binary.BigEndian.Uint16(b[2:])
	p.Seq = binary.BigEndian.Uint32(b[4:])
	p.Ack = binary.BigEndian.Uint32(b[8:])
	p.TCPFlags = b[13]
	p.Window = binary.BigEndian.Uint16(b[14:])
	if hlen > tcpHeaderLen {
		decodeTCPOptions(p, b[tcpHeaderLen:hlen])
	}
	p.L4 = b
	p.Payload = b[hlen:]
	if d.checksumsOn() && !d.l4ChecksumOK(p, IPProtoTCP, b) {
		p.BadL4Checksum = true
	}
}

// decodeTCPOptions records the options the stream engine needs. A malformed length ends the
// walk; a known option with the wrong length is skipped, as Suricata does.
func decodeTCPOptions(p *Packet, o []byte) {
	opts := &p.TCPOpts
	for len(o) > 0 {
		kind := o[0]
		if kind == tcpOptEOL {
			return
		}
		if kind == tcpOptNOP {
			o = o[1:]
			continue
		}
		if len(o) < 2 {
			return
		}
		olen := int(o[1])
		if olen < 2 || olen > len(o) {
			p.AddEvent(EventTCPOptInvalidLen)
			return
		}
		opt := o[:olen]
		o = o[olen:]
		switch kind {
		case tcpOptMSS:
			switch {
			case olen != tcpOptMSSLen:
				p.AddEvent(EventTCPOptInvalidLen)
			case opts.HasMSS:
				p.AddEvent(EventTCPOptDuplicate)
			default:
				opts.HasMSS = true
				opts.MSS = binary.BigEndian.Uint16(opt[2:])
			}
		case tcpOptWS:
			switch {
			case olen != tcpOptWSLen:
				p.AddEvent(EventTCPOptInvalidLen)
			case opts.HasWScale:
				p.AddEvent(EventTCPOptDuplicate)
			default:
				opts.HasWScale = true
				opts.WScale = opt[2]
			}
		case tcpOptSACKOK:
			switch {
			case olen != tcpOptSACKOKLen:
				p.AddEvent(EventTCPOptInvalidLen)
			case opts.SACKOK:
				p.AddEvent(EventTCPOptDuplicate)
			default:
				opts.SACKOK = true
			}
		case tcpOptSACK:
			switch {
			case olen != 2 && (olen < tcpOptSACKMinLen || olen > tcpOptSACKMaxLen || (olen-2)%8 != 0):
				// An empty SACK (no blocks) is accepted, as Suricata accepts it.
				p.AddEvent(EventTCPOptInvalidLen)
			case opts.HasSACK:
				p.AddEvent(EventTCPOptDuplicate)
			default:
				opts.HasSACK = true
			}
		case tcpOptTS:
			switch {
			case olen != tcpOptTSLen:
				p.AddEvent(EventTCPOptInvalidLen)
			case opts.HasTS:
				p.AddEvent(EventTCPOptDuplicate)
			default:
				opts.HasTS = true
				opts.TSVal = binary.BigEndian.Uint32(opt[2:])
				opts.TSEcr = binary.BigEndian.Uint32(opt[6:])
			}
		}
	}
}
