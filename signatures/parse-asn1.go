package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

// asn1DefaultMaxFrames is Suricata's default for asn1-max-frames: how many BER objects one
// asn1 keyword decodes, and how deep they may nest.
const asn1DefaultMaxFrames = 30

// Asn1 is the asn1 keyword: checks on the BER objects found in the payload from an offset.
type Asn1 struct {
	BitstringOverflow bool // a BIT STRING whose unused-bits count exceeds its length in bits
	DoubleOverflow    bool // a decimal-encoded REAL longer than 256 bytes (the MS ASN.1 bug)
	HasOversize       bool
	OversizeLength    uint32 // an object whose length is greater than this
	// Where decoding starts: absolute_offset from the buffer's start, or relative_offset from
	// the end of the last relative anchor (the last content match); the start without either.
	HasAbsolute    bool
	AbsoluteOffset uint16
	HasRelative    bool
	RelativeOffset int32
	MaxFrames      int
}

// asn1 parses the keyword's options, separated by commas or spaces, as Suricata does:
// bitstring_overflow, double_overflow, oversize_length N, absolute_offset N,
// relative_offset [-]N. Like Suricata, it always joins the packet payload list.
func (b *ruleBuilder) asn1(val string) error {
	a := &Asn1{MaxFrames: asn1DefaultMaxFrames}
	fields := strings.FieldsFunc(val, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(fields) == 0 {
		return fmt.Errorf("asn1: no option")
	}
	for i := 0; i < len(fields); i++ {
		opt := fields[i]
		arg := func(bits int) (int64, error) {
			if i+1 >= len(fields) {
				return 0, fmt.Errorf("asn1: %s needs a number", opt)
			}
			i++
			v, err := strconv.ParseInt(fields[i], 10, bits+1)
			if err != nil {
				return 0, fmt.Errorf("asn1: %s %q: %w", opt, fields[i], err)
			}
			return v, nil
		}
		switch opt {
		case "bitstring_overflow":
			a.BitstringOverflow = true
		case "double_overflow":
			a.DoubleOverflow = true
		case "oversize_length":
			v, err := arg(32)
			if err != nil || v < 0 {
				return fmt.Errorf("asn1: oversize_length must be 0 to %d: %v", uint32(1<<32-1), err)
			}
			a.HasOversize, a.OversizeLength = true, uint32(v)
		case "absolute_offset":
			v, err := arg(16)
			if err != nil || v < 0 {
				return fmt.Errorf("asn1: absolute_offset must be 0 to 65535: %v", err)
			}
			a.HasAbsolute, a.AbsoluteOffset = true, uint16(v)
		case "relative_offset":
			v, err := arg(31)
			if err != nil || v < -65535 || v > 65535 {
				return fmt.Errorf("asn1: relative_offset must be -65535 to 65535: %v", err)
			}
			a.HasRelative, a.RelativeOffset = true, int32(v)
		default:
			return fmt.Errorf("asn1: unknown option %q", opt)
		}
	}
	prev := b.cur
	b.cur = nil // the payload list, whatever sticky buffer is active
	b.add(Keyword{Kind: MatchAsn1, Asn1: a})
	b.cur = prev
	return nil
}
