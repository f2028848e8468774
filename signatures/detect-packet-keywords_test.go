package signatures

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Tests of the packet-level keywords: hostbits, the ipv4/ipv6 header protocols, the
// packet-header buffers, stream_size, flow.age, and the parse-time checks that go with them.

func TestHostbitsParse(t *testing.T) {
	r := mustRule(t, `hostbits:set,abc; hostbits:isset, b2 ,dst; hostbits:noalert;`)
	if !r.NoAlert || len(r.Xbits) != 2 {
		t.Fatalf("noalert %v, xbits %+v", r.NoAlert, r.Xbits)
	}
	want := []XbitOp{
		{Cmd: "set", Name: "abc", Track: "ip_src", Expire: 300, Host: true},
		{Cmd: "isset", Name: "b2", Track: "ip_dst", Expire: 300, Host: true},
	}
	for i := range want {
		if r.Xbits[i] != want[i] {
			t.Errorf("xbit %d = %+v, want %+v", i, r.Xbits[i], want[i])
		}
	}
	for _, bad := range []string{`hostbits:set;`, `hostbits:flip,a;`, `hostbits:set,a,sideways;`,
		`hostbits:noalert,a;`, `hostbits:set,a,both;`} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
}

// TestEngineHostbits follows Suricata's detect-hostbits tests: bits live per host, src by
// default, and a hostbits setter runs before the rules that read the bit.
func TestEngineHostbits(t *testing.T) {
	h := newHarness(t, `
alert ip any any -> any any (hostbits:isset,seen; sid:1;)
alert ip any any -> any any (hostbits:set,seen; content:"login"; sid:2;)
alert ip any any -> any any (hostbits:isset,seen,dst; content:"reply"; sid:3;)
alert ip any any -> any any (hostbits:toggle,tog,dst; content:"tog"; sid:4;)
alert ip any any -> any any (hostbits:isset,tog,dst; content:"tog"; sid:5;)
`, EngineOptions{})
	// The setter (sid 2) is ordered before the reader (sid 1), so the same packet sees the bit.
	h.expect(tcpTo(80, "login"), 2, 1)
	h.expect(tcpTo(80, "other"), 1)
	// Another source host has no bit; the reply goes to the host that has it.
	other := tcpTo(80, "other")
	other.src, other.slot = "10.0.0.9", 2
	h.expect(other)
	h.expect(tcpTo(80, "").reply("reply"), 3)
	// toggle sets then clears; the isset of the same packet runs after it (sid 1 still sees
	// the source's bit).
	h.expect(tcpTo(80, "tog"), 4, 1, 5)
	h.expect(tcpTo(80, "tog"), 4, 1)
}

func TestIPVersionProtocols(t *testing.T) {
	v4 := tcpPacket("10.0.0.1", "10.0.0.2", 1, 2, decoders.TCPAck)
	v6 := tcpPacket("2001:db8::1", "2001:db8::2", 1, 2, decoders.TCPAck)
	v6.Layers = decoders.HasIPv6 | decoders.HasTCP
	for _, tc := range []struct {
		rule   string
		v4, v6 bool
	}{
		{`alert ipv4 any any -> any any (sid:1;)`, true, false},
		{`alert ip4 any any -> any any (sid:1;)`, true, false},
		{`alert ipv6 any any -> any any (sid:1;)`, false, true},
		{`alert ip any any -> any any (sid:1;)`, true, true},
	} {
		r := mustRule(t, tc.rule)
		if got := r.MatchHeader(v4, FlowInfo{}); got != tc.v4 {
			t.Errorf("%s on IPv4 = %v", tc.rule, got)
		}
		if got := r.MatchHeader(v6, FlowInfo{}); got != tc.v6 {
			t.Errorf("%s on IPv6 = %v", tc.rule, got)
		}
	}
}

