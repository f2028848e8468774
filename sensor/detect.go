package sensor

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/signatures"
)

// detection is what all workers share once the rules are compiled: the engine (immutable) and,
// per rule, the alert fields that do not change from one alert to the next, prepared once so that
// building an alert copies nothing.
type detection struct {
	engine     *signatures.Engine
	loaded     int // rules in the engine
	total      int // rules seen in the files
	loadErrors int
	skipped    int // rules whose requires keyword this engine does not meet
	// hosts is the xbits and host-threshold state every worker's matcher shares; a reload
	// hands it on to the new engine.
	hosts *signatures.HostState
	// datasets are the sets of the dataset and datarep keywords: the configuration's registry,
	// the same across reloads; their save and state files are written at shutdown.
	datasets *signatures.Datasets
}

// ruleAlert is the part of an alert that belongs to the rule.
type ruleAlert struct {
	category string
	metadata []export.MetadataEntry
}

// errRulesFatal is returned when a rule failed to load and --init-errors-fatal is set.
var errRulesFatal = errors.New("rules failed to load and --init-errors-fatal is set")

// loadDetection loads and compiles the rules the options and configuration name, once, before
// any worker starts. Rules that fail are logged one warning each (FILE:LINE sid N: reason) and
// skipped, unless opts.InitErrorsFatal makes any failure fatal. It returns nil when no rule file
// is named: the sensor then runs without detection.
func loadDetection(cfg *Config, opts *ReadOptions, log *slog.Logger) (*detection, error) {
	files := opts.RuleFiles
	if len(files) == 0 {
		files = append(configRuleFiles(cfg), opts.ExtraRuleFiles...)
	}
	if len(files) == 0 {
		return nil, nil
	}
	cr, err := CompileRules(cfg, files)
	if err != nil {
		return nil, err
	}
	for _, p := range cr.Problems {
		log.Warn("rule not loaded: " + p)
	}
	if opts.InitErrorsFatal && len(cr.Problems) > 0 {
		return nil, fmt.Errorf("%d problem(s) loading %s: %w", len(cr.Problems), strings.Join(files, ", "), errRulesFatal)
	}
	d := &detection{
		engine:     cr.Engine,
		loaded:     cr.Engine.Stats().Rules,
		total:      cr.Set.Total,
		loadErrors: len(cr.Problems),
		skipped:    len(cr.Set.Skipped),
		hosts:      signatures.NewHostState(),
		datasets:   cr.Datasets,
	}
	return d, nil
}

// CompiledRules is the outcome of CompileRules.
type CompiledRules struct {
	Set      *signatures.RuleSet // every rule that parsed (some may have failed to compile)
	Engine   *signatures.Engine
	Problems []string // one line per rule or file not loaded: "FILE:LINE sid N: reason"
	Datasets *signatures.Datasets
}

// CompileRules loads files with the configuration's variables, classification and reference
// tables, and compiles them with its cache directory: what `nightjar read` runs before its
// workers start, and what `nightjar rules` checks. Rules that fail are listed in Problems;
// the error is for an engine that could not be built at all.
func CompileRules(cfg *Config, files []string) (*CompiledRules, error) {
	cr := &CompiledRules{}
	// The Hyperscan cache directory also keeps what gonids parsed of large rule files.
	lopts := signatures.Options{CacheDir: cfg.Detect.CacheDir}
	var dsProblems []string
	lopts.Datasets, dsProblems = cfg.datasets()
	cr.Datasets = lopts.Datasets
	cr.Problems = append(cr.Problems, dsProblems...)
	if cfg.ClassificationFile != "" {
		c, err := readTable(cfg.ClassificationFile, signatures.ParseClassifications)
		if err != nil {
			cr.Problems = append(cr.Problems, err.Error())
		}
		lopts.Classifications = c
	}
	if cfg.ReferenceConfigFile != "" {
		r, err := readTable(cfg.ReferenceConfigFile, signatures.ParseReferences)
		if err != nil {
			cr.Problems = append(cr.Problems, err.Error())
		}
		lopts.References = r
	}
	vars := RuleVars(cfg)
	eopts := signatures.EngineOptions{CacheDir: cfg.Detect.CacheDir}
	if cfg.ThresholdFile != "" {
		tc, errs := readThresholds(cfg.ThresholdFile, vars)
		for _, e := range errs {
			cr.Problems = append(cr.Problems, e.Error())
		}
		eopts.Thresholds = tc
	}
	rs, loadErrs := signatures.LoadWith(files, vars, lopts)
	eng, compileErrs, err := signatures.Compile(rs, eopts)
	if err != nil {
		return nil, fmt.Errorf("detection engine: %w", err)
	}
	cr.Set, cr.Engine = rs, eng
	for _, e := range loadErrs {
		cr.Problems = append(cr.Problems, e.Error())
	}
	for _, e := range compileErrs {
		cr.Problems = append(cr.Problems, e.Error())
	}
	return cr, nil
}

