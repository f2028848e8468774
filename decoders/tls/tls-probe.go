package tls

// Verdict is the answer of Probe.
type Verdict uint8

const (
	NeedMore Verdict = iota // too few bytes to decide
	Match                   // looks like the start of TLS
	NoMatch                 // not TLS
)

// Probe says whether data, the first bytes of one direction, starts a TLS conversation: a
// handshake record of version 3.0–3.4 holding a ClientHello (to server) or ServerHello (to
// client), or an SSLv2-framed CLIENT-HELLO.
func Probe(toServer bool, data []byte) Verdict {
	if len(data) == 0 {
		return NeedMore
	}
	if data[0]&0x80 != 0 {
		return probeSSLv2(toServer, data)
	}
	want := byte(hsServerHello)
	if toServer {
		want = hsClientHello
	}
	// Refuse junk as soon as a byte disagrees, so detection does not wait for six bytes.
	switch {
	case data[0] != recHandshake:
		return NoMatch
	case len(data) < 2:
		return NeedMore
	case data[1] != 3:
		return NoMatch
	case len(data) < 3:
		return NeedMore
	case data[2] > 4:
		return NoMatch
	case len(data) < 6:
		return NeedMore
	case data[5] != want && int(data[3])<<8|int(data[4]) != 0:
		return NoMatch
	}
	// An empty handshake record is TLS to Suricata's patterns (|16 03 0x|) too.
	if l := int(data[3])<<8 | int(data[4]); l != 0 && (l < 4 || l > maxRecordLen) {
		return NoMatch
	}
	return Match
}

func probeSSLv2(toServer bool, data []byte) Verdict {
	if !toServer {
		return NoMatch // a server answers a v2 hello with a v2 SERVER-HELLO; clients start
	}
	if len(data) < 5 {
		return NeedMore
	}
	if data[2] != 1 { // CLIENT-HELLO
		return NoMatch
	}
	v := uint16(data[3])<<8 | uint16(data[4])
	if v == versionSSL2 || v >= versionSSL3 && v <= versionTLS13 {
		return Match
	}
	return NoMatch
}
