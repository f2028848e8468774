package sensor

import (
	"time"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// eveFlushBytes is how much EVE text a worker gathers before handing it to the shared writer.
const eveFlushBytes = 256 << 10

// worker owns everything one packet needs on its way through the sensor: a decoder, a packet
// view, a flow-table shard and its output buffers. It shares nothing with other workers; only
// whole EVE buffers and Arrow batches leave it.
type worker struct {
	id  int
	out *outputs
	dec *decoders.Decoder
	pkt decoders.Packet
	// outerDec decodes a UDP-tunnelled frame once more with the UDP encapsulations off, into
	// outer: the outer datagram then counts in its own UDP flow (tunnelOuter).
	outerDec *decoders.Decoder
	outer    decoders.Packet
	// outerHere: this worker counts the outer datagrams of the frames it gets (false when the
	// reader gave the outer datagram's flow to another worker, dispatch.go).
	outerHere bool
	flows     *flow.Table
	app       *appLayer // TCP reassembly and app-layer parsing

	eve     *export.EVEBuffer // nil when EVE output is off
	rec     export.FlowRecord
	anomaly export.Anomaly
	// vars is the scratch flowVars fills: the detection variables of the flow an event is
	// being written for.
	vars        export.FlowVars
	flowsTo     *flowArrow    // nil when Arrow output is off
	anomaliesTo *anomalyArrow // nil when Arrow output is off
	anomalies   bool          // some output takes decoder anomalies

	det      *workerDetect         // nil when no rules are loaded
	fast     *export.FastLogBuffer // nil when fast.log is off or no rules are loaded
	alertsTo *alertArrow           // nil when Arrow output is off or no rules are loaded

	byp bypassStage

	err error // first output error; the worker keeps going and reports it at the end
}

func newWorker(id, workers int, cfg *Config, out *outputs, det *detection) (*worker, error) {
	w := &worker{id: id, out: out, dec: decoders.NewDecoder(decoderConfig(cfg)), byp: newBypassStage(cfg)}
	oc := decoderConfig(cfg)
	oc.TeredoPorts, oc.VXLANPorts, oc.GenevePorts, oc.GTPUPorts = nil, nil, nil, nil
	w.outerDec = decoders.NewDecoder(oc)
	w.outerHere = true
	w.flows = flow.NewTable(flowConfig(cfg, workers), w.flowEnded)
	w.app = newAppLayer(w, cfg, workers)
	if out.arrowFlows {
		fa, err := out.newFlowArrow(id)
		if err != nil {
			return nil, err
		}
		w.flowsTo = fa
		aa, err := out.newAnomalyArrow(id)
		if err != nil {
			return nil, err
		}
		w.anomaliesTo = aa
	}
	if out.eve != nil {
		w.eve = export.NewEVEBuffer(out.eve, nil, eveFlushBytes)
	}
	w.anomalies = w.eve != nil && out.eveAnomaly || w.anomaliesTo != nil
	if det != nil {
		w.det = newWorkerDetect(det)
		w.app.enableDetection(det.engine.StreamKeep())
		if out.fast != nil {
			w.fast = export.NewFastLogBuffer(out.fast, nil, eveFlushBytes)
		}
		if out.arrowAlerts {
			aa, err := out.newAlertArrow(id)
			if err != nil {
				return nil, err
			}
			w.alertsTo = aa
		}
	}
	return w, nil
}

// packet runs one frame through the pipeline.
func (w *worker) packet(data []byte, wireLen int, lt decoders.LinkType, ts int64, index uint64) {
	p := &w.pkt
	w.dec.Decode(p, data, lt, ts, wireLen)
	if p.EventCount > 0 && w.anomalies {
		w.logAnomalies(index)
	}
	if p.Layers&decoders.InUDPTunnel != 0 && w.outerHere {
		w.tunnelOuter(data, wireLen, lt, ts, index)
	}
	f, toServer := w.flows.Update(p)
	if f != nil && f.Bypassed {
		return // counted in the flow, not inspected (Suricata's local bypass)
	}
	if f != nil {
		// Protocol detection may find the flow was seen from the wrong end and turn it around.
		toServer = w.app.packet(f, p, toServer, index)
	}
	if w.det != nil {
		w.inspect(f, toServer, index)
		if w.det.tags.packet(f, p) && w.eve != nil && w.out.evePackets {
			w.writeTagged(f, p, index)
		}
	}
	if f != nil {
		w.checkBypass(f)
	}
}

// tunnelOuter counts the outer datagram of a UDP-tunnelled packet in its own flow, as Suricata
// sets up a flow for the outer packet of Teredo, VXLAN and Geneve (decode-udp.c): flow records
// then show the tunnel endpoints' conversation with its packets and bytes, and the app layer
// tries the payload (it fails: "failed", as Suricata logs it). The outer packet is not
// inspected by the rules; the inner one is. An outer datagram that was fragmented is not
// counted: the second decode sees only the frame that completed it. With several workers the
// reader may hand the frame to this worker for the outer datagram alone (partOuter).
func (w *worker) tunnelOuter(data []byte, wireLen int, lt decoders.LinkType, ts int64, index uint64) {
	o := &w.outer
	w.outerDec.Decode(o, data, lt, ts, wireLen)
	if o.Layers&decoders.HasUDP == 0 || !w.dec.UDPTunnelPort(o.SrcPort, o.DstPort) {
		// The reader's hash looks through the default ports; the decoder goes by the
		// configured ones, and a datagram it does not decode as a tunnel is counted as the
		// plain UDP packet it then is.
		return
	}
	if f, toServer := w.flows.Update(o); f != nil && !f.Bypassed {
		w.app.packet(f, o, toServer, index)
	}
}

// tick runs the flow timeouts at packet time now, then cuts the Arrow batches that have waited
// their age in wall time (a batch's age is the export's latency, whatever the packets' times).
func (w *worker) tick(now int64) {
	w.flows.Expire(now)
	w.flushDueArrow(time.Now())
}

// flushDueArrow cuts every Arrow batch whose first row has waited the configured batch age.
func (w *worker) flushDueArrow(now time.Time) {
	w.keepErr(w.flowsTo.flushDue(now))
	w.keepErr(w.alertsTo.flushDue(now))
	w.keepErr(w.anomaliesTo.flushDue(now))
}

// finish ends every flow (reason shutdown) and flushes all output.
func (w *worker) finish(now int64) {
	w.flows.ExpireAll(now)
	w.flows.Flush(flow.ReasonShutdown)
	w.flushEVE()
	if w.flowsTo != nil {
		w.keepErr(w.flowsTo.close())
	}
	if w.alertsTo != nil {
		w.keepErr(w.alertsTo.close())
	}
	if w.anomaliesTo != nil {
		w.keepErr(w.anomaliesTo.close())
	}
}

// keepErr remembers the first output error; the worker keeps going and reports it at the end.
func (w *worker) keepErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *worker) flowEnded(f *flow.Flow, reason flow.Reason) {
	// The app layer goes first: the data reassembly still holds may settle the protocol.
	w.byp.ending = true
	missed := w.app.flowEnded(f)
	w.byp.ending = false
	f.Fill(&w.rec, reason)
	w.rec.MissedBytes = missed
	w.bypassEnded(f, &w.rec)
	if w.det != nil {
		// Read the detection verdict on the flow before its state is cleared.
		if w.det.flowPassed(f) {
			w.rec.Action = "pass"
		}
		w.rec.Vars = w.flowVars(f)
		w.det.matcher.FlowEnded(f.Slot(), f.Gen())
		w.det.tags.flowEnded(f.Slot())
	}
	if w.eve != nil && w.out.eveFlow {
		w.eve.Flow(&w.rec)
	}
	if w.flowsTo != nil {
		w.keepErr(w.flowsTo.append(&w.rec))
	}
}

func (w *worker) logAnomalies(index uint64) {
	p := &w.pkt
	a := &w.anomaly
	*a = export.Anomaly{Timestamp: p.Time, PcapCnt: index, Type: "decode"}
	if p.Src.IsValid() {
		a.SrcIP, a.DestIP = p.Src, p.Dst
		a.SrcPort, a.DestPort = p.SrcPort, p.DstPort
		a.Proto = p.IPProto
		a.VLAN, a.VLANCount = p.VLAN, p.VLANCount
	}
	eve := w.eve != nil && w.out.eveAnomaly
	for _, e := range p.Events[:p.EventCount] {
		a.Event = e.String()
		if eve {
			w.eve.Anomaly(a)
		}
		if w.anomaliesTo != nil {
			w.keepErr(w.anomaliesTo.append(a))
		}
	}
}

// flushEVE hands the worker's waiting EVE lines to the shared writer.
func (w *worker) flushEVE() {
	if w.eve != nil {
		w.keepErr(w.eve.Flush())
	}
	if w.fast != nil {
		w.keepErr(w.fast.Flush())
	}
}
