package sensor

import (
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatasetsConfig: the datasets section declares sets rules refer to by name, its defaults
// and rules settings apply, no key of it is reported unknown, and the registry is the same on
// every load of the same Config (a reload) so state carries on and is saved at shutdown.
func TestDatasetsConfig(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	ua := base64.StdEncoding.EncodeToString([]byte("curl/8"))
	if err := os.WriteFile(filepath.Join(data, "ua-bl.lst"), []byte(ua+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "nightjar.yaml")
	if err := os.WriteFile(conf, []byte(`%YAML 1.1
---
datasets:
  enabled: yes
  defaults:
    memcap: 1mb
    hashsize: 64
  rules:
    allow-write: false
  ua-bl:
    type: string
    load: ua-bl.lst
  dns-seen:
    type: string
    state: dns-seen.lst
    memcap: 2mb
  bad:
    type: blob
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := LoadConfig(conf, []string{"data-dir=" + data})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	rules := filepath.Join(dir, "test.rules")
	if err := os.WriteFile(rules, []byte(`alert http any any -> any any (http.user_agent; dataset:isset,ua-bl; sid:1;)
alert dns any any -> any any (dns.query; dataset:set,dns-seen; sid:2;)
alert dns any any -> any any (dns.query; dataset:set,other,type string,save other.lst; sid:3;)
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cr, err := CompileRules(&cfg, []string{rules})
	if err != nil {
		t.Fatal(err)
	}
	if got := cr.Engine.Stats().Rules; got != 2 {
		t.Errorf("%d rules loaded, want 2 (sid 3 writes a file, which the config forbids)", got)
	}
	joined := strings.Join(cr.Problems, "\n")
	if !strings.Contains(joined, "datasets.bad: bad dataset type") || !strings.Contains(joined, "save/state datasets have been disabled") {
		t.Errorf("problems: %v", cr.Problems)
	}
	reg := cr.Datasets
	if !reg.Lookup("ua-bl").Contains([]byte("curl/8")) {
		t.Error("ua-bl not loaded from data-dir")
	}
	reg.Lookup("dns-seen").Add([]byte("example.com"))
	if c := reg.Config(); c.Memcap != 1<<20 || c.Hashsize != 64 || !c.DenyWrite || c.DataDir != data {
		t.Errorf("registry config %+v", c)
	}
	// A reload of the same Config finds the same sets.
	cr2, err := CompileRules(&cfg, []string{rules})
	if err != nil {
		t.Fatal(err)
	}
	if cr2.Datasets != reg || !cr2.Datasets.Lookup("dns-seen").Contains([]byte("example.com")) {
		t.Error("the reload did not keep the sets")
	}
	saveDatasets(&detection{datasets: reg}, slog.Default())
	got, err := os.ReadFile(filepath.Join(data, "dns-seen.lst"))
	want := base64.StdEncoding.EncodeToString([]byte("example.com")) + "\n"
	if err != nil || string(got) != want {
		t.Errorf("state file %q (%v), want %q", got, err, want)
	}
}
