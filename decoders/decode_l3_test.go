package decoders

import (
	"encoding/binary"
	"testing"
)

func mod(b []byte, f func(b []byte)) []byte {
	b = append([]byte(nil), b...)
	f(b)
	return b
}

// appendTrailer adds n bytes after the L4 datagram, inside the IPv4 packet.
func appendTrailer(b []byte, n int) []byte {
	b = append(b, make([]byte, n)...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint16(b[10:], refChecksum(b[:20]))
	return b
}

func withEv(w want, ev ...Event) want { w.events = ev; return w }

func withCheck(w want, f func(t *testing.T, p *Packet)) want { w.check = f; return w }

func TestDecodeIPv4(t *testing.T) {
	tcp := tcpSeg(1234, 443, 7, 9, TCPAck|TCPPsh, nil, []byte("GET"))
	good := ip4(IPProtoTCP, nil, tcp)
	base := want{layers: HasIPv4 | HasTCP, src: ip4A, dst: ip4B, proto: IPProtoTCP, sport: 1234, dport: 443, payload: 3}
	invalid := func(ev ...Event) want { return want{notLayers: HasIPv4 | HasTCP, events: ev, payload: -1} }
	opts := func(bits uint16) func(t *testing.T, p *Packet) {
		return func(t *testing.T, p *Packet) {
			if p.IPv4Opts != bits {
				t.Errorf("IPv4Opts %#x, want %#x", p.IPv4Opts, bits)
			}
		}
	}
	rr := []byte{ipOptKindRR, 7, 4, 0, 0, 0, 0, ipOptKindEOL}
	rtralt := []byte{ipOptKindRTRALT, 4, 0, 0}
	cases := []decodeCase{
		{"plain", LinkRaw, good, withCheck(base, func(t *testing.T, p *Packet) {
			if p.TTL != 64 || p.IPID != 0x1234 || p.IPFlags != 0 || len(p.L3) != len(good) || len(p.L4) != len(tcp) {
				t.Errorf("ttl %d id %#x flags %d l3 %d l4 %d", p.TTL, p.IPID, p.IPFlags, len(p.L3), len(p.L4))
			}
		})},
		{"too small", LinkIPv4, good[:19], invalid(EventIPv4PktTooSmall)},
		{"wrong version", LinkIPv4, mod(good, func(b []byte) { b[0] = 0x55 }), invalid(EventIPv4WrongIPVer)},
		{"hlen too small", LinkRaw, mod(good, func(b []byte) { b[0] = 0x44 }), invalid(EventIPv4HlenTooSmall)},
		{"iplen < hlen", LinkRaw, mod(good, func(b []byte) { b[2], b[3] = 0, 19 }), invalid(EventIPv4IPLenSmallerThanHlen)},
		{"truncated", LinkRaw, good[:len(good)-1], invalid(EventIPv4TruncPkt)},
		{"option rr", LinkRaw, ip4(IPProtoTCP, rr, tcp), withCheck(base, opts(IPOptRR|IPOptEOL))},
		{"option rtralt unpadded", LinkRaw, ip4(IPProtoTCP, rtralt, tcp), withCheck(withEv(base, EventIPv4OptPadRequired), opts(IPOptRTRALT))},
		{"option nops", LinkRaw, ip4(IPProtoTCP, []byte{1, 1, 1, 1, 1, 1, 1, 0}, tcp), withCheck(base, opts(IPOptNOP|IPOptEOL))},
		{"option duplicate", LinkRaw, ip4(IPProtoTCP, cat(rtralt, rtralt), tcp), withEv(base, EventIPv4OptDuplicate)},
		{"option unknown kind", LinkRaw, ip4(IPProtoTCP, []byte{0x9e, 4, 0, 0, 1, 1, 1, 0}, tcp), withCheck(withEv(base, EventIPv4OptInvalid), opts(IPOptUnknown|IPOptNOP|IPOptEOL))},
		{"option len past header", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindRR, 39, 4, 0, 0, 0, 0, 0}, tcp), invalid(EventIPv4OptInvalidLen)},
		{"option len 1", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindRR, 1, 4, 0}, tcp), invalid(EventIPv4OptPadRequired, EventIPv4OptInvalidLen)},
		{"option rr bad pointer", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindRR, 7, 5, 0, 0, 0, 0, 0}, tcp), invalid(EventIPv4OptMalformed)},
		{"option ts", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindTS, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, tcp), withCheck(withEv(base, EventIPv4OptPadRequired), opts(IPOptTS))},
		{"option ts bad pointer", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindTS, 12, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, tcp), invalid(EventIPv4OptPadRequired, EventIPv4OptMalformed)},
		{"option sec bad len", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindSEC, 8, 0, 0, 0, 0, 0, 0}, tcp), invalid(EventIPv4OptInvalidLen)},
		{"option cipso", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindCIPSO, 12, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0}, tcp), withCheck(withEv(base, EventIPv4OptPadRequired), opts(IPOptCIPSO))},
		{"option cipso bad tag", LinkRaw, ip4(IPProtoTCP, []byte{ipOptKindCIPSO, 12, 0, 0, 0, 1, 9, 6, 0, 0, 0, 0}, tcp), invalid(EventIPv4OptPadRequired, EventIPv4OptMalformed)},
		{"option eol required", LinkRaw, ip4(IPProtoTCP, []byte{1, 1, 1, ipOptKindRR}, tcp), withEv(base, EventIPv4OptPadRequired, EventIPv4OptEOLRequired)},
		{"icmpv6 in ipv4", LinkRaw, ip4(IPProtoICMPv6, nil, make([]byte, 8)), want{layers: HasIPv4, notLayers: HasICMPv6, events: []Event{EventIPv4WithICMPv6}, payload: -1}},
		{"first fragment", LinkRaw, ip4Frag(IPProtoTCP, nil, tcp, 0x2000, 77), want{layers: HasIPv4 | IsFragment, notLayers: HasTCP, src: ip4A, dst: ip4B, proto: IPProtoTCP, payload: -1,
			check: func(t *testing.T, p *Packet) {
				if p.IPFlags != 1 || p.FragOff != 0 || p.IPID != 77 {
					t.Errorf("flags %d off %d id %d", p.IPFlags, p.FragOff, p.IPID)
				}
			}}},
		{"later fragment", LinkRaw, ip4Frag(IPProtoUDP, nil, make([]byte, 16), 0x0003, 77), want{layers: HasIPv4 | IsFragment, notLayers: HasUDP, proto: IPProtoUDP, payload: -1,
			check: func(t *testing.T, p *Packet) {
				if p.FragOff != 24 {
					t.Errorf("frag offset %d, want 24", p.FragOff)
				}
			}}},
		{"esp", LinkRaw, ip4(IPProtoESP, nil, make([]byte, 24)), want{layers: HasIPv4, proto: IPProtoESP, payload: -1}},
		{"esp short", LinkRaw, ip4(IPProtoESP, nil, make([]byte, 4)), want{layers: HasIPv4, proto: IPProtoESP, events: []Event{EventESPPktTooSmall}, payload: -1}},
		{"sctp", LinkRaw, ip4(IPProtoSCTP, nil, cat(be16b(2905), be16b(2906), make([]byte, 24))), want{layers: HasIPv4 | HasSCTP, src: ip4A, dst: ip4B, sport: 2905, dport: 2906, payload: 16}},
		{"sctp short", LinkRaw, ip4(IPProtoSCTP, nil, make([]byte, 8)), want{layers: HasIPv4, notLayers: HasSCTP, events: []Event{EventSCTPPktTooSmall}, payload: -1}},
	}
	runCases(t, DefaultConfig(), cases)
}

