package sensor

import (
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// TestStatsCounterLayout checks the stats counters read as Suricata's: per-header decoder
// counters, packet size counters, decoder events under decoder.event., the bypass and memcap
// pressure counters.
func TestStatsCounterLayout(t *testing.T) {
	sum, _ := runRead(t, []string{"../testdata/demo/http-methods.pcap"}, 1)
	eth := sum.LinkTypes[decoders.LinkEthernet]
	if eth == 0 || sum.Counter("decoder.ethernet") < eth {
		t.Errorf("decoder.ethernet %d for %d Ethernet frames", sum.Counter("decoder.ethernet"), eth)
	}
	if l3 := sum.Counter("decoder.ipv4") + sum.Counter("decoder.ipv6"); l3 == 0 || l3 > 2*sum.Packets {
		t.Errorf("decoder.ipv4+ipv6 %d for %d packets", l3, sum.Packets)
	}
	if sum.Counter("decoder.tcp") == 0 {
		t.Error("no decoder.tcp in an HTTP capture")
	}
	if got := sum.Counter("decoder.avg_pkt_size"); got != sum.Bytes/sum.Packets {
		t.Errorf("avg_pkt_size %d, want %d", got, sum.Bytes/sum.Packets)
	}
	if got := sum.Counter("decoder.max_pkt_size"); got < sum.Bytes/sum.Packets || got > sum.Bytes {
		t.Errorf("max_pkt_size %d out of range", got)
	}
	names := map[string]bool{}
	for _, c := range sum.Counters {
		names[c.Name] = true
		if strings.HasPrefix(c.Name, "decoder.decoder.") {
			t.Errorf("counter %s doubles its prefix", c.Name)
		}
	}
	for _, n := range []string{"memcap.pressure", "memcap.pressure_max", "flow_bypassed.local_pkts", "flow_bypassed.local_bytes"} {
		if !names[n] {
			t.Errorf("counter %s missing", n)
		}
	}
	if p := sum.Counter("memcap.pressure"); p > 100 {
		t.Errorf("memcap.pressure %d%%", p)
	}
}

func TestRecursionTrackingSetting(t *testing.T) {
	for _, c := range []struct {
		set    []string
		ignore bool
	}{{nil, false}, {[]string{"decoder.recursion-level.use-for-tracking=false"}, true}} {
		cfg, warn, err := LoadConfig("", c.set)
		if err != nil || len(warn) > 0 {
			t.Fatalf("%v: %v %v", c.set, err, warn)
		}
		if got := flowConfig(&cfg, 1).IgnoreRecursion; got != c.ignore {
			t.Errorf("%v: IgnoreRecursion %v, want %v", c.set, got, c.ignore)
		}
	}
}
