package sensor

import (
	"path/filepath"
	"testing"
)

// TestHTTP2Capture reads an HTTP/2 capture (prior knowledge, port 80, the server speaking
// first) end to end: the flow is http2, each SETTINGS frame and the stream are logged as http
// events with Suricata 7's tx_ids and layout, and rules see the transaction: generic http
// keywords and http2 ones, http1 rules not.
func TestHTTP2Capture(t *testing.T) {
	pcap := filepath.Join(verifyTest(t, "bug-5929-02"), "http2_multiple_headers.pcap")
	rules := `alert http any any -> any any (http.uri; content:"/watchdog/watchdog.exe"; sid:1;)
alert http1 any any -> any any (http.uri; content:"/watchdog/watchdog.exe"; sid:2;)
alert http2 any any -> any any (http.request_header; content:":method: GET"; http.request_header; content:":authority: bugertor.com"; sid:3;)
alert http2 any any -> any any (http.stat_code; content:"404"; http.response_line; content:"HTTP/2 404|0d 0a|"; sid:4;)
alert http2 any any -> any any (http2.frametype:WINDOW_UPDATE; sid:5;)
alert http2 any any -> any any (http2.settings:SETTINGS_MAX_FRAME_SIZE>16384; sid:6;)
alert http2 any any -> any any (http.host; content:"bugertor.com"; bsize:12; urilen:22; sid:7;)
alert http2 any any -> any any (http.request_line; content:"GET /watchdog/watchdog.exe HTTP/2|0d 0a|"; sid:8;)
`
	got := alertSIDs(t, pcap, rules)
	want := map[float64]int{1: 1, 3: 1, 4: 1, 5: 2, 6: 1, 7: 1, 8: 1}
	for sid, n := range want {
		if got[sid] != n {
			t.Errorf("sid %v: %d alerts, want %d (all: %v)", sid, got[sid], n, got)
		}
	}
	if got[2] != 0 {
		t.Errorf("an http1 rule alerted on HTTP/2: %d", got[2])
	}

	_, out := runRead(t, []string{pcap}, 1, "pcap-file.checksum-checks=no")
	var stream map[string]any
	var txIDs []float64
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		switch ev["event_type"] {
		case "flow":
			if ev["app_proto"] != "http2" {
				t.Errorf("flow app_proto %v", ev["app_proto"])
			}
		case "http":
			txIDs = append(txIDs, ev["tx_id"].(float64))
			h := ev["http"].(map[string]any)
			if h["version"] != "2" {
				t.Errorf("http.version %v", h["version"])
			}
			if h["http2"].(map[string]any)["stream_id"] == float64(1) {
				stream = h
			}
		}
	}
	// Suricata 7: server SETTINGS 0, its WINDOW_UPDATE 1 (not logged), client SETTINGS 2,
	// its WINDOW_UPDATE 3, stream 1 is tx 4; SETTINGS acknowledgements are no transaction.
	if len(txIDs) != 3 || txIDs[0] != 0 || txIDs[1] != 2 || txIDs[2] != 4 {
		t.Errorf("logged tx_ids %v, want [0 2 4]", txIDs)
	}
	if stream == nil {
		t.Fatal("no event for stream 1")
	}
	if stream["url"] != "/watchdog/watchdog.exe" || stream["http_method"] != "GET" || stream["status"] != float64(404) ||
		stream["http_user_agent"] != "Go-http-client/2.0" {
		t.Errorf("stream 1 fields: %v", stream)
	}
	req := stream["request_headers"].([]any)
	if first := req[0].(map[string]any); first["name"] != ":authority" || first["value"] != "bugertor.com" {
		t.Errorf("first request header %v", first)
	}
}
