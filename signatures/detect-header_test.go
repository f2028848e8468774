package signatures

import (
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

func tcpPacket(src, dst string, sp, dp uint16, flags uint8) *decoders.Packet {
	return &decoders.Packet{
		Layers:  decoders.HasIPv4 | decoders.HasTCP,
		Src:     netip.MustParseAddr(src),
		Dst:     netip.MustParseAddr(dst),
		SrcPort: sp, DstPort: dp,
		IPProto: 6, TTL: 64, TOS: 0x10, IPID: 4321, IPFlags: 0x2,
		TCPFlags: flags, Seq: 1000, Ack: 2000, Window: 512,
		Payload: []byte("hello"),
	}
}

func TestMatchHeader(t *testing.T) {
	out := tcpPacket("8.8.8.8", "192.168.1.5", 40000, 80, decoders.TCPSyn|decoders.TCPAck)
	back := tcpPacket("192.168.1.5", "8.8.8.8", 80, 40000, decoders.TCPAck)
	icmp := &decoders.Packet{Layers: decoders.HasIPv4 | decoders.HasICMPv4, Src: netip.MustParseAddr("1.1.1.1"),
		Dst: netip.MustParseAddr("1.1.1.1"), IPProto: 1, TTL: 1, ICMPType: 8, ICMPCode: 0, ICMPID: 7, ICMPSeq: 9}
	est := FlowInfo{HasFlow: true, ToServer: true, Established: true}
	tests := []struct {
		rule string
		p    *decoders.Packet
		f    FlowInfo
		want bool
	}{
		{`alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (sid:1;)`, out, est, true},
		{`alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (sid:1;)`, back, est, false},
		{`alert tcp $HOME_NET any <> $EXTERNAL_NET 40000 (sid:1;)`, out, est, true},
		{`alert tcp $HOME_NET any -> $EXTERNAL_NET 40000 (sid:1;)`, out, est, false},
		{`alert udp any any -> any any (sid:1;)`, out, est, false},
		{`alert ip any any -> any any (sid:1;)`, icmp, FlowInfo{}, true},
		{`alert icmp any any -> any any (itype:8; icode:0; icmp_id:7; icmp_seq:9; sameip; sid:1;)`, icmp, FlowInfo{}, true},
		{`alert icmp any any -> any any (itype:>8; sid:1;)`, icmp, FlowInfo{}, false},
		{`alert tcp any any -> any any (flow:established,to_server; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (flow:to_client; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (flow:established; sid:1;)`, out, FlowInfo{}, false},
		{`alert tcp any any -> any any (flow:stateless; sid:1;)`, out, FlowInfo{}, true},
		{`alert tcp any any -> any any (flow:only_stream; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (flags:SA; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (flags:S; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (flags:S+; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (flags:*SF; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (flags:!S; sid:1;)`, back, est, true},
		{`alert tcp any any -> any any (flags:!S; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (flags:S,A; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (flags:0; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (ttl:64; tos:16; id:4321; window:512; seq:1000; ack:2000; ip_proto:tcp; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (ttl:<64; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (ttl:60<>70; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (window:!512; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (ip_proto:!6; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (fragbits:D; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (fragbits:M+; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (fragoffset:0; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (dsize:5; sid:1;)`, out, est, true},
		{`alert tcp any any -> any any (dsize:>5; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (ipopts:rr; sid:1;)`, out, est, false},
		{`alert tcp any any -> any any (sameip; sid:1;)`, out, est, false},
	}
	for _, tc := range tests {
		r := mustRule(t, tc.rule)
		if got := r.MatchHeader(tc.p, tc.f); got != tc.want {
			t.Errorf("%s on %v:%d->%v:%d = %v, want %v", tc.rule, tc.p.Src, tc.p.SrcPort, tc.p.Dst, tc.p.DstPort, got, tc.want)
		}
	}
}

func TestUintMatch(t *testing.T) {
	tests := []struct {
		expr    string
		in, out []uint64
	}{
		{"5", []uint64{5}, []uint64{4, 6}},
		{"!5", []uint64{4}, []uint64{5}},
		{"<5", []uint64{4}, []uint64{5}},
		{"<=5", []uint64{5}, []uint64{6}},
		{">5", []uint64{6}, []uint64{5}},
		{">=5", []uint64{5}, []uint64{4}},
		{"2<>5", []uint64{3, 4}, []uint64{2, 5}},
		{"2-5", []uint64{3}, []uint64{5}},
		{"!2-5", []uint64{2, 6}, []uint64{3}},
		{"0x10", []uint64{16}, []uint64{10}},
	}
	for _, tc := range tests {
		u, err := parseUint(tc.expr, 1<<32)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		for _, v := range tc.in {
			if !u.Match(v) {
				t.Errorf("%q should match %d", tc.expr, v)
			}
		}
		for _, v := range tc.out {
			if u.Match(v) {
				t.Errorf("%q should not match %d", tc.expr, v)
			}
		}
	}
	for _, bad := range []string{"", "x", "5<>2", "<", "!<5", "300"} {
		if _, err := parseUint(bad, 255); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestClassifications(t *testing.T) {
	c := DefaultClassifications()
	if len(c) != 43 || c["trojan-activity"].Priority != 1 || c["not-suspicious"].Priority != 3 {
		t.Errorf("classifications: %d entries", len(c))
	}
	r := DefaultReferences()
	if r["cve"] == "" || r["url"] != "https://" {
		t.Errorf("references %v", r)
	}
	rule := mustRule(t, `classtype:bad-unknown; priority:4;`)
	if rule.Priority != 4 || rule.Class.Priority != 2 {
		t.Errorf("priority keyword must win over classtype: %d", rule.Priority)
	}
	if rule := mustRule(t, `msg:"x";`); rule.Priority != 3 {
		t.Errorf("default priority %d", rule.Priority)
	}
}
