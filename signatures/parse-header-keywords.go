package signatures

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders"
)

func parseUint64(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// parseUint reads Suricata's unsigned comparison: N, !N, <N, <=N, >N, >=N, N<>M, N-M (the
// ranges exclusive of their ends), with values up to max.
func parseUint(s string, max uint64) (*UintMatch, error) {
	s = strings.TrimSpace(s)
	num := func(t string) (uint64, error) {
		v, err := parseUint64(t)
		if err != nil || v > max {
			return 0, fmt.Errorf("bad value %q (0..%d)", strings.TrimSpace(t), max)
		}
		return v, nil
	}
	u := &UintMatch{}
	var err error
	neg := false
	if strings.HasPrefix(s, "!") {
		neg, s = true, strings.TrimSpace(s[1:])
	}
	switch {
	case strings.HasPrefix(s, "<="):
		u.Op = 'l'
		u.A, err = num(s[2:])
	case strings.HasPrefix(s, ">="):
		u.Op = 'g'
		u.A, err = num(s[2:])
	case strings.HasPrefix(s, "<"):
		u.Op = '<'
		u.A, err = num(s[1:])
	case strings.HasPrefix(s, ">"):
		u.Op = '>'
		u.A, err = num(s[1:])
	case strings.HasPrefix(s, "="):
		// Suricata's integer keywords take "=N" (and "!=N") as well as a bare N.
		u.Op = '='
		u.A, err = num(s[1:])
	case strings.Contains(s, "<>") || strings.Contains(s, "-"):
		sep := "<>"
		if !strings.Contains(s, sep) {
			sep = "-"
		}
		a, bb, _ := strings.Cut(s, sep)
		u.Op = 'r'
		if u.A, err = num(a); err == nil {
			u.B, err = num(bb)
		}
		if err == nil && u.A >= u.B {
			err = fmt.Errorf("bad range %q", s)
		}
	default:
		u.Op = '='
		u.A, err = num(s)
	}
	if err != nil {
		return nil, err
	}
	if neg {
		switch u.Op {
		case '=':
			u.Op = '!'
		case 'r':
			u.Op = 'R'
		default:
			return nil, fmt.Errorf("negation of %q not supported", s)
		}
	}
	return u, nil
}

var headerFields = map[string]struct {
	f   HeaderField
	max uint64
}{
	"ttl": {FieldTTL, 255}, "tos": {FieldTOS, 255}, "id": {FieldIPID, 65535},
	"ip_proto": {FieldIPProto, 255}, "fragoffset": {FieldFragOffset, 8191 * 8},
	"seq": {FieldSeq, 1<<32 - 1}, "ack": {FieldAck, 1<<32 - 1}, "window": {FieldWindow, 65535},
	"itype": {FieldIType, 255}, "icode": {FieldICode, 255}, "icmp_id": {FieldICMPID, 65535},
	"icmp_seq": {FieldICMPSeq, 65535}, "tcp.mss": {FieldTCPMSS, 65535},
}

var ipProtoNames = map[string]uint64{
	"icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "udp": 17, "ipv6": 41, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58, "pim": 103, "sctp": 132,
}

func (b *ruleBuilder) headerField(name, val string) error {
	h := headerFields[name]
	v := strings.TrimSpace(val)
	if name == "ip_proto" {
		neg := strings.HasPrefix(v, "!")
		if n, ok := ipProtoNames[strings.ToLower(strings.TrimPrefix(v, "!"))]; ok {
			v = strconv.FormatUint(n, 10)
			if neg {
				v = "!" + v
			}
		}
	}
	u, err := parseUint(v, h.max)
	if err != nil {
		return err
	}
	b.r.Header = append(b.r.Header, HeaderMatch{Field: h.f, Cmp: *u})
	return nil
}

const (
	tcpFlagChars = "FSRPAUCE" // bit order 0x01 … 0x80
	fragBitChars = "MDR"      // MF 0x1, DF 0x2, reserved 0x4
)

// parseFlags reads flags / fragbits: an optional modifier (! + *), the flag letters (or 0 for
// none), and for flags an optional ",mask" of bits to ignore. As in Suricata's
// DetectFlagsParse, 0 clears the letters before it, 1 and 2 are Snort's names for CWR and
// ECE, blanks may follow the modifier, and a value without a single flag is refused.
func parseFlags(val, chars string, hasMask bool) (*FlagMatch, error) {
	v := strings.TrimSpace(val)
	f := &FlagMatch{}
	setPart, mask, hasComma := strings.Cut(v, ",")
	if hasComma && !hasMask {
		return nil, fmt.Errorf("unexpected %q", v)
	}
	found, afterMod := false, false
	for _, c := range strings.TrimSpace(setPart) {
		switch {
		case c == '!' || c == '+' || c == '*':
			if f.Mod != 0 {
				return nil, fmt.Errorf("more than one modifier in %q", v)
			}
			f.Mod = byte(c)
			afterMod = true
			continue
		case (c == ' ' || c == '\t') && afterMod:
			continue
		case c == '0' && hasMask:
			f.Bits = 0
		case c == '1' && hasMask: // Snort's old names for CWR and ECE
			f.Bits |= 0x80
		case c == '2' && hasMask:
			f.Bits |= 0x40
		default:
			i := strings.IndexRune(chars, c)
			if i < 0 {
				return nil, fmt.Errorf("unknown flag %q in %q", c, v)
			}
			f.Bits |= 1 << i
		}
		found, afterMod = true, false
	}
	if hasMask && !found {
		return nil, fmt.Errorf("no flag in %q", v)
	}
	if hasComma && strings.TrimSpace(mask) == "" {
		return nil, fmt.Errorf("empty mask in %q", v)
	}
	for _, c := range strings.TrimSpace(mask) {
		switch c {
		case '1':
			f.Ignore |= 0x80
		case '2':
			f.Ignore |= 0x40
		default:
			i := strings.IndexRune(chars, c)
			if i < 0 {
				return nil, fmt.Errorf("unknown flag %q in mask %q", c, v)
			}
			f.Ignore |= 1 << i
		}
	}
	return f, nil
}

var ipOptions = map[string]uint16{
	"rr": decoders.IPOptRR, "eol": decoders.IPOptEOL, "nop": decoders.IPOptNOP, "ts": decoders.IPOptTS,
	"sec": decoders.IPOptSEC, "lsrr": decoders.IPOptLSRR, "ssrr": decoders.IPOptSSRR,
	"satid": decoders.IPOptSID, "qs": decoders.IPOptQS, "cipso": decoders.IPOptCIPSO,
	"rtralt": decoders.IPOptRTRALT,
}

func (b *ruleBuilder) ipopts(val string) error {
	v := strings.ToLower(strings.TrimSpace(val))
	if v == "any" {
		b.r.IPOptAny = true
		return nil
	}
	bit, ok := ipOptions[v]
	if !ok {
		return fmt.Errorf("ip option %q not supported", val)
	}
	b.r.IPOpt = bit
	return nil
}

// vlanID parses vlan.id (Suricata 8): an integer comparison, then optionally the layer it
// applies to: 0, 1 or 2 (outermost first), -1 for the last, "all" for every one; without it any
// one of the packet's VLAN ids may match.
func (b *ruleBuilder) vlanID(val string) error {
	cmp, layer, hasLayer := strings.Cut(val, ",")
	u, err := parseUint(cmp, 4095)
	if err != nil {
		return err
	}
	m := VLANIDMatch{Cmp: *u, Layer: vlanAny}
	if hasLayer {
		switch l := strings.TrimSpace(layer); l {
		case "all":
			m.Layer = vlanAll
		case "-1":
			m.Layer = vlanLast
		case "0", "1", "2":
			m.Layer = int8(l[0] - '0')
		default:
			return fmt.Errorf("vlan.id layer %q (0, 1, 2, -1 or all)", l)
		}
	}
	b.r.VLANIDs = append(b.r.VLANIDs, m)
	return nil
}
