package sensor

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/nightjar-ids/nightjar/decoders"
)

// TestTunnelOuterFlow: the datagrams of a UDP encapsulation count twice, as in Suricata: the
// inner packets in the inner flow, and the outer datagrams in a UDP flow of the tunnel
// endpoints (app_proto failed: nothing parses VXLAN's payload).
func TestTunnelOuterFlow(t *testing.T) {
	c := newDACapture(t)
	outer := c.conv(50000, 4789) // 10.0.0.1 -> 10.0.0.2, VXLAN's port
	inner := func(src, dst net.IP, sport, dport uint16, payload string) []byte {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 1, 2},
			EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src, DstIP: dst}
		udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, udp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		vxlan := []byte{0x08, 0, 0, 0, 0, 0, 42, 0} // I flag, VNI 42
		return append(vxlan, buf.Bytes()...)
	}
	a, b := net.IPv4(192, 168, 7, 1).To4(), net.IPv4(192, 168, 7, 2).To4()
	var outerBytes int
	for i := 0; i < 3; i++ {
		outer.udp(true, inner(a, b, 40000, 9999, fmt.Sprintf("ping %d", i)))
		outerBytes += len(c.frames[len(c.frames)-1])
	}
	// VXLAN goes to port 4789 both ways: the reply is another outer flow.
	back := c.conv(50001, 4789)
	back.c, back.s = daEndpoint{ip: back.s.ip, port: 50001}, daEndpoint{ip: back.c.ip, port: 4789}
	back.udp(true, inner(b, a, 9999, 40000, "pong"))
	replyBytes := len(c.frames[len(c.frames)-1])

	pcap := c.write()
	ih, carrier, ok := decoders.FlowHashes(c.frames[0], decoders.LinkEthernet)
	split := false
	for n := uint32(2); n <= 4; n++ {
		split = split || ih%n != carrier%n
	}
	if !ok || !split {
		t.Fatalf("the capture must exercise the split of a tunnel frame between two workers (carrier found %v)", ok)
	}
	// With several workers the outer datagrams' flows may belong to another worker than the
	// inner flow's (the reader hands them a copy of the frame): still one record each.
	for workers := 1; workers <= 4; workers++ {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			checkTunnelFlows(t, pcap, workers, outerBytes, replyBytes)
		})
	}
}

func checkTunnelFlows(t *testing.T, pcap string, workers, outerBytes, replyBytes int) {
	_, out := runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: workers})
	flows := map[string]map[string]any{}
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "flow" {
			flows[fmt.Sprintf("%v:%v>%v:%v", ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])] = ev
		}
	}
	if len(flows) != 3 {
		t.Fatalf("want the inner flow and two outer ones, got %d: %v", len(flows), flows)
	}
	in, ok := flows["192.168.7.1:40000>192.168.7.2:9999"]
	if !ok {
		t.Fatalf("no inner flow: %v", flows)
	}
	o, ok := flows["10.0.0.1:50000>10.0.0.2:4789"]
	o2, ok2 := flows["10.0.0.2:50001>10.0.0.1:4789"]
	if !ok || !ok2 {
		t.Fatalf("outer flows missing: %v", flows)
	}
	for _, tc := range []struct {
		ev                   map[string]any
		pktsTS, pktsTC       float64
		bytesTS, bytesTC     float64
		wantProto, wantState any
	}{
		{o, 3, 0, float64(outerBytes), 0, "failed", "new"},
		{o2, 1, 0, float64(replyBytes), 0, "failed", "new"},
		{in, 3, 1, -1, -1, "failed", "established"},
	} {
		f := tc.ev["flow"].(map[string]any)
		if f["pkts_toserver"] != tc.pktsTS || f["pkts_toclient"] != tc.pktsTC {
			t.Errorf("%v:%v: packets %v/%v, want %v/%v", tc.ev["src_ip"], tc.ev["src_port"], f["pkts_toserver"], f["pkts_toclient"], tc.pktsTS, tc.pktsTC)
		}
		if tc.bytesTS >= 0 && (f["bytes_toserver"] != tc.bytesTS || f["bytes_toclient"] != tc.bytesTC) {
			t.Errorf("outer bytes %v/%v, want %v/%v (whole frames)", f["bytes_toserver"], f["bytes_toclient"], tc.bytesTS, tc.bytesTC)
		}
		if tc.ev["app_proto"] != tc.wantProto || f["state"] != tc.wantState {
			t.Errorf("%v:%v: app_proto %v state %v, want %v %v", tc.ev["src_ip"], tc.ev["src_port"], tc.ev["app_proto"], f["state"], tc.wantProto, tc.wantState)
		}
	}
}
