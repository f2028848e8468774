package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// inspectRaw runs the harness's matcher over a hand-made packet (no decoder involved).
func (h *engineHarness) inspectRaw(p *decoders.Packet) []uint32 {
	in := PacketInput{Pkt: p}
	h.out = h.m.Inspect(&in, h.out[:0])
	var sids []uint32
	for _, m := range h.out {
		sids = append(sids, m.Rule.SID)
	}
	return sids
}

func TestDecodeEventParse(t *testing.T) {
	r := mustRule(t, `alert pkthdr any any -> any any (msg:"t"; decode-event:ipv4.trunc_pkt; sid:1;)`)
	if !r.PktHdr || r.Proto != ProtoIP || len(r.DecodeEvents) != 1 || r.DecodeEvents[0] != decoders.EventIPv4TruncPkt {
		t.Fatalf("pkthdr/decode-event parsed as %+v %v", r.PktHdr, r.DecodeEvents)
	}
	r = mustRule(t, `alert ip any any -> any any (decode-event:decoder.tcp.pkt_too_small; sid:2;)`)
	if r.DecodeEvents[0] != decoders.EventTCPPktTooSmall {
		t.Fatalf("prefixed name parsed as %v", r.DecodeEvents)
	}
	if r, _ := loadOne(t, `alert pkthdr any any -> any any (decode-event:ipv4.no_such_event; sid:3;)`); r != nil {
		t.Fatal("unknown decoder event loaded")
	}
}

func TestDecodeEventMatch(t *testing.T) {
	h := newHarness(t, `alert pkthdr any any -> any any (msg:"trunc"; decode-event:ipv4.trunc_pkt; sid:1;)
alert ip any any -> any any (msg:"two"; decode-event:ipv4.trunc_pkt; decode-event:ipv4.opt_invalid; sid:2;)
alert ip 10.0.0.0/8 any -> any any (msg:"addr"; decode-event:ipv4.trunc_pkt; sid:3;)
alert tcp any any -> any any (msg:"plain"; content:"x"; sid:4;)
`, EngineOptions{})
	if h.e.Stats().IPOnly != 0 {
		t.Errorf("decode-event rules counted IP-only")
	}
	// A packet without an IP layer: only the decode-event rules that need no address run.
	var p decoders.Packet
	p.AddEvent(decoders.EventIPv4TruncPkt)
	if got := h.inspectRaw(&p); !sidsEqual(got, []uint32{1}) {
		t.Errorf("no-IP packet with trunc_pkt: %v, want [1]", got)
	}
	p.AddEvent(decoders.EventIPv4OptInvalid)
	if got := h.inspectRaw(&p); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("no-IP packet with both events: %v, want [1 2]", got)
	}
	var clean decoders.Packet
	if got := h.inspectRaw(&clean); len(got) != 0 {
		t.Errorf("no-IP packet without events: %v", got)
	}
	// An IP packet: the address rule can match too, and nothing matches without the event.
	s := tcpTo(80, "y")
	if got := h.inspect(s); len(got) != 0 {
		t.Errorf("IP packet without events: %v", got)
	}
	h.dec.Decode(&h.pkt, buildFrame(s), decoders.LinkEthernet, 0, 0)
	h.pkt.AddEvent(decoders.EventIPv4TruncPkt)
	in := PacketInput{Pkt: &h.pkt}
	h.out = h.m.Inspect(&in, h.out[:0])
	var got []uint32
	for _, m := range h.out {
		got = append(got, m.Rule.SID)
	}
	if !sidsEqual(got, []uint32{1, 3}) {
		t.Errorf("IP packet with trunc_pkt: %v, want [1 3]", got)
	}
}

