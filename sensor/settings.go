package sensor

import (
	"unsafe"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/sensor/stream"
	"github.com/nightjar-ids/nightjar/signatures"
)

// decoderConfig turns the YAML settings into the decoder's own.
func decoderConfig(cfg *Config) decoders.Config {
	d := decoders.DefaultConfig()
	switch cfg.PcapFile.ChecksumChecks {
	case "yes", "true", "all":
		d.Checksums = decoders.ChecksumAll
	case "no", "false", "none":
		d.Checksums = decoders.ChecksumNone
	default:
		d.Checksums = decoders.ChecksumAuto
	}
	if cfg.Decoder.MaxLayers > 0 && cfg.Decoder.MaxLayers < 256 {
		d.MaxRecursion = uint8(cfg.Decoder.MaxLayers)
	}
	d.VXLANPorts = enabledPorts(cfg.Decoder.VXLAN)
	d.GenevePorts = enabledPorts(cfg.Decoder.Geneve)
	d.TeredoPorts = enabledPorts(cfg.Decoder.Teredo)
	d.GTPUPorts = enabledPorts(cfg.Decoder.GTPU)
	// decoder.erspan.typeI.enabled is accepted and ignored: Suricata decodes type I always
	// since 6.0, and so does the decoder's default.
	d.Defrag.MaxBytes = int(cfg.Defrag.Memcap)
	d.Defrag.MaxTrackers = cfg.Defrag.Trackers
	d.Defrag.Timeout = int64(cfg.Defrag.Timeout) * 1e9
	return d
}

func enabledPorts(t TunnelPorts) []uint16 {
	if !t.Enabled {
		return nil
	}
	return t.Ports
}

// flowConfig turns the YAML settings into the flow table's own. The memcap is the sensor's;
// each worker's table gets its share.
func flowConfig(cfg *Config, workers int) flow.Config {
	f := flow.DefaultConfig()
	f.Memcap = int(cfg.Flow.Memcap) / max(workers, 1)
	// Reassembly state, the app layer's pointer and its per-direction protocols live in
	// per-slot tables; detection's flow variables too when rules are loaded (counted either
	// way: the table is sized first).
	f.SlotExtra = int(unsafe.Sizeof(stream.Stream{})+unsafe.Sizeof((*appFlow)(nil))+unsafe.Sizeof(dirProtos{})) +
		signatures.FlowStateBytes
	if cfg.Flow.EmergencyRecovery > 0 {
		f.EmergencyRecovery = cfg.Flow.EmergencyRecovery
	}
	f.Midstream = cfg.Stream.Midstream
	f.AsyncOneside = cfg.Stream.AsyncOneside
	f.IgnoreRecursion = !cfg.Decoder.RecursionLevel.UseForTracking
	ft := &cfg.FlowTimeouts
	f.Timeouts = flow.Timeouts{
		TCP:   protoTimeouts(ft.TCP, false),
		UDP:   protoTimeouts(ft.UDP, false),
		ICMP:  protoTimeouts(ft.ICMP, false),
		Other: protoTimeouts(ft.Default, false),
	}
	f.EmergencyTimeouts = flow.Timeouts{
		TCP:   protoTimeouts(ft.TCP, true),
		UDP:   protoTimeouts(ft.UDP, true),
		ICMP:  protoTimeouts(ft.ICMP, true),
		Other: protoTimeouts(ft.Default, true),
	}
	return f
}

func protoTimeouts(p ProtoTimeouts, emergency bool) flow.ProtoTimeouts {
	sec := func(v int) uint32 { return uint32(max(v, 0)) }
	if emergency {
		return flow.ProtoTimeouts{New: sec(p.EmergencyNew), Established: sec(p.EmergencyEstablished), Closed: sec(p.EmergencyClosed), Bypassed: sec(p.EmergencyBypassed)}
	}
	return flow.ProtoTimeouts{New: sec(p.New), Established: sec(p.Established), Closed: sec(p.Closed), Bypassed: sec(p.Bypassed)}
}

// flowCounters names the flow table's counters as Suricata's stats do.
func flowCounters(s *flow.Stats) []export.Counter {
	return []export.Counter{
		{Name: "flow.total", Value: s.Created},
		{Name: "flow.active", Value: s.Active},
		{Name: "flow.tcp", Value: s.TCP},
		{Name: "flow.udp", Value: s.UDP},
		{Name: "flow.icmpv4", Value: s.ICMPv4},
		{Name: "flow.icmpv6", Value: s.ICMPv6},
		{Name: "flow.other", Value: s.Other},
		{Name: "flow.end.timeout", Value: s.EndedTimeout},
		{Name: "flow.end.forced", Value: s.EndedForced},
		{Name: "flow.end.shutdown", Value: s.EndedShutdown},
		{Name: "flow.tcp_reuse", Value: s.TCPReuse},
		{Name: "flow.memcap", Value: s.MemcapRefused},
		{Name: "flow.emerg_mode_entered", Value: s.EmergencyEntered},
		{Name: "flow.emerg_mode_over", Value: s.EmergencyLeft},
		{Name: "flow.not_flow", Value: s.NotFlow},
		{Name: "flow_bypassed.local_pkts", Value: s.BypassedPkts},
		{Name: "flow_bypassed.local_bytes", Value: s.BypassedBytes},
		{Name: "flow_bypassed.local_capture_pkts", Value: s.CaptureBypassedPkts},
		{Name: "flow_bypassed.local_capture_bytes", Value: s.CaptureBypassedBytes},
	}
}

// streamCounters are the reassembly counters under Suricata's names.
func streamCounters(s *stream.Stats) []export.Counter {
	return []export.Counter{
		{Name: "tcp.reassembly_gap", Value: s.Gaps},
		{Name: "tcp.segment_memcap_drop", Value: s.MemcapSegments},
		{Name: "tcp.overlap", Value: s.Overlaps},
		{Name: "tcp.overlap_diff_data", Value: s.OverlapDiff},
	}
}
