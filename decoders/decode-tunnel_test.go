package decoders

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

var (
	outerA = netip.MustParseAddr("172.16.0.1")
	outerB = netip.MustParseAddr("172.16.0.2")
)

// outer4 builds the carrier IPv4 header (addresses distinct from the inner ip4A/ip4B) around
// payload; UDP carriers keep checksum 0, which IPv4 allows.
func outer4(proto uint8, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	h[8], h[9] = 64, proto
	a, b := outerA.As4(), outerB.As4()
	copy(h[12:], a[:])
	copy(h[16:], b[:])
	binary.BigEndian.PutUint16(h[10:], refChecksum(h))
	return cat(h, payload)
}

func greHdr(f0, f1 byte, proto uint16, extra ...byte) []byte {
	return cat([]byte{f0, f1}, be16b(proto), extra)
}

// tunnelIs checks the tunnel context the decode left.
func tunnelIs(kind TunnelKind, depth uint8) func(t *testing.T, p *Packet) {
	return func(t *testing.T, p *Packet) {
		t.Helper()
		if p.Tunnel != kind || p.Recursion != depth {
			t.Errorf("tunnel %d depth %d, want %d depth %d", p.Tunnel, p.Recursion, kind, depth)
		}
	}
}

func TestTunnels(t *testing.T) {
	inner4TCP := ip4(IPProtoTCP, nil, tcpSeg(1234, 80, 1, 0, TCPSyn, nil, nil))
	inner4UDP := ip4(IPProtoUDP, nil, udpDgram(1000, 53, []byte("query")))
	inner6TCP := ip6(IPProtoTCP, nil, tcpSeg(4321, 443, 1, 0, TCPSyn, nil, nil))
	inner6UDP := ip6(IPProtoUDP, nil, udpDgram(5000, 53, []byte("q6")))
	tcp4 := want{layers: HasIPv4 | HasTCP, notLayers: HasUDP, src: ip4A, dst: ip4B, proto: IPProtoTCP, sport: 1234, dport: 80}
	udp4 := want{layers: HasIPv4 | HasUDP, src: ip4A, dst: ip4B, proto: IPProtoUDP, sport: 1000, dport: 53, payload: 5}
	tcp6 := want{layers: HasIPv6 | HasTCP, notLayers: HasIPv4 | HasUDP, src: ip6A, dst: ip6B, proto: IPProtoTCP, sport: 4321, dport: 443}
	udp6 := want{layers: HasIPv6 | HasUDP, notLayers: HasIPv4, src: ip6A, dst: ip6B, proto: IPProtoUDP, sport: 5000, dport: 53, payload: 2}
	in := func(w want, kind TunnelKind, depth uint8, vlan ...uint16) want {
		w.check, w.vlan = tunnelIs(kind, depth), vlan
		return w
	}
	// stays describes a carrier left as plain UDP to dport.
	stays := func(dport uint16, payload int, ev ...Event) want {
		return want{layers: HasIPv4 | HasUDP, src: outerA, dst: outerB, proto: IPProtoUDP, sport: 5555, dport: dport,
			payload: payload, events: ev, check: tunnelIs(TunnelNone, 0)}
	}
	udpOver := func(dport uint16, payload []byte) []byte {
		return eth(0x0800, outer4(IPProtoUDP, udpDgram(5555, dport, payload)))
	}
	vxlan := []byte{0x08, 0, 0, 0, 0, 0x12, 0x34, 0}
	geneveOpts := []byte{0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef} // one 4-byte option
	teredoOrigin := []byte{0, 0, 0xf2, 0x27, 0xc0, 0x00, 0x02, 0x01}
	teredoAuth := []byte{0, 1, 2, 3, 'i', 'd', 'a', 'u', 't', 1, 2, 3, 4, 5, 6, 7, 8, 0}
	badPlen := append([]byte(nil), inner6UDP...)
	badPlen[5]++
	gtp := func(flags, typ byte, body []byte) []byte {
		return cat([]byte{flags, typ}, be16b(uint16(len(body))), []byte{0, 0, 0, 1}, body)
	}
	// E flag: seq, N-PDU, next type 0x85 (PDU session container, 1 unit), then the chain ends.
	gtpExt := cat([]byte{0, 7, 0, 0x85}, []byte{1, 0x10, 0x05, 0})
	pptpPPP := cat([]byte{0xff, 0x03, 0x00, 0x21}, inner4TCP)
	erspan2 := cat([]byte{0x10, 100, 0x00, 0x2a}, []byte{0, 0, 0, 0})
	erspan3 := cat([]byte{0x20, 200, 0, 7}, []byte{1, 2, 3, 4}, []byte{0, 0, 0, 0x01}, make([]byte, 8))
	nest := inner4TCP
	for range 5 {
		nest = outer4(IPProtoIPIP, nest)
	}

	cases := []decodeCase{
		{"vxlan", LinkEthernet, udpOver(4789, cat(vxlan, eth(0x0800, inner4TCP))), in(tcp4, TunnelVXLAN, 1)},
		{"vxlan without I flag", LinkEthernet, udpOver(4789, cat([]byte{0, 0, 0, 0, 0, 0, 0, 0}, eth(0x0800, inner4TCP))), stays(4789, 22+len(inner4TCP))},
		{"vxlan unknown payload", LinkEthernet, udpOver(4789, cat(vxlan, eth(0x88cc, make([]byte, 30)))), stays(4789, 52, EventVXLANUnknownPayloadType)},
		{"geneve ethernet with option", LinkEthernet, udpOver(6081, cat([]byte{0x02, 0}, be16b(0x6558), []byte{0, 0, 1, 0}, geneveOpts, eth(0x0800, inner4UDP))), in(udp4, TunnelGeneve, 1)},
		{"geneve ipv6", LinkEthernet, udpOver(6081, cat([]byte{0, 0}, be16b(0x86dd), []byte{0, 0, 1, 0}, inner6TCP)), in(tcp6, TunnelGeneve, 1)},
		{"geneve unknown", LinkEthernet, udpOver(6081, cat([]byte{0, 0}, be16b(0x1234), []byte{0, 0, 1, 0}, inner6TCP)), stays(6081, 8+len(inner6TCP), EventGeneveUnknownPayloadType)},
		{"teredo", LinkEthernet, udpOver(3544, inner6UDP), in(udp6, TunnelTeredo, 1)},
		{"teredo origin indication", LinkEthernet, udpOver(3544, cat(teredoOrigin, inner6UDP)), in(udp6, TunnelTeredo, 1)},
		{"teredo authentication and origin", LinkEthernet, udpOver(3544, cat(teredoAuth, teredoOrigin, inner6UDP)), in(udp6, TunnelTeredo, 1)},
		{"teredo length mismatch", LinkEthernet, udpOver(3544, badPlen), stays(3544, len(badPlen))},
		{"teredo not ipv6", LinkEthernet, udpOver(3544, make([]byte, 60)), stays(3544, 60)},
		{"gtpu", LinkEthernet, udpOver(2152, gtp(0x30, 255, inner4TCP)), in(tcp4, TunnelGTPU, 1)},
		{"gtpu extension chain", LinkEthernet, udpOver(2152, gtp(0x34, 255, cat(gtpExt, inner6UDP))), in(udp6, TunnelGTPU, 1)},
		{"gtpu echo", LinkEthernet, udpOver(2152, gtp(0x32, 1, []byte{0, 1, 0, 0})), stays(2152, 12)},
		{"gtpu broken extension", LinkEthernet, udpOver(2152, gtp(0x34, 255, cat([]byte{0, 7, 0, 0x85}, []byte{0, 1, 2, 3}, inner4TCP))), stays(2152, 16+len(inner4TCP))},
		{"gre ipv4", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0, 0, 0x0800), inner4UDP))), in(udp4, TunnelGRE, 1)},
		{"gre csum key seq ipv6", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0xb0, 0, 0x86dd, make([]byte, 12)...), inner6TCP))), in(tcp6, TunnelGRE, 1)},
		{"gre source route", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0x40, 0, 0x0800, 0, 0, 0, 0, 0, 0x01, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0), inner4UDP))), in(udp4, TunnelGRE, 1)},
		{"gre transparent ethernet", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0x20, 0, 0x6558, 0, 0, 0, 9), eth(0x0800, inner4TCP)))), in(tcp4, TunnelGRE, 1)},
		{"pptp", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0x30, 0x81, 0x880b, 0, byte(len(pptpPPP)), 0, 5, 0, 0, 0, 1, 0, 0, 0, 1), pptpPPP))), in(tcp4, TunnelGRE, 1)},
		{"erspan II", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0x10, 0, 0x88be, 0, 0, 0, 1), erspan2, eth(0x0800, inner4TCP)))), in(tcp4, TunnelERSPAN2, 1, 100)},
		{"erspan III platform header", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0x10, 0, 0x22eb, 0, 0, 0, 1), erspan3, eth(0x86dd, inner6UDP)))), in(udp6, TunnelERSPAN3, 1, 200)},
		{"erspan I", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0, 0, 0x88be), eth(0x0800, inner4TCP)))), in(tcp4, TunnelERSPAN1, 1)},
		{"ipip", LinkEthernet, eth(0x0800, outer4(IPProtoIPIP, inner4TCP)), in(tcp4, TunnelIPIP, 1)},
		{"ip6in4", LinkEthernet, eth(0x0800, outer4(IPProtoIPv6, inner6TCP)), in(tcp6, TunnelIP6in4, 1)},
		{"ip4in6", LinkEthernet, eth(0x86dd, ip6(IPProtoIPIP, nil, inner4UDP)), in(udp4, TunnelIP4in6, 1)},
		{"ip6in6", LinkEthernet, eth(0x86dd, ip6(IPProtoIPv6, nil, inner6UDP)), in(udp6, TunnelIP6in6, 1)},
		{"ip4in6 too small", LinkEthernet, eth(0x86dd, ip6(IPProtoIPIP, nil, make([]byte, 10))),
			want{layers: HasIPv6, src: ip6A, dst: ip6B, proto: IPProtoIPIP, payload: -1, events: []Event{EventIPv4InIPv6TooSmall}, check: tunnelIs(TunnelNone, 0)}},
		{"ip6in6 wrong version", LinkEthernet, eth(0x86dd, ip6(IPProtoIPv6, nil, inner4TCP)),
			want{layers: HasIPv6, src: ip6A, dst: ip6B, proto: IPProtoIPv6, payload: -1, events: []Event{EventIPv6InIPv6WrongIPVer}, check: tunnelIs(TunnelNone, 0)}},
		{"nested within limit", LinkRaw, nest, in(tcp4, TunnelIPIP, 5)},
	}
	runCases(t, DefaultConfig(), cases)

	cfg := DefaultConfig()
	cfg.ERSPANTypeI = false
	runCases(t, cfg, []decodeCase{
		{"erspan I disabled", LinkEthernet, eth(0x0800, outer4(IPProtoGRE, cat(greHdr(0, 0, 0x88be), eth(0x0800, inner4TCP)))),
			want{layers: HasIPv4 | HasGRE, src: outerA, dst: outerB, proto: IPProtoGRE, payload: -1, check: tunnelIs(TunnelNone, 0)}},
	})

	cfg = DefaultConfig()
	cfg.MaxRecursion = 3
	deep := want{layers: HasIPv4, src: outerA, dst: outerB, proto: IPProtoIPIP, payload: -1, events: []Event{EventTooManyLayers}, check: tunnelIs(TunnelIPIP, 3)}
	runCases(t, cfg, []decodeCase{{"too many layers", LinkRaw, nest, deep}})
}

