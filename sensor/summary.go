package sensor

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
)

// Summary is what a run did: per file, per link type, per tunnel kind, per decoder event, flows.
type Summary struct {
	Files   []FileResult
	Workers int
	Elapsed time.Duration
	CPU     time.Duration // user + system CPU time of the process during the run
	// Startup is the part of Elapsed (StartupCPU of CPU) before the first packet: loading the
	// rules, opening the outputs. What follows is processing, the span Suricata's "time
	// elapsed" reports (from "engine started").
	Startup, StartupCPU time.Duration
	Packets             uint64
	Bytes               uint64
	Unsupported         uint64
	Invalid             uint64
	LinkTypes           map[decoders.LinkType]uint64
	Tunnels             map[string]uint64
	Events              map[string]uint64
	Counters            []export.Counter // everything above and the flow counters, as EVE stats names

	// Detection: rules in the engine, rules seen in the files, alerts written. Rules is 0 and
	// Detect false when no rule file was given.
	Detect     bool
	Rules      int
	RulesTotal int
	Alerts     uint64
}

func newSummary(workers []*worker, files []FileResult, n int, elapsed time.Duration, det *detection) *Summary {
	s := &Summary{
		Files: files, Workers: n, Elapsed: elapsed,
		LinkTypes: map[decoders.LinkType]uint64{},
		Tunnels:   map[string]uint64{},
		Events:    map[string]uint64{},
	}
	counters := map[string]uint64{}
	var maxPkt, pressure uint64
	for _, w := range workers {
		st := &w.dec.Stats
		s.Packets += st.Packets
		s.Bytes += st.Bytes
		s.Unsupported += st.Unsupported
		s.Invalid += st.Invalid
		maxPkt = max(maxPkt, st.MaxPacketSize)
		pressure = max(pressure, uint64(w.flows.Pressure()))
		for c, n := range st.PerCounter {
			counters["decoder."+decoders.Counter(c).String()] += n
		}
		counters["decoder.unknown_ethertype"] += st.UnknownEtherType
		for lt, c := range st.PerLinkType {
			if c > 0 {
				s.LinkTypes[decoders.LinkType(lt)] += c
			}
		}
		for k, c := range st.PerTunnel {
			if c > 0 {
				s.Tunnels[decoders.TunnelKind(k).String()] += c
			}
		}
		for e, c := range st.PerEvent {
			if c > 0 {
				s.Events[decoders.Event(e).String()] += c
				counters[decoders.Event(e).StatsName()] += c
			}
		}
		for _, c := range flowCounters(&w.flows.Stats) {
			counters[c.Name] += c.Value
		}
		for _, c := range streamCounters(&w.app.reasm.Stats) {
			counters[c.Name] += c.Value
		}
		for _, c := range w.app.stats.counters() {
			counters[c.Name] += c.Value
		}
		for _, c := range w.app.pool.counters() {
			counters[c.Name] += c.Value
		}
		for _, c := range bypassCounters(&w.byp.stats) {
			counters[c.Name] += c.Value
		}
		if w.det != nil {
			s.Alerts += w.det.alerts
			counters["detect.tagged_packets"] += w.det.tags.tagged
			counters["detect.tag_hosts_refused"] += w.det.tags.refused
		}
	}
	if det != nil {
		s.Detect, s.Rules, s.RulesTotal = true, det.loaded, det.total
		counters["detect.alert"] = s.Alerts
		// Suricata's per-engine list (one engine here; a reload replaces it).
		counters["detect.engines.0.id"] = 0
		counters["detect.engines.0.rules_loaded"] = uint64(det.loaded)
		counters["detect.engines.0.rules_failed"] = uint64(det.loadErrors)
		counters["detect.engines.0.rules_skipped"] = uint64(det.skipped)
	}
	counters["decoder.pkts"] = s.Packets
	counters["decoder.bytes"] = s.Bytes
	counters["decoder.invalid"] = s.Invalid
	counters["decoder.unsupported_link_type"] = s.Unsupported
	counters["decoder.max_pkt_size"] = maxPkt
	// Suricata 8's memcap.pressure is the fullest memcap's use in percent; the flow table is
	// the memcap that grows here, and as its pool never shrinks, now is also the peak.
	counters["memcap.pressure"] = pressure
	counters["memcap.pressure_max"] = pressure
	if s.Packets > 0 {
		counters["decoder.avg_pkt_size"] = s.Bytes / s.Packets
	}
	names := make([]string, 0, len(counters))
	for k := range counters {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s.Counters = append(s.Counters, export.Counter{Name: k, Value: counters[k]})
	}
	return s
}

// Damaged reports whether any input could not be read to its end.
func (s *Summary) Damaged() bool {
	for _, f := range s.Files {
		if f.Err != nil {
			return true
		}
	}
	return false
}

// Counter returns one counter by its EVE stats name, 0 when absent.
func (s *Summary) Counter(name string) uint64 {
	for _, c := range s.Counters {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

// Print writes the human summary `nightjar read` ends with.
func (s *Summary) Print(w io.Writer, outDir string) {
	secs := s.Elapsed.Seconds()
	fmt.Fprintf(w, "read %d packets (%s) from %d file(s) in %.2fs with %d worker(s): %.0f pkt/s, %.2f Gb/s\n",
		s.Packets, humanBytes(s.Bytes), len(s.Files), secs, s.Workers, float64(s.Packets)/secs, float64(s.Bytes)*8/secs/1e9)
	if cpu := s.CPU.Seconds(); cpu > 0 {
		// On a shared machine wall time includes waiting for a CPU; CPU time does not.
		fmt.Fprintf(w, "  cpu: %.2fs user+system, %.0f pkt per cpu-second, %.0f ns per packet\n",
			cpu, float64(s.Packets)/cpu, cpu*1e9/float64(max(s.Packets, 1)))
	}
	if s.Startup > 0 {
		proc, procCPU := (s.Elapsed - s.Startup).Seconds(), (s.CPU - s.StartupCPU).Seconds()
		fmt.Fprintf(w, "  start-up: %.2fs (%.2fs cpu); processing: %.2fs (%.2fs cpu), %.0f pkt/s\n",
			s.Startup.Seconds(), s.StartupCPU.Seconds(), proc, procCPU, float64(s.Packets)/max(proc, 1e-9))
	}
	var lts []string
	for lt, c := range s.LinkTypes {
		lts = append(lts, fmt.Sprintf("%s %d", decoders.LinkTypeName(lt), c))
	}
	sort.Strings(lts)
	fmt.Fprintf(w, "  link types: %s\n", strings.Join(lts, ", "))
	if len(s.Tunnels) > 0 {
		fmt.Fprintf(w, "  tunnels:    %s\n", joinCounts(s.Tunnels))
	}
	if s.Unsupported > 0 {
		fmt.Fprintf(w, "  unsupported link type: %d packets (counted, not decoded)\n", s.Unsupported)
	}
	if len(s.Events) > 0 {
		fmt.Fprintf(w, "  decoder events: %s\n", joinCounts(s.Events))
	}
	fmt.Fprintf(w, "  flows: %d\n", s.Counter("flow.total"))
	if s.Detect {
		fmt.Fprintf(w, "  alerts: %d (%d of %d rules loaded)\n", s.Alerts, s.Rules, s.RulesTotal)
	}
	for _, f := range s.Files {
		if f.Err != nil {
			fmt.Fprintf(w, "  DAMAGED %s: %v (%d packets read before it)\n", f.File, f.Err, f.Packets)
		}
	}
	fmt.Fprintf(w, "  output: %s\n", outDir)
}

func joinCounts(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func humanBytes(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}
