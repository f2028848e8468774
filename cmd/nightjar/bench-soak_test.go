package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/bench"
)

// TestBenchSoakShort is a soak in miniature: six seconds of replay with a reload every 1.5 s.
// Every frame sent must be accounted for (decoded, or counted as a kernel drop: CI shares
// its two cores with the other packages' tests, and a starved worker may drop; zero loss
// under reloads is TestRunReloadUnderTraffic's claim and the real soak's figure), every
// reload must be done, and the sensor's memory must be sampled.
func TestBenchSoakShort(t *testing.T) {
	rep, err := bench.Soak(context.Background(), bench.SoakOptions{
		File: "../../testdata/demo/http-methods.pcap", Sensor: nightjarBin, Workers: 2,
		Rate: 2000, Duration: 6 * time.Second, ReloadEvery: 1500 * time.Millisecond,
		Sample: 250 * time.Millisecond, RuleFiles: []string{"../../testdata/demo/demo.rules"},
	})
	if errors.Is(err, bench.ErrNoLab) {
		t.Skipf("soak needs the live lab: %v; skipped", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Step
	if st.Sent == 0 || st.KernelPackets != st.Sent || st.Decoded+st.KernelDrops != st.Sent {
		t.Errorf("sent %d, kernel %d, decoded %d, drops %d: want every frame decoded or counted as dropped", st.Sent, st.KernelPackets, st.Decoded, st.KernelDrops)
	}
	if rep.Signalled < 3 || rep.Reloads != uint64(rep.Signalled) || rep.Failures != 0 {
		t.Errorf("%d reloads signalled, %d done, %d failed", rep.Signalled, rep.Reloads, rep.Failures)
	}
	if len(rep.RSS) < 10 || rep.Growth.PeakMiB <= 0 || rep.Growth.LateMiB <= 0 {
		t.Errorf("rss samples %d, growth %+v", len(rep.RSS), rep.Growth)
	}
	t.Logf("sent %d (%d dropped), %d reloads, rss early %.1f late %.1f peak %.1f MiB", st.Sent, st.KernelDrops, rep.Reloads, rep.Growth.EarlyMiB, rep.Growth.LateMiB, rep.Growth.PeakMiB)
}