func TestDecodeIPv6(t *testing.T) {
	udp := udpDgram(1000, 53, []byte("query"))
	base := want{layers: HasIPv6 | HasUDP, src: ip6A, dst: ip6B, proto: IPProtoUDP, sport: 1000, dport: 53, payload: 5}
	good := ip6(IPProtoUDP, nil, udp)
	exts := func(bits uint16) func(t *testing.T, p *Packet) {
		return func(t *testing.T, p *Packet) {
			if p.IPv6Exts != bits {
				t.Errorf("IPv6Exts %#x, want %#x", p.IPv6Exts, bits)
			}
		}
	}
	// ext builds an 8-byte extension header (next, len 0) with option bytes opt padded by PadN.
	ext := func(next uint8, opt ...byte) []byte {
		h := cat([]byte{next, 0}, opt)
		if n := 8 - len(h); n <= 2 {
			h = append(h, []byte{ip6OptPad1, ip6OptPad1}[:n]...)
		} else {
			h = append(h, ip6OptPadN, byte(n-2))
			h = append(h, make([]byte, n-2)...)
		}
		return h
	}
	ra := []byte{ip6OptRouterAlert, 2, 0, 0}
	frag := func(next uint8, offMF uint16) []byte {
		return cat([]byte{next, 0}, be16b(offMF), []byte{0, 0, 0, 42})
	}
	rh := []byte{IPProtoUDP, 0, 0, 0, 0, 0, 0, 0} // type 0, segments left 0
	invalid := func(ev ...Event) want { return want{notLayers: HasUDP, events: ev, payload: -1} }
	cases := []decodeCase{
		{"plain", LinkRaw, good, withCheck(base, func(t *testing.T, p *Packet) {
			if p.TTL != 64 || len(p.L3) != len(good) {
				t.Errorf("hop limit %d l3 %d", p.TTL, len(p.L3))
			}
		})},
		{"too small", LinkIPv6, good[:39], invalid(EventIPv6PktTooSmall)},
		{"wrong version", LinkIPv6, mod(good, func(b []byte) { b[0] = 0x40 }), invalid(EventIPv6WrongIPVer)},
		{"truncated", LinkIPv6, good[:len(good)-1], invalid(EventIPv6TruncPkt)},
		{"hop by hop", LinkRaw, ip6(nhHopByHop, ext(IPProtoUDP, ra...), udp), withCheck(base, exts(IPv6ExtHopByHop))},
		{"hop by hop only padding", LinkRaw, ip6(nhHopByHop, ext(IPProtoUDP), udp), withEv(base, EventIPv6HopoptsOnlyPadding)},
		{"hop by hop unknown option", LinkRaw, ip6(nhHopByHop, ext(IPProtoUDP, 0x3e, 0), udp), withEv(base, EventIPv6HopoptsUnknownOpt)},
		{"dest opts zero padn", LinkRaw, ip6(nhDestOpts, cat([]byte{IPProtoUDP, 0}, ra, []byte{ip6OptPadN, 0})[:8], udp), withEv(base, EventIPv6ZeroLenPadN)},
		{"dest opts bad option length", LinkRaw, ip6(nhDestOpts, cat([]byte{IPProtoUDP, 0}, []byte{ip6OptRouterAlert, 9, 0, 0, 0, 0}), udp), withEv(base, EventIPv6ExthdrInvalidOptlen)},
		{"duplicate hop by hop", LinkRaw, ip6(nhHopByHop, cat(ext(nhHopByHop, ra...), ext(IPProtoUDP, ra...)), udp), withEv(base, EventIPv6ExthdrDuplHH)},
		{"dest opts twice", LinkRaw, ip6(nhDestOpts, cat(ext(nhDestOpts, ra...), ext(IPProtoUDP, ra...)), udp), withEv(base, EventIPv6ExthdrDuplDH)},
		{"dest opts around routing", LinkRaw, ip6(nhDestOpts, cat(ext(nhRouting, ra...), []byte{nhDestOpts, 0, 2, 0, 0, 0, 0, 0}, ext(IPProtoUDP, ra...)), udp),
			withCheck(base, exts(IPv6ExtDestOpts|IPv6ExtRouting))},
		{"routing type 0", LinkRaw, ip6(nhRouting, rh, udp), withEv(base, EventIPv6RHType0)},
		{"truncated ext header", LinkRaw, ip6(nhHopByHop, []byte{IPProtoUDP, 5, 0, 0, 0, 0, 0, 0}, nil), invalid(EventIPv6TruncExthdr)},
		{"atomic fragment", LinkRaw, ip6(nhFragment, frag(IPProtoUDP, 0), udp), withCheck(withEv(base, EventIPv6ExthdrUselessFH), exts(IPv6ExtFragment))},
		// The chain names a next header that is not there (suricata-verify ipv6-malformed-fragments-25).
		{"atomic fragment, nothing after", LinkRaw, ip6(nhFragment, frag(IPProtoTCP, 0), nil), invalid(EventIPv6ExthdrUselessFH, EventIPv6TruncExthdr)},
		{"fragment", LinkRaw, ip6(nhFragment, frag(IPProtoUDP, 1), make([]byte, 16)), want{layers: HasIPv6 | IsFragment, notLayers: HasUDP, src: ip6A, dst: ip6B, proto: IPProtoUDP, payload: -1,
			check: func(t *testing.T, p *Packet) {
				if p.IPID != 42 || p.IPFlags != 1 || p.FragOff != 0 || p.IPv6Exts != IPv6ExtFragment {
					t.Errorf("id %d flags %d off %d exts %#x", p.IPID, p.IPFlags, p.FragOff, p.IPv6Exts)
				}
			}}},
		{"fragment odd length", LinkRaw, ip6(nhFragment, frag(IPProtoUDP, 1), make([]byte, 13)), want{layers: IsFragment, proto: IPProtoUDP, events: []Event{EventIPv6FragInvalidLength}, payload: -1}},
		{"fragment reserved bits", LinkRaw, ip6(nhFragment, frag(IPProtoUDP, 8|2), make([]byte, 8)), want{layers: IsFragment, proto: IPProtoUDP, events: []Event{EventIPv6FHNonZeroResField}, payload: -1}},
		{"duplicate fragment header", LinkRaw, ip6(nhFragment, cat(frag(nhFragment, 0), frag(IPProtoUDP, 0)), udp), invalid(EventIPv6ExthdrUselessFH, EventIPv6ExthdrDuplFH)},
		{"ah", LinkRaw, ip6(nhAH, cat([]byte{IPProtoUDP, 1, 0, 0}, make([]byte, 8)), udp), withCheck(base, exts(IPv6ExtAH))},
		{"ah reserved", LinkRaw, ip6(nhAH, cat([]byte{IPProtoUDP, 1, 0, 1}, make([]byte, 8)), udp), withEv(base, EventIPv6ExthdrAHResNotNull)},
		{"esp stops", LinkRaw, ip6(nhESP, nil, make([]byte, 32)), want{layers: HasIPv6, proto: IPProtoESP, payload: -1, check: exts(IPv6ExtESP)}},
		{"no next header", LinkRaw, ip6(nhNoNext, nil, nil), want{layers: HasIPv6, proto: nhNoNext, payload: -1, check: exts(IPv6ExtNoNext)}},
		{"data after no next header", LinkRaw, ip6(nhNoNext, nil, []byte{1}), want{layers: HasIPv6, events: []Event{EventIPv6DataAfterNoneHeader}, payload: -1}},
		{"unknown next header", LinkRaw, ip6(253, nil, []byte{1, 2}), want{layers: HasIPv6, proto: 253, events: []Event{EventIPv6UnknownNextHeader}, payload: -1}},
		{"icmpv4 in ipv6", LinkRaw, ip6(IPProtoICMPv4, nil, make([]byte, 8)), want{layers: HasIPv6, notLayers: HasICMPv4, events: []Event{EventIPv6WithICMPv4}, payload: -1}},
	}
	runCases(t, DefaultConfig(), cases)
}

