package sensor

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/dhcp"
)

// dhcpDatagram builds a BOOTP datagram with the client 02:00:00:00:00:01, xid 0x1234 and opts
// after the cookie.
func dhcpDatagram(op byte, yiaddr [4]byte, opts ...byte) []byte {
	b := make([]byte, dhcp.HeaderLen, dhcp.HeaderLen+len(opts))
	b[0], b[1], b[2] = op, 1, 6
	binary.BigEndian.PutUint32(b[4:], 0x1234)
	copy(b[16:], yiaddr[:])
	copy(b[28:], []byte{2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint32(b[236:], dhcp.MagicCookie)
	return append(b, opts...)
}

// dhcpEvents returns the run's dhcp events and, by client port, its UDP flows' app_proto.
func dhcpEvents(t *testing.T, dir string) (events []map[string]any, appProto map[float64]any) {
	t.Helper()
	appProto = map[float64]any{}
	for _, ev := range readEVE(t, filepath.Join(dir, "eve.json")) {
		switch ev["event_type"] {
		case "dhcp":
			events = append(events, ev)
		case "flow":
			appProto[ev["src_port"].(float64)] = ev["app_proto"]
		}
	}
	return events, appProto
}

// A request and its acknowledgement on 68 -> 67, and two flows that are not DHCP: one on
// DHCP's ports too short for the BOOTP header, one with a DHCP datagram off DHCP's ports.
func TestDHCPDetectionAndEvents(t *testing.T) {
	capt := newDACapture(t)
	v := capt.conv(68, 67)
	v.udp(true, dhcpDatagram(dhcp.OpRequest, [4]byte{},
		dhcp.OptMessageType, 1, dhcp.TypeRequest, dhcp.OptParamRequest, 3, 1, 3, 99, dhcp.OptEnd))
	v.udp(false, dhcpDatagram(dhcp.OpReply, [4]byte{10, 0, 0, 1},
		dhcp.OptMessageType, 1, dhcp.TypeAck, dhcp.OptLeaseTime, 4, 0, 0, 0x0e, 0x10, dhcp.OptRenewalTime, 4, 0, 0, 7, 8,
		dhcp.OptEnd))
	capt.conv(1067, 67).udp(true, make([]byte, 100))
	capt.conv(1068, 6767).udp(true, dhcpDatagram(dhcp.OpRequest, [4]byte{}, dhcp.OptEnd))
	pcap := capt.write()

	for _, c := range []struct {
		set    string
		types  []string // dhcp.dhcp_type of the events written
		lease  bool     // lease_time (extended) written
		params bool
	}{
		{"outputs.eve-log.dhcp.extended=true", []string{"request", "ack"}, true, true},
		{"outputs.eve-log.dhcp.extended=false", []string{"ack"}, false, false},
		{"outputs.eve-log.dhcp=false", nil, false, false},
	} {
		sum, dir := runRead(t, []string{pcap}, 1, c.set)
		events, appProto := dhcpEvents(t, dir)
		if len(events) != len(c.types) {
			t.Errorf("%s: %d dhcp events, want %d", c.set, len(events), len(c.types))
			continue
		}
		for i, ev := range events {
			d := ev["dhcp"].(map[string]any)
			if d["dhcp_type"] != c.types[i] || d["client_mac"] != "02:00:00:00:00:01" || d["id"] != float64(0x1234) {
				t.Errorf("%s: event %d: %v", c.set, i, d)
			}
			// Written as the packet went: the acknowledgement comes from the server.
			if wantSrc := map[string]float64{"request": 68, "ack": 67}[c.types[i]]; ev["src_port"] != wantSrc {
				t.Errorf("%s: %s event from port %v", c.set, c.types[i], ev["src_port"])
			}
			if d["dhcp_type"] == "ack" {
				if _, ok := d["lease_time"]; ok != c.lease || d["renewal_time"] != float64(0x708) || d["assigned_ip"] != "10.0.0.1" {
					t.Errorf("%s: ack %v", c.set, d)
				}
			}
			if d["dhcp_type"] == "request" && (d["params"] == nil) == c.params {
				t.Errorf("%s: request params %v", c.set, d["params"])
			}
			if d["dhcp_type"] == "request" && c.params && fmt.Sprint(d["params"]) != "[subnet_mask router]" {
				t.Errorf("%s: params %v (code 99 has no name and is left out)", c.set, d["params"])
			}
		}
		if appProto[68] != "dhcp" || appProto[1067] != "failed" || appProto[1068] != "failed" {
			t.Errorf("%s: app_proto by client port %v; want dhcp only on the DHCP flow", c.set, appProto)
		}
		// The transactions are counted whether or not they are logged.
		if sum.Counter("app_layer.flow.dhcp") != 1 || sum.Counter("app_layer.tx.dhcp") != 2 || sum.Counter("app_layer.flow.failed_udp") != 2 {
			t.Errorf("%s: flow.dhcp %d tx.dhcp %d failed_udp %d", c.set, sum.Counter("app_layer.flow.dhcp"),
				sum.Counter("app_layer.tx.dhcp"), sum.Counter("app_layer.flow.failed_udp"))
		}
	}
}

// The captures of suricata-verify's DHCP tests, read as the tests' expectations have them
// (extended mode, which their configurations turn on; the overload expectations are Suricata
// 9's, whose parser reads options from the sname field).
func TestDHCPSuricataVerifyCaptures(t *testing.T) {
	tests := filepath.Join(sharedDir(t), "suricata-verify", "tests")
	type want struct {
		pcapCnt float64
		fields  map[string]any
	}
	for _, c := range []struct {
		test   string
		events int
		checks []want
	}{
		{"dhcp-eve-extended", 2, []want{
			{1, map[string]any{"type": "request", "dhcp_type": "request", "client_id": "00:11:32:17:49:f0", "client_ip": "10.16.1.4",
				"hostname": "nas1\x00", "params": []any{"subnet_mask", "router", "domain", "dns_server"}}},
			{2, map[string]any{"type": "reply", "dhcp_type": "ack", "lease_time": 3600.0, "rebinding_time": 3031.0,
				"renewal_time": 1681.0, "subnet_mask": "255.255.0.0", "next_server_ip": "10.16.1.1", "relay_ip": "0.0.0.0",
				"routers": []any{"10.16.1.1"}, "dns_servers": []any{"10.16.1.1"}}},
		}},
		{"dhcp-eve-extended-option-60", 1, []want{
			{1, map[string]any{"vendor_class_identifier": "MSFT 5.0", "id": 3759982360.0, "requested_ip": "192.168.1.111"}},
		}},
		{"dhcp-option-52-overload", 8, []want{
			{3, map[string]any{"dhcp_type": "offer", "dns_servers": []any{"10.100.0.1"}, "routers": []any{"10.100.0.1"}}},
			{4, map[string]any{"dhcp_type": "offer", "dns_servers": []any{"10.100.0.2"}, "routers": []any{"10.100.0.2"}}},
			{7, map[string]any{"dhcp_type": "ack", "dns_servers": []any{"10.100.0.2"}, "routers": []any{"10.100.0.2"}}},
		}},
		{"dhcp-option-52-overload-both", 1, []want{
			{1, map[string]any{"dhcp_type": "discover", "id": 2888761343.0, "client_mac": "00:00:6c:82:dc:4e", "lease_time": 3600.0}},
		}},
	} {
		_, dir := runRead(t, []string{filepath.Join(tests, c.test, "input.pcap")}, 1, "outputs.eve-log.dhcp.extended=true")
		events, appProto := dhcpEvents(t, dir)
		if len(events) != c.events {
			t.Errorf("%s: %d dhcp events, want %d", c.test, len(events), c.events)
		}
		for _, p := range appProto {
			if p != "dhcp" {
				t.Errorf("%s: a flow's app_proto is %v", c.test, p)
			}
		}
		for _, w := range c.checks {
			var d map[string]any
			for _, ev := range events {
				if ev["pcap_cnt"] == w.pcapCnt {
					d = ev["dhcp"].(map[string]any)
				}
			}
			for k, v := range w.fields {
				if fmt.Sprint(d[k]) != fmt.Sprint(v) {
					t.Errorf("%s: packet %v: dhcp.%s = %#v, want %#v", c.test, w.pcapCnt, k, d[k], v)
				}
			}
		}
	}
}

// BenchmarkDHCPDatagram is the worker's cost per DHCP datagram in extended mode, from frame to
// EVE line: a request and its acknowledgement on one flow, over and over. allocs/op must be 0.
func BenchmarkDHCPDatagram(b *testing.B) {
	cfg, _, err := LoadConfig("", []string{"outputs.eve-log.dhcp.extended=true"})
	if err != nil {
		b.Fatal(err)
	}
	w := testWorker(b, &cfg, nil, true)
	capt := newDACapture(b)
	v := capt.conv(68, 67)
	v.udp(true, dhcpDatagram(dhcp.OpRequest, [4]byte{}, dhcp.OptMessageType, 1, dhcp.TypeRequest,
		dhcp.OptClientID, 7, 1, 2, 0, 0, 0, 0, 1, dhcp.OptHostname, 4, 'h', 'o', 's', 't',
		dhcp.OptParamRequest, 4, 1, 3, 6, 15, dhcp.OptEnd))
	v.udp(false, dhcpDatagram(dhcp.OpReply, [4]byte{10, 0, 0, 1}, dhcp.OptMessageType, 1, dhcp.TypeAck,
		dhcp.OptLeaseTime, 4, 0, 0, 0x0e, 0x10, dhcp.OptSubnetMask, 4, 255, 255, 255, 0,
		dhcp.OptRouters, 4, 10, 0, 0, 254, dhcp.OptDNSServers, 8, 10, 0, 0, 53, 10, 0, 0, 54, dhcp.OptEnd))
	var index uint64
	b.ReportAllocs()
	for b.Loop() {
		f := capt.frames[index%2]
		index++
		w.packet(f, len(f), 1, 1_700_000_000e9+int64(index)*1000, index)
	}
	if got := w.app.stats.txDHCP; got != index {
		b.Fatalf("%d DHCP transactions for %d datagrams", got, index)
	}
}
