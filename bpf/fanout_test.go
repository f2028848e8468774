package bpf

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// loadOrSkip loads the program, or skips where this kernel or user cannot.
func loadOrSkip(t *testing.T) *Fanout {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("eBPF fanout test: needs root (CAP_BPF) to load the program; skipped")
	}
	f, err := LoadFanout()
	if err != nil {
		t.Skipf("eBPF fanout test: this kernel will not load the program: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Hash(frame(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udp(1, 2))); err != nil {
		t.Skipf("eBPF fanout test: BPF_PROG_TEST_RUN unavailable: %v", err)
	}
	return f
}

func frame(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	ls = append(ls, gopacket.Payload([]byte("payload bytes")))
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var (
	macA = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	macB = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

func eth(typ layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: typ}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func ip6(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

func tcp(sp, dp int) *layers.TCP {
	return &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), DataOffset: 5, ACK: true, Window: 1000}
}

func udp(sp, dp int) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
}

func dot1q(id uint16, next layers.EthernetType) *layers.Dot1Q {
	return &layers.Dot1Q{VLANIdentifier: id, Type: next}
}

// flowCase is one packet of a flow, each way, built by dir(false) and dir(true).
type flowCase struct {
	name string
	dir  func(t *testing.T, reverse bool) []byte
	// inner, when set, is the same flow with no encapsulation: a tunnel must hash as its
	// inner flow does.
	inner func(t *testing.T) []byte
}

func swap[T any](rev bool, a, b T) (T, T) {
	if rev {
		return b, a
	}
	return a, b
}

