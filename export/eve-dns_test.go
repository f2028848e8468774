package export

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sampleDNSv3 is a Suricata 8 request or a response carrying every kind of record data.
func sampleDNSv3(response bool) *DNSEvent {
	e := &DNSEvent{AppHeader: sampleAppHeader(4, false), ID: 0xbeef, Flags: 0x0100, Rcode: []byte("NOERROR"),
		Queries: []DNSQuery{{RRName: []byte("example.com"), RRType: []byte("TXT")},
			{RRName: []byte("x.example"), RRType: []byte("A"), Truncated: true}}}
	if !response {
		return e
	}
	e.Response, e.Flags = true, 0x8580
	text := func(t, d string) DNSAnswer {
		return DNSAnswer{RRName: []byte("example.com"), RRType: []byte(t), TTL: 3, Data: DNSDataText, RData: []byte(d)}
	}
	e.Answers = []DNSAnswer{text("TXT", "one"), text("A", "192.0.2.1"), text("TXT", ""),
		{RRName: []byte("example.com"), RRType: []byte("HINFO"), TTL: 3},
		{RRName: []byte("_x._udp"), RRType: []byte("SRV"), TTL: 3, Data: DNSDataSRV,
			SRV: DNSSRV{Priority: 1, Weight: 2, Port: 53, Name: []byte("ns.example")}},
		{RRName: []byte("h.example"), RRType: []byte("SSHFP"), TTL: 3, Data: DNSDataSSHFP,
			SSHFP: DNSSSHFP{Algo: 1, Type: 2, Fingerprint: []byte{0xab, 0x01}}}}
	e.Authorities = []DNSAnswer{{RRName: []byte("example.com"), RRType: []byte("SOA"), TTL: 9, Data: DNSDataSOA,
		SOA: DNSSOA{MName: []byte("ns.example"), RName: []byte("root.example"), Serial: 1, Minimum: 5}}}
	e.Additionals = []DNSAnswer{{RRName: []byte(""), RRType: []byte("OPT"), Data: DNSDataOPT,
		RData: []byte{0, 10, 0, 2, 0xca, 0xfe}}}
	return e
}

func decodeDNS(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var m struct{ DNS map[string]any }
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return m.DNS
}

func TestDNSv3Request(t *testing.T) {
	d := decodeDNS(t, defaultEVE.AppendDNS(nil, sampleDNSv3(false)))
	want := map[string]any{"version": 3.0, "type": "request", "tx_id": 4.0, "id": 48879.0, "flags": "100", "rd": true,
		"opcode": 0.0, "rcode": "NOERROR", "queries": []any{
			map[string]any{"rrname": "example.com", "rrtype": "TXT"},
			map[string]any{"rrname": "x.example", "rrtype": "A", "rrname_truncated": true}}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("v3 request:\n got %v\nwant %v", d, want)
	}
}

func TestDNSv3Response(t *testing.T) {
	d := decodeDNS(t, defaultEVE.AppendDNS(nil, sampleDNSv3(true)))
	if d["type"] != "response" || d["flags"] != "8580" || d["qr"] != true || d["aa"] != true || d["rd"] != true ||
		d["ra"] != true || d["tc"] != nil || d["rrname"] != nil {
		t.Errorf("v3 response header: %v", d)
	}
	answers := d["answers"].([]any)
	if len(answers) != 6 || answers[2].(map[string]any)["rdata"] != "" {
		t.Errorf("answers: an empty TXT string keeps its rdata: %v", answers)
	}
	if _, ok := answers[3].(map[string]any)["rdata"]; ok {
		t.Errorf("a type without decoded data has no rdata: %v", answers[3])
	}
	if srv := answers[4].(map[string]any)["srv"].(map[string]any); srv["port"] != 53.0 || srv["name"] != "ns.example" {
		t.Errorf("srv: %v", srv)
	}
	if fp := answers[5].(map[string]any)["sshfp"].(map[string]any); fp["fingerprint"] != "ab:01" || fp["type"] != 2.0 {
		t.Errorf("sshfp: %v", fp)
	}
	wantGrouped := map[string]any{"TXT": []any{"one", ""}, "A": []any{"192.0.2.1"},
		"SRV":   []any{map[string]any{"priority": 1.0, "weight": 2.0, "port": 53.0, "name": "ns.example"}},
		"SSHFP": []any{map[string]any{"fingerprint": "ab:01", "algo": 1.0, "type": 2.0}}}
	if !reflect.DeepEqual(d["grouped"], wantGrouped) {
		t.Errorf("grouped:\n got %v\nwant %v", d["grouped"], wantGrouped)
	}
	if soa := d["authorities"].([]any)[0].(map[string]any)["soa"].(map[string]any); soa["mname"] != "ns.example" || soa["minimum"] != 5.0 {
		t.Errorf("authorities: %v", d["authorities"])
	}
	opt := d["additionals"].([]any)[0].(map[string]any)["opt"].([]any)
	if !reflect.DeepEqual(opt, []any{map[string]any{"code": 10.0, "data": "cafe"}}) {
		t.Errorf("additionals opt: %v", opt)
	}
}

func TestDNSFormats(t *testing.T) {
	e := sampleDNSv3(true)
	for _, tc := range []struct {
		f                 DNSFormats
		detailed, grouped bool
	}{{0, true, true}, {DNSDetailed, true, false}, {DNSGrouped, false, true}, {DNSDetailed | DNSGrouped, true, true}} {
		e.Formats = tc.f
		d := decodeDNS(t, defaultEVE.AppendDNS(nil, e))
		if _, ok := d["answers"]; ok != tc.detailed {
			t.Errorf("formats %d: answers present %v", tc.f, ok)
		}
		if _, ok := d["grouped"]; ok != tc.grouped {
			t.Errorf("formats %d: grouped present %v", tc.f, ok)
		}
	}
}

func TestDNSv2(t *testing.T) {
	q := sampleDNSv3(false)
	q.Version, q.Flags, q.Rcode = 2, 0x0140, nil
	d := decodeDNS(t, defaultEVE.AppendDNS(nil, q))
	want := map[string]any{"version": 2.0, "type": "query", "id": 48879.0, "rrname": "example.com", "rrtype": "TXT",
		"tx_id": 4.0, "z": true, "opcode": 0.0}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("v2 query:\n got %v\nwant %v", d, want)
	}
	r := sampleDNSv3(true)
	r.Version = 2
	d = decodeDNS(t, defaultEVE.AppendDNS(nil, r))
	if d["type"] != "answer" || d["rrname"] != "example.com" || d["rrtype"] != "TXT" || d["queries"] != nil ||
		d["tx_id"] != nil || d["grouped"] == nil || d["authorities"] == nil || d["additionals"] == nil {
		t.Errorf("v2 answer: %v", d)
	}
}

func TestAppendHex16(t *testing.T) {
	for v, want := range map[uint16]string{0: "0", 0x100: "100", 0x8180: "8180", 0x000f: "f"} {
		if got := string(appendHex16(nil, v)); got != want {
			t.Errorf("appendHex16(%#x) = %q, want %q", v, got, want)
		}
	}
}
