package sensor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
)

// probeTCP compares the parsers' verdicts through tls.Verdict: that is sound only while every
// package numbers them alike.
func TestProbeVerdictsAgree(t *testing.T) {
	for _, v := range [][3]uint8{
		{uint8(http.NeedMore), uint8(http.Match), uint8(http.NoMatch)},
		{uint8(ssh.NeedMore), uint8(ssh.Match), uint8(ssh.NoMatch)},
		{uint8(dns.NeedMore), uint8(dns.Match), uint8(dns.NoMatch)},
		{uint8(http2.NeedMore), uint8(http2.Match), uint8(http2.NoMatch)},
		{uint8(smtp.NeedMore), uint8(smtp.Match), uint8(smtp.NoMatch)},
		{uint8(ftp.NeedMore), uint8(ftp.Match), uint8(ftp.NoMatch)},
		{uint8(smb.NeedMore), uint8(smb.Match), uint8(smb.NoMatch)},
		{uint8(dcerpc.NeedMore), uint8(dcerpc.Match), uint8(dcerpc.NoMatch)},
	} {
		if v != [3]uint8{uint8(tls.NeedMore), uint8(tls.Match), uint8(tls.NoMatch)} {
			t.Fatalf("probe verdicts differ from tls's: %v", v)
		}
	}
}

// dnsTCPQuery is a length-prefixed DNS query for google.net TXT.
const dnsTCPQuery = "\x00\x1c\x11\x33\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06google\x03net\x00\x00\x10\x00\x01"

func TestProbeTCP(t *testing.T) {
	for _, c := range []struct {
		data     string
		toServer bool
		port     uint16
		want     appProto
		dnsPort  bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, 8081, appHTTP, false},
		{"SSH-2.0-OpenSSH_9.0\r\n", false, 2222, appSSH, false},
		{"SSH-2.0-OpenSSH_9.0\r\n", true, 80, appSSH, false}, // the port is only a hint
		{"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03", true, 80, appTLS, false},
		{"\x00\x01\x02\x03garbage that is no protocol at all", true, 80, appUnknown, false},
		// A DNS query over TCP is detected only on a DNS detection port.
		{dnsTCPQuery, true, 5353, appDNS, true},
		{dnsTCPQuery, true, 5353, appUnknown, false},
		{"EHLO a\r\n", true, 2525, appSMTP, false},
		{"USER a\r\n", true, 2121, appFTP, false},
		{"220 (vsFTPd)\r\n", false, 21, appFTP, false},
		{"220 mail ESMTP\r\n", false, 25, appUnknown, false},
		{"\x00\x00\x00\x44\xfeSMB", true, 80, appSMB, false},
		{"\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00", true, 4444, appDCERPC, false},
	} {
		got, _ := probeTCP(c.toServer, []byte(c.data), c.port, c.dnsPort)
		if got != c.want {
			t.Errorf("probeTCP(%q, port %d) = %s, want %s", c.data, c.port, appProtoNames[got], appProtoNames[c.want])
		}
	}
}

