package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// elephantCapture is one large TCP download among small TCP and UDP conversations, which come
// before, during and after it, so a bypass that caught the wrong flows shows. It is written
// whole (for read) and in two parts split inside the download (for the replay, which waits
// between them until the sensor has handed the download to XDP).
type elephantCapture struct {
	whole, first, second string
	// secondBig is how many of the download's packets the second part holds; secondBigFIN how
	// many of those carry FIN (XDP passes them to the sensor).
	secondBig, secondBigFIN int
}

type heldPacket struct {
	ci   gopacket.CaptureInfo
	data []byte
	big  bool // of the download
	fin  bool
}

func writePcap(t *testing.T, path string, pkts []heldPacket) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
}

// bypassCapture builds the capture with a download of segments 1200-byte segments, split after
// splitAt of them.
func bypassCapture(t *testing.T, segments, splitAt int) elephantCapture {
	t.Helper()
	var pkts []heldPacket
	split := -1
	ts := time.Now().Add(-time.Hour)
	write := func(src, dst string, l4 gopacket.SerializableLayer, payload []byte) {
		t.Helper()
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
		switch l := l4.(type) {
		case *layers.TCP:
			ip.Protocol = layers.IPProtocolTCP
			_ = l.SetNetworkLayerForChecksum(ip)
		case *layers.UDP:
			ip.Protocol = layers.IPProtocolUDP
			_ = l.SetNetworkLayerForChecksum(ip)
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(50 * time.Microsecond)
		data := append([]byte(nil), buf.Bytes()...)
		tcp, _ := l4.(*layers.TCP)
		big := tcp != nil && (tcp.SrcPort == 80 || tcp.DstPort == 80)
		pkts = append(pkts, heldPacket{ci: gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data: data,
			big: big, fin: tcp != nil && tcp.FIN})
	}
	// A TCP session: handshake, request, response in segments, FIN both ways.
	type session struct {
		c, s       string
		cp, sp     int
		cseq, sseq uint32
	}
	seg := func(ss *session, toServer bool, syn, ack, fin bool, n int) {
		src, dst, sp, dp := ss.c, ss.s, ss.cp, ss.sp
		seq, acks := &ss.cseq, ss.sseq
		if !toServer {
			src, dst, sp, dp = ss.s, ss.c, ss.sp, ss.cp
			seq, acks = &ss.sseq, ss.cseq
		}
		l := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: *seq, DataOffset: 5, Window: 65535, SYN: syn, FIN: fin, PSH: n > 0}
		if ack {
			l.ACK, l.Ack = true, acks
		}
		write(src, dst, l, make([]byte, n))
		*seq += uint32(n)
		if syn || fin {
			*seq++
		}
	}
	small := func(i int) {
		ss := &session{c: fmt.Sprintf("10.9.0.%d", i+1), s: "10.2.0.1", cp: 50000 + i, sp: 8080, cseq: 1000, sseq: 5000}
		seg(ss, true, true, false, false, 0)
		seg(ss, false, true, true, false, 0)
		seg(ss, true, false, true, false, 0)
		seg(ss, true, false, true, false, 100)
		seg(ss, false, false, true, false, 300)
		seg(ss, true, false, true, true, 0)
		seg(ss, false, false, true, true, 0)
		seg(ss, true, false, true, false, 0)
		write(ss.c, "10.3.0.53", &layers.UDP{SrcPort: layers.UDPPort(40000 + i), DstPort: 53}, make([]byte, 40))
		write("10.3.0.53", ss.c, &layers.UDP{SrcPort: 53, DstPort: layers.UDPPort(40000 + i)}, make([]byte, 120))
	}
	for i := range 5 {
		small(i)
	}
	big := &session{c: "10.1.0.1", s: "10.2.0.1", cp: 40000, sp: 80, cseq: 1, sseq: 100}
	seg(big, true, true, false, false, 0)
	seg(big, false, true, true, false, 0)
	seg(big, true, false, true, false, 0)
	seg(big, true, false, true, false, 200)
	for i := range segments {
		if i == splitAt {
			split = len(pkts)
		}
		seg(big, false, false, true, false, 1200)
		if i%4 == 3 {
			seg(big, true, false, true, false, 0)
		}
		if i%500 == 250 {
			small(10 + i/500)
		}
	}
	seg(big, false, false, true, true, 0)
	seg(big, true, false, true, true, 0)
	seg(big, false, false, true, false, 0)
	for i := range 5 {
		small(100 + i)
	}
	dir := t.TempDir()
	c := elephantCapture{whole: filepath.Join(dir, "whole.pcap"), first: filepath.Join(dir, "first.pcap"), second: filepath.Join(dir, "second.pcap")}
	writePcap(t, c.whole, pkts)
	writePcap(t, c.first, pkts[:split])
	writePcap(t, c.second, pkts[split:])
	for _, p := range pkts[split:] {
		if p.big {
			c.secondBig++
			if p.fin {
				c.secondBigFIN++
			}
		}
	}
	return c
}

