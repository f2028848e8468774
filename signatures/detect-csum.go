package signatures

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders"
)

// The checksum keywords (ipv4-csum, tcpv4-csum, tcpv6-csum, udpv4-csum, udpv6-csum,
// icmpv4-csum, icmpv6-csum: valid or invalid), as Suricata's detect-csum.c judges them:
//   - a packet without the keyword's headers, or a pseudo packet, matches neither value, nor
//     does a UDPv4 datagram whose checksum field is zero (the sender computed none);
//   - a packet whose checksums were not validated (-k none, or auto once offload was
//     concluded: PKT_IGNORE_CHECKSUM) matches "valid" and never "invalid";
//   - otherwise the decoder's verdict decides.

// CsumKind is the header a checksum keyword checks.
type CsumKind uint8

const (
	CsumIPv4 CsumKind = iota
	CsumTCPv4
	CsumTCPv6
	CsumUDPv4
	CsumUDPv6
	CsumICMPv4
	CsumICMPv6
)

var csumKeywords = map[string]CsumKind{
	"ipv4-csum": CsumIPv4, "tcpv4-csum": CsumTCPv4, "tcpv6-csum": CsumTCPv6,
	"udpv4-csum": CsumUDPv4, "udpv6-csum": CsumUDPv6, "icmpv4-csum": CsumICMPv4,
	"icmpv6-csum": CsumICMPv6,
}

// CsumMatch is one checksum keyword.
type CsumMatch struct {
	Kind  CsumKind
	Valid bool // the rule asks for a valid checksum (else an invalid one)
}

// csum parses a checksum keyword's value: valid or invalid, in any case, quoted or not.
// Suricata's DetectCsumParseArg checks the unquoted word but sets "valid" by comparing the raw
// value, so "\"valid\"" loads and means invalid; that verdict is kept here.
func (b *ruleBuilder) csum(name, val string) error {
	raw := strings.TrimSpace(val)
	word := raw
	if len(word) >= 2 && word[0] == '"' && word[len(word)-1] == '"' {
		word = word[1 : len(word)-1]
	}
	if !strings.EqualFold(word, "valid") && !strings.EqualFold(word, "invalid") {
		return fmt.Errorf("bad value %q (want valid or invalid)", raw)
	}
	b.r.Csums = append(b.r.Csums, CsumMatch{Kind: csumKeywords[name], Valid: strings.EqualFold(raw, "valid")})
	return nil
}

// match judges the keyword on p; it allocates nothing.
func (c CsumMatch) match(p *decoders.Packet) bool {
	if len(p.L3) == 0 {
		// A pseudo packet built from the flow carries no headers, as Suricata's pseudo
		// packets, which the checksum keywords never match.
		return false
	}
	// L3 is the innermost IP header: its version, not the layers seen on the way (a tunnel's
	// outer IPv4 around IPv6), says which checksum keywords apply.
	v4 := p.L3[0]>>4 == 4
	v6 := p.L3[0]>>4 == 6
	applies, bad := false, p.BadL4Checksum
	switch c.Kind {
	case CsumIPv4:
		applies, bad = v4, p.BadIPChecksum
	case CsumTCPv4:
		applies = v4 && p.Has(decoders.HasTCP)
	case CsumTCPv6:
		applies = v6 && p.Has(decoders.HasTCP)
	case CsumUDPv4:
		applies = v4 && p.Has(decoders.HasUDP) && len(p.L4) >= 8 && binary.BigEndian.Uint16(p.L4[6:]) != 0
	case CsumUDPv6:
		applies = v6 && p.Has(decoders.HasUDP)
	case CsumICMPv4:
		applies = v4 && p.Has(decoders.HasICMPv4)
	case CsumICMPv6:
		applies = v6 && p.Has(decoders.HasICMPv6) && len(p.L4) > 0
	}
	if !applies {
		return false
	}
	if p.ChecksumsIgnored {
		return c.Valid
	}
	return c.Valid != bad
}