// TestAppLayerEvents reads an HTTP capture and a TLS capture and checks the app-layer events
// and the flows' app_proto.
func TestAppLayerEvents(t *testing.T) {
	sum, out := runRead(t, []string{"../testdata/demo/http-methods.pcap"}, 1)
	evs := readEVE(t, filepath.Join(out, "eve.json"))
	var https, withStatus, flows int
	methods := map[string]bool{}
	for _, ev := range evs {
		switch ev["event_type"] {
		case "http":
			https++
			h := ev["http"].(map[string]any)
			if m, ok := h["http_method"].(string); ok {
				methods[m] = true
			}
			if _, ok := h["status"].(float64); ok {
				withStatus++
			}
			// Every request is parsed, also one whose line the probe did not take for HTTP
			// (the response settled the protocol): "GET/HTTP/1.1" is a method with no URL
			// there, as libhtp makes it.
			if h["http_method"] == nil || ev["tx_id"] == nil {
				t.Errorf("http event without method or tx_id: %v", ev)
			}
		case "flow":
			if ev["proto"] == "TCP" {
				flows++
				if ev["app_proto"] != "http" {
					t.Errorf("TCP flow with app_proto %v, want http: %v", ev["app_proto"], ev["flow"])
				}
			}
		}
	}
	if https < flows || withStatus == 0 || !methods["GET"] || len(methods) < 3 {
		t.Errorf("%d http events (%d with a status) for %d flows, methods %v", https, withStatus, flows, methods)
	}
	if got := sum.Counter("app_layer.flow.http"); got != uint64(flows) {
		t.Errorf("app_layer.flow.http %d, want %d", got, flows)
	}
	if got := sum.Counter("app_layer.tx.http"); got != uint64(https) {
		t.Errorf("app_layer.tx.http %d, want %d (one per logged transaction)", got, https)
	}

	tlsPcap := filepath.Join("..", "..", "shared", "pcaps", "FoxIO-LLC+ja4", "pcap", "latest.pcapng")
	if _, err := os.Stat(tlsPcap); err != nil {
		t.Skipf("TLS capture %s absent (../shared is missing): %v", tlsPcap, err)
	}
	sum, out = runRead(t, []string{tlsPcap}, 1)
	var tlsEvents, tlsFlows, dnsEvents int
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		switch ev["event_type"] {
		case "tls":
			tlsEvents++
			x := ev["tls"].(map[string]any)
			sni, _ := x["sni"].(string)
			ja4, _ := x["ja4"].(string)
			if sni == "" || len(ja4) != 36 || x["version"] == nil {
				t.Errorf("tls event lacks sni, ja4 or version: %v", x)
			}
			// Written when the handshake progressed on a packet, not at the flow's end.
			if x["subject"] != nil && ev["pcap_cnt"] == nil {
				t.Errorf("tls event with a certificate written without a packet: %v", ev)
			}
		case "dns":
			dnsEvents++
		case "flow":
			if ev["app_proto"] == "tls" {
				tlsFlows++
			}
		}
	}
	if tlsEvents == 0 || tlsFlows < tlsEvents || dnsEvents == 0 {
		t.Errorf("%d tls events, %d tls flows, %d dns events", tlsEvents, tlsFlows, dnsEvents)
	}
	if got := sum.Counter("app_layer.flow.tls"); got != uint64(tlsFlows) {
		t.Errorf("app_layer.flow.tls %d, want %d", got, tlsFlows)
	}
}

// TestAppLayerSteadyStateAllocations replays an HTTP capture through one worker, each pass 700 s
// after the last so that every flow ends and its slot starts a new one: reassembly, detection,
// HTTP parsing and the EVE events must reuse what the first pass made. Ending a flow allocates
// its record's history string (the flow table's cost), so a pass may allocate once per flow.
func TestAppLayerSteadyStateAllocations(t *testing.T) {
	frames := loadFrames(t, "../testdata/demo/http-methods.pcap")
	w := newPoolTestWorker(t, 0)
	replay := replayPasses(w, frames)
	for range 20 {
		replay()
	}
	ended := w.flows.Stats.EndedTimeout
	allocs := testing.AllocsPerRun(5, replay)
	flowsPerPass := float64(w.flows.Stats.EndedTimeout-ended) / 6
	if flowsPerPass == 0 {
		t.Fatal("no flow ended during the measured passes: the test proves nothing")
	}
	if allocs > flowsPerPass {
		t.Errorf("a pass allocated %.1f times for %.0f flows: the app layer allocates in the steady state", allocs, flowsPerPass)
	}
	t.Logf("%.1f allocations per pass of %.0f flows", allocs, flowsPerPass)
}

// TestHTTPAnomalyEvents: an HTTP transaction's parser events are written as app-layer anomaly
// events, as Suricata's anomaly logger does (http-not09: a request line without protocol
// followed by headers).
func TestHTTPAnomalyEvents(t *testing.T) {
	pcap := filepath.Join(verifyTest(t, "http-not09"), "input.pcap")
	_, out := runRead(t, []string{pcap}, 1, "pcap-file.checksum-checks=no")
	var got []map[string]any
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if an, _ := ev["anomaly"].(map[string]any); ev["event_type"] == "anomaly" && an["type"] == "applayer" {
			got = append(got, an)
		}
	}
	n := 0
	for _, an := range got {
		if an["app_proto"] != "http" || an["layer"] != "proto_parser" {
			t.Errorf("anomaly %v", an)
		}
		if an["event"] == "REQUEST_LINE_MISSING_PROTOCOL" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("app-layer anomalies %v, want one REQUEST_LINE_MISSING_PROTOCOL", got)
	}
}
