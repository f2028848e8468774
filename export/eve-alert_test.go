package export

import (
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleTCPAlert fired on a reply: the packet goes server → client, so src is the server while
// the flow object keeps the client as src.
func sampleTCPAlert() *Alert {
	return &Alert{
		Tuple: Tuple{
			FlowID:      1234567890123,
			SrcIP:       netip.MustParseAddr("10.0.0.1"),
			DestIP:      netip.MustParseAddr("192.168.1.10"),
			SrcPort:     80,
			DestPort:    49152,
			Proto:       6,
			VLAN:        [3]uint16{100},
			VLANCount:   1,
			CommunityID: MakeCommunityID("1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
		},
		Timestamp:   t1.UnixNano(),
		PcapCnt:     9,
		PktSrc:      "wire/pcap",
		AppProto:    "http",
		Direction:   "to_client",
		TxID:        2,
		HasTxID:     true,
		Action:      "allowed",
		GID:         1,
		SignatureID: 2018358,
		Rev:         10,
		Signature:   "ET HUNTING \"quoted\" msg",
		Category:    "Potentially Bad Traffic",
		Severity:    2,
		Metadata: []MetadataEntry{
			{Key: "created_at", Values: []string{"2014_04_01"}},
			{Key: "tag", Values: []string{"b", "a"}},
		},
		HasFlow:       true,
		PktsToServer:  4,
		PktsToClient:  3,
		BytesToServer: 400,
		BytesToClient: 3000,
		FlowStart:     t0.UnixNano(),
		FlowSrcIP:     netip.MustParseAddr("192.168.1.10"),
		FlowDestIP:    netip.MustParseAddr("10.0.0.1"),
		FlowSrcPort:   49152,
		FlowDestPort:  80,
	}
}

func sampleICMPv6Alert() *Alert {
	return &Alert{
		Tuple: Tuple{
			FlowID:   42,
			SrcIP:    netip.MustParseAddr("2001:db8::1"),
			DestIP:   netip.MustParseAddr("2001:db8::2"),
			Proto:    58,
			ICMPType: 128,
		},
		Timestamp:     t0.UnixNano(),
		PcapCnt:       1,
		Direction:     "to_server",
		Action:        "blocked",
		Drop:          true,
		GID:           1,
		SignatureID:   7,
		Rev:           1,
		Signature:     "ping\nnewline",
		Severity:      3,
		HasFlow:       true,
		PktsToServer:  1,
		BytesToServer: 104,
		FlowStart:     t0.UnixNano(),
		FlowSrcIP:     netip.MustParseAddr("2001:db8::1"),
		FlowDestIP:    netip.MustParseAddr("2001:db8::2"),
	}
}

// sampleNoFlowAlert is an alert on a packet that belongs to no flow (an IP protocol the flow
// table does not track, or a full table).
func sampleNoFlowAlert() *Alert {
	return &Alert{
		Tuple:       Tuple{SrcIP: netip.MustParseAddr("10.1.0.1"), DestIP: netip.MustParseAddr("10.1.0.2"), Proto: 47},
		Timestamp:   t0.UnixNano(),
		PcapCnt:     3,
		GID:         1,
		SignatureID: 1,
		Signature:   "gre",
		Severity:    3,
	}
}

func TestAppendAlertJSON(t *testing.T) {
	a := sampleTCPAlert()
	line := AppendAlertJSON(nil, a)
	m := decodeLine(t, line)
	expect(t, m, map[string]any{
		"timestamp":           eveTime(a.Timestamp, time.UTC),
		"flow_id":             1234567890123,
		"pcap_cnt":            9,
		"event_type":          "alert",
		"src_ip":              "10.0.0.1",
		"src_port":            80,
		"dest_ip":             "192.168.1.10",
		"dest_port":           49152,
		"proto":               "TCP",
		"ip_v":                4,
		"community_id":        "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
		"pkt_src":             "wire/pcap",
		"tx_id":               2,
		"alert.action":        "allowed",
		"alert.gid":           1,
		"alert.signature_id":  2018358,
		"alert.rev":           10,
		"alert.signature":     "ET HUNTING \"quoted\" msg",
		"alert.category":      "Potentially Bad Traffic",
		"alert.severity":      2,
		"app_proto":           "http",
		"direction":           "to_client",
		"flow.pkts_toserver":  4,
		"flow.pkts_toclient":  3,
		"flow.bytes_toserver": 400,
		"flow.bytes_toclient": 3000,
		"flow.start":          "2009-11-24T21:27:09.534255+0000",
		"flow.src_ip":         "192.168.1.10",
		"flow.dest_ip":        "10.0.0.1",
		"flow.src_port":       49152,
		"flow.dest_port":      80,
		"flow.end":            nil,
		"flow.alerted":        nil,
	})
	md, _ := get(m, "alert.metadata")
	want := map[string]any{"created_at": []any{"2014_04_01"}, "tag": []any{"b", "a"}}
	if !reflect.DeepEqual(md, want) {
		t.Errorf("alert.metadata = %v, want %v", md, want)
	}
	// Suricata's order: header, community_id, tx_id, alert, app_proto, direction, flow.
	s := string(line)
	last := -1
	for _, key := range []string{`"timestamp"`, `"flow_id"`, `"pcap_cnt"`, `"event_type"`, `"vlan"`, `"src_ip"`, `"proto"`, `"pkt_src"`, `"community_id"`, `"tx_id"`, `"alert"`, `"app_proto"`, `"direction"`, `"flow"`} {
		i := strings.Index(s, key+":")
		if i <= last {
			t.Errorf("%s out of Suricata's order in %s", key, s)
		}
		last = i
	}
}

func TestAppendAlertJSONWithoutFlowOrPorts(t *testing.T) {
	m := decodeLine(t, AppendAlertJSON(nil, sampleICMPv6Alert()))
	expect(t, m, map[string]any{
		"src_ip":          "2001:0db8:0000:0000:0000:0000:0000:0001",
		"src_port":        nil,
		"ip_v":            6,
		"icmp_type":       128,
		"proto":           "IPv6-ICMP",
		"tx_id":           nil,
		"alert.action":    "blocked",
		"alert.category":  "",
		"alert.signature": "ping\nnewline",
		"alert.metadata":  nil,
		"flow.src_port":   nil,
		"flow.src_ip":     "2001:0db8:0000:0000:0000:0000:0000:0001",
		"app_proto":       nil,
	})
	m = decodeLine(t, AppendAlertJSON(nil, sampleNoFlowAlert()))
	expect(t, m, map[string]any{
		"flow_id": nil, "flow": nil, "direction": nil, "community_id": nil, "proto": "GRE", "pkt_src": nil,
		"alert.action": "allowed", "alert.signature_id": 1,
	})
}

func TestAlertsAgainstSuricataSchema(t *testing.T) {
	sch := eveSchema(t)
	host := NewEVEFormat(EVEOptions{CompressIPv6: true, Host: "sensor-1"})
	for name, line := range map[string][]byte{
		"tcp":       AppendAlertJSON(nil, sampleTCPAlert()),
		"icmpv6":    AppendAlertJSON(nil, sampleICMPv6Alert()),
		"no flow":   AppendAlertJSON(nil, sampleNoFlowAlert()),
		"with host": host.AppendAlert(nil, sampleTCPAlert()),
	} {
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %s\ndoes not validate: %v", name, line, err)
		}
	}
	// The alert object is closed in the schema: an unknown field must be refused, or the
	// checks above prove nothing.
	bad := strings.Replace(string(AppendAlertJSON(nil, sampleTCPAlert())), `"alert":{`, `"alert":{"bogus":1,`, 1)
	if err := validateLine(sch, []byte(bad)); err == nil {
		t.Errorf("schema accepted an alert with an unknown field: %s", bad)
	}
}

func TestAppendFastLog(t *testing.T) {
	got := string(AppendFastLog(nil, sampleTCPAlert()))
	want := "11/24/2009-21:27:12.784255  [**] [1:2018358:10] ET HUNTING \"quoted\" msg [**] " +
		"[Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:80 -> 192.168.1.10:49152\n"
	if got != want {
		t.Errorf("fast.log line\n got %q\nwant %q", got, want)
	}
	got = string(AppendFastLog(nil, sampleICMPv6Alert()))
	want = "11/24/2009-21:27:09.534255  [Drop] [**] [1:7:1] ping newline [**] [Classification: (null)] " +
		"[Priority: 3] {IPv6-ICMP} 2001:db8::1:128 -> 2001:db8::2:0\n"
	if got != want {
		t.Errorf("fast.log line\n got %q\nwant %q", got, want)
	}
	a := sampleNoFlowAlert()
	a.Drop = true
	if got := string(AppendFastLog(nil, a)); !strings.Contains(got, "  [wDrop] [**] [1:1:0] gre") || !strings.HasSuffix(got, "{GRE} 10.1.0.1:0 -> 10.1.0.2:0\n") {
		t.Errorf("fast.log line for a would-drop GRE alert: %q", got)
	}
	ist := NewEVEFormat(EVEOptions{Location: time.FixedZone("IST", 5*3600+1800)})
	if got := string(ist.AppendFastLog(nil, sampleTCPAlert())); !strings.HasPrefix(got, "11/25/2009-02:57:12.784255  ") {
		t.Errorf("fast.log time not in the configured zone: %q", got)
	}
}

func TestFastLogBuffer(t *testing.T) {
	var sb strings.Builder
	b := NewFastLogBuffer(&sb, nil, 0)
	b.Alert(sampleTCPAlert())
	b.Alert(sampleNoFlowAlert())
	if sb.Len() != 0 {
		t.Error("lines written before Flush")
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(sb.String(), "\n"); n != 2 {
		t.Errorf("%d lines after Flush, want 2: %q", n, sb.String())
	}
}

func TestAlertEncodersDoNotAllocate(t *testing.T) {
	alerts := []*Alert{sampleTCPAlert(), sampleICMPv6Alert(), sampleNoFlowAlert()}
	f := NewEVEFormat(EVEOptions{Location: time.FixedZone("X", 3600), Host: "h"})
	buf := make([]byte, 0, 64<<10)
	allocs := testing.AllocsPerRun(100, func() {
		buf = buf[:0]
		for _, a := range alerts {
			buf = AppendAlertJSON(buf, a)
			buf = f.AppendAlert(buf, a)
			buf = f.AppendFastLog(buf, a)
		}
	})
	if allocs != 0 {
		t.Errorf("alert encoders allocated %.1f times per run, want 0", allocs)
	}
}

func BenchmarkAppendAlertJSON(b *testing.B) {
	a := sampleTCPAlert()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = AppendAlertJSON(buf[:0], a)
	}
	cpu.Report(b, "rows")
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendFastLog(b *testing.B) {
	a := sampleTCPAlert()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = AppendFastLog(buf[:0], a)
	}
	b.SetBytes(int64(len(buf)))
}

// TestAppendAlertAppObject: a tx alert carries its transaction's app-layer object, the same
// object the app-layer event writes, between the alert object and app_proto; the dns object is
// Suricata 8's version 3 one whatever version the dns events use.
func TestAppendAlertAppObject(t *testing.T) {
	dnsV2 := sampleDNSv3(false)
	dnsV2.Version = 2
	for _, tc := range []struct {
		name string
		app  AlertApp
		key  string
		want map[string]any
	}{
		{"http", AlertApp{HTTP: sampleHTTP()}, "http", map[string]any{"http.hostname": string(sampleHTTP().Hostname)}},
		{"tls", AlertApp{TLS: sampleTLS()}, "tls", map[string]any{"tls.sni": string(sampleTLS().SNI)}},
		{"ssh", AlertApp{SSH: sampleSSH()}, "ssh", map[string]any{"ssh.client.proto_version": string(sampleSSH().Client.ProtoVersion)}},
		{"ftp", AlertApp{FTP: sampleFTPRetr()}, "ftp", map[string]any{"ftp.command": "RETR", "ftp.command_data": "temp.txt"}},
		{"ftp_data", AlertApp{FTPData: &FTPDataEvent{Filename: []byte("a.txt"), Command: "STOR"}}, "ftp_data",
			map[string]any{"ftp_data.filename": "a.txt", "ftp_data.command": "STOR"}},
		{"dns", AlertApp{DNS: dnsV2}, "dns", map[string]any{"dns.version": 3, "dns.type": "request",
			"dns.id": int(dnsV2.ID)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := sampleTCPAlert()
			a.App = tc.app
			line := AppendAlertJSON(nil, a)
			m := decodeLine(t, line)
			expect(t, m, tc.want)
			s := string(line)
			if i, j, k := strings.Index(s, `"alert":`), strings.Index(s, `"`+tc.key+`":`), strings.Index(s, `"app_proto":`); !(i < j && j < k) {
				t.Errorf("%s object not between alert and app_proto: %s", tc.key, s)
			}
			// The event writer's object and the alert's are the same bytes.
			var ev []byte
			switch {
			case tc.app.HTTP != nil:
				ev = appendHTTPObject(nil, tc.app.HTTP)
			case tc.app.TLS != nil:
				ev = appendTLSObject(nil, tc.app.TLS)
			case tc.app.SSH != nil:
				ev = appendSSHObject(nil, tc.app.SSH)
			case tc.app.FTP != nil:
				ev = appendFTPObject(nil, tc.app.FTP)
			case tc.app.FTPData != nil:
				ev = appendFTPDataObject(nil, tc.app.FTPData)
			}
			if ev != nil && !strings.Contains(s, string(ev)) {
				t.Errorf("alert's %s object differs from the event's %s", tc.key, ev)
			}
		})
	}
	a := sampleTCPAlert()
	a.App = AlertApp{HTTP: sampleHTTP()}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(50, func() { buf = AppendAlertJSON(buf[:0], a) }); n != 0 {
		t.Errorf("alert with an http object allocated %.1f times, want 0", n)
	}
}

// TestAppendAlertTunnel: an alert on a tunnelled packet carries the outer packet as its tunnel
// object (ports only for a transport that has them).
func TestAppendAlertTunnel(t *testing.T) {
	a := sampleTCPAlert()
	a.PktSrc = "vxlan encapsulation"
	a.HasTunnel = true
	a.Tunnel = TunnelInfo{SrcIP: netip.MustParseAddr("10.9.0.1"), DestIP: netip.MustParseAddr("10.9.0.2"),
		SrcPort: 51000, DestPort: 4789, Proto: 17, Depth: 1, PcapCnt: 9, PktSrc: "wire/pcap"}
	m := decodeLine(t, AppendAlertJSON(nil, a))
	expect(t, m, map[string]any{
		"pkt_src": "vxlan encapsulation", "tunnel.src_ip": "10.9.0.1", "tunnel.dest_ip": "10.9.0.2",
		"tunnel.src_port": 51000, "tunnel.dest_port": 4789, "tunnel.proto": "UDP", "tunnel.depth": 1,
		"tunnel.pcap_cnt": 9, "tunnel.pkt_src": "wire/pcap",
	})
	a.Tunnel.Proto, a.Tunnel.SrcPort, a.Tunnel.DestPort = 4, 0, 0
	m = decodeLine(t, AppendAlertJSON(nil, a))
	expect(t, m, map[string]any{"tunnel.proto": "IP-in-IP", "tunnel.src_port": nil, "tunnel.dest_port": nil})
	if _, ok := decodeLine(t, AppendAlertJSON(nil, sampleTCPAlert()))["tunnel"]; ok {
		t.Error("an alert without a tunnel has a tunnel object")
	}
}