func plainTCP4(t *testing.T, rev bool) []byte {
	s, d := swap(rev, "192.168.1.10", "10.20.30.40")
	sp, dp := swap(rev, 40000, 80)
	return frame(t, eth(layers.EthernetTypeIPv4), ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
}

func plainUDP6(t *testing.T, rev bool) []byte {
	s, d := swap(rev, "2001:db8::1", "2001:db8:ffff::53")
	sp, dp := swap(rev, 53000, 53)
	return frame(t, eth(layers.EthernetTypeIPv6), ip6(s, d, layers.IPProtocolUDP), udp(sp, dp))
}

var flowCases = []flowCase{
	{name: "ipv4-tcp", dir: plainTCP4},
	{name: "ipv6-udp", dir: plainUDP6},
	{name: "vlan", dir: func(t *testing.T, rev bool) []byte {
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeDot1Q), dot1q(7, layers.EthernetTypeIPv4), ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
	{name: "qinq-ipv6", dir: func(t *testing.T, rev bool) []byte {
		s, d := swap(rev, "2001:db8::1", "2001:db8:ffff::53")
		sp, dp := swap(rev, 53000, 53)
		return frame(t, eth(layers.EthernetTypeQinQ), dot1q(100, layers.EthernetTypeDot1Q), dot1q(7, layers.EthernetTypeIPv6),
			ip6(s, d, layers.IPProtocolUDP), udp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainUDP6(t, false) }},
	{name: "mpls", dir: func(t *testing.T, rev bool) []byte {
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 16, TTL: 64}, &layers.MPLS{Label: 17, StackBottom: true, TTL: 64},
			ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
	{name: "ipip", dir: func(t *testing.T, rev bool) []byte {
		os, od := swap(rev, "172.16.0.1", "172.16.0.2")
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeIPv4), ip4(os, od, layers.IPProtocolIPv4), ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
	{name: "6in4", dir: func(t *testing.T, rev bool) []byte {
		os, od := swap(rev, "172.16.0.1", "172.16.0.2")
		s, d := swap(rev, "2001:db8::1", "2001:db8:ffff::53")
		sp, dp := swap(rev, 53000, 53)
		return frame(t, eth(layers.EthernetTypeIPv4), ip4(os, od, layers.IPProtocolIPv6), ip6(s, d, layers.IPProtocolUDP), udp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainUDP6(t, false) }},
	{name: "gre-key", dir: func(t *testing.T, rev bool) []byte {
		os, od := swap(rev, "172.16.0.1", "172.16.0.2")
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeIPv4), ip4(os, od, layers.IPProtocolGRE),
			&layers.GRE{KeyPresent: true, Key: 42, Protocol: layers.EthernetTypeIPv4}, ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
	{name: "gre-ethernet", dir: func(t *testing.T, rev bool) []byte {
		os, od := swap(rev, "172.16.0.1", "172.16.0.2")
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeIPv4), ip4(os, od, layers.IPProtocolGRE),
			&layers.GRE{Protocol: layers.EthernetTypeTransparentEthernetBridging}, eth(layers.EthernetTypeIPv4), ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
	// VXLAN's outer source port is chosen per direction: only the inner tuple is symmetric.
	{name: "vxlan", dir: func(t *testing.T, rev bool) []byte {
		os, od := swap(rev, "172.16.0.1", "172.16.0.2")
		outerSP := 49152
		if rev {
			outerSP = 61234
		}
		s, d := swap(rev, "192.168.1.10", "10.20.30.40")
		sp, dp := swap(rev, 40000, 80)
		return frame(t, eth(layers.EthernetTypeIPv4), ip4(os, od, layers.IPProtocolUDP), udp(outerSP, 4789),
			&layers.VXLAN{ValidIDFlag: true, VNI: 5000}, eth(layers.EthernetTypeIPv4), ip4(s, d, layers.IPProtocolTCP), tcp(sp, dp))
	}, inner: func(t *testing.T) []byte { return plainTCP4(t, false) }},
}

// TestFanoutSymmetric: both directions of a flow go to the same ring, through tags, labels
// and tunnels, and a tunnelled flow goes where the same flow unencapsulated would.
func TestFanoutSymmetric(t *testing.T) {
	f := loadOrSkip(t)
	for _, c := range flowCases {
		fwd, err := f.Hash(c.dir(t, false))
		if err != nil {
			t.Fatal(err)
		}
		rev, err := f.Hash(c.dir(t, true))
		if err != nil {
			t.Fatal(err)
		}
		if fwd != rev {
			t.Errorf("%s: hash %#x one way, %#x the other", c.name, fwd, rev)
		}
		if fwd == 0 {
			t.Errorf("%s: hash 0, the value for packets the program cannot read", c.name)
		}
		if c.inner != nil {
			if in, _ := f.Hash(c.inner(t)); in != fwd {
				t.Errorf("%s: hash %#x, the same flow without encapsulation %#x", c.name, fwd, in)
			}
		}
	}
}

// TestFanoutFragments: every fragment of a datagram goes where the first one does.
func TestFanoutFragments(t *testing.T) {
	f := loadOrSkip(t)
	first := ip4("192.168.1.10", "10.20.30.40", layers.IPProtocolUDP)
	first.Flags = layers.IPv4MoreFragments
	later := ip4("192.168.1.10", "10.20.30.40", layers.IPProtocolUDP)
	later.FragOffset = 185
	h1, err1 := f.Hash(frame(t, eth(layers.EthernetTypeIPv4), first, udp(5000, 6000)))
	h2, err2 := f.Hash(frame(t, eth(layers.EthernetTypeIPv4), later))
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if h1 != h2 {
		t.Errorf("first fragment hashes %#x, a later one %#x", h1, h2)
	}
}

// TestFanoutSpreads: different flows land on different rings; what is not IP goes to ring 0.
func TestFanoutSpreads(t *testing.T) {
	f := loadOrSkip(t)
	const flows, rings = 256, 4
	seen := map[uint32]bool{}
	perRing := make([]int, rings)
	for i := range flows {
		h, err := f.Hash(frame(t, eth(layers.EthernetTypeIPv4), ip4("192.168.1.10", "10.20.30.40", layers.IPProtocolTCP), tcp(30000+i, 443)))
		if err != nil {
			t.Fatal(err)
		}
		seen[h] = true
		perRing[h%rings]++
	}
	if len(seen) < flows-2 {
		t.Errorf("%d flows gave only %d distinct hashes", flows, len(seen))
	}
	for r, n := range perRing {
		if n < flows/rings/2 {
			t.Errorf("ring %d got %d of %d flows (per ring: %v)", r, n, flows, perRing)
		}
	}
	arp := frame(t, eth(layers.EthernetTypeARP), &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: 1, SourceHwAddress: macA, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: macB, DstProtAddress: []byte{10, 0, 0, 2}})
	if h, err := f.Hash(arp); err != nil || h != 0 {
		t.Errorf("ARP hashes %#x (%v), want 0", h, err)
	}
}
