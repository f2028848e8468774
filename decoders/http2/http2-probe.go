package http2

// Verdict is a protocol-detection answer (numbered as the other parsers' verdicts).
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota
	Match
	NoMatch
)

// Preface is the client connection preface.
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Probe says whether a direction's first bytes start HTTP/2 with prior knowledge: to the
// server, the client preface; to the client, a SETTINGS frame header as Suricata's probing
// parser accepts it (no flags but ACK, reserved bit clear, at most the default frame size).
func Probe(toServer bool, b []byte) Verdict {
	if toServer {
		n := min(len(b), len(Preface))
		if string(b[:n]) != Preface[:n] {
			return NoMatch
		}
		if n < len(Preface) {
			return NeedMore
		}
		return Match
	}
	if len(b) < frameHeaderLen {
		return NeedMore
	}
	h := parseFrameHeader(b)
	if h.reserved || h.length > 16384 || h.flags&0xfe != 0 || h.typ != FrameSettings {
		return NoMatch
	}
	return Match
}
