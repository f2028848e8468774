package sensor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// sharedDir is ../shared beside the repository, where the test captures live.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps", "index.tsv")); err != nil {
		t.Skipf("../shared/pcaps is absent (%v): test needs the shared captures", err)
	}
	return dir
}

func readEVE(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: bad JSON line %q: %v", path, sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

func runRead(t testing.TB, files []string, workers int, overrides ...string) (*Summary, string) {
	t.Helper()
	return runReadOpts(t, ReadOptions{Files: files, Workers: workers}, overrides...)
}

// runReadOpts runs ReadFiles into a fresh output folder; opts.OutDir is set here.
func runReadOpts(t testing.TB, opts ReadOptions, overrides ...string) (*Summary, string) {
	t.Helper()
	cfg, _, err := LoadConfig("", overrides)
	if err != nil {
		t.Fatal(err)
	}
	opts.OutDir = t.TempDir()
	sum, err := ReadFiles(context.Background(), &cfg, opts)
	if err != nil {
		t.Fatalf("ReadFiles: %v", err)
	}
	return sum, opts.OutDir
}

// TestReadDemoCaptures runs the shipped demo captures and checks the outputs hang together:
// every packet is counted, every flow record's counters add up to the packets read.
func TestReadDemoCaptures(t *testing.T) {
	files := []string{"../testdata/demo/arkime_synthetic.pcap", "../testdata/demo/http-methods.pcap"}
	sum, out := runRead(t, files, 1)
	if sum.Damaged() {
		t.Fatalf("demo captures reported damaged: %+v", sum.Files)
	}
	var frames uint64
	for _, f := range sum.Files {
		frames += f.Packets
	}
	if sum.Packets != frames {
		t.Errorf("decoder saw %d packets, reader gave %d", sum.Packets, frames)
	}
	events := readEVE(t, filepath.Join(out, "eve.json"))
	var flows, flowPkts int
	for _, ev := range events {
		if ev["event_type"] != "flow" {
			continue
		}
		flows++
		fl := ev["flow"].(map[string]any)
		flowPkts += int(fl["pkts_toserver"].(float64) + fl["pkts_toclient"].(float64))
		if cid, _ := ev["community_id"].(string); !strings.HasPrefix(cid, "1:") {
			t.Errorf("flow without community_id: %v", ev)
		}
	}
	if flows == 0 || uint64(flows) != sum.Counter("flow.total") {
		t.Errorf("eve has %d flow records, flow.total counter says %d", flows, sum.Counter("flow.total"))
	}
	// Every packet that reached a flow is counted in exactly one record; ARP, non-IP and
	// fragments awaiting reassembly belong to none, so the sum is at most the packets read.
	if flowPkts == 0 || uint64(flowPkts) > sum.Packets {
		t.Errorf("flow records count %d packets, %d were read", flowPkts, sum.Packets)
	}
	arrows, _ := filepath.Glob(filepath.Join(out, "flows", "*.arrows"))
	if len(arrows) == 0 {
		t.Errorf("no flows/*.arrows written")
	}
}

// TestOutputSameForAnyWorkerCount is DESIGN's promise: sorted output does not depend on --workers.
func TestOutputSameForAnyWorkerCount(t *testing.T) {
	shared := sharedDir(t)
	files := []string{
		"../testdata/demo/arkime_synthetic.pcap",
		"../testdata/demo/http-methods.pcap",
		filepath.Join(shared, "pcaps/ntop+nDPI/tests/cfgs/default/pcap/1kxun.pcap"),
	}
	rules := writeTestRules(t)
	var want []string
	for _, n := range []int{1, 2, 4} {
		sum, out := runReadOpts(t, ReadOptions{Files: files, Workers: n, RuleFiles: []string{rules}},
			"outputs.eve-log.stats=false", "detect.cache-dir=")
		if sum.Alerts == 0 {
			t.Fatalf("workers=%d: the test rules raised no alert", n)
		}
		raw, err := os.ReadFile(filepath.Join(out, "eve.json"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		sort.Strings(lines)
		if n == 1 {
			want = lines
			if len(want) < 10 {
				t.Fatalf("only %d events with one worker", len(want))
			}
			continue
		}
		if len(lines) != len(want) {
			t.Fatalf("workers=%d: %d events, workers=1: %d", n, len(lines), len(want))
		}
		for i := range lines {
			if lines[i] != want[i] {
				t.Fatalf("workers=%d differs from workers=1 at sorted line %d:\n  %s\n  %s", n, i, lines[i], want[i])
			}
		}
	}
}

// TestReadEverySharedCapture reads all of ../shared/pcaps: no panic, damage reported only where
// index.tsv says the file is damaged, and a summary of what was decoded per link type and tunnel.
func TestReadEverySharedCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2,336 captures; skipped with -short")
	}
	shared := sharedDir(t)
	index, err := os.ReadFile(filepath.Join(shared, "pcaps", "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, _ := LoadConfig("", []string{"outputs.eve-log.enabled=false", "outputs.arrow.enabled=false"})
	linkTypes := map[string]uint64{}
	tunnels := map[string]uint64{}
	var files, packets, damaged, unexpected int
	for i, line := range strings.Split(strings.TrimSpace(string(index)), "\n") {
		if i == 0 {
			continue
		}
		col := strings.Split(line, "\t")
		if len(col) < 17 {
			continue
		}
		path, validity := filepath.Join(shared, "pcaps", col[0]), col[16]
		sum, err := ReadFiles(context.Background(), &cfg, ReadOptions{Files: []string{path}, OutDir: t.TempDir(), Workers: 1})
		if err != nil {
			t.Errorf("%s: %v", col[0], err)
			continue
		}
		files++
		packets += int(sum.Packets)
		for lt, c := range sum.LinkTypes {
			linkTypes[decoders.LinkTypeName(lt)] += c
		}
		for k, c := range sum.Tunnels {
			tunnels[k] += c
		}
		if sum.Damaged() {
			damaged++
			if validity == "ok" {
				unexpected++
				t.Errorf("%s: index says ok, read says %v", col[0], sum.Files[0].Err)
			}
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "read %d captures, %d packets, %d reported damaged\n", files, packets, damaged)
	fmt.Fprintf(&b, "packets per link type: %s\n", joinCounts(linkTypes))
	fmt.Fprintf(&b, "packets per tunnel kind: %s\n", joinCounts(tunnels))
	t.Log("\n" + b.String())
}
