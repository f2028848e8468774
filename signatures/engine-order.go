package signatures

import (
	"cmp"
	"slices"
)

// Suricata's signature ordering (detect-engine-sigorder.c). The internal rule id is the
// position in this order; candidates are evaluated and alerts queued in it, which is what makes
// a flowbits-setting rule run before the rule that checks the bit on the same packet, and a
// pass rule come before the alerts it suppresses. The comparators, most significant first:
// action (pass, drop, reject, alert), flowbits use, flowint use, (flowvar, pktvar: not
// supported by the front end), hostbits use, ippair-bits use, priority (low first), sid.

// Variable use classes, higher sorts first: setters, then set-and-read, then readers, then
// rules that do not use the variable.
const (
	varNotUsed = 1
	varRead    = 2
	varSetRead = 3
	varSet     = 4
)

func useClass(read, write int) int {
	switch {
	case read > 0 && write == 0:
		return varRead
	case read == 0 && write > 0:
		return varSet
	case read > 0 && write > 0:
		return varSetRead
	}
	return varNotUsed
}

// actionOrder is Suricata's default action-order: pass, drop, reject, alert.
func actionOrder(a Action) int {
	switch a {
	case ActionPass:
		return 0
	case ActionDrop:
		return 1
	case ActionReject:
		return 2
	}
	return 3
}

type orderKey struct {
	action, flowbits, flowint, hostbits, ippair, prio int
}

func ruleOrderKey(r *Rule) orderKey {
	k := orderKey{action: actionOrder(r.Action), prio: r.Priority}
	var rd, wr int
	for _, op := range r.Flowbits {
		switch op.Cmd {
		case "isset", "isnotset":
			rd++
		case "set", "unset", "toggle":
			wr++
		}
	}
	k.flowbits = useClass(rd, wr)
	rd, wr = 0, 0
	for _, op := range r.Flowints {
		switch op.Op {
		case "=", "+", "-":
			wr++
		default:
			rd++
		}
	}
	k.flowint = useClass(rd, wr)
	// Suricata's host-bit scan counts reads of the xbits keyword and writes of the hostbits
	// keyword only: an xbits setter and a hostbits test both rank as "not used". Kept for
	// equal order.
	var hostRd, hostWr, pairRd int
	for _, op := range r.Xbits {
		test := op.Cmd == "isset" || op.Cmd == "isnotset"
		switch {
		case op.Host:
			if !test {
				hostWr++
			}
		case !test:
		case op.Track == "ip_pair":
			pairRd++
		default:
			hostRd++
		}
	}
	k.hostbits = useClass(hostRd, hostWr)
	k.ippair = useClass(pairRd, 0)
	return k
}

// orderRules returns rules in Suricata's evaluation order. The input order (file order) only
// breaks ties that Suricata leaves to its merge sort (equal sid).
func orderRules(rules []*Rule) []*Rule {
	type keyed struct {
		k orderKey
		r *Rule
	}
	ks := make([]keyed, len(rules))
	for i, r := range rules {
		ks[i] = keyed{ruleOrderKey(r), r}
	}
	slices.SortStableFunc(ks, func(x, y keyed) int {
		a, b := &x.k, &y.k
		switch {
		case a.action != b.action:
			return cmp.Compare(a.action, b.action)
		case a.flowbits != b.flowbits:
			return cmp.Compare(b.flowbits, a.flowbits)
		case a.flowint != b.flowint:
			return cmp.Compare(b.flowint, a.flowint)
		case a.hostbits != b.hostbits:
			return cmp.Compare(b.hostbits, a.hostbits)
		case a.ippair != b.ippair:
			return cmp.Compare(b.ippair, a.ippair)
		case a.prio != b.prio:
			return cmp.Compare(a.prio, b.prio)
		}
		return cmp.Compare(x.r.SID, y.r.SID)
	})
	out := make([]*Rule, len(ks))
	for i := range ks {
		out[i] = ks[i].r
	}
	return out
}