// TestTransactionalDirection: "=>" rules load as one request-response check inspected to the
// client, with two-way buffers placed by their named side; Suricata's impossible forms are
// refused.
func TestTransactionalDirection(t *testing.T) {
	r := mustRule(t, `alert http any any => any any (http.uri; content:"/d"; http.stat_code; content:"200"; http.connection: to_client; content:"close"; sid:7;)`)
	if !r.Transactional || r.appDirs != bufToClient || r.Raw == "" || !strings.Contains(r.Raw, "=>") {
		t.Fatalf("=> rule: transactional %v dirs %d raw %q", r.Transactional, r.appDirs, r.Raw)
	}
	for _, x := range r.Buffers {
		want := bufferDefs[x.ID].dir
		if x.ID == BufHTTPConnection {
			want = bufToClient
		}
		if x.dir != want {
			t.Errorf("%s: dir %d, want %d", x.Name, x.dir, want)
		}
	}
	// The same buffer named for both sides is two lists.
	r = mustRule(t, `alert http any any => any any (http.connection: to_client; content:"a"; http.connection: to_server; content:"b"; sid:8;)`)
	if len(r.Buffers) != 2 || r.Buffers[0].dir == r.Buffers[1].dir {
		t.Fatalf("two-sided connection: %d lists", len(r.Buffers))
	}
	for _, bad := range []string{
		`alert http any any => any any (http.uri; content:"/d"; http.stat_code; content:"200"; flow:to_server; sid:1;)`,
		`alert http any any => any any (http.uri; content:"/d"; sid:2;)`,
		`alert http any any => any any (http.uri; content:"/d"; http.stat_code; content:"200"; http.connection; content:"x"; sid:3;)`,
		`alert http any any => any any (content:"/d"; sid:4;)`,
		`alert http any any -> any any (http.uri: to_client; content:"/d"; sid:5;)`,
		`alert http any any -> any any (http.connection: sideways; content:"/d"; sid:6;)`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s: loaded, want refused", bad)
		}
	}
}

// decodePacket decodes a frame built by buildFrame into a fresh packet.
func decodePacket(t *testing.T, s pktSpec) *decoders.Packet {
	t.Helper()
	frame := buildFrame(s)
	p := &decoders.Packet{}
	decoders.NewDecoder(decoders.DefaultConfig()).Decode(p, frame, decoders.LinkEthernet, s.time, len(frame))
	if !p.Has(decoders.HasIPv4) {
		t.Fatalf("frame did not decode")
	}
	return p
}

