package flow

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"

	"github.com/nightjar-ids/nightjar/export"
)

// CommunityID computes a Community ID v1 (github.com/corelight/community-id-spec) for a flow
// seen from its initiator: src sent to dst. For TCP, UDP and SCTP sport and dport are the ports;
// for ICMP and ICMPv6 they are the message type and code of the initiator's packet; for other
// protocols they are ignored. It does not allocate.
func CommunityID(seed uint16, src, dst netip.Addr, sport, dport uint16, proto uint8) export.CommunityID {
	var buf [2 + 16 + 16 + 4 + 4]byte
	binary.BigEndian.PutUint16(buf[0:], seed)

	hasPorts, oneWay := true, false
	switch proto {
	case protoTCP, protoUDP, protoSCTP:
	case protoICMP:
		sport, dport, oneWay = icmpPortEquivalents(uint8(sport), uint8(dport), icmp4TwoWay)
	case protoICMPv6:
		sport, dport, oneWay = icmpPortEquivalents(uint8(sport), uint8(dport), icmp6TwoWay)
	default:
		hasPorts = false
	}

	var a, b [16]byte
	var alen int
	if src.Is4() && dst.Is4() {
		a4, b4 := src.As4(), dst.As4()
		copy(a[:], a4[:])
		copy(b[:], b4[:])
		alen = 4
	} else {
		a, b = src.As16(), dst.As16()
		alen = 16
	}
	// The smaller endpoint goes first, unless the ICMP message has no reply to pair with.
	if !oneWay && !cidLess(a[:alen], sport, b[:alen], dport) {
		a, b = b, a
		sport, dport = dport, sport
	}
	n := 2
	n += copy(buf[n:], a[:alen])
	n += copy(buf[n:], b[:alen])
	buf[n], buf[n+1] = proto, 0
	n += 2
	if hasPorts {
		binary.BigEndian.PutUint16(buf[n:], sport)
		binary.BigEndian.PutUint16(buf[n+2:], dport)
		n += 4
	}
	sum := sha1.Sum(buf[:n])
	var out [2 + 28]byte
	out[0], out[1] = '1', ':'
	base64.StdEncoding.Encode(out[2:], sum[:])
	// The conversion does not escape and fits the runtime's 32-byte stack buffer: no allocation.
	return export.MakeCommunityID(string(out[:]))
}

// cidLess is the spec's ordering: address first, then port; equal tuples are not less.
func cidLess(a []byte, ap uint16, b []byte, bp uint16) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return ap < bp
}

// icmpPortEquivalents maps an ICMP type and code to port equivalents the way Zeek does: a
// two-way message gets its counterpart type as the destination "port", a one-way message its
// code, and one-way messages are not reordered.
func icmpPortEquivalents(typ, code uint8, twoWay func(uint8) (uint8, bool)) (sport, dport uint16, oneWay bool) {
	if c, ok := twoWay(typ); ok {
		return uint16(typ), uint16(c), false
	}
	return uint16(typ), uint16(code), true
}

// icmp4TwoWay is Zeek's (and Community ID's) table of two-way ICMPv4 messages: echo, timestamp,
// information, router solicitation/advertisement and address mask.
func icmp4TwoWay(t uint8) (uint8, bool) {
	switch t {
	case 9:
		return 10, true
	case 10:
		return 9, true
	}
	return icmp4Counterpart(t)
}