func TestDecodeL4(t *testing.T) {
	tcpBase := want{layers: HasIPv4 | HasTCP, src: ip4A, dst: ip4B, proto: IPProtoTCP, sport: 1, dport: 2, payload: 0}
	tcpWith := func(opts []byte) []byte { return ip4(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, TCPSyn, opts, nil)) }
	udpBase := want{layers: HasIPv4 | HasUDP, src: ip4A, dst: ip4B, proto: IPProtoUDP, sport: 7, dport: 9, payload: 4}
	udp := udpDgram(7, 9, []byte("ping"))
	icmpEcho := cat([]byte{8, 0, 0, 0}, be16b(0x4242), be16b(7), []byte("abcd"))
	icmpUnreach := cat([]byte{3, 3, 0, 0, 0, 0, 0, 0}, ip4(IPProtoUDP, nil, udp))
	icmp6Echo := cat([]byte{128, 0, 0, 0}, be16b(0x0101), be16b(2))
	notTCP := func(ev ...Event) want { return want{layers: HasIPv4, notLayers: HasTCP, events: ev, payload: -1} }
	cases := []decodeCase{
		{"tcp syn options", LinkRaw, tcpWith(synOpts), withCheck(tcpBase, func(t *testing.T, p *Packet) {
			o := p.TCPOpts
			want := TCPOptions{MSS: 1460, WScale: 7, HasMSS: true, HasWScale: true, SACKOK: true, HasTS: true, TSVal: 1, TSEcr: 2}
			if o != want || p.TCPFlags != TCPSyn || p.Seq != 3 || p.Ack != 4 || p.Window != 65535 {
				t.Errorf("opts %+v flags %#x seq %d ack %d win %d", o, p.TCPFlags, p.Seq, p.Ack, p.Window)
			}
		})},
		{"tcp sack", LinkRaw, tcpWith([]byte{1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2}), withCheck(tcpBase, func(t *testing.T, p *Packet) {
			if !p.TCPOpts.HasSACK {
				t.Error("SACK not seen")
			}
		})},
		{"tcp bad sack len", LinkRaw, tcpWith([]byte{1, 1, 5, 6, 0, 0, 0, 1}), withEv(tcpBase, EventTCPOptInvalidLen)},
		// An empty SACK (no blocks), as some stacks send: no event (suricata-verify tcp-empty-sack).
		{"tcp empty sack", LinkRaw, tcpWith([]byte{1, 1, 5, 2}), withCheck(tcpBase, func(t *testing.T, p *Packet) {
			if !p.TCPOpts.HasSACK || p.EventCount != 0 {
				t.Errorf("SACK seen %v, %d events", p.TCPOpts.HasSACK, p.EventCount)
			}
		})},
		{"tcp bad mss len", LinkRaw, tcpWith([]byte{2, 3, 1, 0}), withEv(tcpBase, EventTCPOptInvalidLen)},
		{"tcp option overruns", LinkRaw, tcpWith([]byte{1, 1, 8, 10}), withEv(tcpBase, EventTCPOptInvalidLen)},
		{"tcp duplicate wscale", LinkRaw, tcpWith([]byte{3, 3, 1, 3, 3, 2, 0, 0}), withCheck(withEv(tcpBase, EventTCPOptDuplicate), func(t *testing.T, p *Packet) {
			if p.TCPOpts.WScale != 1 {
				t.Errorf("wscale %d, want the first one", p.TCPOpts.WScale)
			}
		})},
		{"tcp too small", LinkRaw, ip4(IPProtoTCP, nil, make([]byte, 19)), notTCP(EventTCPPktTooSmall)},
		{"tcp hlen past segment", LinkRaw, ip4(IPProtoTCP, nil, mod(tcpSeg(1, 2, 0, 0, 0, nil, nil), func(b []byte) { b[12] = 0x60 })), notTCP(EventTCPHlenTooSmall)},
		{"tcp hlen under 20", LinkRaw, ip4(IPProtoTCP, nil, mod(tcpSeg(1, 2, 0, 0, 0, nil, nil), func(b []byte) { b[12] = 0x40 })), notTCP(EventTCPInvalidOptlen)},
		{"udp", LinkRaw, ip4(IPProtoUDP, nil, udp), udpBase},
		{"udp trailing data", LinkRaw, appendTrailer(ip4(IPProtoUDP, nil, udp), 3), withCheck(udpBase, func(t *testing.T, p *Packet) {
			if p.BadL4Checksum {
				t.Error("checksum over trailing data")
			}
		})},
		{"udp short", LinkRaw, ip4(IPProtoUDP, nil, udp[:7]), want{layers: HasIPv4, notLayers: HasUDP, events: []Event{EventUDPHlenTooSmall}, payload: -1}},
		{"udp len past payload", LinkRaw, ip4(IPProtoUDP, nil, mod(udp, func(b []byte) { b[5] = 40 })), want{layers: HasIPv4, notLayers: HasUDP, events: []Event{EventUDPPktTooSmall}, payload: -1}},
		{"udp len under header", LinkRaw, ip4(IPProtoUDP, nil, mod(udp, func(b []byte) { b[5] = 4 })), want{layers: HasIPv4, notLayers: HasUDP, events: []Event{EventUDPLenInvalid}, payload: -1}},
		{"icmp echo", LinkRaw, ip4(IPProtoICMPv4, nil, icmpEcho), want{layers: HasICMPv4, src: ip4A, dst: ip4B, proto: IPProtoICMPv4, payload: 4, check: func(t *testing.T, p *Packet) {
			if p.ICMPType != 8 || p.ICMPID != 0x4242 || p.ICMPSeq != 7 || p.BadL4Checksum {
				t.Errorf("type %d id %#x seq %d bad %v", p.ICMPType, p.ICMPID, p.ICMPSeq, p.BadL4Checksum)
			}
		}}},
		{"icmp unreachable quotes ip", LinkRaw, ip4(IPProtoICMPv4, nil, icmpUnreach), want{layers: HasICMPv4, proto: IPProtoICMPv4, payload: len(icmpUnreach) - 8, check: func(t *testing.T, p *Packet) {
			if p.ICMPCode != 3 || p.SrcPort != 0 {
				t.Errorf("code %d, ports %d", p.ICMPCode, p.SrcPort)
			}
		}}},
		{"icmp unreachable truncated quote", LinkRaw, ip4(IPProtoICMPv4, nil, icmpUnreach[:20]), want{layers: HasICMPv4, events: []Event{EventICMPv4IPv4TruncPkt}, payload: -1}},
		{"icmp unknown type", LinkRaw, ip4(IPProtoICMPv4, nil, []byte{42, 0, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv4, events: []Event{EventICMPv4UnknownType}, payload: -1}},
		{"icmp unknown code", LinkRaw, ip4(IPProtoICMPv4, nil, []byte{8, 1, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv4, events: []Event{EventICMPv4UnknownCode}, payload: -1}},
		{"icmp too small", LinkRaw, ip4(IPProtoICMPv4, nil, []byte{8, 0, 0, 0}), want{notLayers: HasICMPv4, events: []Event{EventICMPv4PktTooSmall}, payload: -1}},
		{"icmpv6 echo", LinkRaw, ip6(IPProtoICMPv6, nil, icmp6Echo), want{layers: HasICMPv6, src: ip6A, dst: ip6B, proto: IPProtoICMPv6, payload: 0, check: func(t *testing.T, p *Packet) {
			if p.ICMPType != 128 || p.ICMPID != 0x0101 || p.ICMPSeq != 2 || p.BadL4Checksum {
				t.Errorf("type %d id %#x seq %d bad %v", p.ICMPType, p.ICMPID, p.ICMPSeq, p.BadL4Checksum)
			}
		}}},
		{"icmpv6 mld hop limit", LinkRaw, ip6(IPProtoICMPv6, nil, []byte{130, 0, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv6, events: []Event{EventICMPv6MLDInvalidHL}, payload: -1}},
		{"icmpv6 unassigned", LinkRaw, ip6(IPProtoICMPv6, nil, []byte{50, 0, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv6, events: []Event{EventICMPv6UnassignedType}, payload: -1}},
		{"icmpv6 experimental", LinkRaw, ip6(IPProtoICMPv6, nil, []byte{200, 0, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv6, events: []Event{EventICMPv6ExperimentationType}, payload: -1}},
		{"icmpv6 unreach bad code", LinkRaw, ip6(IPProtoICMPv6, nil, []byte{1, 9, 0, 0, 0, 0, 0, 0}), want{layers: HasICMPv6, events: []Event{EventICMPv6UnknownCode}, payload: -1}},
		{"icmpv6 quote wrong version", LinkRaw, ip6(IPProtoICMPv6, nil, cat([]byte{1, 0, 0, 0, 0, 0, 0, 0}, ip4(IPProtoUDP, nil, udp), make([]byte, 20))), want{layers: HasICMPv6, events: []Event{EventICMPv6IPv6UnknownVer}, payload: -1}},
	}
	runCases(t, DefaultConfig(), cases)
}

func TestChecksumValidation(t *testing.T) {
	tcp4 := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, TCPAck, nil, []byte("hello world")))
	udp6 := ip6(IPProtoUDP, nil, udpDgram(1, 2, []byte("odd")))
	icmp6 := ip6(IPProtoICMPv6, nil, []byte{128, 0, 0, 0, 0, 1, 0, 1, 9})
	icmp4 := ip4(IPProtoICMPv4, nil, []byte{8, 0, 0, 0, 0, 1, 0, 1, 9})
	flip := func(b []byte, i int) []byte { return mod(b, func(b []byte) { b[i] ^= 0x40 }) }
	type cs struct {
		name      string
		frame     []byte
		badIP     bool
		badL4     bool
		checkable bool
	}
	cases := []cs{
		{"tcp4 ok", tcp4, false, false, true},
		{"tcp4 payload flipped", flip(tcp4, len(tcp4)-1), false, true, true},
		{"tcp4 ip header flipped", flip(tcp4, 8), true, false, true}, // TTL is outside the pseudo-header
		{"udp6 ok", udp6, false, false, true},
		{"udp6 flipped", flip(udp6, len(udp6)-2), false, true, true},
		{"udp6 address flipped", flip(udp6, 9), false, true, true},
		{"icmp6 ok", icmp6, false, false, true},
		{"icmp6 flipped", flip(icmp6, len(icmp6)-1), false, true, true},
		{"icmp4 ok", icmp4, false, false, true},
		{"icmp4 flipped", flip(icmp4, len(icmp4)-1), false, true, true},
		{"udp4 zero checksum", ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))[:20:20], false, false, false},
	}
	for _, c := range cases {
		for _, mode := range []ChecksumMode{ChecksumAll, ChecksumNone} {
			cfg := DefaultConfig()
			cfg.Checksums = mode
			d := NewDecoder(cfg)
			var p Packet
			d.Decode(&p, c.frame, LinkRaw, 0, len(c.frame))
			wantIP, wantL4 := c.badIP && mode == ChecksumAll, c.badL4 && mode == ChecksumAll
			if p.BadIPChecksum != wantIP || p.BadL4Checksum != wantL4 {
				t.Errorf("%s mode %d: bad ip %v l4 %v, want %v %v", c.name, mode, p.BadIPChecksum, p.BadL4Checksum, wantIP, wantL4)
			}
		}
	}
	// UDP over IPv4 with checksum 0 is "not computed".
	u := ip4(IPProtoUDP, nil, udpDgram(1, 2, []byte("x")))
	u[20+6], u[20+7] = 0, 0
	d := NewDecoder(Config{Checksums: ChecksumAll})
	var p Packet
	d.Decode(&p, u, LinkRaw, 0, 0)
	if p.BadL4Checksum || !p.Has(HasUDP) {
		t.Errorf("zero UDP checksum over IPv4 flagged bad")
	}
}