func TestHdrBuffers(t *testing.T) {
	tcp := decodePacket(t, tcpTo(80, "payload"))
	udpSpec := tcpTo(53, "payload")
	udpSpec.proto = 17
	udp := decodePacket(t, udpSpec)
	st := newMatchState(0, 0)
	for _, tc := range []struct {
		rule     string
		tcp, udp bool
	}{
		// Source port 40000 = 0x9c40 starts the TCP header; the window 0xffff sits at 14.
		{`alert tcp any any -> any any (tcp.hdr; content:"|9c 40 00 50|"; depth:4; sid:1;)`, true, false},
		{`alert tcp any any -> any any (tcp.hdr; content:"|ff ff|"; offset:14; depth:2; sid:1;)`, true, false},
		// The header buffer ends where the payload starts.
		{`alert tcp any any -> any any (tcp.hdr; content:"payload"; sid:1;)`, false, false},
		{`alert tcp any any -> any any (tcp.hdr; bsize:20; sid:1;)`, true, false},
		{`alert ip any any -> any any (ipv4.hdr; content:"|45|"; depth:1; bsize:20; sid:1;)`, true, true},
		{`alert ip any any -> any any (ipv4.hdr; content:"|06|"; offset:9; depth:1; sid:1;)`, true, false},
		{`alert ip any any -> any any (ipv6.hdr; content:"|60|"; depth:1; sid:1;)`, false, false},
		{`alert udp any any -> any any (udp.hdr; content:"|00 35|"; offset:2; depth:2; bsize:8; sid:1;)`, false, true},
		{`alert ip any any -> any any (udp.hdr; content:"|00 35|"; offset:2; depth:2; sid:1;)`, false, true},
		// A header buffer and the payload together.
		{`alert tcp any any -> any any (tcp.hdr; content:"|00 50|"; pkt_data; content:"pay"; sid:1;)`, true, false},
	} {
		r := mustRule(t, tc.rule)
		for _, c := range []struct {
			p    *decoders.Packet
			want bool
		}{{tcp, tc.tcp}, {udp, tc.udp}} {
			got := r.MatchHdrBuffers(c.p, st) && r.MatchPayload(c.p.Payload, st)
			if got != c.want {
				t.Errorf("%s on %v = %v, want %v", tc.rule, c.p.Layers&(decoders.HasTCP|decoders.HasUDP), got, c.want)
			}
		}
	}
	for _, bad := range []string{
		`alert udp any any -> any any (tcp.hdr; content:"a"; sid:1;)`,
		`alert tcp any any -> any any (icmpv4.hdr; content:"a"; sid:1;)`,
		`alert ipv6 any any -> any any (ipv4.hdr; content:"a"; sid:1;)`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
}

func TestHdrBytesIPv6ExtensionHeaders(t *testing.T) {
	// IPv6 + an 8-byte hop-by-hop header + UDP: ipv6.hdr covers both IPv6 headers.
	l3 := make([]byte, 40+8+8)
	l3[0] = 0x60
	binary.BigEndian.PutUint16(l3[4:], 16)
	l3[6] = 0 // hop-by-hop
	l3[40] = 17
	p := &decoders.Packet{Layers: decoders.HasIPv6 | decoders.HasUDP, L3: l3, L4: l3[48:], Payload: l3[56:],
		Src: netip.MustParseAddr("::1"), Dst: netip.MustParseAddr("::2")}
	if h := hdrBytes(p, hdrIPv6); len(h) != 48 {
		t.Errorf("ipv6.hdr length %d, want 48", len(h))
	}
	if h := hdrBytes(p, hdrUDP); len(h) != 8 {
		t.Errorf("udp.hdr length %d, want 8", len(h))
	}
	if h := hdrBytes(p, hdrTCP); h != nil {
		t.Errorf("tcp.hdr on UDP: %x", h)
	}
	// ICMPv4: a router advertisement's address entries and the timestamps are header, as in
	// Suricata; an echo is 8 bytes; a short message has no header.
	icmp := func(b ...byte) *decoders.Packet {
		return &decoders.Packet{Layers: decoders.HasIPv4 | decoders.HasICMPv4, L4: b}
	}
	advert := icmp(9, 0, 0, 0, 1, 2, 0, 10, 14, 80, 84, 66, 0, 0, 0, 0, 0xff)
	echo := icmp(8, 0, 0, 0, 0, 1, 0, 1, 'd', 'a', 't', 'a')
	lying := icmp(9, 0, 0, 0, 9, 9, 0, 10, 1, 2)
	ts := icmp(append([]byte{13, 0, 0, 0, 0, 1, 0, 1}, make([]byte, 12)...)...)
	for _, tc := range []struct {
		p    *decoders.Packet
		want int
	}{{advert, 16}, {echo, 8}, {lying, 8}, {ts, 20}, {icmp(8, 0, 0), -1}} {
		h := hdrBytes(tc.p, hdrICMPv4)
		if (tc.want < 0 && h != nil) || (tc.want >= 0 && len(h) != tc.want) {
			t.Errorf("icmpv4.hdr of type %d: %d bytes, want %d", tc.p.L4[0], len(h), tc.want)
		}
	}
	// A truncated or lying header length yields no buffer rather than a panic.
	bad := &decoders.Packet{Layers: decoders.HasIPv4 | decoders.HasTCP, L3: []byte{0x4f, 0, 0, 0}, L4: []byte{0, 0}}
	if hdrBytes(bad, hdrIPv4) != nil || hdrBytes(bad, hdrTCP) != nil {
		t.Errorf("short headers gave a buffer")
	}
}

// seqPacket inspects a TCP packet with the given sequence numbers and flags.
func (h *engineHarness) seqPacket(s pktSpec, seq, ack uint32) []uint32 {
	h.t.Helper()
	frame := buildFrame(s)
	h.dec.Decode(&h.pkt, frame, decoders.LinkEthernet, s.time, len(frame))
	// The matcher reads the decoded fields, so setting them stands for a frame carrying them.
	h.pkt.Seq, h.pkt.Ack = seq, ack
	in := PacketInput{Pkt: &h.pkt, HasFlow: s.hasFlow, ToServer: s.toSrv, Established: s.est,
		FlowSlot: s.slot, FlowGen: s.gen}
	h.out = h.m.Inspect(&in, h.out[:0])
	var sids []uint32
	for _, m := range h.out {
		sids = append(sids, m.Rule.SID)
	}
	return sids
}

func TestEngineStreamSize(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (stream_size:client,>,10; content:"X"; sid:1;)
alert tcp any any -> any any (stream_size:server,<,5; content:"X"; sid:2;)
alert tcp any any -> any any (stream_size:either,=,1; content:"X"; sid:3;)
alert tcp any any -> any any (stream_size:client,>,10; stream_size:server,>,1; content:"X"; sid:4;)
`, EngineOptions{})
	syn := tcpTo(80, "")
	syn.tcpFlags, syn.est = decoders.TCPSyn, false
	if got := h.seqPacket(syn, 100, 0); len(got) != 0 {
		t.Errorf("SYN alerted %v", got)
	}
	synack := syn.reply("")
	synack.tcpFlags = decoders.TCPSyn | decoders.TCPAck
	h.seqPacket(synack, 5000, 101)
	// Client sent 1 (SYN) + 1 byte: span 2; server span 1 (its SYN).
	if got := h.seqPacket(tcpTo(80, "X"), 101, 5001); !sidsEqual(got, []uint32{2, 3}) {
		t.Errorf("first data: %v, want [2 3]", got)
	}
	// 10 more bytes: client span 12.
	if got := h.seqPacket(tcpTo(80, "XXXXXXXXXX"), 102, 5001); !sidsEqual(got, []uint32{1, 2, 3}) {
		t.Errorf("second data: %v, want [1 2 3]", got)
	}
	// A segment ahead of a gap does not move the span; the server's 8 bytes end sid 2 and 3.
	h.seqPacket(tcpTo(80, "").reply("12345678"), 5001, 112)
	if got := h.seqPacket(tcpTo(80, "X"), 500, 5009); !sidsEqual(got, []uint32{1, 4}) {
		t.Errorf("after server data: %v, want [1 4]", got)
	}
	// Without a flow stream_size never matches.
	nf := tcpTo(80, "XXXXXXXXXXXXXXXX")
	nf.hasFlow = false
	if got := h.seqPacket(nf, 1, 1); len(got) != 0 {
		t.Errorf("flowless packet alerted %v", got)
	}
}

func TestStreamSizeParse(t *testing.T) {
	r := mustRule(t, `stream_size:both,>=,100; stream_size:client,!=,7;`)
	want := []StreamSizeMatch{{Side: "both", Cmp: UintMatch{Op: 'g', A: 100}}, {Side: "client", Cmp: UintMatch{Op: '!', A: 7}}}
	if len(r.StreamSize) != 2 || r.StreamSize[0] != want[0] || r.StreamSize[1] != want[1] {
		t.Errorf("stream_size %+v", r.StreamSize)
	}
	for _, bad := range []string{`stream_size:server,<>,1;`, `stream_size:middle,<,1;`, `stream_size:server,<;`,
		`stream_size:server,<,x;`} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
}

func TestEngineFlowAge(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (flow.age:>20; content:"X"; sid:1;)`, EngineOptions{})
	p := tcpTo(80, "X")
	p.time = 1_000_900_000_000 // the flow starts at second 1000.9
	h.expect(p)
	p.time = 1_020_999_999_999 // whole-second age 20
	h.expect(p)
	p.time = 1_021_000_000_000 // age 21
	h.expect(p, 1)
	// A new flow on the same slot starts over.
	p.gen = 2
	h.expect(p)
}

