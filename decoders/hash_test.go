package decoders

import (
	"encoding/binary"
	"testing"
)

// swapAddrs returns a copy of an IP packet with source and destination exchanged.
func swapAddrs(ip []byte) []byte {
	b := append([]byte(nil), ip...)
	if b[0]>>4 == 4 {
		for i := 0; i < 4; i++ {
			b[12+i], b[16+i] = b[16+i], b[12+i]
		}
	} else {
		for i := 0; i < 16; i++ {
			b[8+i], b[24+i] = b[24+i], b[8+i]
		}
	}
	return b
}

func TestFlowHash(t *testing.T) {
	tcp4 := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, TCPSyn, nil, nil))
	udp6 := ip6(IPProtoUDP, nil, udpDgram(1, 2, []byte("x")))
	mpls := func(ip []byte) []byte { return cat([]byte{0, 0x10, 0x01, 64}, ip) }
	pppoe := func(ip []byte) []byte {
		proto := uint16(pppIPv4)
		if ip[0]>>4 == 6 {
			proto = pppIPv6
		}
		return cat([]byte{0x11, 0, 0, 1}, be16b(uint16(len(ip)+2)), be16b(proto), ip)
	}
	vxlan := func(inner []byte) []byte {
		return eth(EtherTypeIPv4, ip4(IPProtoUDP, nil, udpDgram(49152, portVXLAN, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, inner))))
	}
	gre := func(et uint16, ip []byte) []byte {
		return eth(EtherTypeIPv4, ip4(IPProtoGRE, nil, cat([]byte{0, 0}, be16b(et), ip)))
	}
	for _, ip := range [][]byte{tcp4, udp6} {
		et := uint16(EtherTypeIPv4)
		if ip[0]>>4 == 6 {
			et = EtherTypeIPv6
		}
		want := FlowHash(ip, LinkRaw)
		if want == 0 {
			t.Fatalf("no hash for plain IP")
		}
		frames := map[string][]byte{
			"ethernet": eth(et, ip),
			"vlan":     eth(EtherTypeVLAN, cat(vlanTag(1, EtherTypeQinQ), vlanTag(2, et), ip)),
			"mpls":     eth(EtherTypeMPLS, mpls(ip)),
			"pppoe":    eth(EtherTypePPPoESess, pppoe(ip)),
			"vxlan":    vxlan(eth(et, ip)),
			"ipip":     eth(EtherTypeIPv4, ip4(IPProtoIPIP, nil, ip)),
			"6in6":     eth(EtherTypeIPv6, ip6(IPProtoIPv6, nil, ip)),
			"gre":      gre(et, ip),
		}
		for name, f := range frames {
			if got := FlowHash(f, LinkEthernet); got != want {
				t.Errorf("%s: hash %#x, want the inner pair's %#x", name, got, want)
			}
		}
		if FlowHash(swapAddrs(ip), LinkRaw) != want {
			t.Error("hash depends on direction")
		}
		if FlowHash(vxlan(eth(et, swapAddrs(ip))), LinkEthernet) != want {
			t.Error("tunnelled hash depends on direction")
		}
	}
	// Fragments hash by their own pair, whatever the first one carries.
	inner := eth(EtherTypeIPv4, swapAddrs(tcp4))
	outerUDP := udpDgram(49152, portVXLAN, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, inner))
	first := ip4Frag(IPProtoUDP, nil, outerUDP[:32], 0x2000, 9)
	later := ip4Frag(IPProtoUDP, nil, outerUDP[32:], 4, 9)
	if h1, h2, plain := FlowHash(first, LinkRaw), FlowHash(later, LinkRaw), FlowHash(ip4(IPProtoUDP, nil, nil), LinkRaw); h1 != h2 || h1 != plain {
		t.Errorf("fragments hash %#x and %#x, want the outer pair's %#x", h1, h2, plain)
	}
	// Not IP.
	if h := FlowHash(eth(EtherTypeARP, make([]byte, 28)), LinkEthernet); h != 0 {
		t.Errorf("ARP hashed to %#x", h)
	}
	if h := FlowHash([]byte{1, 2}, LinkEthernet); h != 0 {
		t.Errorf("runt hashed to %#x", h)
	}
}

// TestFlowHashSpread checks that distinct pairs spread evenly enough over a few workers.
func TestFlowHashSpread(t *testing.T) {
	const workers, pairs = 8, 8000
	var buckets [workers]int
	pkt := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, 0, nil, nil))
	for i := 0; i < pairs; i++ {
		binary.BigEndian.PutUint32(pkt[12:], 0x0a000000+uint32(i))   // 10.0.x.y
		binary.BigEndian.PutUint32(pkt[16:], 0xc0a80001+uint32(i%7)) // a few servers
		buckets[FlowHash(pkt, LinkRaw)%workers]++
	}
	for w, n := range buckets {
		if n < pairs/workers*8/10 || n > pairs/workers*12/10 {
			t.Errorf("worker %d got %d of %d pairs: %v", w, n, pairs, buckets)
		}
	}
}
