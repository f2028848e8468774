package decoders

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// fuzzSeeds adds frames of link type lt from a few shared captures (when present), as prefix
// bytes stripped by strip, plus the hand-made seeds.
func fuzzSeeds(f *testing.F, lt LinkType, strip func([]byte) []byte, add func(data []byte, lt LinkType), own ...[]byte) {
	for _, s := range own {
		add(s, lt)
	}
	shared, err := findShared()
	if err != nil {
		return // the hand-made seeds still run
	}
	files := []string{
		"the-tcpdump-group+tcpdump/tests/mpls-traceroute.pcap",
		"arkime+arkime/tests/pcap/dot1ad.pcap",
		"arkime+arkime/tests/pcap/gre-erspan-vxlan.pcap",
		"arkime+arkime/tests/pcap/mpls-basic.pcap",
		"seladb+PcapPlusPlus/Tests/Packet++Test/PacketExamples/GrePackets.pcap",
		"ntop+nDPI/tests/cfgs/default/pcap/dns_fragmented.pcap",
		"chrissanders+packets/ipv6_fragments.pcapng",
		"the-tcpdump-group+tcpdump/tests/pppoe.pcap",
		"the-tcpdump-group+tcpdump/tests/ipv6-routing-header.pcap",
		"the-tcpdump-group+tcpdump/tests/ipv6-bad-version.pcap",
		"the-tcpdump-group+tcpdump/tests/tcp_header_heapoverflow.pcap",
		"FoxIO-LLC+ja4/pcap/badcurveball.pcap",
		"ntop+nDPI/tests/cfgs/default/pcap/gre.pcapng",
		"ntop+nDPI/tests/cfgs/default/pcap/dns_exfiltration.pcap",
	}
	n := 0
	for _, name := range files {
		readCapture(filepath.Join(shared, "pcaps", name), func(data []byte, flt LinkType, _ int64, _ int) {
			if n >= 400 || flt != LinkEthernet {
				return
			}
			if b := strip(data); b != nil {
				n++
				add(slices.Clone(b), lt)
			}
		})
	}
}

// ipFromEthernet strips the Ethernet header of an untagged IP frame.
func ipFromEthernet(want uint16) func([]byte) []byte {
	return func(b []byte) []byte {
		if len(b) > 14 && uint16(b[12])<<8|uint16(b[13]) == want {
			return b[14:]
		}
		return nil
	}
}

// fuzzDecoder is shared by the iterations of a fuzz worker, so fragments and the checksum
// auto-detection carry state from input to input as they do in a real worker.
var fuzzDecoder struct {
	sync.Mutex
	d *Decoder
	p Packet
	n int64
}

func fuzzDecode(t *testing.T, data []byte, lt LinkType) {
	fuzzDecoder.Lock()
	defer fuzzDecoder.Unlock()
	if fuzzDecoder.d == nil {
		cfg := DefaultConfig()
		cfg.Checksums = ChecksumAll
		fuzzDecoder.d = NewDecoder(cfg)
	}
	d, p := fuzzDecoder.d, &fuzzDecoder.p
	fuzzDecoder.n++
	d.Decode(p, data, lt, fuzzDecoder.n*1e6, len(data))
	if msg := checkInvariants(p); msg != "" {
		t.Fatalf("invariant: %s (layers %#x)", msg, p.Layers)
	}
	FlowHash(data, lt)
}

func FuzzDecodeEthernet(f *testing.F) {
	add := func(b []byte, _ LinkType) { f.Add(b) }
	fuzzSeeds(f, LinkEthernet, func(b []byte) []byte { return b }, add,
		eth(EtherTypeIPv4, ip4(IPProtoTCP, []byte{ipOptKindRR, 7, 4, 0, 0, 0, 0, 0}, tcpSeg(1, 2, 3, 4, TCPSyn, synOpts, nil))),
		eth(EtherTypeVLAN, cat(vlanTag(1, EtherTypeIPv6), ip6(IPProtoUDP, nil, udpDgram(1, 4789, make([]byte, 30))))),
		eth(EtherTypeMPLS, cat([]byte{0, 0x10, 0x01, 64}, ip4(IPProtoICMPv4, nil, []byte{3, 1, 0, 0, 0, 0, 0, 0}))),
		eth(EtherTypePPPoESess, cat([]byte{0x11, 0, 0, 1, 0, 22, 0, 0x21}, ip4(IPProtoUDP, nil, nil))),
		eth(EtherTypeIPv6, ip6(nhFragment, []byte{IPProtoUDP, 0, 0, 1, 0, 0, 0, 1}, make([]byte, 16))),
		eth(EtherTypeNSH, cat(nsh(0, 6, 1, 1), ip4(IPProtoUDP, nil, udpDgram(1, 2, []byte("x"))))),
		eth(EtherTypeNSH, cat(nsh(0, 2, 2, 3), eth(EtherTypeIPv6, ip6(IPProtoUDP, nil, udpDgram(1, 2, nil))))),
	)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, data, LinkEthernet) })
}

