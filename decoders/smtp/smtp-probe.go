package smtp

import "github.com/nightjar-ids/nightjar/decoders/internal/probe"

// Verdict is a protocol-detection answer (numbered as the other parsers' verdicts).
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to decide
	Match
	NoMatch
)

// Probe says whether a direction's first bytes start an SMTP session. Only the client's side
// can tell, by opening with HELO, EHLO or QUIT in any case (Suricata's three patterns): the
// server's "220" greeting says too little to tell SMTP from other line protocols. It may be
// SMTP's though, so it is NeedMore: detection holds it until the client's first command
// settles the protocol, and the parser then reads the greeting (as Suricata's stream keeps a
// direction's bytes until the flow's protocol is known).
func Probe(toServer bool, b []byte) Verdict {
	if !toServer {
		if probe.PrefixFold(b, "220") == probe.NoMatch {
			return NoMatch
		}
		return NeedMore
	}
	return Verdict(probe.PrefixFold(b, "EHLO", "HELO", "QUIT"))
}