// readThresholds reads threshold.config with the rules' variables (suppress lines may name
// $HOME_NET). Bad lines are reported and the others still apply.
func readThresholds(path string, vars signatures.Vars) (*signatures.ThresholdConfig, []error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{fmt.Errorf("threshold-file: %w", err)}
	}
	defer f.Close()
	return signatures.ParseThresholdConfig(f, path, vars)
}

// readTable reads a classification.config or reference.config style file.
func readTable[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	t, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func newRuleAlert(r *signatures.Rule) *ruleAlert {
	ra := &ruleAlert{metadata: groupMetadata(r.Metadata)}
	if r.Class != nil {
		ra.category = r.Class.Description
	}
	return ra
}

// groupMetadata gathers a rule's metadata pairs by key in the order Suricata writes them: keys
// sorted without regard to case, a key's values in the reverse of their order in the rule
// (Suricata builds the list by prepending and sorts it stably).
func groupMetadata(md []signatures.Metadata) []export.MetadataEntry {
	if len(md) == 0 {
		return nil
	}
	pairs := make([]signatures.Metadata, 0, len(md))
	for i := len(md) - 1; i >= 0; i-- {
		if md[i].Key != "" && md[i].Value != "" {
			pairs = append(pairs, md[i])
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		return strings.ToLower(pairs[i].Key) < strings.ToLower(pairs[j].Key)
	})
	var out []export.MetadataEntry
	for _, p := range pairs {
		if n := len(out); n > 0 && strings.EqualFold(out[n-1].Key, p.Key) {
			out[n-1].Values = append(out[n-1].Values, p.Value)
			continue
		}
		out = append(out, export.MetadataEntry{Key: p.Key, Values: []string{p.Value}})
	}
	return out
}

// workerDetect is one worker's detection state: its matcher (scratch and per-flow state), the
// reused match list and alert, and what it has counted.
type workerDetect struct {
	det     *detection
	matcher *signatures.Matcher
	in      signatures.PacketInput
	matches []signatures.Match
	// appMatches is the match list of the app layer's inspections (stream chunks and
	// transactions), which run while the packet's own list may still be in use.
	appMatches []signatures.Match
	alert      export.Alert
	// rules are the rule parts of alerts, per rule that alerted on this worker.
	rules map[*signatures.Rule]*ruleAlert

	// estGen[slot] is the flow generation (+1) whose TCP session this worker has already seen
	// established, so that the packet completing the handshake is told from those after it.
	estGen []uint32

	tags   tagger
	alerts uint64
}

func newWorkerDetect(d *detection) *workerDetect {
	return &workerDetect{det: d, matcher: d.engine.NewMatcherWith(d.hosts), matches: make([]signatures.Match, 0, 64),
		appMatches: make([]signatures.Match, 0, 64), rules: map[*signatures.Rule]*ruleAlert{}}
}

// established is Suricata's FLOW_PKT_ESTABLISHED for p. A UDP or other flow is established from
// the first packet that completes a two-way exchange. A TCP packet is established when the
// session was established before it: the ACK that completes the handshake is not, unless it
// carries data (Suricata's exception for a lost final ACK).
func (wd *workerDetect) established(f *flow.Flow, p *decoders.Packet) bool {
	if f.Proto() != protoTCP {
		return f.State() == flow.StateEstablished
	}
	s, gen := f.Slot(), f.Gen()+1
	if s < len(wd.estGen) && wd.estGen[s] == gen {
		return true
	}
	if f.State() == flow.StateNew {
		return false
	}
	if s >= len(wd.estGen) {
		// Grows with the flow table's pool, so it allocates only while the table does.
		wd.estGen = append(wd.estGen, make([]uint32, s+1-len(wd.estGen)+1024)...)
	}
	wd.estGen[s] = gen
	return len(p.Payload) > 0
}

// wasEstablished reports whether a packet of the TCP flow was found established before.
func (wd *workerDetect) wasEstablished(f *flow.Flow) bool {
	s := f.Slot()
	return s < len(wd.estGen) && wd.estGen[s] == f.Gen()+1
}

const protoTCP = 6

// flowVars gathers f's detection variables for the event being written (Suricata writes them
// on every event of the flow), nil when f has none or no rules are loaded. The result is the
// worker's scratch, valid until the next call.
func (w *worker) flowVars(f *flow.Flow) *export.FlowVars {
	if w.det == nil || f == nil {
		return nil
	}
	v := &w.vars
	v.Reset()
	v.Flowbits, v.IntNames, v.IntValues = w.det.matcher.FlowVars(f.Slot(), f.Gen(), v.Flowbits, v.IntNames, v.IntValues)
	// Suricata's convention: flowbits named traffic/id/X or traffic/label/X tag the flow in the
	// top-level traffic object instead.
	bits := v.Flowbits[:0]
	for _, b := range v.Flowbits {
		switch {
		case len(b) > len(trafficID) && b[:len(trafficID)] == trafficID:
			v.TrafficID = append(v.TrafficID, b[len(trafficID):])
		case len(b) > len(trafficLabel) && b[:len(trafficLabel)] == trafficLabel:
			v.TrafficLabel = append(v.TrafficLabel, b[len(trafficLabel):])
		default:
			bits = append(bits, b)
		}
	}
	v.Flowbits = bits
	if v.Empty() {
		return nil
	}
	return v
}

const (
	trafficID    = "traffic/id/"
	trafficLabel = "traffic/label/"
)

// flowPassed reports whether a pass rule passed the rest of f (EVE flow.action "pass").
func (wd *workerDetect) flowPassed(f *flow.Flow) bool {
	return wd.matcher.FlowPassed(f.Slot(), f.Gen())
}

// inspect runs the rules on the packet just accounted to f (nil when the packet has no flow)
// and sends each alert to every alert output.
func (w *worker) inspect(f *flow.Flow, toServer bool, index uint64) {
	wd := w.det
	p := &w.pkt
	in := &wd.in
	*in = signatures.PacketInput{Pkt: p, PktNum: index}
	if f != nil {
		in.HasFlow = true
		in.ToServer = toServer
		in.Established = wd.established(f, p)
		in.FlowSlot = f.Slot()
		in.FlowGen = f.Gen()
		in.App, in.AppTS, in.AppTC = w.app.protos(f)
		in.ProtoDone = w.app.takeProtoDone(f, toServer)
		in.Stream = w.app.streamInspected(f, p, toServer)
		in.NoPayload = f.NoPayloadInspection
		in.FlowPkts[0], in.FlowPkts[1] = f.Packets()
		in.FlowBytes[0], in.FlowBytes[1] = f.Bytes()
		in.StreamEvents = w.app.pktEvents
	}
	wd.matches = wd.matcher.Inspect(in, wd.matches[:0])
	w.emitAlerts(f, p, toServer, index, wd.matches)
}

// emitAlerts writes the alerts of matches found on p (the packet, or a pseudo packet oriented
// in the direction inspected), going toServer in flow f, and bypasses f when a matching rule
// asked for it. It follows every inspection.
func (w *worker) emitAlerts(f *flow.Flow, p *decoders.Packet, toServer bool, index uint64, matches []signatures.Match) {
	if w.det.matcher.TakeBypass() && f != nil {
		w.bypass(f, bypassRule) // whether or not the rule alerted
	}
	if len(matches) == 0 {
		return
	}
	a := &w.det.alert
	first := true
	for i := range matches {
		m := &matches[i]
		if m.Rule == nil || m.Rule.NoAlert || m.Action == signatures.ActionPass {
			continue
		}
		if first {
			w.fillAlertPacket(a, f, p, toServer, index)
			first = false
		}
		w.fillAlertRule(a, m)
		a.TxID, a.HasTxID = m.TxID, m.Tx
		a.App = export.AlertApp{}
		if m.Tx && w.eve != nil && w.out.eveAlert {
			w.app.fillAlertApp(a)
		}
		if len(m.Rule.Tags) > 0 {
			w.det.tags.add(m.Rule, f, p)
		}
		w.det.alerts++
		if f != nil {
			f.Alerted = true
		}
		w.writeAlert(a)
	}
}

// fillAlertPacket sets the fields every alert of this packet shares. The tuple is the packet's
// (Suricata writes src as the packet's sender); the flow's counters include this packet.
func (w *worker) fillAlertPacket(a *export.Alert, f *flow.Flow, p *decoders.Packet, toServer bool, index uint64) {
	*a = export.Alert{Timestamp: p.Time, PcapCnt: index, PktSrc: pktSrc(p)}
	if o := &p.Outer; p.Tunnel != decoders.TunnelNone && o.Src.IsValid() {
		a.HasTunnel = true
		a.Tunnel = export.TunnelInfo{SrcIP: o.Src, DestIP: o.Dst, SrcPort: o.SrcPort, DestPort: o.DstPort,
			Proto: o.Proto, Depth: p.Recursion, PcapCnt: index, PktSrc: "wire/pcap"}
	}
	a.SrcIP, a.DestIP = p.Src, p.Dst
	a.SrcPort, a.DestPort = p.SrcPort, p.DstPort
	a.Proto = p.IPProto
	a.VLAN, a.VLANCount = p.VLAN, p.VLANCount
	a.ICMPType, a.ICMPCode = p.ICMPType, p.ICMPCode
	if f == nil {
		if p.Src.IsValid() && p.Dst.IsValid() {
			sp, dp := p.SrcPort, p.DstPort
			if p.IPProto == 1 || p.IPProto == 58 {
				sp, dp = uint16(p.ICMPType), uint16(p.ICMPCode)
			}
			a.CommunityID = flow.CommunityID(0, p.Src, p.Dst, sp, dp, p.IPProto)
		}
		return
	}
	a.FlowID = f.ID()
	a.CommunityID = f.CommunityID(0)
	a.AppProto = f.AppProto
	if toServer {
		a.Direction = "to_server"
	} else {
		a.Direction = "to_client"
	}
	a.HasFlow = true
	a.PktsToServer, a.PktsToClient = f.Packets()
	a.BytesToServer, a.BytesToClient = f.Bytes()
	a.FlowStart = f.Start()
	a.FlowSrcIP, a.FlowSrcPort = f.Client()
	a.FlowDestIP, a.FlowDestPort = f.Server()
	a.Vars = w.flowVars(f)
}

// pktSrc is Suricata's name for where the packet came from (PktSrcToString). Suricata decodes
// a tunnel's inner packet as a packet of its own, named after the layer that produced it; here
// the inner packet is the decoded one, so the tunnel kind names it the same way.
func pktSrc(p *decoders.Packet) string {
	switch p.Tunnel {
	case decoders.TunnelNone:
		if p.Layers&decoders.IsReassembled != 0 {
			return "defrag"
		}
		return "wire/pcap"
	case decoders.TunnelGRE, decoders.TunnelERSPAN1, decoders.TunnelERSPAN2, decoders.TunnelERSPAN3:
		return "gre tunnel"
	case decoders.TunnelIPIP, decoders.TunnelIP6in4:
		return "ipv4 tunnel"
	case decoders.TunnelIP4in6, decoders.TunnelIP6in6:
		return "ipv6 tunnel"
	case decoders.TunnelTeredo:
		return "teredo tunnel"
	case decoders.TunnelVXLAN:
		return "vxlan encapsulation"
	case decoders.TunnelGeneve:
		return "geneve encapsulation"
	}
	// GTP-U has no name of its own in Suricata's list; its inner packet comes out of the UDP
	// payload like the encapsulations above.
	return "wire/pcap"
}

// fillAlertRule sets the fields that come from the matching rule.
func (w *worker) fillAlertRule(a *export.Alert, m *signatures.Match) {
	r := m.Rule
	// Built at a rule's first alert: most rules of a large set never alert, and building them
	// all took a fifth of a cached start.
	ra := w.det.rules[r]
	if ra == nil {
		ra = newRuleAlert(r)
		w.det.rules[r] = ra
	}
	a.GID, a.SignatureID, a.Rev = r.GID, r.SID, r.Rev
	a.Signature = r.Msg
	a.Severity = r.Priority
	a.Category = ra.category
	a.Metadata = ra.metadata
	// Reading files is IDS mode: a drop rule cannot drop, so its alert is "allowed" and fast.log
	// marks it [wDrop]; reject is "blocked" even so, as Suricata writes it.
	a.Drop = m.Action == signatures.ActionDrop || m.Action == signatures.ActionReject
	a.Action = "allowed"
	if m.Action == signatures.ActionReject {
		a.Action = "blocked"
	}
}

// writeAlert sends a to eve.json, fast.log and the Arrow alert files, as configured.
func (w *worker) writeAlert(a *export.Alert) {
	if w.eve != nil && w.out.eveAlert {
		w.eve.Alert(a)
	}
	if w.fast != nil {
		w.fast.Alert(a)
	}
	if w.alertsTo != nil {
		w.keepErr(w.alertsTo.append(a))
	}
}