func TestDsizeReachRefused(t *testing.T) {
	for _, tc := range []struct {
		rule string
		ok   bool
	}{
		{`dsize:10; content:"boom"; content:"loom"; distance:10;`, false},
		{`dsize:6; content:"boom"; content:"loom"; distance:2;`, false},
		{`dsize:<6; content:"boom"; content:"lo"; distance:1;`, false},
		{`dsize:2<>8; content:"boom"; offset:5;`, false},
		{`dsize:10; content:"boom"; content:"loom"; distance:-10;`, true},
		{`dsize:10; content:"boom"; content:"lo"; distance:2;`, true},
		{`dsize:>3; content:"boomboomboom";`, true},
		// Contents at fixed offsets ending exactly at the dsize (an ET Open shape).
		{`dsize:10; content:"|05 01 00 01|"; depth:4; content:"|00 19|"; offset:8; depth:2;`, true},
		{`dsize:10; content:"|05 01 00 01|"; depth:4; content:"|00 19|"; offset:9; depth:2;`, false},
		// A byte_jump may move the cursor back: the bound starts over.
		{`dsize:6; content:"boom"; byte_jump:1,0,from_beginning; content:"lo"; distance:0;`, true},
		{`dsize:4; content:"boom"; content:!"xx"; within:2;`, true},
	} {
		r, errs := loadOne(t, tc.rule)
		if (r != nil) != tc.ok {
			t.Errorf("%s: loaded %v, want %v (%v)", tc.rule, r != nil, tc.ok, errs)
		}
		if !tc.ok && (len(errs) != 1 || !strings.Contains(errs[0].Reason, "signature can't match")) {
			t.Errorf("%s: reason %v", tc.rule, errs)
		}
	}
}

