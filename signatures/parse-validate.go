package signatures

import "fmt"

// checkDsizeReach refuses a rule whose payload contents cannot fit in the largest payload its
// dsize allows, as Suricata's DetectContentPMATCHValidateCallback does: the contents' lengths
// plus their distances, then plus the largest offset, must not exceed that size. Such a rule
// could never match, and Suricata counts it as failed to load.
func checkDsizeReach(r *Rule) error {
	if r.Dsize == nil || r.Payload == nil {
		return nil
	}
	var limit int64
	switch r.Dsize.Op {
	case '=', '!', '<':
		limit = int64(r.Dsize.A)
	case 'r':
		limit = int64(r.Dsize.B)
	default:
		return nil // no upper bound
	}
	var total, maxOff int64
	for i := range r.Payload.Matchers {
		m := &r.Payload.Matchers[i]
		if m.Kind != MatchContent {
			continue
		}
		c := m.Content
		plen := int64(len(c.Pattern))
		if m.Negated && c.HasWithin && c.Within.Var < 0 && c.Within.Value == plen {
			continue // "not right here": takes no room
		}
		total += plen
		if c.HasDistance && c.Distance.Var < 0 {
			total += c.Distance.Value
		}
		if c.HasOffset && c.Offset.Var < 0 {
			maxOff = max(maxOff, c.Offset.Value)
		}
	}
	need := total
	if need <= limit {
		need += maxOff
	}
	if need > limit {
		return fmt.Errorf("signature can't match as required content length %d exceeds dsize value %d", need, limit)
	}
	return nil
}