func TestAppLayerEventParse(t *testing.T) {
	r := mustRule(t, `alert http any any -> any any (flow:established,to_server; app-layer-event:http.request_header_invalid; sid:1;)`)
	if r.App != AppHTTP || len(r.AppEvents) != 1 || !r.isTxRule() || r.appDirs != bufToServer {
		t.Fatalf("parsed as app %v events %v dirs %d", r.App, r.AppEvents, r.appDirs)
	}
	r = mustRule(t, `alert ip any any -> any any (app-layer-event:dns.malformed_data; sid:2;)`)
	if r.App != AppDNS || r.appDirs != bufBoth {
		t.Fatalf("dns event: app %v dirs %d", r.App, r.appDirs)
	}
	for _, bad := range []string{
		`alert http any any -> any any (app-layer-event:http.no_such_event; sid:3;)`,
		`alert tcp any any -> any any (app-layer-event:applayer.mismatch_protocol_both_directions; sid:4;)`,
		`alert tls any any -> any any (app-layer-event:dns.malformed_data; sid:5;)`,
		`alert tcp any any -> any any (app-layer-event:nodot; sid:6;)`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("loaded %s", bad)
		}
	}
}

// fakeTx is an AppTx with fixed events, DNS names and numbers.
type fakeTx struct {
	events  []string
	opcode  uint64
	rcode   uint64
	qtypes  []uint64
	queries []string
	answers []string
}

func (f *fakeTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	var l []string
	switch id {
	case BufDNSQueriesRRName:
		l = f.queries
	case BufDNSAnswersRRName:
		l = f.answers
	}
	if i < 0 || i >= len(l) {
		return nil, false
	}
	return []byte(l[i]), true
}

func (f *fakeTx) Number(id NumberID, toServer bool, i int) (uint64, bool) {
	switch {
	case id == NumDNSOpcode && i == 0:
		return f.opcode, true
	case id == NumDNSRcode && i == 0:
		return f.rcode, true
	case id == NumDNSRRType && i >= 0 && i < len(f.qtypes):
		return f.qtypes[i], true
	}
	return 0, false
}

func (f *fakeTx) Event(name string) bool {
	for _, e := range f.events {
		if e == name {
			return true
		}
	}
	return false
}

func (h *engineHarness) inspectTx(app AppProto, tx AppTx, toServer bool, now [2]uint8) []uint32 {
	h.t.Helper()
	s := tcpTo(53, "")
	s.proto = 17
	if !toServer {
		s = s.reply("")
	}
	h.dec.Decode(&h.pkt, buildFrame(s), decoders.LinkEthernet, 0, 0)
	in := TxInput{PacketInput: PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: toServer, App: app,
		AppTS: app, AppTC: app, FlowSlot: 1, FlowGen: 1}, Tx: tx, Now: now}
	h.out = h.m.InspectTx(&in, h.out[:0])
	var sids []uint32
	for _, m := range h.out {
		sids = append(sids, m.Rule.SID)
	}
	return sids
}

func TestAppLayerEventMatch(t *testing.T) {
	h := newHarness(t, `alert dns any any -> any any (app-layer-event:dns.malformed_data; sid:1;)
alert dns any any -> any any (flow:to_client; app-layer-event:dns.z_flag_set; sid:2;)
alert dns any any -> any any (app-layer-event:dns.malformed_data; app-layer-event:dns.z_flag_set; sid:3;)
`, EngineOptions{})
	if h.e.Stats().TxRules != 3 {
		t.Fatalf("tx rules %d, want 3", h.e.Stats().TxRules)
	}
	start := [2]uint8{StageStart, 0}
	if got := h.inspectTx(AppDNS, &fakeTx{events: []string{"dns.malformed_data"}}, true, start); !sidsEqual(got, []uint32{1}) {
		t.Errorf("request with malformed_data: %v, want [1]", got)
	}
	if got := h.inspectTx(AppDNS, &fakeTx{events: []string{"dns.z_flag_set"}}, true, start); len(got) != 0 {
		t.Errorf("request with z_flag_set: %v (sid 2 is to_client)", got)
	}
	both := [2]uint8{StageStart, StageStart}
	tx := &fakeTx{events: []string{"dns.z_flag_set", "dns.malformed_data"}}
	if got := h.inspectTx(AppDNS, tx, false, both); !sidsEqual(got, []uint32{1, 2, 3}) {
		t.Errorf("response with both events: %v, want [1 2 3]", got)
	}
	if got := h.inspectTx(AppDNS, &fakeTx{}, false, both); len(got) != 0 {
		t.Errorf("response without events: %v", got)
	}
}