var fuzzLinkTypes = []LinkType{LinkNull, LinkEthernet, LinkPPP, LinkRaw, LinkPPPHDLC, LinkCHDLC, LinkFrameRelay,
	LinkLoop, LinkLinuxSLL, LinkNFLOG, LinkIPv4, LinkIPv6, LinkLinuxSLL2, LinkRawDLT12, LinkRawDLT14}

func FuzzDecodeLinkTypes(f *testing.F) {
	add := func(b []byte, lt LinkType) { f.Add(b, uint32(lt)) }
	v4 := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, TCPAck, nil, []byte("x")))
	for _, lt := range fuzzLinkTypes {
		add(v4, lt)
	}
	add(cat([]byte{2, 0, 0, 0}, v4), LinkNull)
	add(cat([]byte{0, 0, 0, 2}, v4), LinkLoop)
	add(cat([]byte{0xff, 0x03, 0, 0x21}, v4), LinkPPP)
	add(cat([]byte{0x0f, 0, 8, 0}, v4), LinkCHDLC)
	add(cat([]byte{0x18, 0x41, 0x03, 0xcc}, v4), LinkFrameRelay)
	add(cat([]byte{0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0}, v4), LinkLinuxSLL)
	add(cat([]byte{8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0}, v4), LinkLinuxSLL2)
	add(cat([]byte{2, 0, 0, 1, 8, 0, 1, 0, 0, 0, 0, 0}, []byte{byte(4 + len(v4)), 0, 9, 0}, v4), LinkNFLOG)
	fuzzSeeds(f, LinkEthernet, func(b []byte) []byte { return b }, add)
	f.Fuzz(func(t *testing.T, data []byte, lt uint32) {
		// Fold arbitrary values onto the decodable link types, keeping some unsupported ones.
		l := LinkType(lt)
		if lt < 1<<31 {
			l = fuzzLinkTypes[int(lt)%len(fuzzLinkTypes)]
		}
		fuzzDecode(t, data, l)
	})
}

func FuzzDecodeIPv4(f *testing.F) {
	add := func(b []byte, _ LinkType) { f.Add(b) }
	fuzzSeeds(f, LinkIPv4, ipFromEthernet(EtherTypeIPv4), add,
		ip4(IPProtoTCP, synOpts[:8], tcpSeg(1, 2, 3, 4, TCPSyn, synOpts, nil)),
		ip4(IPProtoUDP, nil, udpDgram(1, 2, []byte("x"))),
		ip4(IPProtoICMPv4, []byte{ipOptKindCIPSO, 12, 0, 0, 0, 1, 1, 6, 0, 0, 0, 0}, []byte{3, 3, 0, 0, 0, 0, 0, 0}),
		ip4Frag(IPProtoUDP, nil, make([]byte, 24), 0x2000, 5),
		ip4(IPProtoGRE, nil, cat([]byte{0, 0, 0x08, 0}, ip4(IPProtoUDP, nil, nil))),
		ip4(IPProtoIPv6, nil, ip6(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, 0, nil, nil))),
	)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, data, LinkIPv4) })
}

func FuzzDecodeIPv6(f *testing.F) {
	add := func(b []byte, _ LinkType) { f.Add(b) }
	fuzzSeeds(f, LinkIPv6, ipFromEthernet(EtherTypeIPv6), add,
		ip6(nhHopByHop, []byte{nhRouting, 0, 5, 2, 0, 0, 1, 0, nhDestOpts, 0, 0, 0, 0, 0, 0, 0, IPProtoTCP, 0, 1, 4, 0, 0, 0, 0}, tcpSeg(1, 2, 3, 4, TCPSyn, synOpts, nil)),
		ip6(nhFragment, []byte{IPProtoUDP, 0, 0, 1, 0, 0, 0, 1}, make([]byte, 16)),
		ip6(nhAH, cat([]byte{IPProtoICMPv6, 1, 0, 0}, make([]byte, 8)), []byte{128, 0, 0, 0, 0, 1, 0, 1}),
		ip6(nhESP, nil, make([]byte, 16)),
		ip6(IPProtoIPIP, nil, ip4(IPProtoUDP, nil, udpDgram(1, 2, nil))),
	)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, data, LinkIPv6) })
}
