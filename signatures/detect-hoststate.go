package signatures

import (
	"net/netip"
	"sync"
)

// HostState is the detection state kept per host or host pair rather than per flow: xbits and
// the thresholds and detection_filters tracked by_src, by_dst, by_both and by_rule. Suricata
// keeps it in its host and IP-pair tables, which every thread shares; workers that share one
// HostState therefore count a host the same whichever worker its flows landed on. It is keyed
// by gid:sid and xbit name, not by an engine's internal numbering, so it also outlives a rule
// reload. Safe for concurrent use: it is touched only by rules that carry such keywords, once
// everything else in them matched.
type HostState struct {
	mu    sync.Mutex
	xbits map[xbitKey]int64
	thr   map[thrKey]thrEntry
}

// NewHostState returns an empty HostState.
func NewHostState() *HostState {
	return &HostState{xbits: map[xbitKey]int64{}, thr: map[thrKey]thrEntry{}}
}

// thrKey names one threshold entry: a rule's (by gid:sid; a detection_filter apart from the
// rule's threshold) for one host, host pair, or the rule as a whole.
type thrKey struct {
	gid, sid uint32
	filter   bool // detection_filter
	a, b     netip.Addr
}

// xbitKey names one xbit of one host or host pair.
type xbitKey struct {
	name string
	a, b netip.Addr
}
