package stream

import "fmt"

// OverlapPolicy says whose bytes win when a segment overlaps data already queued: the
// target-based policies of Suricata's stream engine (host-os-policy), after Novak and Sturges,
// "Target-Based TCP Stream Reassembly" (2007). The zero value is PolicyBSD, Suricata's default.
type OverlapPolicy uint8

const (
	PolicyBSD        OverlapPolicy = iota // old data wins unless the new segment starts before it
	PolicyFirst                           // old data always wins
	PolicyLast                            // new data always wins
	PolicyLinux                           // as bsd, and new wins when it starts at the same place and ends after
	PolicyOldLinux                        // new wins when it starts before, or at the same place and is not shorter
	PolicySolaris                         // new wins when it ends at or after the old segment's end (starting anywhere but strictly inside with a shorter end)
	PolicyOldSolaris                      // old always wins (as Suricata treats old-solaris)
	PolicyHPUX10                          // as bsd
	PolicyHPUX11                          // as solaris
	PolicyIRIX                            // as bsd
	PolicyMacOS                           // as bsd
	PolicyWindows                         // as bsd
	PolicyWindows2k3                      // as bsd
	PolicyVista                           // old always wins
	PolicyBSDRight                        // old always wins (Suricata's bsd-right)
	numPolicies
)

// policyNames are Suricata's host-os-policy keys, plus its internal first and last.
var policyNames = [numPolicies]string{
	PolicyBSD:        "bsd",
	PolicyFirst:      "first",
	PolicyLast:       "last",
	PolicyLinux:      "linux",
	PolicyOldLinux:   "old-linux",
	PolicySolaris:    "solaris",
	PolicyOldSolaris: "old-solaris",
	PolicyHPUX10:     "hpux10",
	PolicyHPUX11:     "hpux11",
	PolicyIRIX:       "irix",
	PolicyMacOS:      "macos",
	PolicyWindows:    "windows",
	PolicyWindows2k3: "windows2k3",
	PolicyVista:      "vista",
	PolicyBSDRight:   "bsd-right",
}

func (p OverlapPolicy) String() string {
	if p < numPolicies {
		return policyNames[p]
	}
	return fmt.Sprintf("policy(%d)", uint8(p))
}

// ParsePolicy reads a policy by its Suricata name (bsd, linux, old-linux, solaris, windows …).
func ParsePolicy(name string) (OverlapPolicy, error) {
	for i, n := range policyNames {
		if n == name {
			return OverlapPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("stream: unknown overlap policy %q", name)
}

// newWins decides, for the bytes where a new segment [s, e) overlaps a queued segment [ls, le),
// whether the new bytes replace the queued ones. The bounds are the segments' original ones:
// the decision is about how each segment sat relative to the other, as a receiving stack would
// see it. The table is the one Suricata applies (stream-tcp-list.c); policies absent from a case
// keep the old bytes.
func newWins(p OverlapPolicy, s, e, ls, le int64) bool {
	switch p {
	case PolicyLast:
		return true
	case PolicyFirst:
		return false
	}
	switch {
	case s == ls:
		switch {
		case e < le:
			return false
		case e > le:
			return p == PolicyLinux || p == PolicyOldLinux || p == PolicySolaris || p == PolicyHPUX11
		default:
			return p == PolicyOldLinux || p == PolicySolaris || p == PolicyHPUX11
		}
	case s < ls:
		switch p {
		case PolicyBSD, PolicyHPUX10, PolicyIRIX, PolicyWindows, PolicyWindows2k3,
			PolicyOldLinux, PolicyLinux, PolicyMacOS:
			return true
		case PolicySolaris, PolicyHPUX11:
			return e >= le
		}
		return false
	default: // starts inside the queued segment
		return e > le && (p == PolicySolaris || p == PolicyHPUX11)
	}
}
