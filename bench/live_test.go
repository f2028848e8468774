package bench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

func TestRateSteps(t *testing.T) {
	got, err := RateSteps(20000, 2, 160000)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{20000, 40000, 80000, 160000}
	if len(got) != len(want) {
		t.Fatalf("RateSteps(20k, 2, 160k) = %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6 {
			t.Fatalf("RateSteps(20k, 2, 160k) = %v, want %v", got, want)
		}
	}
	// The max need not be on the ladder: the last step is the highest below it.
	if got, _ := RateSteps(10000, 3, 100000); len(got) != 3 || got[2] != 90000 {
		t.Errorf("RateSteps(10k, 3, 100k) = %v, want 10k, 30k, 90k", got)
	}
	for _, bad := range [][3]float64{{0, 2, 100}, {100, 1, 1000}, {100, 2, 50}, {-5, 2, 100}} {
		if r, err := RateSteps(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("RateSteps%v = %v, want an error", bad, r)
		}
	}
}

func TestParseRates(t *testing.T) {
	got, err := ParseRates("20k, 50k,100000,1.5m")
	if err != nil || len(got) != 4 || got[0] != 20000 || got[1] != 50000 || got[2] != 100000 || got[3] != 1.5e6 {
		t.Errorf("ParseRates = %v, %v", got, err)
	}
	for _, bad := range []string{"", "50k,20k", "10,10", "x", "-3k", "0"} {
		if r, err := ParseRates(bad); err == nil {
			t.Errorf("ParseRates(%q) = %v, want an error", bad, r)
		}
	}
}

// fakeSensor drops frames above capacity pkt/s and sends at most senderMax pkt/s.
func fakeSensor(capacity, senderMax float64, calls *[]float64) func(int, float64) (LiveStep, error) {
	return func(workers int, rate float64) (LiveStep, error) {
		*calls = append(*calls, rate)
		ach := min(rate, senderMax)
		sent := uint64(ach * 2)
		s := LiveStep{Asked: rate, Achieved: ach, Sent: sent, KernelPackets: sent, Decoded: sent}
		if ach > capacity*float64(workers) {
			s.KernelDrops = uint64((ach - capacity*float64(workers)) * 2)
			s.Decoded = sent - s.KernelDrops
		}
		return s, nil
	}
}

func TestSweepStopsAtFirstLoss(t *testing.T) {
	rates := []float64{10000, 20000, 40000, 80000, 160000}
	var calls []float64
	sw, err := sweep(context.Background(), 1, rates, fakeSensor(50000, 1e9, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 4 || sw.BestZeroDrop != 40000 || !strings.Contains(sw.Limit, "loss") {
		t.Errorf("capacity 50k: ran %v, best %v, limit %q; want 4 steps up to 80k, best 40k, loss", calls, sw.BestZeroDrop, sw.Limit)
	}
	// Two workers double the fake capacity: the first loss moves up a step.
	calls = nil
	sw, _ = sweep(context.Background(), 2, rates, fakeSensor(50000, 1e9, &calls))
	if len(calls) != 5 || sw.BestZeroDrop != 80000 {
		t.Errorf("2 workers: ran %v, best %v; want the first loss at 160k", calls, sw.BestZeroDrop)
	}
	// A sender that cannot keep up ends the sweep without blaming the sensor.
	calls = nil
	sw, _ = sweep(context.Background(), 4, rates, fakeSensor(1e9, 30000, &calls))
	if len(calls) != 3 || sw.BestZeroDrop != 30000 || !strings.Contains(sw.Limit, "sender") {
		t.Errorf("sender limit 30k: ran %v, best %v, limit %q", calls, sw.BestZeroDrop, sw.Limit)
	}
	// An interrupted sweep stops before the next step.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = nil
	if sw, err := sweep(ctx, 1, rates, fakeSensor(1e9, 1e9, &calls)); err == nil || len(calls) != 0 || sw.Limit != "interrupted" {
		t.Errorf("cancelled sweep: err %v, ran %v, limit %q", err, calls, sw.Limit)
	}
}

func TestLiveStepLost(t *testing.T) {
	// Frames the kernel never counted (lost on the veth) are loss even with no kernel drops.
	if l := (LiveStep{Sent: 100, KernelPackets: 90, Decoded: 90}).Lost(); l != 10 {
		t.Errorf("lost = %d, want 10", l)
	}
	if l := (LiveStep{Sent: 100, KernelPackets: 100, Decoded: 100, KernelDrops: 3}).Lost(); l != 3 {
		t.Errorf("lost = %d, want 3", l)
	}
}

func TestLiveReportOutputs(t *testing.T) {
	var calls []float64
	sw, _ := sweep(context.Background(), 1, []float64{1000, 2000, 4000}, fakeSensor(1500, 1e9, &calls))
	rep := &LiveReport{File: "x.pcap", Duration: 1, Sweeps: []LiveSweep{sw}}
	var md, js bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| 1 | 1000 |") || !strings.Contains(js.String(), `"best_zero_drop_pps": 1000`) {
		t.Errorf("markdown or JSON lacks the best rate:\n%s\n%s", md.String(), js.String())
	}
	svg := rep.Charts()["live-drops.svg"]
	if !bytes.HasPrefix(svg, []byte("<svg")) || bytes.Count(svg, []byte("<circle")) != 2 {
		t.Errorf("chart: want an SVG with one point per step (2):\n%s", svg)
	}
}

func TestRSSGrowth(t *testing.T) {
	// Ten minutes at one sample a second: warm-up 100 MiB for the first minute, then 150 MiB
	// growing by 0.1 MiB a second.
	var s []RSSSample
	for i := range 600 {
		v := 100.0
		if i >= 60 {
			v = 150 + 0.1*float64(i-60)
		}
		s = append(s, RSSSample{At: float64(i), RSSMiB: v})
	}
	g := rssGrowth(s)
	if g.EarlyMiB < 150 || g.EarlyMiB > 153 || g.LateMiB < 200 || g.LateMiB > 204 || g.PeakMiB != 150+0.1*539 {
		t.Errorf("growth %+v: want early ≈ 152.6 (after warm-up), late ≈ 201.3, peak 203.9", g)
	}
	if g := rssGrowth(nil); g != (RSSGrowth{}) {
		t.Errorf("no samples: %+v", g)
	}
}