// TestRunXDPBypass: with af-packet bypass on and an elephant threshold, a large download is
// handed to the XDP program past the threshold; the kernel drops the rest of it before the ring
// and counts it, and the flow record still adds up. What the rings got plus what XDP dropped is
// what was sent; the large flow's totals equal those `nightjar read` counts in the capture file
// (where it is bypassed locally), and every other flow's record is the same as read's.
func TestRunXDPBypass(t *testing.T) {
	lab := newLiveLab(t)
	lab.must(t, "ip", "-n", lab.ReceiverNS, "link", "set", "lo", "up") // for the metrics endpoint
	capt := bypassCapture(t, 3000, 1000)
	// auto attaches natively where the driver can (veth can); generic works on any device.
	for i, mode := range []string{"auto", "generic"} {
		t.Run(mode, func(t *testing.T) { testXDPBypass(t, lab, capt, mode, fmt.Sprintf("127.0.0.1:%d", 19474+i)) })
	}
}

// waitStat waits until a stats event in dir's eve.json has counter name at least want.
func waitStat(t *testing.T, dir, name string, want uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		raw, _ := os.ReadFile(filepath.Join(dir, "eve.json"))
		for _, line := range bytes.Split(raw, []byte("\n")) {
			var ev map[string]any
			if json.Unmarshal(line, &ev) != nil || ev["event_type"] != "stats" {
				continue // the last line may be half written
			}
			if v, _ := statCounter(ev, name); uint64(v) >= want {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no stats event with %s ≥ %d within 20s", name, want)
}

func testXDPBypass(t *testing.T, lab *liveLab, capt elephantCapture, mode, metricsAddr string) {
	conf := filepath.Join(t.TempDir(), "bypass.yaml")
	yaml := "af-packet:\n  - interface: default\n    bypass: yes\n    xdp-mode: " + mode + "\nflow:\n  elephant-threshold: 200kb\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	timeouts := longTimeouts
	for _, proto := range []string{"default", "tcp", "udp", "icmp"} {
		timeouts = append(timeouts, "--set", fmt.Sprintf("flow-timeouts.%s.bypassed=2000000000", proto))
	}
	liveOut, readOut := t.TempDir(), t.TempDir()
	s := lab.startSensor(t, liveOut, append([]string{"-c", conf, "--workers", "1", "--set", "stats.interval=1", "--metrics", metricsAddr}, timeouts...)...)
	if !strings.Contains(s.stderr.String(), "XDP bypass attached") {
		s.stop(t)
		t.Skipf("XDP bypass test: the program did not attach here; skipped. Sensor log:\n%s", s.stderr.String())
	}
	// The first part takes the download past the threshold; once the sensor has handed it to
	// XDP, the second part's download packets never reach the ring, however slow the sensor.
	sent := lab.replay(t, capt.first, 20000, 1)
	waitStat(t, liveOut, "bypass.capture", 1)
	sent += lab.replay(t, capt.second, 20000, 1)
	time.Sleep(300 * time.Millisecond)
	metrics, err := exec.Command("ip", "netns", "exec", lab.ReceiverNS, "curl", "-sf", "http://"+metricsAddr+"/metrics").Output()
	s.stop(t)
	if err != nil {
		t.Errorf("scraping metrics: %v", err)
	}
	for _, want := range []string{`nightjar_xdp_bypass_attached{interface="` + lab.ReceiverIf + `",mode=`, "nightjar_bypass_capture_total 1", "nightjar_bypass_xdp_interfaces 1"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	stats := eveEvents(t, filepath.Join(liveOut, "eve.json"), "stats")
	if len(stats) == 0 {
		t.Fatalf("no stats events; stdout:\n%s", s.stdout.String())
	}
	last := stats[len(stats)-1]
	counter := func(name string) uint64 {
		v, ok := statCounter(last, name)
		if !ok {
			t.Fatalf("stats lack %s", name)
		}
		return uint64(v)
	}
	ring, drops, decoded := counter("capture.kernel_packets"), counter("capture.kernel_drops"), counter("decoder.pkts")
	xdpPkts, xdpBytes := counter("flow_bypassed.pkts"), counter("flow_bypassed.bytes")
	if xdpPkts == 0 {
		t.Fatalf("XDP dropped nothing; stats %v\nstdout:\n%s", last["stats"], s.stdout.String())
	}
	if min := uint64(capt.secondBig - capt.secondBigFIN); xdpPkts < min {
		t.Errorf("XDP dropped %d packets; the download sent %d packets without FIN after it was bypassed", xdpPkts, min)
	}
	if ring+xdpPkts != sent || drops != 0 || decoded != ring {
		t.Errorf("sent %d; ring %d + XDP %d = %d, kernel drops %d, decoded %d", sent, ring, xdpPkts, ring+xdpPkts, drops, decoded)
	}
	if counter("bypass.elephant") != 1 || counter("bypass.capture") != 1 || counter("flow_bypassed.closed") != 1 || counter("bypass.capture_lost") != 0 {
		t.Errorf("bypass counters: %v", last["stats"].(map[string]any)["bypass"])
	}

	code, _, stderr := nightjar(t, append([]string{"read", "-r", capt.whole, "-l", readOut, "-c", conf, "--workers", "1"}, timeouts...)...)
	if code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr)
	}
	live, read := flowsByPorts(t, liveOut), flowsByPorts(t, readOut)
	if len(live) != len(read) || len(read) < 20 {
		t.Fatalf("%d live flow records, %d read", len(live), len(read))
	}
	bigKey := "6 10.1.0.1:40000-10.2.0.1:80"
	for k, r := range read {
		l := live[k]
		if l == nil {
			t.Errorf("flow %s: no live record", k)
			continue
		}
		if k != bigKey {
			if a, b := canonicalFlow(t, r), canonicalFlow(t, l); a != b {
				t.Errorf("flow %s differs:\nread %s\nlive %s", k, a, b)
			}
			continue
		}
		lf, rf := l["flow"].(map[string]any), r["flow"].(map[string]any)
		for _, n := range []string{"pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"} {
			if lf[n] != rf[n] {
				t.Errorf("large flow %s: live %v, read %v", n, lf[n], rf[n])
			}
		}
		byp, _ := lf["bypassed"].(map[string]any)
		bp := num(byp["pkts_toserver"]) + num(byp["pkts_toclient"])
		bb := num(byp["bytes_toserver"]) + num(byp["bytes_toclient"])
		if lf["state"] != "bypassed" || lf["bypass"] != "capture" || bp != xdpPkts || bb != xdpBytes {
			t.Errorf("large flow live: state %v bypass %v bypassed %v; want bypassed, capture, %d packets %d bytes", lf["state"], lf["bypass"], byp, xdpPkts, xdpBytes)
		}
		if rf["state"] != "bypassed" || rf["bypass"] != "local" {
			t.Errorf("large flow read: state %v bypass %v; want bypassed, local", rf["state"], rf["bypass"])
		}
		t.Logf("large flow: %d packets to server, %d to client, %d+%d bytes; XDP dropped %d packets (%d bytes) of them",
			num(lf["pkts_toserver"]), num(lf["pkts_toclient"]), num(lf["bytes_toserver"]), num(lf["bytes_toclient"]), xdpPkts, xdpBytes)
	}
	if live[bigKey] == nil {
		t.Fatal("no record of the large flow")
	}
	t.Logf("sent %d frames: ring %d, XDP %d, kernel drops %d; %d flow records; local_capture_pkts %d; sensor log:\n%s\nsummary:\n%s",
		sent, ring, xdpPkts, drops, len(live), counter("flow_bypassed.local_capture_pkts"), s.stderr.String(), s.stdout.String())
}

func num(v any) uint64 {
	f, _ := v.(float64)
	return uint64(f)
}

// flowsByPorts indexes the flow events of an output folder by protocol and tuple.
func flowsByPorts(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, ev := range eveEvents(t, filepath.Join(dir, "eve.json"), "flow") {
		k := fmt.Sprintf("%v %v:%v-%v:%v", protoNum(ev["proto"]), ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])
		if out[k] != nil {
			t.Fatalf("two records of flow %s", k)
		}
		out[k] = ev
	}
	return out
}

func protoNum(p any) string {
	switch p {
	case "TCP":
		return "6"
	case "UDP":
		return "17"
	}
	return fmt.Sprint(p)
}
