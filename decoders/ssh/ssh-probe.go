package ssh

// Verdict is the answer of Probe.
type Verdict uint8

const (
	NeedMore Verdict = iota // too few bytes to decide
	Match                   // starts with "SSH-"
	NoMatch                 // not SSH
)

// Probe says whether data, the start of one direction, is an SSH identification line.
func Probe(toServer bool, data []byte) Verdict {
	const magic = "SSH-"
	n := min(len(data), len(magic))
	if string(data[:n]) != magic[:n] {
		return NoMatch
	}
	if n < len(magic) {
		return NeedMore
	}
	return Match
}
