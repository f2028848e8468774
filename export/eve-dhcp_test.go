package export

import (
	"bytes"
	"strings"
	"testing"
)

// sampleDHCPAck is the DHCPACK of suricata-verify's dhcp-eve-extended capture, its options in
// the order the server sent them.
func sampleDHCPAck() *DHCPEvent {
	h := sampleAppHeader(0, false)
	h.Proto, h.SrcPort, h.DestPort = protoUDP, 67, 68
	return &DHCPEvent{AppHeader: h, Extended: true, Op: 2, ID: 4016330564,
		ClientMAC:  []byte{0x00, 0x11, 0x32, 0x17, 0x49, 0xf0},
		AssignedIP: [4]byte{10, 16, 1, 4}, ClientIP: [4]byte{10, 16, 1, 4}, NextServer: [4]byte{10, 16, 1, 1},
		Options: []DHCPOption{
			{Field: DHCPType, Name: "ack"},
			{Field: DHCPLeaseTime, Value: 3600},
			{Field: DHCPRenewalTime, Value: 1681},
			{Field: DHCPRebindingTime, Value: 3031},
			{Field: DHCPSubnetMask, Data: []byte{255, 255, 0, 0}},
			{Field: DHCPDNSServers, Data: []byte{10, 16, 1, 1, 10, 16, 1, 2}},
			{Field: DHCPHostname, Data: []byte("nas1\x00")},
			{Field: DHCPRouters, Data: []byte{10, 16, 1, 1}},
		}}
}

// sampleDHCPRequest carries the fields only requests have.
func sampleDHCPRequest() *DHCPEvent {
	e := sampleDHCPAck()
	e.Op, e.AssignedIP = 1, [4]byte{}
	e.Options = []DHCPOption{
		{Field: DHCPType, Name: "request"},
		{Field: DHCPClientID, Data: []byte{0x00, 0x11, 0x32, 0x17, 0x49, 0xf0}},
		{Field: DHCPRequestedIP, Data: []byte{192, 168, 1, 111}},
		{Field: DHCPHostname, Data: []byte("NicksMacBook")},
		{Field: DHCPVendorClass, Data: []byte("MSFT 5.0")},
		{Field: DHCPParams, Names: []string{"subnet_mask", "domain", "router", "dns_server"}},
	}
	return e
}

// dhcpObject cuts the dhcp object out of a line: what the tests compare byte for byte, since
// Suricata's field order is part of the contract.
func dhcpObject(t *testing.T, line []byte) string {
	t.Helper()
	s := string(line)
	i := strings.Index(s, `"dhcp":{`)
	if i < 0 || !strings.HasSuffix(s, "}}\n") {
		t.Fatalf("no dhcp object at the end of %s", line)
	}
	return s[i : len(s)-2]
}

func TestDHCPExtended(t *testing.T) {
	line := defaultEVE.AppendDHCP(nil, sampleDHCPAck())
	if !bytes.HasPrefix(line, []byte(`{"timestamp":`)) || !bytes.Contains(line, []byte(`"event_type":"dhcp",`)) ||
		!bytes.Contains(line, []byte(`"src_port":67,`)) || !bytes.Contains(line, []byte(`"proto":"UDP","community_id":`)) {
		t.Errorf("header: %s", line)
	}
	want := `"dhcp":{"type":"reply","id":4016330564,"client_mac":"00:11:32:17:49:f0","assigned_ip":"10.16.1.4",` +
		`"client_ip":"10.16.1.4","relay_ip":"0.0.0.0","next_server_ip":"10.16.1.1","dhcp_type":"ack",` +
		`"lease_time":3600,"renewal_time":1681,"rebinding_time":3031,"subnet_mask":"255.255.0.0",` +
		`"dns_servers":["10.16.1.1","10.16.1.2"],"hostname":"nas1\u0000","routers":["10.16.1.1"]}`
	if got := dhcpObject(t, line); got != want {
		t.Errorf("extended reply:\n got %s\nwant %s", got, want)
	}

	want = `"dhcp":{"type":"request","id":4016330564,"client_mac":"00:11:32:17:49:f0","assigned_ip":"0.0.0.0",` +
		`"client_ip":"10.16.1.4","dhcp_type":"request","client_id":"00:11:32:17:49:f0","requested_ip":"192.168.1.111",` +
		`"hostname":"NicksMacBook","vendor_class_identifier":"MSFT 5.0",` +
		`"params":["subnet_mask","domain","router","dns_server"]}`
	if got := dhcpObject(t, defaultEVE.AppendDHCP(nil, sampleDHCPRequest())); got != want {
		t.Errorf("extended request (no relay or next server in a request):\n got %s\nwant %s", got, want)
	}
}

