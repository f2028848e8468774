package sensor

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/sensor/flow"
)

const bypassDemo = "../testdata/demo/http-methods.pcap"

// flowsByTuple indexes an eve.json's flow events by their five-tuple.
func flowsByTuple(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, ev := range readEVE(t, filepath.Join(dir, "eve.json")) {
		if ev["event_type"] != "flow" {
			continue
		}
		k := fmt.Sprintf("%v %v:%v-%v:%v", ev["proto"], ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])
		if _, dup := out[k]; dup {
			t.Fatalf("two flow records for %s", k)
		}
		out[k] = ev
	}
	return out
}

func flowNum(ev map[string]any, key string) uint64 {
	fl, _ := ev["flow"].(map[string]any)
	v, _ := fl[key].(float64)
	return uint64(v)
}

func flowTotal(ev map[string]any) (pkts, bytes uint64) {
	return flowNum(ev, "pkts_toserver") + flowNum(ev, "pkts_toclient"), flowNum(ev, "bytes_toserver") + flowNum(ev, "bytes_toclient")
}

// With an elephant threshold, exactly the flows that carried that much are bypassed locally:
// their records keep every packet in the totals, say state bypassed and bypass local, and the
// packets after the threshold are counted as flow_bypassed.local_pkts. Flows below it are
// untouched.
func TestReadElephantLocalBypass(t *testing.T) {
	const threshold = 3000
	_, plainDir := runRead(t, []string{bypassDemo}, 1)
	sum, bypDir := runRead(t, []string{bypassDemo}, 1, fmt.Sprintf("flow.elephant-threshold=%d", threshold))
	plain, byp := flowsByTuple(t, plainDir), flowsByTuple(t, bypDir)
	if len(plain) != len(byp) || len(plain) == 0 {
		t.Fatalf("%d flows plain, %d with bypass", len(plain), len(byp))
	}
	bypassed := uint64(0)
	for k, p := range plain {
		b := byp[k]
		if b == nil {
			t.Fatalf("flow %s missing with bypass", k)
		}
		pp, pb := flowTotal(p)
		bp, bb := flowTotal(b)
		if pp != bp || pb != bb {
			t.Errorf("%s: totals %d pkts %d bytes with bypass, %d and %d without", k, bp, bb, pp, pb)
		}
		fl := b["flow"].(map[string]any)
		big := pb >= threshold
		if big {
			bypassed++
			if fl["state"] != "bypassed" || fl["bypass"] != "local" || fl["bypassed"] == nil {
				t.Errorf("%s (%d bytes): flow %v; want state bypassed, bypass local, a bypassed object", k, pb, fl)
			}
		} else if fl["state"] == "bypassed" || fl["bypass"] != nil {
			t.Errorf("%s (%d bytes, below the threshold) bypassed: %v", k, pb, fl)
		}
	}
	if bypassed == 0 {
		t.Fatal("no flow reached the threshold: the test proves nothing")
	}
	if got := sum.Counter("bypass.elephant"); got != bypassed {
		t.Errorf("bypass.elephant %d, want %d", got, bypassed)
	}
	if sum.Counter("flow_bypassed.local_pkts") == 0 || sum.Counter("flow_bypassed.local_bytes") == 0 {
		t.Errorf("no local bypass packets counted: %d/%d", sum.Counter("flow_bypassed.local_pkts"), sum.Counter("flow_bypassed.local_bytes"))
	}
	if sum.Counter("bypass.capture") != 0 || sum.Counter("flow_bypassed.pkts") != 0 {
		t.Error("a capture file has no capture bypass")
	}
}

// stream.bypass bypasses the sessions whose reassembly the depth ended; off, none.
func TestReadStreamDepthBypass(t *testing.T) {
	on, _ := runRead(t, []string{bypassDemo}, 1, "stream.reassembly.depth=100", "stream.bypass=true")
	off, _ := runRead(t, []string{bypassDemo}, 1, "stream.reassembly.depth=100")
	if on.Counter("bypass.stream_depth") == 0 || on.Counter("flow_bypassed.local_pkts") == 0 {
		t.Errorf("stream.bypass on: %d flows, %d packets bypassed; want some", on.Counter("bypass.stream_depth"), on.Counter("flow_bypassed.local_pkts"))
	}
	if off.Counter("bypass.stream_depth") != 0 || off.Counter("flow_bypassed.local_pkts") != 0 {
		t.Error("stream.bypass off bypassed flows")
	}
}

// fakeCapture is a capture bypass that "drops" a fixed number of packets per flow.
type fakeCapture struct {
	added, removed int
	refuse         bool
	last           int64
}

func (c *fakeCapture) add(*flow.Flow) error {
	if c.refuse {
		return fmt.Errorf("refused")
	}
	c.added++
	return nil
}

func (c *fakeCapture) remove(*flow.Flow) (captureCounts, bool, error) {
	c.removed++
	return captureCounts{pktsTS: 5, pktsTC: 3, bytesTS: 5000, bytesTC: 300, last: c.last}, true, nil
}

func (c *fakeCapture) lastSeen(*flow.Flow) int64 { return c.last }

// runWorkerWithCapture feeds the demo capture through one worker that has a capture bypass,
// ends its flows and closes its outputs.
func runWorkerWithCapture(t *testing.T, c captureBypass, overrides ...string) (*worker, string) {
	t.Helper()
	frames := loadFrames(t, bypassDemo)
	w, dir := runWorkerWithCaptureOpen(t, c, frames, overrides...)
	w.finish(frames[len(frames)-1].time)
	if err := w.out.close(); err != nil {
		t.Fatal(err)
	}
	return w, dir
}

