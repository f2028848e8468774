package decoders

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
)

type want struct {
	layers    Layers // all of these set
	notLayers Layers // none of these set
	src, dst  netip.Addr
	proto     uint8
	sport     uint16
	dport     uint16
	vlan      []uint16
	events    []Event // exactly these, in order
	payload   int     // payload length; -1 to skip
	check     func(t *testing.T, p *Packet)
}

type decodeCase struct {
	name  string
	lt    LinkType
	frame []byte
	want  want
}

func runCases(t *testing.T, cfg Config, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(cfg)
			var p Packet
			d.Decode(&p, tc.frame, tc.lt, 1, len(tc.frame))
			w := tc.want
			if p.Layers&w.layers != w.layers {
				t.Errorf("layers %#x lack %#x", p.Layers, w.layers&^p.Layers)
			}
			if p.Layers&w.notLayers != 0 {
				t.Errorf("layers %#x have unwanted %#x", p.Layers, p.Layers&w.notLayers)
			}
			if w.src.IsValid() && (p.Src != w.src || p.Dst != w.dst) {
				t.Errorf("addresses %v -> %v, want %v -> %v", p.Src, p.Dst, w.src, w.dst)
			}
			if w.proto != 0 && p.IPProto != w.proto {
				t.Errorf("proto %d, want %d", p.IPProto, w.proto)
			}
			if p.SrcPort != w.sport || p.DstPort != w.dport {
				t.Errorf("ports %d -> %d, want %d -> %d", p.SrcPort, p.DstPort, w.sport, w.dport)
			}
			if got := p.VLAN[:p.VLANCount]; !slices.Equal(got, w.vlan) && !(len(got) == 0 && len(w.vlan) == 0) {
				t.Errorf("vlan %v, want %v", got, w.vlan)
			}
			if got := p.Events[:p.EventCount]; !slices.Equal(got, w.events) && !(len(got) == 0 && len(w.events) == 0) {
				t.Errorf("events %v, want %v", got, w.events)
			}
			if w.payload >= 0 && len(p.Payload) != w.payload {
				t.Errorf("payload %d bytes, want %d", len(p.Payload), w.payload)
			}
			if w.check != nil {
				w.check(t, &p)
			}
			// Stats must agree with the packet.
			if d.Stats.Packets != 1 || d.Stats.PerLinkType[tc.lt] != 1 {
				t.Errorf("stats packets %d, per link type %v", d.Stats.Packets, d.Stats.PerLinkType)
			}
			var nev uint64
			for _, n := range d.Stats.PerEvent {
				nev += n
			}
			if nev != uint64(p.EventCount) {
				t.Errorf("stats count %d events, packet has %d", nev, p.EventCount)
			}
		})
	}
}