func TestChecksumAutoMode(t *testing.T) {
	good := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, TCPAck, nil, []byte("x")))
	bad := mod(good, func(b []byte) { b[len(b)-1] ^= 1 })
	run := func(badEvery int) (*Decoder, *Packet) {
		d := NewDecoder(DefaultConfig())
		var p Packet
		for i := 0; i < csumSampleCount; i++ {
			f := good
			if badEvery > 0 && i%badEvery == 0 {
				f = bad
			}
			d.Decode(&p, f, LinkRaw, 0, 0)
		}
		d.Decode(&p, bad, LinkRaw, 0, 0)
		return d, &p
	}
	// 20% bad: offload assumed, checking stops.
	d, p := run(5)
	if !d.Stats.ChecksumOffload || p.BadL4Checksum {
		t.Errorf("20%% bad: offload %v, last packet bad %v", d.Stats.ChecksumOffload, p.BadL4Checksum)
	}
	// 2% bad: checksums stay trusted and checked.
	d, p = run(50)
	if d.Stats.ChecksumOffload || !p.BadL4Checksum {
		t.Errorf("2%% bad: offload %v, last packet bad %v", d.Stats.ChecksumOffload, p.BadL4Checksum)
	}
}

func TestSumWordsMatchesReference(t *testing.T) {
	buf := make([]byte, 1600)
	for i := range buf {
		buf[i] = byte(i*7 + i>>8*13)
	}
	for n := 0; n <= len(buf); n++ {
		b := buf[:n]
		if got, want := Checksum(b), refChecksum(b); got != want {
			t.Fatalf("len %d: Checksum %#04x, reference %#04x", n, got, want)
		}
	}
	// Misaligned starts too.
	for off := 1; off < 8; off++ {
		b := buf[off : off+333]
		if got, want := Checksum(b), refChecksum(b); got != want {
			t.Fatalf("offset %d: Checksum %#04x, reference %#04x", off, got, want)
		}
	}
	// All-ones words exercise the carries.
	ff := make([]byte, 1027)
	for i := range ff {
		ff[i] = 0xff
	}
	if got, want := Checksum(ff), refChecksum(ff); got != want {
		t.Fatalf("0xff: Checksum %#04x, reference %#04x", got, want)
	}
}

