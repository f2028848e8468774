package sensor

import (
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// Flow bypass: once a flow needs no more inspection the worker stops inspecting it. Four
// things decide it: reassembly is done with both directions and the depth ended one
// (stream.bypass), a matching rule carries the bypass keyword, the flow has carried
// flow.elephant-threshold bytes, or its TLS/SSH session went encrypted with
// encryption-handling bypass. A bypassed flow's later packets are still counted in its
// record but skip reassembly, app-layer parsing and detection (Suricata's local bypass). In a
// live run whose interface has the XDP program attached (af-packet bypass: yes) the flow is also
// added to the program's map: the kernel then drops its packets before the rings and counts
// them, and the counts are folded into the flow record when the flow ends (capture bypass).

// bypassStage is a worker's bypass settings, its view of the capture bypass and its counters.
type bypassStage struct {
	streamDepth bool   // stream.bypass
	elephant    uint64 // flow.elephant-threshold, bytes; 0 off

	capture     captureBypass // nil: skipped in user space only (files, bypass off, no XDP)
	captureHere bool          // the ring the current packets come from has the program attached
	ending      bool          // a flow is being ended: bypassing it now would be pointless

	stats bypassStats
}

// captureBypass is a bypass in the capture path that drops a flow's packets before the sensor
// sees them and counts them (the XDP program of bpf/).
type captureBypass interface {
	add(f *flow.Flow) error
	// remove deletes the flow and returns what was counted; false when it was not there.
	remove(f *flow.Flow) (captureCounts, bool, error)
	// lastSeen is when the flow's last packet was counted (Unix ns), 0 when never or unknown.
	lastSeen(f *flow.Flow) int64
}

// captureCounts are what a capture bypass counted for a flow, by direction.
type captureCounts struct {
	pktsTS, pktsTC, bytesTS, bytesTC uint64
	last                             int64 // Unix ns of the last packet, 0 when none
}

// bypassStats counts bypass decisions. Plain integers: a worker's own.
type bypassStats struct {
	byStream, byRule, byElephant, byEncrypted uint64 // flows bypassed, by what decided it
	capture                                   uint64 // of those, handed to the capture bypass
	captureFailed                             uint64 // hand-overs the capture bypass refused
	closed                                    uint64 // capture-bypassed flows ended (flow_bypassed.closed)
	lost                                      uint64 // of those, whose counts were gone (evicted from the map)
	pkts, bytes                               uint64 // what the capture bypass counted for ended flows
}

type bypassReason uint8

const (
	bypassStream bypassReason = iota
	bypassRule
	bypassElephant
	bypassEncrypted
)

func newBypassStage(cfg *Config) bypassStage {
	return bypassStage{streamDepth: cfg.Stream.Bypass, elephant: uint64(max(cfg.Flow.ElephantThreshold, 0))}
}

// checkBypass applies the stream-depth and elephant-flow triggers after a packet of f went
// through reassembly and detection.
func (w *worker) checkBypass(f *flow.Flow) {
	b := &w.byp
	if f.Bypassed {
		return
	}
	if w.app.takeBypass() {
		w.bypass(f, bypassEncrypted)
		return
	}
	if b.elephant > 0 {
		ts, tc := f.Bytes()
		if ts+tc >= b.elephant {
			w.bypass(f, bypassElephant)
			return
		}
	}
	if b.streamDepth && f.Proto() == protoTCP && w.app.streamDone(f) {
		w.bypass(f, bypassStream)
	}
}

// bypass marks f bypassed and, where the capture can, hands it to the capture bypass.
func (w *worker) bypass(f *flow.Flow, why bypassReason) {
	b := &w.byp
	if f.Bypassed {
		return
	}
	switch why {
	case bypassStream:
		b.stats.byStream++
	case bypassRule:
		b.stats.byRule++
	case bypassElephant:
		b.stats.byElephant++
	case bypassEncrypted:
		b.stats.byEncrypted++
	}
	capture := false
	if b.capture != nil && b.captureHere && !b.ending && captureEligible(f, w.pkt.Recursion) {
		if err := b.capture.add(f); err != nil {
			b.stats.captureFailed++
		} else {
			capture = true
			b.stats.capture++
		}
	}
	w.flows.Bypass(f, capture)
}

// captureEligible: the XDP program keys plain TCP and UDP flows; a flow inside a tunnel is keyed
// by its inner tuple, which the program never looks at.
func captureEligible(f *flow.Flow, recursion uint8) bool {
	p := f.Proto()
	return (p == protoTCP || p == 17) && f.Key().Recursion == 0 && recursion == 0
}

// bypassEnded takes a capture-bypassed flow out of the capture bypass and folds what it counted
// into the flow's record: into the totals, and again under flow.bypassed.
func (w *worker) bypassEnded(f *flow.Flow, r *export.FlowRecord) {
	b := &w.byp
	if !f.CaptureBypassed || b.capture == nil {
		return
	}
	b.stats.closed++
	c, ok, err := b.capture.remove(f)
	if err != nil || !ok {
		b.stats.lost++
		return
	}
	r.BypassedPktsToServer, r.BypassedPktsToClient = c.pktsTS, c.pktsTC
	r.BypassedBytesToServer, r.BypassedBytesToClient = c.bytesTS, c.bytesTC
	r.PktsToServer += c.pktsTS
	r.PktsToClient += c.pktsTC
	r.BytesToServer += c.bytesTS
	r.BytesToClient += c.bytesTC
	if c.last > r.End {
		r.End, r.Timestamp = c.last, c.last
		r.Age = r.End/1e9 - r.Start/1e9
	}
	b.stats.pkts += c.pktsTS + c.pktsTC
	b.stats.bytes += c.bytesTS + c.bytesTC
}

// streamDone: reassembly is done with both directions of f (depth, FIN delivered or RST) and
// the depth ended at least one of them: Suricata's condition for stream.bypass.
func (a *appLayer) streamDone(f *flow.Flow) bool {
	s := &a.streams[f.Slot()]
	return s.Finished(true) && s.Finished(false) && (s.DepthReached(true) || s.DepthReached(false))
}

// bypassCounters names the bypass counters: Suricata's flow_bypassed ones where it has them,
// Nightjar's own under bypass.
func bypassCounters(s *bypassStats) []export.Counter {
	return []export.Counter{
		{Name: "flow_bypassed.closed", Value: s.closed},
		{Name: "flow_bypassed.pkts", Value: s.pkts},
		{Name: "flow_bypassed.bytes", Value: s.bytes},
		{Name: "bypass.stream_depth", Value: s.byStream},
		{Name: "bypass.rule", Value: s.byRule},
		{Name: "bypass.elephant", Value: s.byElephant},
		{Name: "bypass.encrypted", Value: s.byEncrypted},
		{Name: "bypass.capture", Value: s.capture},
		{Name: "bypass.capture_failed", Value: s.captureFailed},
		{Name: "bypass.capture_lost", Value: s.lost},
	}
}
