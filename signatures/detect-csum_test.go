package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// inspectFrame decodes frame with a decoder in checksum mode mode and inspects it.
func (h *engineHarness) inspectFrame(frame []byte, mode decoders.ChecksumMode) []uint32 {
	h.t.Helper()
	cfg := decoders.DefaultConfig()
	cfg.Checksums = mode
	decoders.NewDecoder(cfg).Decode(&h.pkt, frame, decoders.LinkEthernet, 0, len(frame))
	return h.inspectRaw(&h.pkt)
}

func TestCsumParse(t *testing.T) {
	r := mustRule(t, `alert ip any any -> any any (ipv4-csum:valid; tcpv4-csum:INVALID; udpv6-csum: vaLid ; sid:1;)`)
	want := []CsumMatch{{CsumIPv4, true}, {CsumTCPv4, false}, {CsumUDPv6, true}}
	if len(r.Csums) != len(want) {
		t.Fatalf("parsed %+v", r.Csums)
	}
	for i := range want {
		if r.Csums[i] != want[i] {
			t.Errorf("keyword %d: %+v, want %+v", i, r.Csums[i], want[i])
		}
	}
	// Suricata loads a quoted "valid" but sets it from the raw value: it means invalid.
	if r := mustRule(t, `alert ip any any -> any any (icmpv4-csum:"valid"; sid:2;)`); r.Csums[0].Valid {
		t.Errorf("quoted valid parsed as valid")
	}
	for _, bad := range []string{"vaild", "", "valid invalid", `"valid`} {
		if r, _ := loadOne(t, `alert ip any any -> any any (ipv4-csum:`+bad+`; sid:3;)`); r != nil {
			t.Errorf("ipv4-csum:%s loaded", bad)
		}
	}
}

func TestCsumMatch(t *testing.T) {
	h := newHarness(t, `alert ip any any -> any any (ipv4-csum:valid; sid:1;)
alert ip any any -> any any (ipv4-csum:invalid; sid:2;)
alert tcp any any -> any any (tcpv4-csum:valid; sid:3;)
alert tcp any any -> any any (tcpv4-csum:invalid; sid:4;)
alert ip any any -> any any (udpv4-csum:valid; sid:5;)
alert ip any any -> any any (udpv4-csum:invalid; sid:6;)
alert ip any any -> any any (tcpv6-csum:valid; sid:7;)
alert ip any any -> any any (icmpv4-csum:valid; sid:8;)
`, EngineOptions{})
	good := buildFrame(tcpTo(80, "hello"))
	badTCP := buildFrame(tcpTo(80, "hello"))
	badTCP[len(badTCP)-1] ^= 0xff // payload changed after the checksum was computed
	badIP := buildFrame(tcpTo(80, "hello"))
	badIP[14+8]-- // TTL
	u := tcpTo(53, "q")
	u.proto = 17
	udp := buildFrame(u)
	udpNoSum := buildFrame(u)
	udpNoSum[14+20+6], udpNoSum[14+20+7] = 0, 0

	for _, c := range []struct {
		name  string
		frame []byte
		mode  decoders.ChecksumMode
		want  []uint32
	}{
		{"good tcp", good, decoders.ChecksumAll, []uint32{1, 3}},
		{"bad tcp", badTCP, decoders.ChecksumAll, []uint32{1, 4}},
		// The TTL is not in TCP's pseudo-header: only the IP checksum breaks.
		{"bad ip", badIP, decoders.ChecksumAll, []uint32{2, 3}},
		{"good udp", udp, decoders.ChecksumAll, []uint32{1, 5}},
		// A zero UDPv4 checksum was never computed: neither valid nor invalid.
		{"udp without checksum", udpNoSum, decoders.ChecksumAll, []uint32{1}},
		// Not validated (-k none): every keyword that applies says valid, whatever the bytes.
		{"bad tcp, -k none", badTCP, decoders.ChecksumNone, []uint32{1, 3}},
		{"bad ip, -k none", badIP, decoders.ChecksumNone, []uint32{1, 3}},
	} {
		if got := h.inspectFrame(c.frame, c.mode); !sidsEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// A pseudo packet (no headers) matches no checksum keyword.
	p := decoders.Packet{Layers: decoders.HasIPv4 | decoders.HasTCP}
	if got := h.inspectRaw(&p); len(got) != 0 {
		t.Errorf("pseudo packet: %v", got)
	}
}

func TestTCPFlagsKeyword(t *testing.T) {
	for _, c := range []struct {
		val       string
		bits, ign uint8
		mod       byte
	}{
		{"S,12", decoders.TCPSyn, 0xc0, 0},
		{"R,A", decoders.TCPRst, decoders.TCPAck, 0},
		{"SA+", decoders.TCPSyn | decoders.TCPAck, 0, '+'},
		{"! S", decoders.TCPSyn, 0, '!'},
		{"SF0", 0, 0, 0}, // 0 clears what came before it
		{"0,12", 0, 0xc0, 0},
		{"*AP,12", decoders.TCPAck | decoders.TCPPsh, 0xc0, '*'},
		{"SFU12", decoders.TCPSyn | decoders.TCPFin | decoders.TCPUrg | 0xc0, 0, 0},
	} {
		r := mustRule(t, `alert tcp any any -> any any (tcp.flags:`+c.val+`; sid:1;)`)
		if f := r.Flags; f == nil || f.Bits != c.bits || f.Ignore != c.ign || f.Mod != c.mod {
			t.Errorf("tcp.flags:%s parsed as %+v", c.val, r.Flags)
		}
	}
	for _, bad := range []string{"!", "S,", "S,0", "S!*", "SX", "S,X"} {
		if r, _ := loadOne(t, `alert tcp any any -> any any (flags:`+bad+`; sid:1;)`); r != nil {
			t.Errorf("flags:%s loaded", bad)
		}
	}
	for _, c := range []struct {
		val   string
		flags uint8
		want  bool
	}{
		{"R,A", decoders.TCPRst | decoders.TCPAck, true},
		{"R,A", decoders.TCPRst, true},
		{"R,A", decoders.TCPRst | decoders.TCPPsh, false},
		{"0", 0, true},
		{"0", decoders.TCPAck, false},
		// "No flags" is judged before the mask: CWR alone is still a flag.
		{"0,12", 0x80, false},
		{"!0", decoders.TCPAck, true},
		{"!0", 0, false},
		{"S+", decoders.TCPSyn | decoders.TCPAck, true},
		{"*SF", decoders.TCPFin | decoders.TCPAck, true},
		{"!S", decoders.TCPSyn | decoders.TCPAck, false},
	} {
		f, err := parseFlags(c.val, tcpFlagChars, true)
		if err != nil {
			t.Fatalf("flags:%s: %v", c.val, err)
		}
		if got := f.MatchTCPFlags(c.flags); got != c.want {
			t.Errorf("flags:%s on %#x: %v, want %v", c.val, c.flags, got, c.want)
		}
	}
}
