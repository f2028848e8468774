package signatures

import "fmt"

// checkDsizeReach refuses a rule whose payload contents cannot fit in the largest payload its
// dsize allows, as Suricata does ("signature can't match as required content length N exceeds
// dsize value M"): such a rule could never match, and Suricata counts it as failed to load.
//
// The required length is a lower bound on where the contents must end: an absolute content
// ends at least at offset+len, a relative one at least at the previous content's least end
// plus its distance plus its length. Negated contents need no room. A keyword that may move
// the relative cursor backwards (byte_jump, an absolute pcre, a byte_* read) resets the
// bound, so a rule that could match is never refused. (Suricata's own older check summed all
// lengths and offsets and refused some matchable rules, such as contents at fixed offsets
// that end exactly at the dsize; ET Open carries rules of that shape.)
func checkDsizeReach(r *Rule) error {
	if r.Dsize == nil || r.Payload == nil {
		return nil
	}
	// The bound is Suricata's (the value of dsize:N and dsize:<N, the upper end of a range), a
	// byte looser than exact for < and ranges: a rule Suricata loads must load here too.
	var limit int64
	switch r.Dsize.Op {
	case '=', '<':
		limit = int64(r.Dsize.A)
	case 'r':
		limit = int64(r.Dsize.B)
	default:
		return nil
	}
	lit := func(o Operand) (int64, bool) { return o.Value, o.Var < 0 }
	var prevEnd, need int64
	for i := range r.Payload.Matchers {
		m := &r.Payload.Matchers[i]
		switch m.Kind {
		case MatchContent:
		case MatchIsdataat:
			continue
		case MatchPCRE:
			if !m.Relative {
				prevEnd = 0
			}
			continue
		default:
			prevEnd = 0
			continue
		}
		if m.Negated {
			continue
		}
		c := m.Content
		plen := int64(len(c.Pattern))
		var start int64
		if m.Relative {
			start = prevEnd
			if c.HasDistance {
				if d, ok := lit(c.Distance); ok {
					start += d
				} else {
					start = 0
				}
			}
			start = max(start, 0)
		} else if c.HasOffset {
			if o, ok := lit(c.Offset); ok {
				start = o
			}
		}
		prevEnd = start + plen
		need = max(need, prevEnd)
	}
	if need > limit {
		return fmt.Errorf("signature can't match as required content length %d exceeds dsize value %d", need, limit)
	}
	return nil
}
