package flow

import (
	"encoding/binary"

	"github.com/nightjar-ids/nightjar/decoders"
)

// icmp4IsError reports the ICMPv4 error messages (Suricata's ICMPV4_IS_ERROR_MSG): destination
// unreachable, source quench, redirect, time exceeded and parameter problem. They never create
// a flow; only a destination-unreachable quoting TCP or UDP can join one.
func icmp4IsError(t uint8) bool {
	switch t {
	case 3, 4, 5, 11, 12:
		return true
	}
	return false
}

// icmp4Counterpart is the reply type of an ICMPv4 query and the query type of a reply, as
// Suricata's flow engine pairs them: echo, timestamp, information and address mask.
func icmp4Counterpart(t uint8) (uint8, bool) {
	switch t {
	case 8:
		return 0, true
	case 0:
		return 8, true
	case 13:
		return 14, true
	case 14:
		return 13, true
	case 15:
		return 16, true
	case 16:
		return 15, true
	case 17:
		return 18, true
	case 18:
		return 17, true
	}
	return 0, false
}

// icmp6Counterpart pairs ICMPv6 queries and replies for flow keying: echo, multicast listener
// query/report, router and neighbour discovery, node information, home agent address discovery,
// mobile prefix and certification path discovery.
func icmp6Counterpart(t uint8) (uint8, bool) {
	switch t {
	case 146:
		return 147, true
	case 147:
		return 146, true
	case 148:
		return 149, true
	case 149:
		return 148, true
	}
	return icmp6TwoWay(t)
}

// icmp6TwoWay is Zeek's (and Community ID's) table of two-way ICMPv6 messages.
func icmp6TwoWay(t uint8) (uint8, bool) {
	switch t {
	case 128:
		return 129, true
	case 129:
		return 128, true
	case 130:
		return 131, true
	case 131:
		return 130, true
	case 133:
		return 134, true
	case 134:
		return 133, true
	case 135:
		return 136, true
	case 136:
		return 135, true
	case 139:
		return 140, true
	case 140:
		return 139, true
	case 144:
		return 145, true
	case 145:
		return 144, true
	}
	return 0, false
}

// keyFromICMPError keys an ICMPv4 error on the TCP or UDP packet it quotes (Suricata's
// ICMPV4_DEST_UNREACH_IS_VALID): only destination unreachable, only when the quoted IPv4
// header and enough of the transport header are present (a full TCP header, 8 bytes of UDP).
func keyFromICMPError(p *decoders.Packet, outerSrc [16]byte, ki *keyInfo) bool {
	if p.ICMPType != 3 || len(p.L4) < 8 {
		return false
	}
	ip := p.L4[8:]
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return false
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 || len(ip) < ihl {
		return false
	}
	proto := ip[9]
	need := 8
	switch proto {
	case protoTCP:
		need = 20
	case protoUDP:
	default:
		return false
	}
	if len(ip)-ihl < need {
		return false
	}
	src, dst := mapped4(ip[12:16]), mapped4(ip[16:20])
	sp := binary.BigEndian.Uint16(ip[ihl:])
	dp := binary.BigEndian.Uint16(ip[ihl+2:])
	k := &ki.key
	k.Proto = proto
	orderEndpoints(k, &src, &dst, sp, dp)
	ki.icmpError = true
	// The error's own sender decides the direction (Suricata compares the outer source with
	// the flow's source): usually the quoted packet's destination or a router on the path.
	switch outerSrc {
	case k.Addr[0]:
		ki.from = 0
	case k.Addr[1]:
		ki.from = 1
	default:
		ki.from = 2
	}
	return true
}

func mapped4(b []byte) [16]byte {
	var a [16]byte
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b[:4])
	return a
}
