package sensor

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nightjar-ids/nightjar/signatures"
)

// testRules fire on the demo captures in both directions, over TCP and UDP, with and without
// flow keywords, classtype and metadata; the last one does not parse.
const testRules = `alert tcp any any -> any any (msg:"HTTP GET"; flow:to_server,established; content:"GET "; depth:4; classtype:bad-unknown; metadata:tag b, created_at 2024_01_01, tag a; sid:1000001; rev:3;)
alert tcp any any -> any any (msg:"HTTP reply"; flow:to_client; content:"HTTP/1."; depth:7; sid:1000002; rev:1;)
alert udp any any -> any any (msg:"any UDP"; sid:1000003; rev:1;)
alert tcp any any -> any any (msg:"SYN"; flags:S; priority:1; sid:1000004; rev:1;)
alert tcp any any -> any any (msg:"broken"; content:"x"; bogus_keyword; sid:1000005; rev:1;)
`

// writeTestRules writes testRules into a temporary file and returns its path.
func writeTestRules(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.rules")
	if err := os.WriteFile(path, []byte(testRules), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadWritesAlerts(t *testing.T) {
	rules := writeTestRules(t)
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	sum, out := runReadOpts(t, ReadOptions{
		Files:     []string{"../testdata/demo/http-methods.pcap", "../testdata/demo/arkime_synthetic.pcap"},
		Workers:   2,
		RuleFiles: []string{rules},
		Log:       log,
	}, "detect.cache-dir=")
	if !sum.Detect || sum.RulesTotal != 5 || sum.Rules != 4 {
		t.Errorf("rules: detect=%v loaded %d of %d, want 4 of 5", sum.Detect, sum.Rules, sum.RulesTotal)
	}
	if !strings.Contains(logBuf.String(), rules+":5 sid 1000005") {
		t.Errorf("the broken rule was not reported as FILE:LINE sid N: %s", logBuf.String())
	}
	if sum.Counter("detect.alert") != sum.Alerts {
		t.Errorf("detect.alert counter %d, summary alerts %d", sum.Counter("detect.alert"), sum.Alerts)
	}

	events := readEVE(t, filepath.Join(out, "eve.json"))
	flows := map[float64]map[string]any{}
	var alerts []map[string]any
	perSID := map[float64]int{}
	for _, ev := range events {
		switch ev["event_type"] {
		case "flow":
			flows[ev["flow_id"].(float64)] = ev
		case "alert":
			alerts = append(alerts, ev)
			perSID[ev["alert"].(map[string]any)["signature_id"].(float64)]++
		}
	}
	if uint64(len(alerts)) != sum.Alerts || len(alerts) == 0 {
		t.Fatalf("eve.json has %d alerts, summary says %d", len(alerts), sum.Alerts)
	}
	for _, sid := range []float64{1000001, 1000002, 1000003, 1000004} {
		if perSID[sid] == 0 {
			t.Errorf("sid %.0f never alerted (alerts per sid: %v)", sid, perSID)
		}
	}
	wire := 0
	defer func() {
		if wire == 0 {
			t.Errorf("no alert has pkt_src wire/pcap")
		}
	}()
	for _, a := range alerts {
		al := a["alert"].(map[string]any)
		switch a["pkt_src"] {
		case "wire/pcap":
			wire++
		case "defrag", "gre tunnel", "ipv4 tunnel", "ipv6 tunnel", "teredo tunnel", "vxlan encapsulation", "geneve encapsulation":
		default:
			t.Errorf("alert pkt_src %v is none of Suricata's names", a["pkt_src"])
		}
		if cid, _ := a["community_id"].(string); !strings.HasPrefix(cid, "1:") {
			t.Errorf("alert without community_id: %v", a)
		}
		f, ok := flows[a["flow_id"].(float64)]
		if !ok {
			t.Errorf("alert's flow_id %v has no flow record", a["flow_id"])
			continue
		}
		if f["flow"].(map[string]any)["alerted"] != true {
			t.Errorf("flow %v had alert sid %v but flow.alerted is not true", a["flow_id"], al["signature_id"])
		}
		if f["community_id"] != a["community_id"] {
			t.Errorf("alert and flow community_id differ: %v vs %v", a["community_id"], f["community_id"])
		}
		// Suricata writes the packet's tuple: a reply's source is the flow's server.
		srcIsClient := a["src_ip"] == f["src_ip"] && a["src_port"] == f["src_port"]
		if want := a["direction"] == "to_server"; srcIsClient != want {
			t.Errorf("direction %v but src %v:%v vs flow client %v:%v", a["direction"], a["src_ip"], a["src_port"], f["src_ip"], f["src_port"])
		}
		af := a["flow"].(map[string]any)
		if af["src_ip"] != f["src_ip"] || af["start"] != f["flow"].(map[string]any)["start"] {
			t.Errorf("alert.flow does not describe its flow: %v vs %v", af, f)
		}
		switch al["signature_id"].(float64) {
		case 1000001:
			if al["category"] != "Potentially Bad Traffic" || al["severity"] != 2.0 || al["rev"] != 3.0 || a["direction"] != "to_server" {
				t.Errorf("sid 1000001 alert fields: %v", a)
			}
			md := al["metadata"].(map[string]any)
			if tags := md["tag"].([]any); len(tags) != 2 || tags[0] != "a" || tags[1] != "b" || md["created_at"] == nil {
				t.Errorf("sid 1000001 metadata %v, want tag [a b] (Suricata's order) and created_at", md)
			}
		case 1000002:
			if a["direction"] != "to_client" || al["category"] != "" || al["severity"] != 3.0 {
				t.Errorf("sid 1000002 alert fields: %v", a)
			}
		case 1000004:
			if al["severity"] != 1.0 {
				t.Errorf("sid 1000004 severity %v, want the priority keyword's 1", al["severity"])
			}
		}
	}

	fast, err := os.ReadFile(filepath.Join(out, "fast.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(fast, []byte("\n")); n != len(alerts) {
		t.Errorf("fast.log has %d lines, eve.json %d alerts", n, len(alerts))
	}
	if !bytes.Contains(fast, []byte("[**] [1:1000001:3] HTTP GET [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} ")) {
		t.Errorf("fast.log lacks the sid 1000001 line:\n%s", fast)
	}

	files, _ := filepath.Glob(filepath.Join(out, "alerts", "alert-*.arrows"))
	var rows int64
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := ipc.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		for rdr.Next() {
			rows += rdr.RecordBatch().NumRows()
		}
		rdr.Release()
		f.Close()
	}
	if rows != int64(len(alerts)) {
		t.Errorf("alerts/*.arrows hold %d rows in %d files, eve.json %d alerts", rows, len(files), len(alerts))
	}
}

func TestReadRuleErrors(t *testing.T) {
	rules := writeTestRules(t)
	cfg, _, err := LoadConfig("", []string{"detect.cache-dir="})
	if err != nil {
		t.Fatal(err)
	}
	opts := ReadOptions{Files: []string{"../testdata/demo/http-methods.pcap"}, OutDir: t.TempDir(), Workers: 1,
		RuleFiles: []string{rules}, InitErrorsFatal: true, Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	if _, err := ReadFiles(context.Background(), &cfg, opts); !errors.Is(err, errRulesFatal) {
		t.Errorf("--init-errors-fatal with a broken rule: err %v", err)
	}
	if _, err := os.Stat(filepath.Join(opts.OutDir, "eve.json")); err == nil {
		t.Errorf("a run refused at rule loading still created eve.json")
	}

	// No rule file at all: detection is off and no alert outputs appear.
	sum, out := runRead(t, []string{"../testdata/demo/http-methods.pcap"}, 1)
	if sum.Detect || sum.Alerts != 0 {
		t.Errorf("no rules: detect=%v alerts=%d", sum.Detect, sum.Alerts)
	}
	if _, err := os.Stat(filepath.Join(out, "fast.log")); err == nil {
		t.Errorf("fast.log written without rules")
	}
}

func TestConfigRuleFiles(t *testing.T) {
	dir := t.TempDir()
	yaml := "default-rule-path: " + dir + "\nrule-files:\n  - a.rules\n  - /abs/b.rules\nvars:\n  address-groups:\n    HOME_NET: \"[10.9.0.0/16]\"\n"
	path := filepath.Join(dir, "nightjar.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := LoadConfig(path, nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("LoadConfig: %v %v", err, warnings)
	}
	got := configRuleFiles(&cfg)
	if len(got) != 2 || got[0] != filepath.Join(dir, "a.rules") || got[1] != "/abs/b.rules" {
		t.Errorf("rule files %v", got)
	}
	v := RuleVars(&cfg)
	if v["HOME_NET"] != "[10.9.0.0/16]" || v["EXTERNAL_NET"] != "!$HOME_NET" || v["HTTP_PORTS"] != "80" {
		t.Errorf("vars: HOME_NET %q EXTERNAL_NET %q HTTP_PORTS %q", v["HOME_NET"], v["EXTERNAL_NET"], v["HTTP_PORTS"])
	}
	if def := DefaultConfig(); def.Detect.CacheDir == "" && os.Getenv("HOME") != "" {
		t.Errorf("no default detect.cache-dir")
	}
}

func TestGroupMetadata(t *testing.T) {
	got := groupMetadata([]signatures.Metadata{{Key: "tag", Value: "1"}, {Key: "Affected", Value: "x"}, {Key: "TAG", Value: "2"}, {Key: "empty", Value: ""}})
	if len(got) != 2 || got[0].Key != "Affected" || got[1].Key != "TAG" || strings.Join(got[1].Values, ",") != "2,1" {
		t.Errorf("groupMetadata = %+v", got)
	}
}
