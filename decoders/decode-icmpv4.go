package decoders

import "encoding/binary"

const icmpv4HeaderLen = 8

// ICMPv4 types.
const (
	icmpEchoReply      = 0
	icmpDestUnreach    = 3
	icmpSourceQuench   = 4
	icmpRedirect       = 5
	icmpEcho           = 8
	icmpTimeExceeded   = 11
	icmpParamProblem   = 12
	icmpTimestamp      = 13
	icmpTimestampReply = 14
	icmpInfoRequest    = 15
	icmpInfoReply      = 16
	icmpAddressMask    = 17
	icmpAddressReply   = 18
)

// decodeICMPv4 decodes an ICMP header. Error messages quote the offending IPv4 header; it stays
// in the payload (Suricata checks only that it looks like IPv4).
func (d *Decoder) decodeICMPv4(p *Packet, b []byte) {
	d.count(CountICMPv4)
	if len(b) < icmpv4HeaderLen {
		p.AddEvent(EventICMPv4PktTooSmall)
		return
	}
	p.Layers |= HasICMPv4
	t, code := b[0], b[1]
	p.ICMPType, p.ICMPCode = t, code
	p.L4 = b
	p.Payload = b[icmpv4HeaderLen:]
	maxCode, quotes, hasID := uint8(0), false, false
	switch t {
	case icmpEchoReply, icmpEcho, icmpTimestamp, icmpTimestampReply, icmpInfoRequest,
		icmpInfoReply, icmpAddressMask, icmpAddressReply:
		hasID = true
	case icmpDestUnreach:
		maxCode, quotes = 15, true
	case icmpSourceQuench:
		quotes = true
	case icmpRedirect:
		maxCode, quotes = 3, true
	case icmpTimeExceeded:
		maxCode, quotes = 1, true
	case icmpParamProblem:
		maxCode, quotes = 2, true
	default:
		p.AddEvent(EventICMPv4UnknownType)
	}
	if code > maxCode {
		p.AddEvent(EventICMPv4UnknownCode)
	}
	if hasID {
		p.ICMPID = binary.BigEndian.Uint16(b[4:])
		p.ICMPSeq = binary.BigEndian.Uint16(b[6:])
	}
	if quotes && len(p.Payload) > 0 {
		switch {
		case len(p.Payload) < ipv4HeaderLen:
			p.AddEvent(EventICMPv4IPv4TruncPkt)
		case p.Payload[0]>>4 != 4:
			p.AddEvent(EventICMPv4IPv4UnknownVer)
		}
	}
	if d.checksumsOn() && !checksumOK(b) {
		p.BadL4Checksum = true
	}
}
