package export

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func sampleStats() *Stats {
	return &Stats{
		Timestamp: t0.UnixNano(),
		Uptime:    120,
		Counters: []Counter{
			{"decoder.pkts", 1000},
			{"flow.tcp", 10},
			{"decoder.bytes", 64000},
			{"app_layer.flow.http", 3},
			{"decoder.ipv4", 990},
			{"app_layer.flow.dns_udp", 4},
			{"flow.udp", 20},
			{"decoder.event.ipv4.trunc_pkt", 2},
		},
	}
}

func TestAppendStatsJSON(t *testing.T) {
	line := AppendStatsJSON(nil, sampleStats())
	m := decodeLine(t, line)
	expect(t, m, map[string]any{
		"timestamp":                          "2009-11-24T21:27:09.534255+0000",
		"event_type":                         "stats",
		"stats.uptime":                       120,
		"stats.decoder.pkts":                 1000,
		"stats.decoder.bytes":                64000,
		"stats.decoder.ipv4":                 990,
		"stats.decoder.event.ipv4.trunc_pkt": 2,
		"stats.flow.tcp":                     10,
		"stats.flow.udp":                     20,
		"stats.app_layer.flow.http":          3,
		"stats.app_layer.flow.dns_udp":       4,
	})
	// encoding/json keeps the last of duplicate keys silently; make sure there are none.
	if n := bytes.Count(line, []byte(`"decoder":`)); n != 1 {
		t.Errorf(`"decoder" opened %d times in %s`, n, line)
	}
	if n := bytes.Count(line, []byte(`"flow":`)); n != 2 { // stats.flow and stats.app_layer.flow
		t.Errorf(`"flow" opened %d times in %s`, n, line)
	}
}

func TestAppendStatsJSONOddNames(t *testing.T) {
	s := &Stats{Counters: []Counter{
		{"flow", 1},          // also a prefix of flow.tcp: dropped for the object
		{"flow.tcp", 2},      //
		{"uptime", 99},       // EVE's own field
		{"", 5},              // no name
		{"a..b", 6},          // empty segment
		{"x.", 7},            // trailing dot
		{"x.y", 8},           // after x. took the key x
		{"q\"uote.k", 9},     // needs escaping
		{"decoder.pkts", 10}, //
		{"decoder.pkts", 11}, // duplicate: first wins
	}}
	line := AppendStatsJSON(nil, s)
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", line, err)
	}
	st := m["stats"].(map[string]any)
	if st["uptime"] != 0.0 {
		t.Errorf("uptime = %v, want 0 (the counter named uptime must not override)", st["uptime"])
	}
	if f, _ := st["flow"].(map[string]any); f == nil || f["tcp"] != 2.0 {
		t.Errorf("flow = %v", st["flow"])
	}
	if d, _ := st["decoder"].(map[string]any); d == nil || d["pkts"] != 10.0 {
		t.Errorf("decoder = %v", st["decoder"])
	}
	if q, _ := st["q\"uote"].(map[string]any); q == nil || q["k"] != 9.0 {
		t.Errorf("escaped key missing: %s", line)
	}
	for _, key := range []string{`"flow":`, `"x":`, `"decoder":`, `"pkts":`} {
		if n := bytes.Count(line, []byte(key)); n != 1 {
			t.Errorf("%s appears %d times in %s", key, n, line)
		}
	}
}

// TestAppendStatsJSONNumberedLevel: counters with a numbered level are written as a list of
// objects, as Suricata writes detect.engines.
func TestAppendStatsJSONNumberedLevel(t *testing.T) {
	st := &Stats{Uptime: 1, Counters: []Counter{
		{Name: "detect.alert", Value: 3},
		{Name: "detect.engines.0.id", Value: 0},
		{Name: "detect.engines.0.rules_loaded", Value: 10},
		{Name: "detect.engines.1.id", Value: 1},
		{Name: "detect.engines.0.rules_skipped", Value: 2},
		{Name: "detect.engines.1.rules_loaded", Value: 7},
	}}
	line := AppendStatsJSON(nil, st)
	var m struct {
		Stats struct {
			Detect struct {
				Alert   int              `json:"alert"`
				Engines []map[string]int `json:"engines"`
			} `json:"detect"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	want := []map[string]int{{"id": 0, "rules_loaded": 10, "rules_skipped": 2}, {"id": 1, "rules_loaded": 7}}
	if m.Stats.Detect.Alert != 3 || !reflect.DeepEqual(m.Stats.Detect.Engines, want) {
		t.Errorf("detect = %+v, want alert 3 and engines %v (%s)", m.Stats.Detect, want, line)
	}
}
