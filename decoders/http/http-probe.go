package http

// Verdict is a protocol-detection answer.
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to tell
	Match                   // this is HTTP/1.x
	NoMatch                 // this is not
)

// Probe says whether a stream's first bytes are HTTP/1.x: to the server, a known method in
// capitals followed by a space or tab (Suricata's request patterns); to the client, "HTTP/1.".
func Probe(toServer bool, data []byte) Verdict {
	if !toServer {
		return prefixVerdict(data, "HTTP/1.")
	}
	best := NoMatch
	for _, m := range methods {
		if m == "INVALID" {
			continue
		}
		switch {
		case len(data) > len(m) && string(data[:len(m)]) == m && (data[len(m)] == ' ' || data[len(m)] == '\t'):
			return Match
		case len(data) <= len(m) && string(data) == m[:len(data)]:
			best = NeedMore
		}
	}
	return best
}

func prefixVerdict(data []byte, want string) Verdict {
	if len(data) >= len(want) {
		if string(data[:len(want)]) == want {
			return Match
		}
		return NoMatch
	}
	if string(data) == want[:len(data)] {
		return NeedMore
	}
	return NoMatch
}
