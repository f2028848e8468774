package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/bench"
)

func TestBenchGenCLI(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for _, out := range []string{a, b} {
		code, _, stderr := nightjar(t, "bench", "gen", "-q", "--seed", "5", "--size", "2mb", "--flows", "32", "--attack-every", "20", "-o", out)
		if code != 0 {
			t.Fatalf("bench gen: exit %d: %s", code, stderr)
		}
	}
	ra, _ := os.ReadFile(a)
	rb, _ := os.ReadFile(b)
	if len(ra) < 2<<20 || !bytes.Equal(ra, rb) {
		t.Errorf("two gens with seed 5: %d and %d bytes, equal %v", len(ra), len(rb), bytes.Equal(ra, rb))
	}
	if _, err := os.Stat(a + ".expected.json"); err != nil {
		t.Error(err)
	}
	code, stdout, stderr := nightjar(t, "bench", "run", "-q", "-r", a, "--repeat", "1", "--workers", "1", "--json", filepath.Join(dir, "r.json"))
	if code != 0 || stdout != "" {
		t.Fatalf("bench run: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err != nil {
		t.Error(err)
	}
}

func TestBenchUnusable(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "live"},
		{"bench", "live", "-r", "x.pcap", "--rates", "50k,20k"},
		{"bench", "live", "-r", "x.pcap", "--rates", "20k", "--start", "10k"},
		{"bench", "live", "-r", "x.pcap", "--start", "10k", "--factor", "1", "--max", "80k"},
		{"bench", "gen"},
		{"bench", "gen", "-o", "x.pcap", "--bogus"},
		{"bench", "run"},
		{"bench", "nope"},
		{"bench", "soak", "-r", "x.pcap"},
		{"bench", "soak", "-r", "x.pcap", "--rate", "10k", "--reload-every", "0s"},
	} {
		code, _, stderr := nightjar(t, args...)
		if code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") > 20 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	_, _, stderr := nightjar(t, "bench", "live")
	if !strings.Contains(stderr, "give -r FILE") {
		t.Errorf("bench live: %q", stderr)
	}
}

// TestBenchLiveCLI runs `nightjar bench live` end to end at two small rates with one worker:
// every frame sent must reach the sensor, and the outputs must agree with each other.
func TestBenchLiveCLI(t *testing.T) {
	newLiveLab(t) // skips where no lab can be made (not root, no netns)
	dir := t.TempDir()
	js, svgDir := filepath.Join(dir, "live.json"), filepath.Join(dir, "svg")
	code, stdout, stderr := nightjar(t, "bench", "live", "-r", "../../testdata/demo/http-methods.pcap",
		"--workers", "1", "--rates", "2k,5k", "--duration", "1s", "--json", js, "--svg", svgDir)
	if code != 0 {
		t.Fatalf("bench live: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.LiveReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sweeps) != 1 || rep.Sweeps[0].Workers != 1 || len(rep.Sweeps[0].Steps) != 2 {
		t.Fatalf("want one sweep of two steps for 1 worker, got %+v", rep.Sweeps)
	}
	for _, s := range rep.Sweeps[0].Steps {
		// A second at these rates sends well over one pass of the file, and the veth loses none.
		if s.Sent < 655 || s.KernelPackets != s.Sent || s.Decoded != s.Sent || s.KernelDrops != 0 {
			t.Errorf("asked %.0f pkt/s: sent %d, kernel packets %d, drops %d, decoded %d", s.Asked, s.Sent, s.KernelPackets, s.KernelDrops, s.Decoded)
		}
		if s.Achieved < 0.8*s.Asked || s.Achieved > 1.2*s.Asked || s.SensorCPU <= 0 {
			t.Errorf("asked %.0f pkt/s: achieved %.0f, sensor cpu %.2fs", s.Asked, s.Achieved, s.SensorCPU)
		}
	}
	if best := rep.Sweeps[0].BestZeroDrop; best != rep.Sweeps[0].Steps[1].Achieved {
		t.Errorf("best zero-drop rate %.0f, want the second step's %.0f", best, rep.Sweeps[0].Steps[1].Achieved)
	}
	if !strings.Contains(stdout, "highest zero-drop") {
		t.Errorf("no Markdown table on stdout:\n%s", stdout)
	}
	if svg, err := os.ReadFile(filepath.Join(svgDir, "live-drops.svg")); err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("chart: %v", err)
	}
}

// TestBenchLiveNeedsRoot: without root the command says so and exits 1.
func TestBenchLiveNeedsRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("checks the refusal of an unprivileged user; running as root, skipped")
	}
	code, _, stderr := nightjar(t, "bench", "live", "-r", "../../testdata/demo/http-methods.pcap", "--rates", "1k")
	if code != exitUnusable || !strings.Contains(stderr, "needs root") {
		t.Errorf("exit %d, stderr %q; want %d and a word on root", code, stderr, exitUnusable)
	}
}

// TestBenchGenAttacksAlert reads a generated capture with the whole of ET Open 2024 and
// checks that each injected attack raises exactly the alerts FILE.expected.json lists: the
// named rule, between the listed hosts, as many times as listed (other rules may alert too).
func TestBenchGenAttacksAlert(t *testing.T) {
	etDir := filepath.Join("..", "..", "..", "shared", "rules", "et-open-2024")
	files, _ := filepath.Glob(filepath.Join(etDir, "*.rules"))
	if len(files) == 0 {
		t.Skipf("ET Open 2024 not found under %s (../shared absent)", etDir)
	}
	dir := t.TempDir()
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, b...), '\n')
	}
	rules := filepath.Join(dir, "et.rules")
	if err := os.WriteFile(rules, all, 0o644); err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(dir, "g.pcap")
	if code, _, stderr := nightjar(t, "bench", "gen", "-q", "--seed", "11", "--size", "6mb", "--attack-every", "40", "-o", pcap); code != 0 {
		t.Fatalf("bench gen: exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(pcap + ".expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp bench.Expected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Alerts) == 0 {
		t.Fatal("the generator injected no attack")
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := nightjar(t, "read", "-q", "--workers", "1", "-r", pcap, "-S", rules, "-l", out); code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr)
	}
	eve, err := os.ReadFile(filepath.Join(out, "eve.json"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[uint32]bool{}
	want := map[string]uint64{}
	for _, a := range exp.Alerts {
		listed[a.SID] = true
		want[fmt.Sprintf("%d %s->%s", a.SID, a.Src, a.Dst)] += a.Count
	}
	got := map[string]uint64{}
	for _, line := range strings.Split(string(eve), "\n") {
		var ev struct {
			EventType string `json:"event_type"`
			Src       string `json:"src_ip"`
			Dst       string `json:"dest_ip"`
			Alert     struct {
				SID uint32 `json:"signature_id"`
			} `json:"alert"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.EventType != "alert" || !listed[ev.Alert.SID] {
			continue
		}
		got[fmt.Sprintf("%d %s->%s", ev.Alert.SID, ev.Src, ev.Dst)]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d alerts, want %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %d alerts not in the expected list", k, n)
		}
	}
}
