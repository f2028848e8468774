package signatures

import "github.com/nightjar-ids/nightjar/decoders"

// Threshold and detection_filter evaluation, after Suricata's detect-engine-threshold.c. The
// verdict is one of: no alert and no action, alert, or a silent match (no alert, but the
// rule's action still applies).
const (
	thrNone   = 0
	thrAlert  = 1
	thrSilent = 2
)

type thrEntry struct {
	tv1   int64  // window start, ns
	count uint32 // matches in the window
	next  uint32 // backoff: the count that alerts next
}

// thresholdVerdict is PacketAlertHandle: suppressions first, then threshold, then
// detection_filter; the first that does not alert decides.
func (m *Matcher) thresholdVerdict(er *engineRule, p *decoders.Packet, fs *flowState) int {
	for _, s := range er.suppress {
		if suppressMatches(s, p) {
			return thrSilent
		}
	}
	if er.threshold != nil {
		if res := m.thresholdStep(er, er.threshold, er.idx, p, fs); res != thrAlert {
			return res
		}
	}
	if er.detFilter != nil {
		if res := m.thresholdStep(er, er.detFilter, -er.idx-1, p, fs); res != thrAlert {
			return res
		}
	}
	return thrAlert
}

func suppressMatches(s *ThresholdEntry, p *decoders.Packet) bool {
	switch s.Track {
	case "by_src":
		return s.IP.Contains(p.Src)
	case "by_dst":
		return s.IP.Contains(p.Dst)
	case "by_either":
		return s.IP.Contains(p.Src) || s.IP.Contains(p.Dst)
	}
	return true
}

// thresholdStep finds (or creates) the tracking entry and advances it.
func (m *Matcher) thresholdStep(er *engineRule, t *Threshold, rule int32, p *decoders.Packet, fs *flowState) int {
	if t.Track == "by_flow" {
		if fs == nil {
			return thrNone
		}
		for i := range fs.thr {
			if fs.thr[i].key == rule {
				return thresholdAdvance(t, &fs.thr[i].entry, false, p.Time)
			}
		}
		var e thrEntry
		res := thresholdAdvance(t, &e, true, p.Time)
		fs.thr = append(fs.thr, flowThreshold{key: rule, entry: e})
		return res
	}
	k := thrKey{gid: er.r.GID, sid: er.r.SID, filter: rule < 0}
	switch t.Track {
	case "by_src":
		k.a = p.Src
	case "by_dst":
		k.a = p.Dst
	case "by_both":
		// Suricata's IP pair is the same whichever way the packet goes.
		k.a, k.b = p.Src, p.Dst
		if k.b.Less(k.a) {
			k.a, k.b = k.b, k.a
		}
	}
	h := m.hosts
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.thr[k]
	res := thresholdAdvance(t, &e, !ok, p.Time)
	if ok || e.tv1 != 0 || e.count != 0 {
		h.thr[k] = e
	}
	return res
}

// thresholdAdvance applies one match at time now to entry e (fresh: no entry existed yet) and
// returns the verdict. A window holds while now <= start + seconds.
func thresholdAdvance(t *Threshold, e *thrEntry, fresh bool, now int64) int {
	within := !fresh && now <= e.tv1+int64(t.Seconds)*1e9
	restart := func() { e.tv1, e.count = now, 1 }
	switch t.Type {
	case "limit":
		if fresh || !within {
			restart()
			return thrAlert
		}
		e.count++
		if e.count <= t.Count {
			return thrAlert
		}
		return thrSilent
	case "threshold":
		if fresh {
			if t.Count == 1 {
				// Suricata keeps no entry then: every match alerts.
				return thrAlert
			}
			restart()
			return thrNone
		}
		if !within {
			restart()
			return thrNone
		}
		e.count++
		if e.count >= t.Count {
			e.count = 0
			return thrAlert
		}
		return thrNone
	case "both":
		if fresh || !within {
			restart()
			if t.Count == 1 {
				return thrAlert
			}
			return thrNone
		}
		e.count++
		switch {
		case e.count == t.Count:
			return thrAlert
		case e.count > t.Count:
			return thrSilent
		}
		return thrNone
	case "backoff":
		// Alerts on the count-th match, then each time the count reaches the last alert's
		// times the multiplier (count 1, multiplier 10: the 1st, 10th, 100th …).
		if fresh {
			e.tv1, e.count, e.next = now, 1, t.Count
			if e.count == e.next {
				e.next *= t.Multiplier
				return thrAlert
			}
			return thrSilent
		}
		if e.count < 1<<32-1 {
			e.count++
		}
		if e.count == e.next {
			e.next *= t.Multiplier
			return thrAlert
		}
		return thrSilent
	}
	// detection_filter: alert once more than count matches fall in the window.
	if fresh || !within {
		restart()
		return thrNone
	}
	e.count++
	if e.count > t.Count {
		return thrAlert
	}
	return thrNone
}
