package ftp

import "github.com/nightjar-ids/nightjar/decoders/internal/probe"

// Verdict is a protocol-detection answer (numbered as the other parsers' verdicts).
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to decide
	Match
	NoMatch
)

// Probe says whether a direction's first bytes start an FTP control session, with Suricata's
// patterns (any case): the client opening with USER, PASS, PORT or FEAT; the server greeting
// with "220 (", the parenthesised banner vsftpd and others send. A plain "220 " greeting is not
// enough: SMTP servers open the same way.
func Probe(toServer bool, b []byte) Verdict {
	if toServer {
		return Verdict(probe.PrefixFold(b, "USER ", "PASS ", "PORT ", "FEAT"))
	}
	return Verdict(probe.PrefixFold(b, "220 ("))
}
