package sensor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// LiveSummary is what a live run did: the decode and flow counters of every worker, and the
// kernel's packet and drop counts per ring.
type LiveSummary struct {
	Summary
	Interfaces    []string
	Rings         []RingResult
	KernelPackets uint64 // packets the kernel queued for the sensor, drops included
	KernelDrops   uint64 // packets lost because a ring was full
	KernelFreezes uint64 // times a ring was full (TPACKET_V3 queue freezes)
	// XDP lists the interfaces the XDP bypass program is attached to (af-packet bypass: yes).
	XDP []XDPAttachment
}

// RingResult is one ring's kernel counters.
type RingResult struct {
	Interface string
	Worker    int
	capture.RingStats
}

// liveState is what the control goroutine, the metrics endpoint and the shutdown read: the
// workers' published snapshots and the rings' kernel counters. None of it is on the hot path.
type liveState struct {
	start   time.Time
	workers []*liveWorker
	rings   [][]*ringHandle
	ifaces  []string
	reload  *reloader
	xdp     []XDPAttachment
}

// control runs until ctx is done: stats (EVE and Arrow) every stats.interval, the shared writers
// and the stats batch flushed every second so that events reach the disk while the link is quiet,
// files reopened on request.
func (st *liveState) control(ctx context.Context, cfg *Config, out *outputs, reopen <-chan struct{}, log *slog.Logger, errs *[]error) {
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	var statsC <-chan time.Time
	if iv := cfg.statsInterval(); iv > 0 && (out.eve != nil && out.eveStats || out.statsTo != nil) {
		t := time.NewTicker(iv)
		defer t.Stop()
		statsC = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-reopen:
			if err := out.reopen(); err != nil {
				log.Error("reopening log files", "err", err)
				*errs = append(*errs, err)
			} else {
				log.Info("log files reopened")
			}
			st.reload.requestFromSignal()
		case <-statsC:
			s := st.summary(time.Since(st.start))
			if err := out.writeStats(&s.Summary, time.Now().UnixNano()); err != nil {
				log.Error("writing stats", "err", err)
			}
		case now := <-flush.C:
			if err := out.statsTo.flushDue(now); err != nil {
				log.Error("writing stats", "err", err)
			}
			if out.eve != nil {
				_ = out.eve.Flush() // a write error is sticky and reported at Close
			}
			if out.fast != nil {
				_ = out.fast.Flush()
			}
		}
	}
}

// reopen lets logrotate's renamed files go and starts fresh ones at the same paths.
func (o *outputs) reopen() error {
	var err error
	if o.eve != nil {
		err = o.eve.Reopen()
	}
	if o.fast != nil {
		if ferr := o.fast.Reopen(); err == nil {
			err = ferr
		}
	}
	return err
}

// summary gathers the latest snapshot of every worker and the kernel counters of every ring.
func (st *liveState) summary(elapsed time.Duration) *LiveSummary {
	snaps := make([]*workerSnapshot, 0, len(st.workers))
	var extra workerSnapshot
	for _, lw := range st.workers {
		if s := lw.snap.Load(); s != nil {
			snaps = append(snaps, s)
			extra.malformed += s.malformed
			extra.vlanNoRoom += s.vlanNoRoom
			extra.errors += s.errors
		}
	}
	ls := &LiveSummary{Summary: *mergeSummaries(snaps, len(st.workers), elapsed), Interfaces: st.ifaces, XDP: st.xdp}
	for _, perWorker := range st.rings {
		for _, r := range perWorker {
			rs, _ := r.Stats() // on error the counts so far stand
			ls.Rings = append(ls.Rings, RingResult{Interface: r.Interface(), Worker: r.worker, RingStats: rs})
			ls.KernelPackets += rs.Packets
			ls.KernelDrops += rs.Drops
			ls.KernelFreezes += rs.Freezes
		}
	}
	capCounters := []export.Counter{
		{Name: "capture.kernel_packets", Value: ls.KernelPackets},
		{Name: "capture.kernel_drops", Value: ls.KernelDrops},
		{Name: "capture.kernel_queue_freezes", Value: ls.KernelFreezes},
		{Name: "capture.errors", Value: extra.errors},
		{Name: "capture.malformed_blocks", Value: extra.malformed},
		{Name: "capture.vlan_not_restored", Value: extra.vlanNoRoom},
		{Name: "bypass.xdp_interfaces", Value: uint64(len(st.xdp))},
	}
	if st.reload != nil {
		capCounters = append(capCounters,
			export.Counter{Name: "detect.engine_reloads", Value: st.reload.reloads.Load()},
			export.Counter{Name: "detect.engine_reload_failures", Value: st.reload.failures.Load()})
	}
	ls.Counters = append(capCounters, ls.Counters...)
	return ls
}

