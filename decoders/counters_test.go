package decoders

import "testing"

// TestDecoderCounters checks Suricata's per-header counting: every header entered counts, outer
// and inner alike, and VLAN tags count by their depth.
func TestDecoderCounters(t *testing.T) {
	tcp := ip4(IPProtoTCP, nil, tcpSeg(1234, 80, 1, 0, TCPSyn, nil, nil))
	icmp := ip4(IPProtoICMPv4, nil, []byte{8, 0, 0, 0, 0, 1, 0, 1})
	cases := []struct {
		name  string
		lt    LinkType
		frame []byte
		want  map[Counter]uint64 // every other counter must stay 0
	}{
		{"ethernet arp", LinkEthernet, eth(EtherTypeARP, make([]byte, 28)),
			map[Counter]uint64{CountEthernet: 1, CountARP: 1}},
		{"qinq tcp", LinkEthernet, eth(EtherTypeQinQ, cat(vlanTag(10, EtherTypeVLAN), vlanTag(20, EtherTypeIPv4), tcp)),
			map[Counter]uint64{CountEthernet: 1, CountVLAN: 1, CountVLANQinQ: 1, CountIPv4: 1, CountTCP: 1}},
		{"erspan type I", LinkEthernet, eth(EtherTypeIPv4, outer4(IPProtoGRE, cat(greHdr(0, 0, 0x88be), eth(EtherTypeIPv4, icmp)))),
			map[Counter]uint64{CountEthernet: 2, CountIPv4: 2, CountGRE: 1, CountERSPAN: 1, CountICMPv4: 1}},
		{"vxlan", LinkEthernet, eth(EtherTypeIPv4, outer4(IPProtoUDP, udpDgram(5555, 4789, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, eth(EtherTypeIPv4, tcp))))),
			map[Counter]uint64{CountEthernet: 2, CountIPv4: 2, CountUDP: 1, CountVXLAN: 1, CountTCP: 1}},
		{"ipv6 in ipv4", LinkRaw, outer4(IPProtoIPv6, ip6(IPProtoTCP, nil, tcpSeg(1, 2, 0, 0, TCPSyn, nil, nil))),
			map[Counter]uint64{CountRaw: 1, CountIPv4: 1, CountIPv6InIPv4: 1, CountIPv6: 1, CountTCP: 1}},
		{"dce", LinkEthernet, eth(EtherTypeDCE, cat([]byte{0, 0x20}, eth(EtherTypeIPv6, ip6(IPProtoUDP, nil, udpDgram(1, 2, nil))))),
			map[Counter]uint64{CountEthernet: 2, CountIPv6: 1, CountUDP: 1}},
		{"truncated ipv4 still counts", LinkIPv4, tcp[:10],
			map[Counter]uint64{CountIPv4: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder(DefaultConfig())
			var p Packet
			d.Decode(&p, c.frame, c.lt, 0, len(c.frame))
			for k := Counter(0); k < NumCounters; k++ {
				if got := d.Stats.PerCounter[k]; got != c.want[k] {
					t.Errorf("decoder.%s = %d, want %d", k, got, c.want[k])
				}
			}
		})
	}
}

func TestMaxPacketSize(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	var p Packet
	for _, n := range []int{60, 1514, 200} {
		d.Decode(&p, make([]byte, n), LinkEthernet, 0, n)
	}
	if d.Stats.MaxPacketSize != 1514 {
		t.Fatalf("max packet size %d, want 1514", d.Stats.MaxPacketSize)
	}
}

func TestCounterNames(t *testing.T) {
	seen := map[string]bool{}
	for c := Counter(0); c < NumCounters; c++ {
		n := c.String()
		if n == "" || seen[n] {
			t.Errorf("counter %d: name %q empty or repeated", c, n)
		}
		seen[n] = true
	}
	if CountIPv4.String() != "ipv4" || CountVLANQinQ.String() != "vlan_qinq" {
		t.Fatal("names differ from Suricata's")
	}
}

func TestDCE(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	var p Packet
	d.Decode(&p, eth(EtherTypeDCE, cat([]byte{0, 0x20}, eth(EtherTypeIPv4, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))))), LinkEthernet, 0, 0)
	if !p.Has(HasIPv4|HasUDP) || p.DstPort != 2 || p.EventCount != 0 {
		t.Fatalf("inner frame not decoded: layers %b events %v", p.Layers, p.Events[:p.EventCount])
	}
	d.Decode(&p, eth(EtherTypeDCE, make([]byte, 15)), LinkEthernet, 0, 0)
	if p.EventCount != 1 || p.Events[0] != EventDCEPktTooSmall {
		t.Fatalf("short DCE frame: events %v", p.Events[:p.EventCount])
	}
}

func TestTunnelLen(t *testing.T) {
	inner := eth(EtherTypeIPv4, ip4(IPProtoICMPv4, nil, []byte{8, 0, 0, 0, 0, 1, 0, 1}))
	frame := eth(EtherTypeIPv4, outer4(IPProtoUDP, udpDgram(5555, 4789, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, inner))))
	d := NewDecoder(DefaultConfig())
	var p Packet
	d.Decode(&p, frame, LinkEthernet, 0, len(frame))
	if p.Tunnel != TunnelVXLAN || p.TunnelLen != len(inner) || p.FlowLen() != len(inner) {
		t.Fatalf("tunnel %v len %d flow len %d, want vxlan and %d", p.Tunnel, p.TunnelLen, p.FlowLen(), len(inner))
	}
	d.Decode(&p, inner, LinkEthernet, 0, len(inner))
	if p.TunnelLen != 0 || p.FlowLen() != len(inner) {
		t.Fatalf("plain frame: tunnel len %d flow len %d", p.TunnelLen, p.FlowLen())
	}
}

func TestEventStatsName(t *testing.T) {
	for e, want := range map[Event]string{
		EventIPv4TruncPkt:   "decoder.event.ipv4.trunc_pkt",
		EventDCEPktTooSmall: "decoder.event.dce.pkt_too_small",
		EventTooManyLayers:  "decoder.too_many_layers", // Suricata leaves its last packet event unprefixed
	} {
		if got := e.StatsName(); got != want {
			t.Errorf("%s: %s, want %s", e, got, want)
		}
	}
}
