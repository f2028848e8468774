package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/signatures"
)

// Protocol detection per direction. Suricata detects each direction of a flow on its own
// (alproto_ts, alproto_tc) and parses the flow as the first one settled: a client may speak
// HTTP to an SSH server, and app-layer-protocol's modes tell the two apart. The packet that
// first goes a direction after detection concluded on it carries the news (Suricata's
// PKT_PROTO_DETECT_TS_DONE / _TC_DONE), which rules testing nothing but the protocol wait for.

// dirProtos is what detection found on each direction of one flow ([0] to server).
type dirProtos struct {
	proto [2]appProto
	// done: detection concluded on the direction and no packet going that way was inspected
	// since.
	done [2]bool
}

func (d *dirProtos) swap() {
	d.proto[0], d.proto[1] = d.proto[1], d.proto[0]
	d.done[0], d.done[1] = d.done[1], d.done[0]
}

// setDir records the protocol of direction d of the current flow; the first conclusion on a
// direction is news for its next packet.
func (a *appLayer) setDir(d int, p appProto) {
	dp := &a.dirs[a.f.Slot()]
	if dp.proto[d] == appUnknown && p != appUnknown {
		dp.done[d] = true
	}
	dp.proto[d] = p
}

// protos are the flow's protocol and those recognised on each direction, as detection names
// them.
func (a *appLayer) protos(f *flow.Flow) (final, ts, tc signatures.AppProto) {
	final = signatures.AppUnknown
	if s := a.flows[f.Slot()]; s != nil {
		final = appToSignatures[s.proto]
	}
	dp := &a.dirs[f.Slot()]
	return final, appToSignatures[dp.proto[0]], appToSignatures[dp.proto[1]]
}

// takeProtoDone reports whether detection concluded on the packet's direction since the last
// packet that went that way, and clears the news.
func (a *appLayer) takeProtoDone(f *flow.Flow, toServer bool) bool {
	dp := &a.dirs[f.Slot()]
	d := dirIndex(toServer)
	done := dp.done[d]
	dp.done[d] = false
	return done
}

// recognise runs detection on the first bytes of a direction that sent nothing before the
// flow's protocol settled, as Suricata detects each direction on its own: the flow stays
// parsed as it settled, but rules comparing a direction's protocol see what it speaks.
func (a *appLayer) recognise(toServer bool, b []byte) {
	s := a.cur
	d := dirIndex(toServer)
	if s.proto >= appFailed {
		a.setDir(d, s.proto)
		return
	}
	data, p, v := a.probeHeld(toServer, b)
	switch {
	case v == tls.Match:
		a.setDir(d, p)
	case v == tls.NeedMore && len(data) < probeLimit:
		s.keepHeld(d, b)
		return
	default:
		a.setDir(d, s.proto)
	}
	s.held[d] = s.held[d][:0]
}
