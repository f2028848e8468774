package sensor

import (
	"fmt"
	"net"
	"testing"
)

// TestHostStateSharedByWorkers: thresholds tracked by source count the host once, however its
// flows are spread over the workers (Suricata's host table is shared by its threads). One
// source talks to 16 destinations, each its own flow; the flows land on different workers.
// (xbits share the same state; which worker sees a flow first is not fixed, so their sharing is
// tested on two matchers in signatures.)
func TestHostStateSharedByWorkers(t *testing.T) {
	c := newDACapture(t)
	for i := 0; i < 16; i++ {
		v := c.conv(uint16(40000+i), 9999)
		v.s.ip = net.IPv4(10, 9, 0, byte(1+i)).To4()
		v.udp(true, []byte("probe"))
	}
	pcap := c.write()
	rules := []string{
		`alert udp any any -> any 9999 (msg:"probe limited"; content:"probe"; threshold:type limit, track by_src, count 1, seconds 60; sid:1;)`,
		`alert udp any any -> any 9999 (msg:"probe threshold"; content:"probe"; threshold:type threshold, track by_src, count 5, seconds 60; sid:4;)`,
	}
	for workers := 1; workers <= 4; workers++ {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			run := runAppRules(t, pcap, rules, workers)
			got := map[int]int{}
			for _, a := range run.alerts {
				got[daSID(a)]++
			}
			// 16 probes from one source: limit 1 alerts once, threshold 5 on the 5th, 10th
			// and 15th.
			want := map[int]int{1: 1, 4: 3}
			for sid, n := range want {
				if got[sid] != n {
					t.Errorf("sid %d: %d alerts, want %d", sid, got[sid], n)
				}
			}
		})
	}
}
