package bpf

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// loadBypassOrSkip loads the XDP program, or skips where this kernel or user cannot.
func loadBypassOrSkip(t *testing.T, frags bool) *Bypass {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("XDP bypass test: needs root (CAP_BPF) to load the program; skipped")
	}
	b, err := loadBypassVariant(1024, frags)
	if err != nil {
		t.Skipf("XDP bypass test: this kernel will not load the program: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := b.Verdict(frame(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP), udp(1, 2))); err != nil {
		t.Skipf("XDP bypass test: BPF_PROG_TEST_RUN unavailable: %v", err)
	}
	t.Logf("multi-buffer program: %v", b.Frags())
	return b
}

// verdict runs one frame and fails unless the program gives want.
func verdict(t *testing.T, b *Bypass, name string, fr []byte, want uint32) {
	t.Helper()
	got, err := b.Verdict(fr)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s: verdict %d, want %d (1 drop, 2 pass)", name, got, want)
	}
}

// bypassCase is one flow: frames from the client and from the server, in every encapsulation
// the program must look through, and frames of it that must still pass.
type bypassCase struct {
	name   string
	tuple  Tuple
	toSrv  [][]byte // client to server: dropped and counted
	toCli  [][]byte // server to client: dropped and counted
	passes [][]byte // of the flow, but passed uncounted (control segments, fragments)
	others [][]byte // other flows: passed
}

func tcpFlags(sp, dp int, set func(*layers.TCP)) *layers.TCP {
	l := tcp(sp, dp)
	set(l)
	return l
}

func bypassCases(t *testing.T) []bypassCase {
	v4c, v4s := "192.168.1.10", "10.20.30.40" // the client sorts after the server: counters swap
	v6c, v6s := "2001:db8::1", "2001:db8:ffff::53"
	frag := ip4(v4c, v4s, layers.IPProtocolTCP)
	frag.Flags = layers.IPv4MoreFragments
	hbh := &layers.IPv6HopByHop{}
	hbh.NextHeader = layers.IPProtocolUDP
	hbh.Options = []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: []byte{0, 0, 0, 0}}}
	v6hbh := ip6(v6c, v6s, layers.IPProtocolIPv6HopByHop)
	return []bypassCase{
		{
			name:  "ipv4-tcp-vlan",
			tuple: Tuple{Client: netip.MustParseAddr(v4c), ClientPort: 40000, Server: netip.MustParseAddr(v4s), ServerPort: 80, Proto: 6},
			toSrv: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolTCP), tcp(40000, 80)),
				frame(t, eth(layers.EthernetTypeDot1Q), dot1q(7, layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolTCP), tcp(40000, 80)),
				frame(t, eth(layers.EthernetTypeQinQ), dot1q(100, layers.EthernetTypeDot1Q), dot1q(7, layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolTCP), tcp(40000, 80)),
			},
			toCli: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4s, v4c, layers.IPProtocolTCP), tcp(80, 40000)),
			},
			passes: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolTCP), tcpFlags(40000, 80, func(l *layers.TCP) { l.SYN = true })),
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4s, v4c, layers.IPProtocolTCP), tcpFlags(80, 40000, func(l *layers.TCP) { l.FIN = true })),
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4s, v4c, layers.IPProtocolTCP), tcpFlags(80, 40000, func(l *layers.TCP) { l.RST = true })),
				frame(t, eth(layers.EthernetTypeIPv4), frag, tcp(40000, 80)),
			},
			others: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolTCP), tcp(40001, 80)),
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4c, v4s, layers.IPProtocolUDP), udp(40000, 80)),
				frame(t, eth(layers.EthernetTypeIPv4), ip4(v4c, "10.20.30.41", layers.IPProtocolTCP), tcp(40000, 80)),
				// The same address bytes as IPv6 are another flow.
				frame(t, eth(layers.EthernetTypeIPv6), ip6("::ffff:"+v4c, "::ffff:"+v4s, layers.IPProtocolUDP), udp(40000, 80)),
			},
		},
		{
			name:  "ipv6-udp",
			tuple: Tuple{Client: netip.MustParseAddr(v6c), ClientPort: 53000, Server: netip.MustParseAddr(v6s), ServerPort: 53, Proto: 17},
			toSrv: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv6), ip6(v6c, v6s, layers.IPProtocolUDP), udp(53000, 53)),
				frame(t, eth(layers.EthernetTypeIPv6), v6hbh, hbh, udp(53000, 53)),
			},
			toCli: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv6), ip6(v6s, v6c, layers.IPProtocolUDP), udp(53, 53000)),
				frame(t, eth(layers.EthernetTypeDot1Q), dot1q(7, layers.EthernetTypeIPv6), ip6(v6s, v6c, layers.IPProtocolUDP), udp(53, 53000)),
			},
			others: [][]byte{
				frame(t, eth(layers.EthernetTypeIPv6), ip6(v6c, v6s, layers.IPProtocolUDP), udp(53001, 53)),
				frame(t, eth(layers.EthernetTypeIPv6), ip6(v6c, v6s, layers.IPProtocolTCP), tcp(53000, 53)),
			},
		},
	}
}

func sumLen(frames [][]byte) uint64 {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return uint64(n)
}