// Counters that are not sums across workers: the largest wins, or (avg) it is recomputed.
var maxCounters = map[string]bool{
	"decoder.max_pkt_size": true,
	"memcap.pressure":      true,
	"memcap.pressure_max":  true,
}

// mergeSummaries adds up the summaries of single workers into the sensor's.
func mergeSummaries(snaps []*workerSnapshot, workers int, elapsed time.Duration) *Summary {
	s := &Summary{
		Workers: workers, Elapsed: elapsed,
		LinkTypes: map[decoders.LinkType]uint64{},
		Tunnels:   map[string]uint64{},
		Events:    map[string]uint64{},
	}
	counters := map[string]uint64{}
	for _, snap := range snaps {
		ws := snap.sum
		s.Packets += ws.Packets
		s.Bytes += ws.Bytes
		s.Unsupported += ws.Unsupported
		s.Invalid += ws.Invalid
		s.Alerts += ws.Alerts
		s.Detect, s.Rules, s.RulesTotal = ws.Detect, ws.Rules, ws.RulesTotal
		for k, v := range ws.LinkTypes {
			s.LinkTypes[k] += v
		}
		for k, v := range ws.Tunnels {
			s.Tunnels[k] += v
		}
		for k, v := range ws.Events {
			s.Events[k] += v
		}
		for _, c := range ws.Counters {
			if maxCounters[c.Name] {
				counters[c.Name] = max(counters[c.Name], c.Value)
			} else {
				counters[c.Name] += c.Value
			}
		}
	}
	if _, ok := counters["decoder.avg_pkt_size"]; ok && s.Packets > 0 {
		counters["decoder.avg_pkt_size"] = s.Bytes / s.Packets
	}
	names := make([]string, 0, len(counters))
	for k := range counters {
		names = append(names, k)
	}
	sort.Strings(names)
	s.Counters = make([]export.Counter, 0, len(names))
	for _, k := range names {
		s.Counters = append(s.Counters, export.Counter{Name: k, Value: counters[k]})
	}
	return s
}

// Print writes the human summary `nightjar run` ends with.
func (s *LiveSummary) Print(w io.Writer, outDir string) {
	secs := max(s.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "captured %d packets (%s) on %s in %.2fs with %d worker(s): %.0f pkt/s, %.2f Gb/s\n",
		s.Packets, humanBytes(s.Bytes), strings.Join(s.Interfaces, ","), secs, s.Workers,
		float64(s.Packets)/secs, float64(s.Bytes)*8/secs/1e9)
	fmt.Fprintf(w, "  kernel: %d packets, %d drops, %d queue freezes\n", s.KernelPackets, s.KernelDrops, s.KernelFreezes)
	for _, r := range s.Rings {
		fmt.Fprintf(w, "    %s worker %d: %d packets, %d drops\n", r.Interface, r.Worker, r.Packets, r.Drops)
	}
	if cpu := s.CPU.Seconds(); cpu > 0 {
		fmt.Fprintf(w, "  cpu: %.2fs user+system (%.0f%% of one core)\n", cpu, 100*cpu/secs)
	}
	var other []string
	for _, name := range []string{"capture.errors", "capture.malformed_blocks", "capture.vlan_not_restored", "decoder.invalid", "flow.memcap"} {
		if v := s.Counter(name); v > 0 {
			other = append(other, fmt.Sprintf("%s %d", name, v))
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "  lost or damaged: %s\n", strings.Join(other, ", "))
	}
	var lts []string
	for lt, c := range s.LinkTypes {
		lts = append(lts, fmt.Sprintf("%s %d", decoders.LinkTypeName(lt), c))
	}
	sort.Strings(lts)
	if len(lts) > 0 {
		fmt.Fprintf(w, "  link types: %s\n", strings.Join(lts, ", "))
	}
	if len(s.Tunnels) > 0 {
		fmt.Fprintf(w, "  tunnels:    %s\n", joinCounts(s.Tunnels))
	}
	if len(s.Events) > 0 {
		fmt.Fprintf(w, "  decoder events: %s\n", joinCounts(s.Events))
	}
	fmt.Fprintf(w, "  flows: %d\n", s.Counter("flow.total"))
	s.printBypass(w)
	if s.Detect {
		fmt.Fprintf(w, "  alerts: %d (%d of %d rules loaded)\n", s.Alerts, s.Rules, s.RulesTotal)
	}
	fmt.Fprintf(w, "  output: %s\n", outDir)
}
