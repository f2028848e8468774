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
// server's "220" greeting says too little to tell SMTP from other line protocols.
func Probe(toServer bool, b []byte) Verdict {
	if !toServer {
		return NoMatch
	}
	return Verdict(probe.PrefixFold(b, "EHLO", "HELO", "QUIT"))
}
