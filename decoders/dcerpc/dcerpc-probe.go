package dcerpc

// Verdict is a protocol-detection answer (numbered as the other parsers' verdicts).
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to decide
	Match
	NoMatch
)

// headerLen is the connection-oriented PDU header: version 5, minor version, PDU type, flags,
// data representation (4), fragment length, auth length, call id.
const headerLen = 16

// IsAnswer reports whether b, which Probe matched, starts with a PDU only a server sends.
func IsAnswer(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	switch b[2] {
	case TypeResponse, TypeFault, TypeBindAck, TypeBindNak, TypeAlterContextResp:
		return true
	}
	return false
}

// Probe says whether b, the first bytes of a direction, starts a connection-oriented DCE/RPC
// PDU as Suricata recognises it: version 5.0, an integer representation of big or little
// endian (the other bits of the first drep byte clear) and a known character representation.
func Probe(b []byte) Verdict {
	switch {
	case len(b) == 0:
		return NeedMore
	case b[0] != 5, len(b) > 1 && b[1] != 0:
		return NoMatch
	case len(b) < headerLen:
		return NeedMore
	case b[4]&0xee != 0 || b[5] > 3:
		return NoMatch
	}
	return Match
}