// TestBypassDropsAndCounts: a flow not in the map passes; once added, its packets are dropped
// and counted by direction (through VLAN tags and IPv6 options), its control segments and
// fragments still pass, other flows are untouched, and removing it returns the counts and
// lets its packets through again.
func TestBypassDropsAndCounts(t *testing.T) {
	for _, frags := range []bool{true, false} {
		variant := "plain"
		if frags {
			variant = "frags"
		}
		t.Run(variant, func(t *testing.T) { testDropsAndCounts(t, loadBypassOrSkip(t, frags)) })
	}
}

func testDropsAndCounts(t *testing.T, b *Bypass) {
	for _, c := range bypassCases(t) {
		t.Run(c.name, func(t *testing.T) {
			all := append(append(append([][]byte{}, c.toSrv...), c.toCli...), c.passes...)
			for _, fr := range all {
				verdict(t, b, "before add", fr, XDPPass)
			}
			if _, ok, err := b.Lookup(c.tuple); err != nil || ok {
				t.Fatalf("lookup before add: ok %v, err %v", ok, err)
			}
			before := time.Now().UnixNano()
			if err := b.Add(c.tuple); err != nil {
				t.Fatal(err)
			}
			// Adding twice keeps the counts.
			for _, fr := range c.toSrv {
				verdict(t, b, "to server", fr, XDPDrop)
			}
			if err := b.Add(c.tuple); err != nil {
				t.Fatal(err)
			}
			for _, fr := range c.toCli {
				verdict(t, b, "to client", fr, XDPDrop)
			}
			for _, fr := range c.passes {
				verdict(t, b, "control or fragment", fr, XDPPass)
			}
			for _, fr := range c.others {
				verdict(t, b, "other flow", fr, XDPPass)
			}
			got, ok, err := b.Lookup(c.tuple)
			if err != nil || !ok {
				t.Fatalf("lookup: ok %v, err %v", ok, err)
			}
			want := Counters{
				PktsToServer: uint64(len(c.toSrv)), PktsToClient: uint64(len(c.toCli)),
				BytesToServer: sumLen(c.toSrv), BytesToClient: sumLen(c.toCli),
			}
			last := got.Last
			got.Last = 0
			if got != want {
				t.Errorf("counters %+v, want %+v", got, want)
			}
			// The monotonic stamp converted to wall time lands within the test's span.
			if after := time.Now().UnixNano(); last < before-int64(time.Millisecond) || last > after+int64(time.Millisecond) {
				t.Errorf("last seen %d not within [%d, %d]", last, before, after)
			}
			// The reverse orientation of the same flow reads the same counts swapped.
			rev := Tuple{Client: c.tuple.Server, ClientPort: c.tuple.ServerPort, Server: c.tuple.Client, ServerPort: c.tuple.ClientPort, Proto: c.tuple.Proto}
			if r, _, _ := b.Lookup(rev); r.PktsToServer != want.PktsToClient || r.BytesToClient != want.BytesToServer {
				t.Errorf("reverse lookup %+v does not mirror %+v", r, want)
			}
			rm, ok, err := b.Remove(c.tuple)
			rm.Last = 0
			if err != nil || !ok || rm != want {
				t.Errorf("remove: %+v ok %v err %v, want %+v", rm, ok, err, want)
			}
			if _, ok, err := b.Remove(c.tuple); ok || err != nil {
				t.Errorf("second remove: ok %v err %v, want not found", ok, err)
			}
			for _, fr := range all {
				verdict(t, b, "after remove", fr, XDPPass)
			}
		})
	}
}

func TestBypassTupleErrors(t *testing.T) {
	bad := []Tuple{
		{Client: netip.MustParseAddr("10.0.0.1"), Server: netip.MustParseAddr("10.0.0.2"), Proto: 1},
		{Client: netip.MustParseAddr("10.0.0.1"), Server: netip.MustParseAddr("::1"), Proto: 6},
		{Server: netip.MustParseAddr("10.0.0.2"), Proto: 17},
	}
	for _, tu := range bad {
		if _, _, err := tu.key(); err == nil {
			t.Errorf("%+v: no error", tu)
		}
	}
	// Both orientations build one key.
	a := Tuple{Client: netip.MustParseAddr("10.0.0.2"), ClientPort: 1, Server: netip.MustParseAddr("10.0.0.2"), ServerPort: 2, Proto: 6}
	b := Tuple{Client: a.Server, ClientPort: a.ServerPort, Server: a.Client, ServerPort: a.ClientPort, Proto: 6}
	ka, sa, _ := a.key()
	kb, sb, _ := b.key()
	if ka != kb || sa == sb {
		t.Errorf("keys %v/%v (swapped %v/%v) differ by orientation", ka, kb, sa, sb)
	}
}

func TestParseXDPMode(t *testing.T) {
	for in, want := range map[string]XDPMode{"": XDPAuto, "auto": XDPAuto, "none": XDPAuto, "native": XDPNative, "driver": XDPNative, "generic": XDPGeneric, "soft": XDPGeneric} {
		got, err := ParseXDPMode(in)
		if err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"hw", "bogus"} {
		if _, err := ParseXDPMode(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// gopacket's IPv6 hop-by-hop layer serialises only when asked through SerializeTo; make sure
// the frame above really carries the extension header.
func TestHopByHopFrame(t *testing.T) {
	c := bypassCases(t)[1]
	p := gopacket.NewPacket(c.toSrv[1], layers.LayerTypeEthernet, gopacket.Default)
	if p.Layer(layers.LayerTypeIPv6HopByHop) == nil || p.Layer(layers.LayerTypeUDP) == nil {
		t.Fatalf("frame lacks hop-by-hop or UDP: %v", p)
	}
}