// TestTunnelReentry checks the contract the tunnel decoders rely on: decoding an inner packet
// into a Packet that already holds an outer one leaves only the inner L3/L4 view.
func TestTunnelReentry(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	var p Packet
	outer := eth(EtherTypeIPv4, ip4(IPProtoUDP, nil, udpDgram(5000, 4789, make([]byte, 8))))
	d.Decode(&p, outer, LinkEthernet, 0, 0)
	if !p.Has(HasUDP) {
		t.Fatal("outer UDP not decoded")
	}
	inner := ip6(IPProtoTCP, nil, tcpSeg(10, 20, 1, 0, TCPSyn, synOpts, nil))
	d.decodeIPv6(&p, inner)
	if p.Has(HasUDP) || p.Has(HasIPv4) || !p.Has(HasTCP|HasIPv6|HasEthernet) {
		t.Errorf("layers after inner decode %#x", p.Layers)
	}
	if p.Src != ip6A || p.SrcPort != 10 || p.DstPort != 20 || !p.TCPOpts.HasMSS || p.IPProto != IPProtoTCP {
		t.Errorf("inner view %v:%d -> %d proto %d", p.Src, p.SrcPort, p.DstPort, p.IPProto)
	}
	// And back to an inner Ethernet frame with its own VLAN.
	d.decodeEthernet(&p, eth(EtherTypeVLAN, cat(vlanTag(9, EtherTypeIPv4), ip4(IPProtoICMPv4, nil, []byte{8, 0, 0, 0, 0, 1, 0, 1}))))
	if p.Has(HasTCP) || !p.Has(HasICMPv4|HasVLAN) || p.VLANCount != 1 || p.VLAN[0] != 9 || p.SrcPort != 0 || p.TCPOpts.HasMSS {
		t.Errorf("after inner Ethernet: layers %#x vlans %v ports %d", p.Layers, p.VLAN[:p.VLANCount], p.SrcPort)
	}
}

// TestEventNames keeps the event table complete and the names unique and Suricata-shaped.
func TestEventNames(t *testing.T) {
	seen := map[string]bool{}
	for e := EventNone + 1; e < NumEvents; e++ {
		name := e.String()
		if len(name) < len("decoder.x") || name[:8] != "decoder." || seen[name] {
			t.Errorf("event %d has bad or duplicate name %q", e, name)
		}
		seen[name] = true
		if got, ok := EventByName(name[8:]); !ok || got != e {
			t.Errorf("EventByName(%q) = %v, %v", name[8:], got, ok)
		}
	}
	if EventIPv4OptPadRequired.Invalid() || !EventIPv4TruncPkt.Invalid() {
		t.Error("warn-only classification wrong")
	}
}