func TestAppLayerEventHTTPStage(t *testing.T) {
	r := mustRule(t, `alert http any any -> any any (flow:to_server; app-layer-event:http.request_chunk_extension; sid:1;)`)
	tr := newTxRule(r)
	if tr.ready(0, [2]uint8{StageStart, 0}) || !tr.ready(0, [2]uint8{StageComplete, 0}) {
		t.Errorf("HTTP event rule should wait for the complete request: need %v", tr.need)
	}
}

func TestDNSKeywords(t *testing.T) {
	h := newHarness(t, `alert dns any any -> any any (dns.opcode:4; flow:to_server; sid:1;)
alert dns any any -> any any (dns.opcode:!0; flow:to_server; sid:2;)
alert dns any any -> any any (dns.queries.rrname; content:"example"; sid:3;)
alert dns any any -> any any (dns.answers.rrname; content:"cdn"; flow:to_client; sid:4;)
alert dns any any -> any any (dns.answer.name; content:"cdn"; sid:5;)
alert udp any any -> any any (app-layer-protocol:dns; app-layer-protocol:!http; dns.opcode:0; sid:6;)
`, EngineOptions{})
	start := [2]uint8{StageStart, 0}
	if got := h.inspectTx(AppDNS, &fakeTx{opcode: 4}, true, start); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("opcode 4 request: %v, want [1 2]", got)
	}
	if got := h.inspectTx(AppDNS, &fakeTx{opcode: 0, queries: []string{"a.org", "www.example.com"}}, true, start); !sidsEqual(got, []uint32{3, 6}) {
		t.Errorf("opcode 0 request for example: %v, want [3 6]", got)
	}
	both := [2]uint8{StageStart, StageStart}
	tx := &fakeTx{opcode: 1, answers: []string{"x.cdn.net"}}
	if got := h.inspectTx(AppDNS, tx, false, both); !sidsEqual(got, []uint32{4, 5}) {
		t.Errorf("response with cdn answer: %v, want [4 5]", got)
	}
	if got := h.inspectTx(AppHTTP, &fakeTx{}, true, start); len(got) != 0 {
		t.Errorf("http flow: %v", got)
	}
}

// TestDNSRcodeRRType: dns.rcode compares the message's rcode, dns.rrtype each question's type
// (any one matching), negations and ranges as other integer keywords.
func TestDNSRcodeRRType(t *testing.T) {
	h := newHarness(t, `alert dns any any -> any any (dns.rcode:3; flow:to_client; sid:1;)
alert dns any any -> any any (dns.rcode:!2; flow:to_client; sid:2;)
alert dns any any -> any any (dns.rrtype:28; sid:3;)
alert dns any any -> any any (dns.rrtype:>255; sid:4;)
`, EngineOptions{})
	both := [2]uint8{StageStart, StageStart}
	if got := h.inspectTx(AppDNS, &fakeTx{rcode: 3, qtypes: []uint64{1}}, false, both); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("NXDOMAIN for A: %v, want [1 2]", got)
	}
	if got := h.inspectTx(AppDNS, &fakeTx{rcode: 2, qtypes: []uint64{1, 28}}, false, both); !sidsEqual(got, []uint32{3}) {
		t.Errorf("SERVFAIL for A and AAAA: %v, want [3]", got)
	}
	if got := h.inspectTx(AppDNS, &fakeTx{qtypes: []uint64{256}}, true, [2]uint8{StageStart, 0}); !sidsEqual(got, []uint32{4}) {
		t.Errorf("request for type 256: %v, want [4]", got)
	}
	for _, bad := range []string{`dns.rcode:256;`, `dns.rrtype:65536;`, `dns.rcode:x;`} {
		if r, _ := loadOne(t, `alert dns any any -> any any (`+bad+` sid:9;)`); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
}