// runWorkerWithCaptureOpen feeds frames through one worker that has a capture bypass and
// leaves its flows and outputs open.
func runWorkerWithCaptureOpen(t *testing.T, c captureBypass, frames []heldFrame, overrides ...string) (*worker, string) {
	t.Helper()
	cfg, _, err := LoadConfig("", overrides)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := openOutputs(&cfg, dir, false, true)
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorker(0, 1, &cfg, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.useCapture(c)
	w.byp.captureHere = true
	for i, f := range frames {
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
	}
	return w, dir
}

// A flow handed to the capture bypass is taken out of it when it ends and what the capture
// counted is folded into its record, in the totals and under flow.bypassed; its record says
// bypass capture. A refused hand-over leaves the flow bypassed locally.
func TestCaptureBypassFoldsCounts(t *testing.T) {
	const threshold = "flow.elephant-threshold=3000"
	_, plainDir := runRead(t, []string{bypassDemo}, 1)
	plain := flowsByTuple(t, plainDir)

	fc := &fakeCapture{}
	w, dir := runWorkerWithCapture(t, fc, threshold)
	if fc.added == 0 || fc.added != fc.removed {
		t.Fatalf("capture: %d added, %d removed; want the same, not 0", fc.added, fc.removed)
	}
	st := w.byp.stats
	if st.capture != uint64(fc.added) || st.closed != uint64(fc.added) || st.pkts != 8*uint64(fc.added) || st.bytes != 5300*uint64(fc.added) {
		t.Errorf("stats %+v for %d flows", st, fc.added)
	}
	captured := 0
	for k, b := range flowsByTuple(t, dir) {
		fl := b["flow"].(map[string]any)
		if fl["bypass"] != "capture" {
			continue
		}
		captured++
		pp, pb := flowTotal(plain[k])
		bp, bb := flowTotal(b)
		if bp != pp+8 || bb != pb+5300 {
			t.Errorf("%s: totals %d/%d, want the file's %d/%d plus the capture's 8/5300", k, bp, bb, pp, pb)
		}
		if flowNum(b, "pkts_toserver") != flowNum(plain[k], "pkts_toserver")+5 {
			t.Errorf("%s: to-server packets not folded by direction", k)
		}
		byp, _ := fl["bypassed"].(map[string]any)
		if byp["pkts_toserver"] != 5.0 || byp["pkts_toclient"] != 3.0 || byp["bytes_toserver"] != 5000.0 || byp["bytes_toclient"] != 300.0 {
			t.Errorf("%s: flow.bypassed %v", k, byp)
		}
	}
	if captured != fc.added {
		t.Errorf("%d records say capture, %d flows were handed over", captured, fc.added)
	}

	refusing := &fakeCapture{refuse: true}
	w, dir = runWorkerWithCapture(t, refusing, threshold)
	if w.byp.stats.captureFailed == 0 || w.byp.stats.capture != 0 || refusing.removed != 0 {
		t.Errorf("refused hand-overs: stats %+v, removed %d", w.byp.stats, refusing.removed)
	}
	for k, b := range flowsByTuple(t, dir) {
		if fl := b["flow"].(map[string]any); fl["bypass"] == "capture" {
			t.Errorf("%s: capture bypass although refused", k)
		}
	}
}

// The bypass checks on every packet, and the packets of bypassed flows (counted, not
// inspected), allocate nothing. Every flow here is bypassed by the threshold during warm-up.
func TestBypassPathDoesNotAllocate(t *testing.T) {
	frames := loadFrames(t, bypassDemo)
	w, _ := runWorkerWithCaptureOpen(t, &fakeCapture{}, frames, "flow.elephant-threshold=1", "stream.bypass=true")
	defer w.out.close()
	before := w.flows.Stats.CaptureBypassedPkts
	i := 0
	allocs := testing.AllocsPerRun(3*len(frames), func() {
		f := &frames[i%len(frames)]
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
		i++
	})
	if w.flows.Stats.CaptureBypassedPkts == before {
		t.Fatal("no packet of a bypassed flow during the measured run: the test proves nothing")
	}
	if allocs != 0 {
		t.Errorf("bypass path allocated %.3f times per packet, want 0", allocs)
	}
}

// A bad xdp-mode is a configuration error; an interface the program cannot attach to, or a
// process that cannot load it, is not: the run goes on without XDP. No interface asking for
// bypass loads nothing.
func TestOpenXDPBypass(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := DefaultConfig()
	if x, err := openXDPBypass(&cfg, []string{"nj-no-such-if"}, log); x != nil || err != nil {
		t.Errorf("bypass off: %v, %v; want nothing", x, err)
	}
	yes := true
	cfg.AFPacket = []AFPacketConfig{{Interface: "default", Bypass: &yes, XDPMode: "hw"}}
	if _, err := openXDPBypass(&cfg, []string{"nj-no-such-if"}, log); err == nil || !strings.Contains(err.Error(), "xdp-mode") {
		t.Errorf("xdp-mode hw: error %v, want one naming xdp-mode", err)
	}
	cfg.AFPacket[0].XDPMode = "generic"
	var logged strings.Builder
	x, err := openXDPBypass(&cfg, []string{"nj-no-such-if"}, slog.New(slog.NewTextHandler(&logged, nil)))
	if x != nil || err != nil {
		t.Fatalf("missing interface: %v, %v; want the run to go on without XDP", x, err)
	}
	if !strings.Contains(logged.String(), "XDP bypass") {
		t.Errorf("nothing logged about the missing XDP bypass: %q", logged.String())
	}
}
