package dns

// Verdict is the answer of Probe.
type Verdict uint8

const (
	NeedMore Verdict = iota // too few bytes to decide
	Match                   // looks like DNS
	NoMatch                 // not DNS
)

// ProbeDatagram says whether a UDP payload looks like a DNS message going that way: a header
// whose record counts fit the message (at least one question in a query) and a first question
// name that parses.
func ProbeDatagram(toServer bool, b []byte) Verdict {
	if len(b) < headerLen {
		return NoMatch
	}
	flags := be16(b[2:])
	qd := be16(b[4:])
	// Any opcode is DNS to Suricata's probe (the parser raises dns.invalid_opcode for the
	// unassigned ones); the counts must fit the message, at two bytes a record at least.
	if !countsFit(b, len(b)) {
		return NoMatch
	}
	if toServer && (flags&0x8000 != 0 || qd == 0) {
		return NoMatch
	}
	if qd == 0 {
		return Match
	}
	if !plausibleName(b, headerLen) {
		return NoMatch
	}
	return Match
}

// Probe says whether the start of a TCP stream looks like DNS: a length prefix, then a header
// ProbeDatagram accepts. It needs the prefix and the header before answering.
func Probe(toServer bool, data []byte) Verdict {
	if len(data) < 2+headerLen {
		return NeedMore
	}
	l := int(be16(data))
	if l < headerLen {
		return NoMatch
	}
	msg := data[2:]
	if len(msg) > l {
		msg = msg[:l]
	}
	// The question may not be all there yet; judge the header alone then.
	if len(msg) < l {
		msg = msg[:headerLen]
		flags := be16(msg[2:])
		if !countsFit(msg, l) || toServer && flags&0x8000 != 0 {
			return NoMatch
		}
		return Match
	}
	return ProbeDatagram(toServer, msg)
}

// countsFit is Suricata's header sanity check: a message of size bytes can hold the records
// its header counts, at two bytes each at least.
func countsFit(hdr []byte, size int) bool {
	n := int(be16(hdr[4:])) + int(be16(hdr[6:])) + int(be16(hdr[8:])) + int(be16(hdr[10:]))
	return headerLen+2*n <= size
}

// plausibleName checks the first name's labels fit without following pointers.
func plausibleName(b []byte, off int) bool {
	for n := 0; n < maxLabels && off < len(b); n++ {
		l := int(b[off])
		switch {
		case l == 0:
			return off+5 <= len(b)
		case l&0xc0 == 0xc0:
			return off+2 <= len(b)
		case l&0xc0 != 0:
			return false
		}
		off += 1 + l
	}
	return false
}