func TestByteKeywordEdges(t *testing.T) {
	st := newMatchState(0, 0)
	// byte_test reads its offset as an int32: a far offset loads and never matches.
	r := mustRule(t, `byte_test:1,=,65,214748364;`)
	if r.MatchPayload([]byte("AAAA"), st) {
		t.Errorf("far byte_test offset matched")
	}
	if r, _ := loadOne(t, `byte_test:1,=,65,4294967296;`); r != nil {
		t.Errorf("byte_test offset past int32 loaded")
	}
	// A byte_extract'ed count of 0 makes byte_jump read nothing and jump by nothing.
	r = mustRule(t, `content:"|00 00 00|"; byte_extract:1,4,n,relative; byte_jump:n,0,relative; isdataat:1,relative;`)
	if !r.MatchPayload([]byte("\x00\x00\x00\x05\x34\x23\x06\x00\x21\x0a"), st) {
		t.Errorf("byte_jump with 0 bytes did not match")
	}
	if r.MatchPayload([]byte("\x00\x00\x00\x05\x34\x23\x06\x00"), st) {
		t.Errorf("isdataat past the end matched")
	}
	// A literal count of 0 loads for byte_jump only: the jump is post_offset alone.
	r = mustRule(t, `content:"ab"; byte_jump:0,0,relative,post_offset -2; content:"abc"; within:3;`)
	if !r.MatchPayload([]byte("xxabc"), st) || r.MatchPayload([]byte("xxabd"), st) {
		t.Errorf("byte_jump:0 with a negative post_offset")
	}
	for _, bad := range []string{`byte_test:0,=,1,0;`, `byte_extract:0,0,n; byte_test:1,=,n,0;`} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
	// A count above 8 from a variable is no match (binary reads are 1..8 bytes).
	r = mustRule(t, `byte_extract:1,0,n; byte_jump:n,1;`)
	if r.MatchPayload([]byte("\x09123456789abcdef"), st) {
		t.Errorf("byte_jump of 9 binary bytes matched")
	}
}

func TestNegatedEndswith(t *testing.T) {
	st := newMatchState(0, 0)
	r := mustRule(t, `content:"example"; content:!".google.com"; endswith;`)
	for _, tc := range []struct {
		payload string
		want    bool
	}{
		{"www.example.com", true},
		{"example.google.com", false},
		{"example.google.com.evil", true},
	} {
		if got := r.MatchPayload([]byte(tc.payload), st); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.payload, got, tc.want)
		}
	}
}

func TestBarePCRE(t *testing.T) {
	st := newMatchState(0, 0)
	r := mustRule(t, `alert tcp any any -> any any (msg:"bare"; pcre:/ab+c/i; content:"z"; sid:3;)`)
	if !r.MatchPayload([]byte("xABBCz"), st) || r.MatchPayload([]byte("xACz"), st) {
		t.Errorf("bare pcre did not match as the quoted form")
	}
	if r.Msg != "bare" || r.SID != 3 {
		t.Errorf("rebuilt rule lost options: %q %d", r.Msg, r.SID)
	}
	r = mustRule(t, `alert tcp any any -> any any (pcre:!/evil/; sid:4;)`)
	if !r.MatchPayload([]byte("good"), st) || r.MatchPayload([]byte("evil"), st) {
		t.Errorf("negated bare pcre")
	}
}