func TestDecodeLinkLayers(t *testing.T) {
	tcp := tcpSeg(40000, 80, 100, 0, TCPSyn, synOpts, nil)
	v4 := ip4(IPProtoTCP, nil, tcp)
	v6 := ip6(IPProtoUDP, nil, udpDgram(5353, 53, []byte("hello")))
	tcp4 := want{layers: HasIPv4 | HasTCP, src: ip4A, dst: ip4B, proto: IPProtoTCP, sport: 40000, dport: 80}
	udp6 := want{layers: HasIPv6 | HasUDP, src: ip6A, dst: ip6B, proto: IPProtoUDP, sport: 5353, dport: 53, payload: 5}
	with := func(w want, l Layers, vlan ...uint16) want { w.layers |= l; w.vlan = vlan; return w }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	mpls := func(label uint32, bottom bool) []byte {
		w := label<<12 | 64
		if bottom {
			w |= 0x100
		}
		return be32(w)
	}
	sll := cat([]byte{0, 0, 0, 1, 0, 6}, macA, []byte{0, 0}, be16b(EtherTypeIPv4))
	sll2 := cat(be16b(EtherTypeIPv6), []byte{0, 0, 0, 0, 0, 2, 0, 1, 0, 6}, macA, []byte{0, 0})
	nflogTLV := func(typ uint16, v []byte) []byte {
		out := cat(binary.LittleEndian.AppendUint16(nil, uint16(4+len(v))), binary.LittleEndian.AppendUint16(nil, typ), v)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		return out
	}
	pppoe := func(code byte, ppp []byte) []byte {
		return cat([]byte{0x11, code, 0x12, 0x34}, be16b(uint16(len(ppp))), ppp)
	}
	tcp4p := tcp4
	tcp4p.payload = 0

	cases := []decodeCase{
		{"ethernet ipv4 tcp", LinkEthernet, eth(EtherTypeIPv4, v4), with(tcp4p, HasEthernet)},
		{"ethernet padded", LinkEthernet, eth(EtherTypeIPv4, cat(v4, make([]byte, 6))), with(tcp4p, HasEthernet)},
		{"ethernet ipv6 udp", LinkEthernet, eth(EtherTypeIPv6, v6), with(udp6, HasEthernet)},
		{"ethernet too small", LinkEthernet, macA, want{events: []Event{EventEthernetPktTooSmall}, notLayers: HasEthernet}},
		{"802.1q", LinkEthernet, eth(EtherTypeVLAN, cat(vlanTag(0x2064, EtherTypeIPv4), v4)), with(tcp4p, HasVLAN, 100)},
		{"qinq 88a8", LinkEthernet, eth(EtherTypeQinQ, cat(vlanTag(10, EtherTypeVLAN), vlanTag(20, EtherTypeIPv4), v4)), with(tcp4p, HasVLAN, 10, 20)},
		{"three tags 9100", LinkEthernet, eth(EtherTypeQinQ9100, cat(vlanTag(1, EtherTypeQinQ), vlanTag(2, EtherTypeVLAN), vlanTag(3, EtherTypeIPv6), v6)), with(udp6, HasVLAN, 1, 2, 3)},
		{"four tags", LinkEthernet, eth(EtherTypeVLAN, cat(vlanTag(1, EtherTypeVLAN), vlanTag(2, EtherTypeVLAN), vlanTag(3, EtherTypeVLAN), vlanTag(4, EtherTypeIPv4), v4)),
			want{layers: HasVLAN, notLayers: HasIPv4, vlan: []uint16{1, 2, 3}, events: []Event{EventVLANTooManyLayers}, payload: -1}},
		{"vlan truncated", LinkEthernet, eth(EtherTypeVLAN, []byte{0, 1}), want{events: []Event{EventVLANHeaderTooSmall}, payload: -1}},
		{"vlan unknown type", LinkEthernet, eth(EtherTypeVLAN, cat(vlanTag(5, 0x1234), []byte{1, 2})), want{layers: HasVLAN, vlan: []uint16{5}, events: []Event{EventVLANUnknownType}, payload: -1}},
		{"arp", LinkEthernet, eth(EtherTypeARP, make([]byte, 28)), want{layers: HasARP | HasEthernet, notLayers: HasIPv4, payload: -1}},
		{"802.3 stp", LinkEthernet, eth(38, cat([]byte{0x42, 0x42, 0x03}, make([]byte, 35))), want{layers: HasLLC, payload: -1}},
		{"802.3 snap ipv4", LinkEthernet, eth(uint16(8+len(v4)), cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, be16b(EtherTypeIPv4), v4)), with(tcp4p, 0)},
		{"mpls ipv4", LinkEthernet, eth(EtherTypeMPLS, cat(mpls(100, false), mpls(200, true), v4)), with(tcp4p, HasMPLS)},
		{"mpls explicit null v6", LinkEthernet, eth(EtherTypeMPLS, cat(mpls(2, true), v6)), with(udp6, HasMPLS)},
		{"mpls pw control word", LinkEthernet, eth(EtherTypeMPLS, cat(mpls(300, true), []byte{0, 0, 0, 0}, eth(EtherTypeVLAN, cat(vlanTag(7, EtherTypeIPv4), v4)))), with(tcp4p, HasMPLS|HasVLAN, 7)},
		{"mpls pw no control word", LinkEthernet, eth(EtherTypeMPLS, cat(mpls(300, true), eth(EtherTypeIPv4, v4)[:0], []byte{0xa0}, macA[1:], macB, be16b(EtherTypeIPv4), v4)), with(tcp4p, HasMPLS)},
		{"mpls truncated", LinkEthernet, eth(EtherTypeMPLS, []byte{0, 1}), want{layers: HasMPLS, events: []Event{EventMPLSHeaderTooSmall}, payload: -1}},
		{"mpls empty", LinkEthernet, eth(EtherTypeMPLS, mpls(100, true)), want{layers: HasMPLS, events: []Event{EventMPLSPktTooSmall}, payload: -1}},
		{"mpls reserved label", LinkEthernet, eth(EtherTypeMPLS, cat(mpls(7, true), v4)), func() want { w := with(tcp4p, HasMPLS); w.events = []Event{EventMPLSBadLabelReserved}; return w }()},
		{"pppoe session ipv4", LinkEthernet, eth(EtherTypePPPoESess, pppoe(0, cat(be16b(pppIPv4), v4))), with(tcp4p, HasPPPoE|HasPPP)},
		{"pppoe session lcp", LinkEthernet, eth(EtherTypePPPoESess, pppoe(0, cat(be16b(0xc021), make([]byte, 10)))), want{layers: HasPPPoE, payload: -1}},
		{"pppoe session ipx", LinkEthernet, eth(EtherTypePPPoESess, pppoe(0, cat(be16b(0x002b), make([]byte, 10)))), want{layers: HasPPPoE, events: []Event{EventPPPUnsupProto}, payload: -1}},
		{"pppoe wrong code", LinkEthernet, eth(EtherTypePPPoESess, pppoe(7, cat(be16b(pppIPv4), v4))), want{layers: HasPPPoE, events: []Event{EventPPPoEWrongCode}, payload: -1}},
		{"pppoe discovery padi", LinkEthernet, eth(EtherTypePPPoEDisc, cat([]byte{0x11, pppoePADI, 0, 0, 0, 4}, []byte{0x01, 0x01, 0, 0})), want{layers: HasPPPoE, payload: -1}},
		{"pppoe discovery bad tags", LinkEthernet, eth(EtherTypePPPoEDisc, cat([]byte{0x11, pppoePADI, 0, 0, 0, 4}, []byte{0x01, 0x01, 0, 9})), want{layers: HasPPPoE, events: []Event{EventPPPoEMalformedTags}, payload: -1}},
		{"sll", LinkLinuxSLL, cat(sll, v4), tcp4p},
		{"sll short", LinkLinuxSLL, sll[:10], want{events: []Event{EventSLLPktTooSmall}, payload: -1}},
		{"sll2", LinkLinuxSLL2, cat(sll2, v6), udp6},
		{"null le inet", LinkNull, cat(le32(2), v4), tcp4p},
		{"null be inet6 freebsd", LinkNull, cat(be32(28), v6), udp6},
		{"null le darwin", LinkNull, cat(le32(30), v6), udp6},
		{"null openbsd", LinkNull, cat(le32(24), v6), udp6},
		{"null unsupported", LinkNull, cat(le32(7), v6), want{events: []Event{EventLTNullUnsupportedType}, payload: -1}},
		{"loop", LinkLoop, cat(be32(24), v6), udp6},
		{"raw v4", LinkRaw, v4, tcp4p},
		{"raw v6", LinkRaw, v6, udp6},
		{"raw 12", LinkRawDLT12, v4, tcp4p},
		{"raw 14", LinkRawDLT14, v6, udp6},
		{"raw bad version", LinkRaw, cat([]byte{0x50}, v4[1:]), want{events: []Event{EventIPRawInvalidIPVer}, payload: -1}},
		{"ipv4 linktype", LinkIPv4, v4, tcp4p},
		{"ipv6 linktype", LinkIPv6, v6, udp6},
		{"ppp", LinkPPP, cat([]byte{0xff, 0x03}, be16b(pppIPv4), v4), with(tcp4p, HasPPP)},
		{"ppp no address", LinkPPP, cat(be16b(pppIPv6), v6), with(udp6, HasPPP)},
		{"ppp compressed proto", LinkPPP, cat([]byte{0x21}, v4), with(tcp4p, HasPPP)},
		{"ppp wrong type", LinkPPP, cat([]byte{0xff, 0x03, 0x12, 0x34}, v4), want{layers: HasPPP, events: []Event{EventPPPWrongType}, payload: -1}},
		{"ppp hdlc", LinkPPPHDLC, cat([]byte{0xff, 0x03}, be16b(pppIPv6), v6), udp6},
		{"ppp hdlc cisco", LinkPPPHDLC, cat([]byte{0x0f, 0x00}, be16b(EtherTypeIPv4), v4), tcp4p},
		{"chdlc", LinkCHDLC, cat([]byte{0x0f, 0x00}, be16b(EtherTypeIPv6), v6), udp6},
		{"chdlc short", LinkCHDLC, []byte{0x0f, 0}, want{events: []Event{EventCHDLCPktTooSmall}, payload: -1}},
		{"frame relay nlpid", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, nlpidIPv4}, v4), tcp4p},
		{"frame relay snap", LinkFrameRelay, cat([]byte{0x18, 0x41, 0x03, 0x00, nlpidSNAP, 0, 0, 0}, be16b(EtherTypeIPv6), v6), udp6},
		{"frame relay cisco", LinkFrameRelay, cat([]byte{0x18, 0x41}, be16b(EtherTypeIPv4), v4), tcp4p},
		{"nflog", LinkNFLOG, cat([]byte{2, 0, 0, 1}, nflogTLV(1, []byte{8, 0, 1, 0}), nflogTLV(10, []byte("prefix")), nflogTLV(9, v4)), tcp4p},
		{"nflog no payload", LinkNFLOG, cat([]byte{10, 0, 0, 1}, nflogTLV(1, []byte{8, 0, 1, 0})), want{notLayers: HasIPv6, payload: -1}},
		{"nflog bad tlv", LinkNFLOG, cat([]byte{2, 0, 0, 1}, []byte{0xff, 0x00, 9, 0}), want{events: []Event{EventNFLOGPktTooSmall}, payload: -1}},
		{"unsupported link type", LinkType(147), v4, want{payload: -1, check: func(t *testing.T, p *Packet) {
			if p.Layers != 0 {
				t.Errorf("layers %#x for an unsupported link type", p.Layers)
			}
		}}},
	}
	runCases(t, DefaultConfig(), cases)
}

func TestUnsupportedCounted(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	var p Packet
	d.Decode(&p, []byte{1, 2, 3}, LinkType(147), 0, 3)
	d.Decode(&p, eth(EtherTypeIPv4, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))), LinkEthernet, 0, 0)
	d.Decode(&p, eth(0x88b5, []byte{1, 2, 3}), LinkEthernet, 0, 0)
	if d.Stats.Unsupported != 1 || d.Stats.Packets != 3 || d.Stats.UnknownEtherType != 1 {
		t.Errorf("stats %+v", d.Stats)
	}
	if d.Stats.Layer(HasUDP) != 1 || d.Stats.Layer(HasEthernet) != 2 {
		t.Errorf("per layer udp %d ethernet %d", d.Stats.Layer(HasUDP), d.Stats.Layer(HasEthernet))
	}
}
