package export

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sample records shared by the EVE and Arrow tests. Times are chosen with sub-microsecond parts so
// that truncation is exercised.
var (
	t0 = time.Date(2009, 11, 24, 21, 27, 9, 534255789, time.UTC)
	t1 = t0.Add(3*time.Second + 250*time.Millisecond)
)

func sampleTCPFlow() *FlowRecord {
	r := &FlowRecord{
		Tuple: Tuple{
			FlowID:      1234567890123,
			SrcIP:       netip.MustParseAddr("192.168.1.10"),
			DestIP:      netip.MustParseAddr("10.0.0.1"),
			SrcPort:     49152,
			DestPort:    80,
			Proto:       6,
			VLAN:        [3]uint16{100, 200},
			VLANCount:   2,
			CommunityID: MakeCommunityID("1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
		},
		Timestamp:     t1.Add(time.Minute).UnixNano(),
		AppProto:      "http",
		PktsToServer:  6,
		PktsToClient:  4,
		BytesToServer: 600,
		BytesToClient: 4000,
		Start:         t0.UnixNano(),
		End:           t1.UnixNano(),
		Age:           3,
		State:         "closed",
		Reason:        "timeout",
		Alerted:       true,
		HasTCP:        true,
		TCPFlags:      0x1b,
		TCPFlagsTS:    0x1b,
		TCPFlagsTC:    0x1a,
		TCPState:      "closed",
		ConnState:     "SF",
		History:       "ShADadFf",
		MissedBytes:   7,
	}
	return r
}

func sampleICMPv6Flow() *FlowRecord {
	return &FlowRecord{
		Tuple: Tuple{
			FlowID:   42,
			SrcIP:    netip.MustParseAddr("2001:db8::1"),
			DestIP:   netip.MustParseAddr("fe80::20c:29ff:fef3:cf38"),
			Proto:    58,
			ICMPType: 128,
			ICMPCode: 0,
		},
		Timestamp:        t1.UnixNano(),
		HasResponseICMP:  true,
		ResponseICMPType: 129,
		PktsToServer:     1,
		PktsToClient:     1,
		BytesToServer:    104,
		BytesToClient:    104,
		Start:            t0.UnixNano(),
		End:              t0.Add(time.Millisecond).UnixNano(),
		State:            "established",
		Reason:           "shutdown",
		Action:           "pass",
	}
}

func sampleOtherFlow() *FlowRecord {
	return &FlowRecord{
		Tuple: Tuple{
			FlowID: 7,
			SrcIP:  netip.MustParseAddr("10.1.0.1"),
			DestIP: netip.MustParseAddr("10.1.0.2"),
			Proto:  253,
		},
		Timestamp:             t1.UnixNano(),
		AppProto:              "fail\"ed\n\x01\xff",
		PktsToServer:          10,
		BytesToServer:         1000,
		Start:                 t0.UnixNano(),
		End:                   t1.UnixNano(),
		Age:                   4,
		State:                 "bypassed",
		Bypassed:              true,
		Bypass:                "capture",
		BypassedPktsToServer:  8,
		BypassedBytesToServer: 800,
	}
}

// decodeLine checks that b is exactly one newline-terminated JSON object and decodes it.
func decodeLine(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if len(b) == 0 || b[len(b)-1] != '\n' || bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("want one newline-terminated line, got %q", b)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return m
}

// get walks a dotted path through nested objects.
func get(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func expect(t *testing.T, m map[string]any, want map[string]any) {
	t.Helper()
	for path, w := range want {
		got, ok := get(m, path)
		if w == nil {
			if ok {
				t.Errorf("%s: want absent, got %v", path, got)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: missing", path)
			continue
		}
		switch w := w.(type) {
		case int:
			n, isNum := got.(json.Number)
			if !isNum || n.String() != strconv.Itoa(w) {
				t.Errorf("%s: got %v, want %d", path, got, w)
			}
		default:
			if got != w {
				t.Errorf("%s: got %#v, want %#v", path, got, w)
			}
		}
	}
}

// eveTime formats with the standard library, an oracle independent of appendTime.
func eveTime(ns int64, loc *time.Location) string {
	return time.Unix(0, ns).In(loc).Format("2006-01-02T15:04:05.000000-0700")
}

func TestAppendFlowJSONTCP(t *testing.T) {
	r := sampleTCPFlow()
	m := decodeLine(t, AppendFlowJSON(nil, r))
	expect(t, m, map[string]any{
		"timestamp":                      eveTime(r.Timestamp, time.UTC),
		"flow_id":                        1234567890123,
		"event_type":                     "flow",
		"src_ip":                         "192.168.1.10",
		"src_port":                       49152,
		"dest_ip":                        "10.0.0.1",
		"dest_port":                      80,
		"proto":                          "TCP",
		"app_proto":                      "http",
		"community_id":                   "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
		"icmp_type":                      nil,
		"pcap_cnt":                       nil,
		"host":                           nil,
		"flow.pkts_toserver":             6,
		"flow.pkts_toclient":             4,
		"flow.bytes_toserver":            600,
		"flow.bytes_toclient":            4000,
		"flow.start":                     "2009-11-24T21:27:09.534255+0000",
		"flow.end":                       eveTime(r.End, time.UTC),
		"flow.age":                       3,
		"flow.state":                     "closed",
		"flow.reason":                    "timeout",
		"flow.alerted":                   true,
		"flow.action":                    nil,
		"flow.bypassed":                  nil,
		"flow.bypass":                    nil,
		"tcp.tcp_flags":                  "1b",
		"tcp.tcp_flags_ts":               "1b",
		"tcp.tcp_flags_tc":               "1a",
		"tcp.syn":                        true,
		"tcp.fin":                        true,
		"tcp.rst":                        nil,
		"tcp.psh":                        true,
		"tcp.ack":                        true,
		"tcp.urg":                        nil,
		"tcp.ecn":                        nil,
		"tcp.cwr":                        nil,
		"tcp.state":                      "closed",
		"metadata.flowints.missed_bytes": 7,
	})
	vlan, _ := m["vlan"].([]any)
	if len(vlan) != 2 || vlan[0].(json.Number) != "100" || vlan[1].(json.Number) != "200" {
		t.Errorf("vlan = %v, want [100 200]", m["vlan"])
	}
	fv, _ := get(m, "metadata.flowvars")
	list, _ := fv.([]any)
	if len(list) != 2 || list[0].(map[string]any)["conn_state"] != "SF" || list[1].(map[string]any)["history"] != "ShADadFf" {
		t.Errorf("metadata.flowvars = %v", fv)
	}
}

func TestAppendFlowJSONICMPv6(t *testing.T) {
	r := sampleICMPv6Flow()
	m := decodeLine(t, AppendFlowJSON(nil, r))
	expect(t, m, map[string]any{
		"src_ip":             "2001:0db8:0000:0000:0000:0000:0000:0001",
		"dest_ip":            "fe80:0000:0000:0000:020c:29ff:fef3:cf38",
		"proto":              "IPv6-ICMP",
		"src_port":           nil,
		"dest_port":          nil,
		"icmp_type":          128,
		"icmp_code":          0,
		"response_icmp_type": 129,
		"response_icmp_code": 0,
		"app_proto":          nil,
		"community_id":       nil,
		"vlan":               nil,
		"metadata":           nil,
		"tcp":                nil,
		"flow.age":           0,
		"flow.alerted":       false,
		"flow.reason":        "shutdown",
		"flow.action":        "pass",
	})

	f := NewEVEFormat(EVEOptions{CompressIPv6: true, Host: "sensor \"a\""})
	m = decodeLine(t, f.AppendFlow(nil, r))
	expect(t, m, map[string]any{
		"src_ip":  "2001:db8::1",
		"dest_ip": "fe80::20c:29ff:fef3:cf38",
		"host":    "sensor \"a\"",
	})
}

func TestAppendFlowJSONOtherProto(t *testing.T) {
	r := sampleOtherFlow()
	m := decodeLine(t, AppendFlowJSON(nil, r))
	expect(t, m, map[string]any{
		"proto":                        "253",
		"src_port":                     nil,
		"icmp_type":                    nil,
		"tcp":                          nil,
		"app_proto":                    "fail\"ed\n\x01\ufffd",
		"flow.state":                   "bypassed",
		"flow.bypass":                  "capture",
		"flow.bypassed.pkts_toserver":  8,
		"flow.bypassed.bytes_toserver": 800,
		"flow.bypassed.pkts_toclient":  0,
	})

	// A TCP flow the tracker never saw a session for still gets a tcp object, with zero flags.
	r = &FlowRecord{Tuple: Tuple{Proto: 6, SrcIP: netip.MustParseAddr("1.2.3.4"), DestIP: netip.MustParseAddr("5.6.7.8")}}
	m = decodeLine(t, AppendFlowJSON(nil, r))
	expect(t, m, map[string]any{"tcp.tcp_flags": "00", "tcp.syn": nil, "flow_id": nil, "flow.reason": "unknown"})
}

func TestProtoName(t *testing.T) {
	for proto, want := range map[uint8]string{
		0: "HOPOPT", 1: "ICMP", 2: "IGMP", 4: "IP-in-IP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE",
		50: "ESP", 58: "IPv6-ICMP", 61: "Any", 103: "PIM", 112: "VRRP", 132: "SCTP", 143: "Ethernet",
		144: "144", 253: "253", 255: "255",
	} {
		if got := ProtoName(proto); got != want {
			t.Errorf("ProtoName(%d) = %q, want %q", proto, got, want)
		}
		if got := string(appendProtoName(nil, proto)); got != want {
			t.Errorf("appendProtoName(%d) = %q, want %q", proto, got, want)
		}
	}
}

func TestEVETimestampZones(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zoneinfo: %v", err)
	}
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("X", -(3*3600 + 30*60)), ny} {
		f := NewEVEFormat(EVEOptions{Location: loc})
		for _, ts := range []time.Time{t0, time.Date(2024, 7, 1, 0, 0, 0, 999, time.UTC), time.Unix(0, 0), time.Unix(-1, 5)} {
			got := string(f.appendTime(nil, ts.UnixNano()))
			if want := eveTime(ts.UnixNano(), loc); got != want {
				t.Errorf("%s %v: got %s, want %s", loc, ts, got, want)
			}
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s", "\x00\x1f\x7f", "tab\tnl\nret\r\b\f", "héllo ☃ 𝄞", "bad\xc3(\xff"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if s == "bad\xc3(\xff" {
			want = "bad\ufffd(\ufffd"
		}
		if got != want {
			t.Errorf("%q: round trip gave %q, want %q", s, got, want)
		}
	}
}

func TestEVEEncodersDoNotAllocate(t *testing.T) {
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	an := sampleAnomaly()
	st := sampleStats()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("X", 3600)
	}
	f := NewEVEFormat(EVEOptions{Location: ny, Host: "h"})
	buf := make([]byte, 0, 64<<10)
	allocs := testing.AllocsPerRun(100, func() {
		buf = buf[:0]
		for _, r := range recs {
			buf = AppendFlowJSON(buf, r)
			buf = f.AppendFlow(buf, r)
		}
		buf = AppendAnomalyJSON(buf, an)
		buf = AppendStatsJSON(buf, st)
	})
	if allocs != 0 {
		t.Errorf("encoders allocated %.1f times per run, want 0", allocs)
	}
}

func BenchmarkAppendFlowJSON(b *testing.B) {
	r := sampleTCPFlow()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = AppendFlowJSON(buf[:0], r)
	}
	cpu.Report(b, "rows")
	b.SetBytes(int64(len(buf)))
}

// TestPlainJSON8 checks the eight-byte test against a byte-by-byte one, on words made of bytes
// around every boundary it must get right.
func TestPlainJSON8(t *testing.T) {
	edges := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"' - 1, '"', '"' + 1, '\\' - 1, '\\', '\\' + 1, 'a', 0x7f, 0x80, 0xc3, 0xff}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200000; round++ {
		var b [8]byte
		want := true
		for i := range b {
			b[i] = 'x'
			if rng.IntN(3) == 0 {
				b[i] = edges[rng.IntN(len(edges))]
			}
			if b[i] < 0x20 || b[i] == '"' || b[i] == '\\' || b[i] >= 0x80 {
				want = false
			}
		}
		if got := plainJSON8(binary.LittleEndian.Uint64(b[:])); got != want {
			t.Fatalf("plainJSON8(%q) = %v, want %v", b, got, want)
		}
	}
	// And long strings through appendJSONString, so the word steps and the byte loop meet.
	for round := 0; round < 2000; round++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = 'x'
			if rng.IntN(8) == 0 {
				b[i] = edges[rng.IntN(len(edges))]
			}
		}
		s := string(b)
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: invalid JSON: %v", s, err)
		}
		var want strings.Builder
		for _, r := range s { // each invalid byte decodes as one RuneError
			want.WriteRune(r)
		}
		if got != want.String() {
			t.Fatalf("%q: round trip gave %q, want %q", s, got, want.String())
		}
	}
}
