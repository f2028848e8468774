package smb

// Verdict is a protocol-detection answer (numbered as the other parsers' verdicts).
type Verdict uint8

// Verdicts.
const (
	NeedMore Verdict = iota // too few bytes to decide
	Match
	NoMatch
)

// NetBIOS session service (RFC 1002) message types.
const (
	nbssSessionMessage   = 0x00
	nbssSessionRequest   = 0x81
	nbssPositiveReply    = 0x82
	nbssNegativeReply    = 0x83
	nbssRetargetReply    = 0x84
	nbssSessionKeepAlive = 0x85
)

// nbssHeaderLen is the NetBIOS session header: type, flags (the low bit extends the length) and
// a 16-bit length.
const nbssHeaderLen = 4

// setupLimit is how long a NetBIOS set-up message before the first SMB record may be while
// detection waits for that record (Suricata's probing parser uses the same bound).
const setupLimit = 256

// Probe says whether b, the first bytes of a direction, is SMB. Everywhere a NetBIOS session
// message whose payload starts with an SMB magic is (Suricata's patterns at offset 4); on the
// SMB ports (smbPort: the server port is 139 or 445) also a NetBIOS set-up message followed by such a
// record (Suricata's probing parser there).
func Probe(b []byte, smbPort bool) Verdict {
	if len(b) == 0 {
		return NeedMore
	}
	if b[0] == nbssSessionMessage {
		return sessionMessage(b)
	}
	if !smbPort || !setupType(b[0]) {
		return NoMatch
	}
	if len(b) < nbssHeaderLen {
		return NeedMore
	}
	if b[1]&^1 != 0 {
		return NoMatch // flags other than the length extension
	}
	n := int(b[1]&1)<<16 | int(b[2])<<8 | int(b[3])
	rest := b[nbssHeaderLen:]
	if len(rest) >= n+nbssHeaderLen+4 {
		if next := rest[n:]; next[0] == nbssSessionMessage && sessionMessage(next) == Match {
			return Match
		}
		return NoMatch
	}
	if n < setupLimit {
		return NeedMore
	}
	return NoMatch
}

// IsResponse reports whether b, which Probe matched, starts with an SMB response (the SMB1 or
// SMB2 header's reply flag); set-up messages before it are skipped.
func IsResponse(b []byte) bool {
	for len(b) >= nbssHeaderLen {
		n := int(b[1]&1)<<16 | int(b[2])<<8 | int(b[3])
		if b[0] != nbssSessionMessage {
			b = b[min(len(b), nbssHeaderLen+n):]
			continue
		}
		m := b[nbssHeaderLen:]
		switch {
		case len(m) > 9 && m[0] == 0xff:
			return m[9]&0x80 != 0
		case len(m) > 16 && m[0] == 0xfe:
			return m[16]&1 != 0
		}
		return false
	}
	return false
}

// sessionMessage checks a NetBIOS session message's payload for the SMB1 (0xff), SMB2 (0xfe)
// or SMB3 transform (0xfd) magic.
func sessionMessage(b []byte) Verdict {
	const magicAt = nbssHeaderLen
	if len(b) < magicAt+4 {
		return NeedMore
	}
	if m := b[magicAt:]; (m[0] == 0xff || m[0] == 0xfe || m[0] == 0xfd) && string(m[1:4]) == "SMB" {
		return Match
	}
	return NoMatch
}

// setupType reports whether t is one of the NetBIOS session service's non-data message types.
func setupType(t byte) bool {
	return t >= nbssSessionRequest && t <= nbssSessionKeepAlive
}
