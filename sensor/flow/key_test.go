package flow

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

func keyOf(t *testing.T, p *decoders.Packet) keyInfo {
	t.Helper()
	var ki keyInfo
	if !keyFromPacket(p, &ki) {
		t.Fatalf("no key for %v→%v", p.Src, p.Dst)
	}
	return ki
}

func TestKeySymmetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	addr := func(v6 bool) string {
		if v6 {
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.IntN(3)) // few distinct bytes: equal prefixes get exercised
			}
			return netip.AddrFrom16(b).String()
		}
		return netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(2)), byte(rng.IntN(3))}).String()
	}
	for i := range 2000 {
		v6 := i%2 == 0
		a, b := addr(v6), addr(v6)
		sp, dp := uint16(rng.IntN(4)), uint16(rng.IntN(4))
		var fwd, rev *decoders.Packet
		if i%3 == 0 {
			fwd, rev = udpPkt(0, a, b, sp, dp, 0), udpPkt(0, b, a, dp, sp, 0)
		} else {
			fwd, rev = tcpPkt(0, a, b, sp, dp, 0, 0, 0, 0), tcpPkt(0, b, a, dp, sp, 0, 0, 0, 0)
		}
		kf, kr := keyOf(t, fwd), keyOf(t, rev)
		if kf.key != kr.key || kf.key.Hash() != kr.key.Hash() {
			t.Fatalf("%s:%d→%s:%d: keys differ by direction:\n%+v\n%+v", a, sp, b, dp, kf.key, kr.key)
		}
		if a != b || sp != dp {
			if kf.from == kr.from {
				t.Fatalf("%s:%d→%s:%d: both directions claim endpoint %d", a, sp, b, dp, kf.from)
			}
		}
	}
}

func TestKeySeparates(t *testing.T) {
	p := func() *decoders.Packet { return tcpPkt(0, "10.0.0.1", "10.0.0.2", 1000, 80, 0, 0, 0, 0) }
	ref := keyOf(t, p()).key
	vlan := p()
	vlan.VLAN[0], vlan.VLANCount = 7, 1
	tun := p()
	tun.Recursion = 1
	udp := udpPkt(0, "10.0.0.1", "10.0.0.2", 1000, 80, 0)
	port := tcpPkt(0, "10.0.0.1", "10.0.0.2", 1001, 80, 0, 0, 0, 0)
	v6 := tcpPkt(0, "::ffff:10.0.0.1", "::ffff:10.0.0.2", 1000, 80, 0, 0, 0, 0)
	for name, q := range map[string]*decoders.Packet{"vlan": vlan, "tunnel": tun, "udp": udp, "port": port, "v4-mapped v6": v6} {
		if k := keyOf(t, q).key; k == ref {
			t.Errorf("%s: same key as the reference flow", name)
		}
	}
}

func TestKeyNotFlowMaterial(t *testing.T) {
	frag := udpPkt(0, "10.0.0.1", "10.0.0.2", 1, 2, 0)
	frag.Layers |= decoders.IsFragment
	noIP := &decoders.Packet{Layers: decoders.HasEthernet | decoders.HasARP}
	mixed := udpPkt(0, "10.0.0.1", "10.0.0.2", 1, 2, 0)
	mixed.Dst = netip.MustParseAddr("fe80::1")
	timeExceeded := icmpPkt(0, "10.0.0.254", "10.0.0.1", 11, 0)
	for name, p := range map[string]*decoders.Packet{"fragment": frag, "no IP": noIP, "mixed families": mixed, "time exceeded": timeExceeded} {
		var ki keyInfo
		if keyFromPacket(p, &ki) {
			t.Errorf("%s: got a key", name)
		}
	}
}

func TestKeyICMPPairing(t *testing.T) {
	req := keyOf(t, icmpPkt(0, "10.0.0.1", "10.0.0.2", 8, 0))
	rep := keyOf(t, icmpPkt(0, "10.0.0.2", "10.0.0.1", 0, 0))
	if req.key != rep.key || req.from == rep.from {
		t.Fatalf("echo request and reply not paired: %+v / %+v", req, rep)
	}
	ts := keyOf(t, icmpPkt(0, "10.0.0.1", "10.0.0.2", 13, 0))
	if ts.key == req.key {
		t.Fatal("timestamp request keyed like echo request")
	}
	// Two echo requests crossing each other are different exchanges.
	other := keyOf(t, icmpPkt(0, "10.0.0.2", "10.0.0.1", 8, 0))
	if other.key == req.key {
		t.Fatal("echo requests in both directions keyed alike")
	}
	req6 := keyOf(t, icmpPkt(0, "fe80::1", "fe80::2", 128, 0))
	rep6 := keyOf(t, icmpPkt(0, "fe80::2", "fe80::1", 129, 0))
	if req6.key != rep6.key {
		t.Fatal("ICMPv6 echo request and reply not paired")
	}
	ns := keyOf(t, icmpPkt(0, "fe80::1", "fe80::2", 135, 0))
	na := keyOf(t, icmpPkt(0, "fe80::2", "fe80::1", 136, 0))
	if ns.key != na.key || ns.key == req6.key {
		t.Fatal("neighbour solicitation/advertisement pairing wrong")
	}
}

func TestKeyICMPErrorJoinsQuotedFlow(t *testing.T) {
	udp := keyOf(t, udpPkt(0, "10.0.0.1", "10.0.0.2", 5353, 53, 10))
	// The server answers with port unreachable, quoting the client's datagram.
	un := keyOf(t, icmpUnreach(0, "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoUDP, 5353, 53, 8))
	if un.key != udp.key || !un.icmpError {
		t.Fatalf("unreachable not keyed on the quoted flow: %+v vs %+v", un.key, udp.key)
	}
	if un.from == udp.from {
		t.Fatal("unreachable from the server has the client's direction")
	}
	router := keyOf(t, icmpUnreach(0, "192.0.2.1", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoUDP, 5353, 53, 8))
	if router.key != udp.key || router.from != 2 {
		t.Fatalf("router's unreachable: key match %v, from %d", router.key == udp.key, router.from)
	}
	// A TCP quote needs the full TCP header, as Suricata requires.
	var ki keyInfo
	if keyFromPacket(icmpUnreach(0, "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoTCP, 1000, 80, 8), &ki) {
		t.Fatal("TCP quote of 8 bytes accepted")
	}
	if !keyFromPacket(icmpUnreach(0, "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoTCP, 1000, 80, 20), &ki) {
		t.Fatal("TCP quote of 20 bytes refused")
	}
	if keyFromPacket(icmpUnreach(0, "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoICMP, 0, 0, 8), &ki) {
		t.Fatal("quoted ICMP accepted")
	}
}
