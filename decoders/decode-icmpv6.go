package decoders

import "encoding/binary"

const icmpv6HeaderLen = 8

// ICMPv6 types with rules of their own.
const (
	icmp6DestUnreach   = 1
	icmp6PacketTooBig  = 2
	icmp6TimeExceeded  = 3
	icmp6ParamProblem  = 4
	icmp6EchoRequest   = 128
	icmp6EchoReply     = 129
	icmp6MLDQuery      = 130
	icmp6MLDReport     = 131
	icmp6MLDDone       = 132
	icmp6RouterRenum   = 138
	icmp6NodeInfoQuery = 139
	icmp6NodeInfoReply = 140
	icmp6MLDv2Report   = 143
)

// decodeICMPv6 decodes an ICMPv6 header, with Suricata's type and code checks.
func (d *Decoder) decodeICMPv6(p *Packet, b []byte) {
	d.count(CountICMPv6)
	if len(b) < icmpv6HeaderLen {
		p.AddEvent(EventICMPv6PktTooSmall)
		return
	}
	p.Layers |= HasICMPv6
	t, code := b[0], b[1]
	p.ICMPType, p.ICMPCode = t, code
	p.L4 = b
	p.Payload = b[icmpv6HeaderLen:]
	maxCode, quotes := uint8(0), false
	switch {
	case t == icmp6DestUnreach:
		maxCode, quotes = 6, true
	case t == icmp6PacketTooBig:
		quotes = true
	case t == icmp6TimeExceeded:
		maxCode, quotes = 1, true
	case t == icmp6ParamProblem:
		maxCode, quotes = 2, true
	case t == icmp6EchoRequest || t == icmp6EchoReply:
		p.ICMPID = binary.BigEndian.Uint16(b[4:])
		p.ICMPSeq = binary.BigEndian.Uint16(b[6:])
	case t == icmp6MLDQuery || t == icmp6MLDReport || t == icmp6MLDDone || t == icmp6MLDv2Report:
		// MLD is link-local: RFC 2710 requires hop limit 1.
		if p.TTL != 1 {
			p.AddEvent(EventICMPv6MLDInvalidHL)
		}
	case t == icmp6RouterRenum:
		if code != 0 && code != 1 && code != 255 {
			p.AddEvent(EventICMPv6UnknownCode)
		}
		maxCode = 255
	case t == icmp6NodeInfoQuery || t == icmp6NodeInfoReply:
		maxCode = 2
	case t > 132 && t <= 161:
		// Neighbour discovery, inverse ND, mobility, SEND, multicast router discovery, RPL …:
		// assigned, code 0 except where an RFC says more; not checked further.
		maxCode = 255
	case t == 100 || t == 101 || t == 200 || t == 201:
		p.AddEvent(EventICMPv6ExperimentationType)
		maxCode = 255
	case t > 4 && t < 127 || t > 161 && t < 255:
		p.AddEvent(EventICMPv6UnassignedType)
		maxCode = 255
	default:
		p.AddEvent(EventICMPv6UnknownType)
		maxCode = 255
	}
	if code > maxCode {
		p.AddEvent(EventICMPv6UnknownCode)
	}
	if quotes && len(p.Payload) > 0 {
		switch {
		case len(p.Payload) < ipv6HeaderLen:
			p.AddEvent(EventICMPv6IPv6TruncPkt)
		case p.Payload[0]>>4 != 6:
			p.AddEvent(EventICMPv6IPv6UnknownVer)
		}
	}
	if d.checksumsOn() && !d.l4ChecksumOK(p, IPProtoICMPv6, b) {
		p.BadL4Checksum = true
	}
}