// The basic mode keeps what maps a MAC address to an IP address, plus the few options
// Suricata writes in both modes (renewal time, hostname, client id).
func TestDHCPBasic(t *testing.T) {
	e := sampleDHCPAck()
	e.Extended = false
	want := `"dhcp":{"type":"reply","id":4016330564,"client_mac":"00:11:32:17:49:f0","assigned_ip":"10.16.1.4",` +
		`"dhcp_type":"ack","renewal_time":1681,"hostname":"nas1\u0000"}`
	if got := dhcpObject(t, defaultEVE.AppendDHCP(nil, e)); got != want {
		t.Errorf("basic reply:\n got %s\nwant %s", got, want)
	}
}

func TestDHCPOddValues(t *testing.T) {
	e := &DHCPEvent{Op: 7, Extended: true, Options: []DHCPOption{
		{Field: DHCPSubnetMask, Data: []byte{255, 255}}, // not an address: "", as Suricata writes it
		{Field: DHCPRequestedIP, Data: []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}},
		{Field: DHCPRouters, Data: []byte{1, 2, 3, 4, 5, 6}}, // the partial second address is dropped
	}}
	want := `"dhcp":{"type":"<unknown>","id":0,"client_mac":"","assigned_ip":"0.0.0.0","client_ip":"0.0.0.0",` +
		`"subnet_mask":"","requested_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","routers":["1.2.3.4"]}`
	if got := dhcpObject(t, defaultEVE.AppendDHCP(nil, e)); got != want {
		t.Errorf("odd values:\n got %s\nwant %s", got, want)
	}
}

// Every field the writer can produce must be one Suricata's schema names, with its type:
// the schema's dhcp object is closed, so an unknown or mistyped key fails validation.
func TestDHCPAgainstSuricataSchema(t *testing.T) {
	sch := eveSchema(t)
	basic := sampleDHCPAck()
	basic.Extended = false
	for name, e := range map[string]*DHCPEvent{"ack": sampleDHCPAck(), "request": sampleDHCPRequest(), "basic": basic} {
		line := defaultEVE.AppendDHCP(nil, e)
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %s\ndoes not validate: %v", name, line, err)
		}
	}
	seen := map[DHCPField]bool{}
	for _, e := range []*DHCPEvent{sampleDHCPAck(), sampleDHCPRequest()} {
		for _, o := range e.Options {
			seen[o.Field] = true
		}
	}
	for f := DHCPClientID; f <= DHCPVendorClass; f++ {
		if !seen[f] {
			t.Errorf("field %d is in no sample, so the schema check does not cover it", f)
		}
	}
	bad := bytes.Replace(defaultEVE.AppendDHCP(nil, sampleDHCPAck()), []byte(`"lease_time":3600`), []byte(`"lease_time":"3600"`), 1)
	if err := validateLine(sch, bad); err == nil {
		t.Errorf("schema accepted a string lease_time: %s", bad)
	}
}

func TestDHCPNoAlloc(t *testing.T) {
	e := sampleDHCPAck()
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = defaultEVE.AppendDHCP(buf[:0], e) }); n != 0 {
		t.Errorf("AppendDHCP allocates %.0f times per event", n)
	}
}