func TestGREHeaderEvents(t *testing.T) {
	payload := ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))
	cases := []struct {
		name string
		gre  []byte
		ev   Event
	}{
		{"too small", []byte{0, 0}, EventGREPktTooSmall},
		{"wrong version", greHdr(0, 2, 0x0800), EventGREWrongVersion},
		{"v0 recursion", greHdr(0x01, 0, 0x0800), EventGREVersion0Recur},
		{"v0 flags", greHdr(0, 0x08, 0x0800), EventGREVersion0Flags},
		{"v0 header too big", greHdr(0x30, 0, 0x0800, 0, 0), EventGREVersion0HdrTooBig},
		{"v0 unterminated route", greHdr(0x40, 0, 0x0800, 0, 0, 0, 0, 0, 1, 0, 40), EventGREVersion0MalformedSREHdr},
		{"v1 checksum", greHdr(0xa0, 1, 0x880b, make([]byte, 8)...), EventGREVersion1Chksum},
		{"v1 route", greHdr(0x60, 1, 0x880b, make([]byte, 8)...), EventGREVersion1Route},
		{"v1 strict source route", greHdr(0x28, 1, 0x880b, make([]byte, 4)...), EventGREVersion1SSR},
		{"v1 recursion", greHdr(0x21, 1, 0x880b, make([]byte, 4)...), EventGREVersion1Recur},
		{"v1 flags", greHdr(0x20, 0x09, 0x880b, make([]byte, 4)...), EventGREVersion1Flags},
		{"v1 wrong protocol", greHdr(0x20, 1, 0x0800, make([]byte, 4)...), EventGREVersion1WrongProtocol},
		{"v1 no key", greHdr(0x00, 1, 0x880b), EventGREVersion1NoKey},
		{"v1 header too big", greHdr(0x30, 0x81, 0x880b, make([]byte, 4)...), EventGREVersion1HdrTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(DefaultConfig())
			var p Packet
			gre := tc.gre
			if tc.ev != EventGREPktTooSmall && tc.ev != EventGREVersion0HdrTooBig && tc.ev != EventGREVersion1HdrTooBig && tc.ev != EventGREVersion0MalformedSREHdr {
				gre = cat(gre, payload)
			}
			d.Decode(&p, outer4(IPProtoGRE, gre), LinkRaw, 1, 0)
			if p.EventCount != 1 || p.Events[0] != tc.ev || p.Tunnel != TunnelNone {
				t.Fatalf("events %v tunnel %d, want [%v] and no tunnel", p.Events[:p.EventCount], p.Tunnel, tc.ev)
			}
		})
	}
}

