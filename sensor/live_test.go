package sensor

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// The live pipeline end to end (namespaces, veth, rings, signals, privileges) is tested in
// cmd/nightjar/run_test.go, as root; these tests cover its parts that need no privilege.

func TestAFPacketConfigResolution(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "n.yaml")
	yaml := `%YAML 1.1
---
af-packet:
  - interface: eth1
    cluster-id: 42
    cluster-type: cluster_cpu
    block-size: 4mb
    defrag: no
  - interface: default
    block-timeout: 25
    ring-size: 4096
    disable-promisc: yes
stats:
  interval: 3
run-as:
  user: suricata
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := LoadConfig(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		if strings.Contains(w, "af-packet") || strings.Contains(w, "stats") || strings.Contains(w, "run-as") {
			t.Errorf("live keys reported unknown: %s", w)
		}
	}
	if cfg.RunAs.User != "suricata" || cfg.statsInterval() != 3*time.Second {
		t.Errorf("run-as %+v, stats interval %v", cfg.RunAs, cfg.statsInterval())
	}

	eth1, err := cfg.afpacketFor("eth1", 0)
	if err != nil {
		t.Fatal(err)
	}
	ro := eth1.ringOptions(capture.FanoutCPU)
	d := capture.DefaultRingOptions()
	want := capture.RingOptions{
		Interface: "eth1", BlockSize: 4 << 20, FrameSize: d.FrameSize,
		BlockCount:   4096 / (4 << 20 / d.FrameSize), // ring-size frames, from the default entry
		BlockTimeout: 25 * time.Millisecond,
		Promisc:      false,
		Fanout:       capture.FanoutOptions{Group: 42, Mode: capture.FanoutCPU, Defrag: false, ProgFD: -1},
	}
	if !reflect.DeepEqual(ro, want) {
		t.Errorf("eth1 ring options\n got %+v\nwant %+v", ro, want)
	}
	if eth1.ClusterType != "cluster_cpu" {
		t.Errorf("cluster-type %q", eth1.ClusterType)
	}

	// An interface with no entry of its own: the default entry, then the built-in defaults;
	// its cluster id follows its position so that two interfaces never share a group.
	eth2, err := cfg.afpacketFor("eth2", 1)
	if err != nil {
		t.Fatal(err)
	}
	ro2 := eth2.ringOptions(capture.FanoutHash)
	if ro2.Fanout.Group != defaultClusterID+1 || !ro2.Fanout.Defrag || ro2.BlockSize != d.BlockSize ||
		ro2.BlockCount != 4096/(d.BlockSize/d.FrameSize) || ro2.BlockTimeout != 25*time.Millisecond {
		t.Errorf("eth2 ring options %+v", ro2)
	}

	def := DefaultConfig()
	plain, _ := def.afpacketFor("eth0", 0)
	if got := plain.ringOptions(capture.FanoutHash); got.BlockSize != d.BlockSize || got.BlockCount != d.BlockCount ||
		got.BlockTimeout != d.BlockTimeout || !got.Promisc || got.Fanout.Group != defaultClusterID {
		t.Errorf("defaults: %+v", got)
	}
	if def.statsInterval() != defaultStatsInterval*time.Second {
		t.Errorf("default stats interval %v", def.statsInterval())
	}
	off := false
	def.Stats.Enabled = &off
	if def.statsInterval() != 0 {
		t.Error("stats.enabled: no still writes stats")
	}
	def.AFPacket = []AFPacketConfig{{Interface: "eth0", ClusterID: 70000}}
	if _, err := def.afpacketFor("eth0", 0); err == nil {
		t.Error("cluster-id 70000 accepted")
	}
}

func TestParseCPUList(t *testing.T) {
	got, err := ParseCPUList("0-2, 5,2,7-7")
	if err != nil || !reflect.DeepEqual(got, []int{0, 1, 2, 5, 7}) {
		t.Errorf("ParseCPUList = %v, %v", got, err)
	}
	for _, bad := range []string{"", "a", "3-1", "-1", "1-", "4096"} {
		if _, err := ParseCPUList(bad); err == nil {
			t.Errorf("ParseCPUList(%q) accepted", bad)
		}
	}
}

func TestMetricsListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"9464":          "127.0.0.1:9464",
		":9464":         "127.0.0.1:9464",
		"0.0.0.0:9464":  "0.0.0.0:9464",
		"[::1]:9464":    "[::1]:9464",
		"10.1.2.3:8080": "10.1.2.3:8080",
	} {
		got, err := MetricsListenAddr(in)
		if err != nil || got != want {
			t.Errorf("MetricsListenAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := MetricsListenAddr("host-without-port"); err == nil {
		t.Error("an address without a port was accepted")
	}
	if got := metricName("decoder.event.ipv4.trunc-pkt"); got != "decoder_event_ipv4_trunc_pkt" {
		t.Errorf("metricName = %q", got)
	}
}

func TestMergeSummaries(t *testing.T) {
	one := func(pkts, bytes, maxPkt, active uint64) *workerSnapshot {
		return &workerSnapshot{sum: &Summary{
			Packets: pkts, Bytes: bytes,
			Events: map[string]uint64{"decoder.ipv4.trunc_pkt": 1},
			Counters: []export.Counter{
				{Name: "decoder.pkts", Value: pkts},
				{Name: "decoder.max_pkt_size", Value: maxPkt},
				{Name: "decoder.avg_pkt_size", Value: bytes / max(pkts, 1)},
				{Name: "flow.active", Value: active},
			},
		}}
	}
	s := mergeSummaries([]*workerSnapshot{one(10, 1000, 300, 2), one(30, 1000, 1500, 5)}, 2, time.Second)
	if s.Packets != 40 || s.Bytes != 2000 || s.Events["decoder.ipv4.trunc_pkt"] != 2 {
		t.Errorf("merged %+v", s)
	}
	for name, want := range map[string]uint64{"decoder.pkts": 40, "decoder.max_pkt_size": 1500, "decoder.avg_pkt_size": 50, "flow.active": 7} {
		if got := s.Counter(name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestDeployConfigLoads keeps the shipped example config in step with the config schema.
func TestDeployConfigLoads(t *testing.T) {
	cfg, warnings, err := LoadConfig(filepath.Join("..", "deploy", "nightjar-span.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("example config has keys Nightjar ignores: %v", warnings)
	}
	if cfg.RunAs.User != "nightjar" || cfg.statsInterval() != 8*time.Second {
		t.Errorf("run-as %+v, stats every %v", cfg.RunAs, cfg.statsInterval())
	}
	eth2, err := cfg.afpacketFor("eth2", 1)
	if err != nil {
		t.Fatal(err)
	}
	if ro := eth2.ringOptions(capture.FanoutHash); ro.Fanout.Group != 98 || ro.BlockSize != 1<<20 || ro.BlockCount != 64 || !ro.Promisc {
		t.Errorf("eth2 from the example: %+v", ro)
	}
}
