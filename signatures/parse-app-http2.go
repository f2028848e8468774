package signatures

import (
	"fmt"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders/http2"
)

// http2Number parses the HTTP/2 keywords that compare frame fields: http2.frametype and
// http2.errorcode take a name or number, http2.priority, http2.window and http2.size_update a
// comparison, http2.settings an identifier with an optional comparison of its value. Each
// matches when any frame of the inspected direction of the transaction does, as in Suricata.
func (b *ruleBuilder) http2Number(name, val string) error {
	v := strings.TrimSpace(val)
	var m AppNumberMatch
	m.Dir = bufBoth
	switch name {
	case "http2.frametype":
		t, ok := http2.ParseFrameType(v)
		if !ok {
			return fmt.Errorf("unknown http2.frametype %q", v)
		}
		m.ID, m.Cmp = NumHTTP2FrameType, UintMatch{Op: '=', A: uint64(t)}
	case "http2.errorcode":
		c, ok := http2.ParseErrorCode(v)
		if !ok {
			return fmt.Errorf("unknown http2.errorcode %q", v)
		}
		m.ID, m.Cmp = NumHTTP2ErrorCode, UintMatch{Op: '=', A: uint64(c)}
	case "http2.settings":
		c, err := parseHTTP2Setting(v)
		if err != nil {
			return err
		}
		m.ID, m.Cmp = NumHTTP2Setting, c
	default:
		if strings.Contains(v, ",") {
			// Suricata 8's multi-integer modifiers (all, nb>1, index …).
			return notSupported("%s modifiers %q not supported yet", name, v)
		}
		limit := map[string]uint64{"http2.priority": 255, "http2.window": 1<<31 - 1, "http2.size_update": 1<<64 - 1}[name]
		u, err := parseUint(v, limit)
		if err != nil {
			return err
		}
		m.Cmp = *u
		m.ID = map[string]NumberID{"http2.priority": NumHTTP2Priority, "http2.window": NumHTTP2Window,
			"http2.size_update": NumHTTP2SizeUpdate}[name]
	}
	b.r.AppNumbers = append(b.r.AppNumbers, m)
	return nil
}

// parseHTTP2Setting reads SETTINGS_NAME[op value] into a comparison of ID<<32 | value (the
// form NumHTTP2Setting reports): an inclusive range of that key space.
func parseHTTP2Setting(v string) (UintMatch, error) {
	i := strings.IndexAny(v, "<>=-!")
	name, rest := v, ""
	if i >= 0 {
		name, rest = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i:])
	}
	id, ok := http2.ParseSettingID(name)
	if !ok {
		return UintMatch{}, fmt.Errorf("unknown http2.settings %q", name)
	}
	key := uint64(id) << 32
	lo, hi := uint64(0), uint64(1<<32-1)
	if rest != "" {
		if rest[0] == '-' {
			rest = "0" + rest // "-N" is not a form Suricata documents; read it as 0-N
		}
		u, err := parseUint(rest, 1<<32-1)
		if err != nil {
			return UintMatch{}, fmt.Errorf("http2.settings %q: %w", v, err)
		}
		switch u.Op {
		case '=':
			lo, hi = u.A, u.A
		case '<':
			if u.A == 0 {
				return UintMatch{Op: 'r', A: key, B: key}, nil // never true
			}
			hi = u.A - 1
		case 'l':
			hi = u.A
		case '>':
			lo = u.A + 1
		case 'g':
			lo = u.A
		case 'r':
			lo, hi = u.A+1, u.B-1
		default:
			return UintMatch{}, notSupported("http2.settings comparison %q not supported yet", rest)
		}
	}
	if lo > hi {
		return UintMatch{Op: 'r', A: key, B: key}, nil
	}
	lo, hi = key|lo, key|hi
	if lo == 0 {
		return UintMatch{Op: 'l', A: hi}, nil
	}
	return UintMatch{Op: 'r', A: lo - 1, B: hi + 1}, nil
}
