package sensor

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMidstreamReversal: a session picked up midstream from the server's response is turned
// around once detection recognises a response in it, as Suricata does (the flow, its events
// and its alerts name the true client as the source); a session picked up from the client's
// request stays as it is; without midstream pick-up nothing is parsed.
func TestMidstreamReversal(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nServer: nj-test\r\nContent-Length: 2\r\n\r\nhi"
	c := newDACapture(t)
	// Server first: the response, the client's ACK, then the client closes.
	v := c.conv(40000, 80)
	v.tcp(false, false, true, false, true, []byte(resp))
	v.tcp(true, false, true, false, false, nil)
	v.close()
	// Client first, picked up midstream too: already the right way round.
	w := c.conv(40001, 80)
	w.send(true, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
	w.send(false, resp)
	w.close()
	pcap := c.write()
	rules := filepath.Join(t.TempDir(), "r.rules")
	if err := os.WriteFile(rules, []byte(`alert http any any -> any any (msg:"server"; http.server; content:"nj-test"; sid:1;)`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	_, out := runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: 1, RuleFiles: []string{rules}},
		"stream.midstream=true", "detect.cache-dir=")
	evs := readEVE(t, filepath.Join(out, "eve.json"))
	httpBySrc := map[float64]int{}
	alertSrc := map[float64]int{}
	for _, ev := range evs {
		switch ev["event_type"] {
		case "http":
			if ev["dest_port"] != float64(80) {
				t.Errorf("http event not toward the server: %v", ev)
			}
			httpBySrc[ev["src_port"].(float64)]++
		case "alert":
			// The response is the server's: the alert's source is port 80, to_client.
			if ev["src_port"] != float64(80) || ev["direction"] != "to_client" {
				t.Errorf("alert on the response: src_port %v direction %v", ev["src_port"], ev["direction"])
			}
			alertSrc[ev["dest_port"].(float64)]++
		case "flow":
			f := ev["flow"].(map[string]any)
			if ev["dest_port"] != float64(80) || ev["app_proto"] != "http" {
				t.Errorf("flow record: dest_port %v app_proto %v, want 80 http", ev["dest_port"], ev["app_proto"])
			}
			if ev["src_port"] == float64(40000) && (f["pkts_toserver"] != float64(3) || f["pkts_toclient"] != float64(2)) {
				t.Errorf("reversed flow counts %v/%v, want 3/2", f["pkts_toserver"], f["pkts_toclient"])
			}
		}
	}
	if httpBySrc[40000] != 1 || httpBySrc[40001] != 1 {
		t.Errorf("http events by client port %v, want one each", httpBySrc)
	}
	if alertSrc[40000] != 1 || alertSrc[40001] != 1 {
		t.Errorf("alerts by client port %v, want one each", alertSrc)
	}

	// Without midstream pick-up neither session is parsed, and nothing is turned around.
	_, out = runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: 1}, "detect.cache-dir=")
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "http" {
			t.Errorf("http event without midstream pick-up: %v", ev)
		}
		if ev["event_type"] == "flow" && ev["src_port"] == float64(80) {
			continue
		}
		if ev["event_type"] == "flow" && ev["src_port"] != float64(40001) {
			t.Errorf("flow without midstream pick-up oriented %v→%v", ev["src_port"], ev["dest_port"])
		}
	}
}