func TestMultipleAppLayerProtocol(t *testing.T) {
	r := mustRule(t, `alert tcp any any -> any any (app-layer-protocol:!http; app-layer-protocol:!tls; sid:1;)`)
	// A negated protocol needs detection to have settled the flow's protocol.
	for p, want := range map[AppProto]bool{AppHTTP: false, AppTLS: false, AppSSH: true, AppFailed: true, AppUnknown: false} {
		if got := r.matchAppLayer(&PacketInput{ToServer: true, App: p, AppTS: p, AppTC: p}); got != want {
			t.Errorf("proto %v: %v, want %v", p, got, want)
		}
	}
}

// TestAppLayerProtocolModes: each mode compares its own protocol of the flow; the default one
// is the protocol recognised on the packet's direction (Suricata 8).
func TestAppLayerProtocolModes(t *testing.T) {
	// A client speaking HTTP to an SSH server; the flow is parsed as HTTP.
	in := PacketInput{App: AppHTTP, AppTS: AppHTTP, AppTC: AppSSH}
	for _, c := range []struct {
		kw              string
		toServer, toCli bool // verdict on a packet to the server, to the client
	}{
		{"ssh", false, true},
		{"http", true, false},
		{"http,final", true, true},
		{"ssh,final", false, false},
		{"http,to_server", true, true},
		{"ssh,to_client", true, true},
		{"ssh,to_server", false, false},
		{"ssh,either", true, true},
		{"!ssh,either", false, false},
		{"!http", false, true},
		{"http,original", false, false},
	} {
		r := mustRule(t, `alert tcp any any -> any any (app-layer-protocol:`+c.kw+`; sid:1;)`)
		in.ToServer = true
		if got := r.matchAppLayer(&in); got != c.toServer {
			t.Errorf("%s to server: %v, want %v", c.kw, got, c.toServer)
		}
		in.ToServer = false
		if got := r.matchAppLayer(&in); got != c.toCli {
			t.Errorf("%s to client: %v, want %v", c.kw, got, c.toCli)
		}
	}
	// Nothing recognised yet on the client's side: neither it nor its negation holds there.
	in = PacketInput{App: AppHTTP, AppTS: AppHTTP}
	for _, kw := range []string{"http", "!http", "!ssh"} {
		r := mustRule(t, `alert tcp any any -> any any (app-layer-protocol:`+kw+`; sid:1;)`)
		if r.matchAppLayer(&in) {
			t.Errorf("%s matched a direction with nothing recognised", kw)
		}
	}
	if r, _ := loadOne(t, `alert tcp any any -> any any (app-layer-protocol:http,sideways; sid:1;)`); r != nil {
		t.Error("unknown mode accepted")
	}
}

func TestSSHHasshBuffers(t *testing.T) {
	r := mustRule(t, `alert ssh any any -> any any (ssh.hassh; content:"ec7378c1a92f5a8dde7e8b7a1ddf33d1"; ssh.hassh.server.string; content:"curve25519"; sid:1;)`)
	if len(r.Buffers) != 2 || r.Buffers[0].ID != BufSSHHassh || r.Buffers[1].ID != BufSSHHasshServerString {
		t.Fatalf("buffers %+v", r.Buffers)
	}
	tr := newTxRule(r)
	if !tr.ready(1, [2]uint8{StageComplete, StageComplete}) || tr.ready(1, [2]uint8{StageStart, StageComplete}) {
		t.Errorf("hassh rule readiness: need %v", tr.need)
	}
}

