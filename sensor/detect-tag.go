package sensor

import (
	"net/netip"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/signatures"
)

// Tagging (the tag keyword): when a rule with tags alerts, the later packets of its flow
// (session scope) or of one of its hosts (host scope) are tagged until the tag's count of
// packets, bytes or seconds runs out, and each tagged packet is written as an EVE packet
// event. The alerting packet itself is not: its alert already carries it. As in Suricata, a
// rule that alerts again on a tagged flow or host restarts its tag (at most tagMatchLimit
// times), a flow or host holds at most tagsPerOwner tags, and tags never change a verdict.
// A packet costs one branch while no tag is in force.

const (
	tagsPerOwner  = 50
	tagMatchLimit = 10
	// tagHostsMax bounds the host tags a worker holds; tags for more hosts are refused and
	// counted rather than growing without bound.
	tagHostsMax = 65536
)

// tagEntry is one tag in force on a flow or a host.
type tagEntry struct {
	sid, gid     uint32
	tag          signatures.Tag
	first, last  int64 // seconds
	packets      uint64
	bytes        uint64
	matches      uint16
	skippedFirst bool // the alerting packet went by
}

// tagger is one worker's tags.
type tagger struct {
	flows   map[int][]tagEntry // by flow slot; cleared when the flow ends
	hosts   map[netip.Addr][]tagEntry
	active  int // entries in force, flows and hosts together
	tagged  uint64
	refused uint64 // host tags refused: tagHostsMax hosts already tagged
	pkt     export.Packet
}

// add installs the tags of a rule that alerted on p (the packet, or a pseudo packet oriented
// in the direction inspected) in flow f.
func (t *tagger) add(r *signatures.Rule, f *flow.Flow, p *decoders.Packet) {
	now := p.Time / 1e9
	for _, tg := range r.Tags {
		switch {
		case tg.Host:
			addr := p.Dst
			if tg.Src {
				addr = p.Src
			}
			if !addr.IsValid() {
				continue
			}
			if t.hosts == nil {
				t.hosts = make(map[netip.Addr][]tagEntry)
			}
			l, ok := t.hosts[addr]
			if !ok && len(t.hosts) >= tagHostsMax {
				t.refused++
				continue
			}
			t.hosts[addr] = t.install(l, r, tg, now)
		case f != nil:
			if t.flows == nil {
				t.flows = make(map[int][]tagEntry)
			}
			t.flows[f.Slot()] = t.install(t.flows[f.Slot()], r, tg, now)
		}
	}
}

// install adds rule r's tag tg to l, or restarts the one r already has there (tags are
// keyed by rule, as in Suricata).
func (t *tagger) install(l []tagEntry, r *signatures.Rule, tg signatures.Tag, now int64) []tagEntry {
	for i := range l {
		e := &l[i]
		if e.sid == r.SID && e.gid == r.GID {
			e.matches++
			if e.matches < tagMatchLimit {
				e.first, e.last, e.packets, e.bytes = now, now, 0, 0
			}
			return l
		}
	}
	if len(l) >= tagsPerOwner {
		return l
	}
	t.active++
	return append(l, tagEntry{sid: r.SID, gid: r.GID, tag: tg, first: now, last: now})
}

// packet counts p against the tags of its flow and hosts and says whether p is tagged. It
// runs once per packet after every inspection of it.
func (t *tagger) packet(f *flow.Flow, p *decoders.Packet) bool {
	if t.active == 0 {
		return false
	}
	now, n := p.Time/1e9, uint64(len(p.Data))
	tagged := false
	if f != nil && len(t.flows) > 0 {
		if l, ok := t.flows[f.Slot()]; ok {
			l, hit := t.count(l, now, n)
			t.flows[f.Slot()] = l
			tagged = tagged || hit
		}
	}
	if len(t.hosts) > 0 {
		for _, a := range [2]netip.Addr{p.Src, p.Dst} {
			if l, ok := t.hosts[a]; ok {
				l, hit := t.count(l, now, n)
				if len(l) == 0 {
					delete(t.hosts, a)
				} else {
					t.hosts[a] = l
				}
				tagged = tagged || hit
			}
		}
	}
	if tagged {
		t.tagged++
	}
	return tagged
}

// count advances each tag of l by one packet of n bytes at second now, drops the tags that
// ran out, and says whether one still in force tags the packet.
func (t *tagger) count(l []tagEntry, now int64, n uint64) ([]tagEntry, bool) {
	tagged := false
	kept := l[:0]
	for _, e := range l {
		e.last = now
		switch e.tag.Metric {
		case signatures.TagPackets:
			e.packets++
		case signatures.TagBytes:
			e.bytes += n
		}
		if !e.skippedFirst {
			e.skippedFirst = true
			kept = append(kept, e)
			continue
		}
		var spent bool
		switch e.tag.Metric {
		case signatures.TagPackets:
			spent = e.packets > uint64(e.tag.Count)
		case signatures.TagBytes:
			spent = e.bytes > uint64(e.tag.Count)
		case signatures.TagSeconds:
			spent = e.last-e.first > int64(e.tag.Count)
		}
		if spent {
			t.active--
			continue
		}
		tagged = true
		kept = append(kept, e)
	}
	return kept, tagged
}

// flowEnded drops the tags of the flow in slot.
func (t *tagger) flowEnded(slot int) {
	if l, ok := t.flows[slot]; ok {
		t.active -= len(l)
		delete(t.flows, slot)
	}
}

// writeTagged writes p, tagged, as an EVE packet event.
func (w *worker) writeTagged(f *flow.Flow, p *decoders.Packet, index uint64) {
	t := &w.det.tags
	e := &t.pkt
	*e = export.Packet{Timestamp: p.Time, PcapCnt: index, PktSrc: pktSrc(p), Data: p.Data, LinkType: uint16(p.LinkType)}
	e.SrcIP, e.DestIP = p.Src, p.Dst
	e.SrcPort, e.DestPort = p.SrcPort, p.DstPort
	e.Proto = p.IPProto
	e.VLAN, e.VLANCount = p.VLAN, p.VLANCount
	if f != nil {
		e.FlowID = f.ID()
	}
	w.eve.Packet(e)
}
