package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

// base64_decode and base64_data. base64_decode sits in a list like content and decodes the
// buffer there (from its start, an offset, or the cursor when relative); base64_data opens the
// list that inspects what it decoded. As in Suricata, base64_decode is terminal: it matches
// only when the base64_data list matches the decoded bytes, and then the whole list matches.

// base64DecodeMax is Suricata's default and largest byte count base64_decode reads.
const base64DecodeMax = 65535

// Base64Decode is the base64_decode keyword.
type Base64Decode struct {
	Bytes    uint32 // encoded bytes read at most (base64DecodeMax when not given)
	Offset   uint32 // skipped from the start (or from the cursor when relative)
	Relative bool
	// Data is the rule's base64_data list, inspected over the decoded bytes (nil: the rule
	// has none, so the keyword can never match).
	Data *Buffer
}

// base64Decode parses base64_decode[:[bytes N][,][offset N][,][relative]].
func (b *ruleBuilder) base64Decode(val string) error {
	if b.cur != nil && b.cur == b.r.b64Data {
		return notSupported("base64_decode inside base64_data not supported")
	}
	d := &Base64Decode{Bytes: base64DecodeMax}
	fields := strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; f {
		case "bytes", "offset":
			if i+1 >= len(fields) {
				return fmt.Errorf("base64_decode %s without a value", f)
			}
			i++
			v, err := strconv.ParseUint(fields[i], 10, 32)
			if err != nil {
				return fmt.Errorf("bad base64_decode %s %q", f, fields[i])
			}
			if f == "bytes" {
				if v > base64DecodeMax {
					return fmt.Errorf("base64_decode bytes %d over %d", v, base64DecodeMax)
				}
				if v > 0 {
					d.Bytes = uint32(v)
				}
			} else {
				d.Offset = uint32(v)
			}
		case "relative":
			d.Relative = true
		default:
			return fmt.Errorf("bad base64_decode argument %q", f)
		}
	}
	// Without a sticky buffer it joins the list of the last content-like keyword, as
	// Suricata does, so "content:..; http_client_body; base64_decode:relative" decodes the body.
	l := b.list()
	if b.cur == nil && b.lastBuf != nil {
		l = b.lastBuf
	}
	l.Matchers = append(l.Matchers, Keyword{Kind: MatchBase64Decode, Relative: d.Relative, Base64: d})
	b.hasB64Decode = true
	return nil
}

// base64Data opens the base64_data list: what follows inspects the decoded bytes.
func (b *ruleBuilder) base64Data() error {
	if !b.hasB64Decode {
		return fmt.Errorf("base64_data without a preceding base64_decode")
	}
	if b.r.b64Data == nil {
		b.r.b64Data = &Buffer{Name: "base64_data"}
	}
	b.cur, b.transforms = b.r.b64Data, false
	return nil
}

// linkBase64 points every base64_decode of the rule's lists at the base64_data list, once the
// lists no longer grow.
func linkBase64(r *Rule, lists []*Buffer) {
	for _, l := range lists {
		for i := range l.Matchers {
			if d := l.Matchers[i].Base64; d != nil {
				d.Data = r.b64Data
			}
		}
	}
}