// TestTunnelFlowContext checks what the flow table keys on: the same inner tuple at different
// depths, or behind different ERSPAN VLANs, must not look alike.
func TestTunnelFlowContext(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	inner := ip4(IPProtoTCP, nil, tcpSeg(1234, 80, 1, 0, TCPSyn, nil, nil))
	var plain, tunneled Packet
	d.Decode(&plain, inner, LinkRaw, 1, 0)
	d.Decode(&tunneled, outer4(IPProtoIPIP, inner), LinkRaw, 1, 0)
	if plain.Src != tunneled.Src || plain.SrcPort != tunneled.SrcPort || plain.Recursion == tunneled.Recursion {
		t.Fatalf("plain %v:%d r%d, tunneled %v:%d r%d", plain.Src, plain.SrcPort, plain.Recursion, tunneled.Src, tunneled.SrcPort, tunneled.Recursion)
	}
}

// FuzzTunnels feeds arbitrary bytes to one tunnel decoder chosen by the first byte, behind a
// well-formed carrier, and checks the decode neither panics nor leaves an impossible state.
func FuzzTunnels(f *testing.F) {
	f.Add(byte(0), cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, eth(0x0800, ip4(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, 0, nil, nil)))))
	f.Add(byte(1), cat([]byte{0, 0}, be16b(0x0800), []byte{0, 0, 1, 0}, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))))
	f.Add(byte(2), ip6(IPProtoUDP, nil, udpDgram(1, 2, nil)))
	f.Add(byte(3), cat([]byte{0x34, 255, 0, 30, 0, 0, 0, 1, 0, 1, 0, 0x85, 1, 0, 0, 0}, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))))
	f.Add(byte(4), cat(greHdr(0x10, 0, 0x88be, 0, 0, 0, 1), []byte{0x10, 1, 0, 1, 0, 0, 0, 0}, eth(0x0800, ip4(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, 0, nil, nil)))))
	f.Add(byte(5), ip4(IPProtoIPIP, nil, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))))
	f.Add(byte(6), ip6(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, 0, nil, nil)))
	f.Add(byte(7), cat(greHdr(0x30, 0x81, 0x880b, 0, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1), []byte{0xff, 3, 0, 0x21}))
	ports := []uint16{4789, 6081, 3544, 2152}
	f.Fuzz(func(t *testing.T, kind byte, b []byte) {
		cfg := DefaultConfig()
		cfg.ERSPANTypeI = kind&0x80 != 0
		d := NewDecoder(cfg)
		var frame []byte
		switch k := kind & 7; k {
		case 0, 1, 2, 3:
			frame = outer4(IPProtoUDP, udpDgram(5555, ports[k], b))
		case 4, 7:
			frame = outer4(IPProtoGRE, b)
		case 5:
			frame = outer4(IPProtoIPIP, b)
		case 6:
			frame = outer4(IPProtoIPv6, b)
		}
		var p Packet
		d.Decode(&p, frame, LinkRaw, 1, len(frame))
		if p.Recursion > cfg.MaxRecursion || (p.Recursion == 0) != (p.Tunnel == TunnelNone) {
			t.Fatalf("recursion %d tunnel %d", p.Recursion, p.Tunnel)
		}
	})
}