// The payload part of a transaction rule inspects the stream data that moved the transaction
// when the sensor passes it, not the packet at hand (which may be an empty pseudo packet).
func TestTxRulePayloadInspectsStream(t *testing.T) {
	h := newHarness(t, `alert dns any any -> any any (dns.queries.rrname; content:"example"; pkt_data; pcre:"/^GET/"; content:"two"; sid:1;)
`, EngineOptions{})
	tx := &fakeTx{queries: []string{"example.org"}}
	run := func(stream string, has bool) []uint32 {
		s := tcpTo(53, "")
		s.proto = 17
		h.dec.Decode(&h.pkt, buildFrame(s), decoders.LinkEthernet, 0, 0)
		in := TxInput{PacketInput: PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: true, App: AppDNS,
			FlowSlot: 1, FlowGen: 1}, Tx: tx, Now: [2]uint8{StageStart, 0}, Stream: []byte(stream), HasStream: has}
		h.out = h.m.InspectTx(&in, h.out[:0])
		var sids []uint32
		for _, m := range h.out {
			sids = append(sids, m.Rule.SID)
		}
		return sids
	}
	if got := run("", false); len(got) != 0 {
		t.Errorf("empty packet, no stream: %v", got)
	}
	if got := run("GET /one/\r\n\r\nGET /two/", true); !sidsEqual(got, []uint32{1}) {
		t.Errorf("stream holds the payload: %v, want [1]", got)
	}
	if got := run("POST /two/", true); len(got) != 0 {
		t.Errorf("stream without the payload: %v", got)
	}
}

// bodyTx is an HTTP transaction whose response body is file.data and http.response_body: the
// same slice, or, with split, two different ones.
type bodyTx struct {
	body, other []byte
	split       bool
}

func (b *bodyTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	if i != 0 || toServer {
		return nil, false
	}
	switch id {
	case BufFileData:
		return b.body, len(b.body) > 0
	case BufHTTPResponseBody:
		if b.split {
			return b.other, len(b.other) > 0
		}
		return b.body, len(b.body) > 0
	}
	return nil, false
}

func (b *bodyTx) Number(NumberID, bool, int) (uint64, bool) { return 0, false }
func (b *bodyTx) Event(string) bool                         { return false }

// TestSharedBodyPrefilter: file.data and http.response_body share one prefilter database and a
// body that is both is scanned once; each rule still matches only its own buffer's bytes.
func TestSharedBodyPrefilter(t *testing.T) {
	h := newHarness(t, `alert http any any -> any any (flow:to_client; file.data; content:"malware-one"; sid:1;)
alert http any any -> any any (flow:to_client; http.response_body; content:"payload-two"; sid:2;)
`, EngineOptions{})
	g := h.e.tx[AppHTTP][dirToClient]
	if g == nil || len(g.pfs) != 1 || len(g.pfs[0].bufs) != 2 {
		t.Fatalf("want one shared to_client prefilter over two buffers, got %+v", g)
	}
	inspect := func(tx AppTx) []uint32 {
		s := tcpTo(80, "").reply("")
		h.dec.Decode(&h.pkt, buildFrame(s), decoders.LinkEthernet, 0, 0)
		in := TxInput{PacketInput: PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: false, App: AppHTTP,
			FlowSlot: 1, FlowGen: 1}, Tx: tx, Now: [2]uint8{StageComplete, StageComplete}}
		h.out = h.m.InspectTx(&in, h.out[:0])
		var sids []uint32
		for _, m := range h.out {
			sids = append(sids, m.Rule.SID)
		}
		return sids
	}
	if got := inspect(&bodyTx{body: []byte("..malware-one..payload-two..")}); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("body with both patterns: %v, want [1 2]", got)
	}
	if got := inspect(&bodyTx{body: []byte("..payload-two..")}); !sidsEqual(got, []uint32{2}) {
		t.Errorf("body with the second pattern: %v, want [2]", got)
	}
	// Buffers that differ: each rule judged on its own buffer, whatever the other holds.
	split := &bodyTx{body: []byte("payload-two"), other: []byte("malware-one"), split: true}
	if got := inspect(split); len(got) != 0 {
		t.Errorf("patterns only in the other buffer: %v, want none", got)
	}
	split = &bodyTx{body: []byte("malware-one"), other: []byte("payload-two"), split: true}
	if got := inspect(split); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("each pattern in its own buffer: %v, want [1 2]", got)
	}
}
