package export

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// EVEFormat holds the sensor-wide settings that change how EVE lines look. It is read-only once
// built, so every worker may share one value.
type EVEFormat struct {
	loc          *time.Location
	host         []byte // `"host":"…",` pre-escaped, or nil
	compressIPv6 bool
}

// EVEOptions configures NewEVEFormat.
type EVEOptions struct {
	// Location is the time zone timestamps are written in. Suricata writes the sensor's local zone;
	// Nightjar defaults to UTC (nil) because SOC pipelines join across sensors.
	Location *time.Location
	// Host is EVE's "host" field (Suricata's sensor-name); omitted when empty.
	Host string
	// CompressIPv6 writes IPv6 addresses in RFC 5952 form ("2001:db8::1"). Suricata 7 and 8 write
	// all eight groups zero-padded ("2001:0db8:0000:…:0001"), which is the default here too so that
	// EVE consumers built for Suricata match addresses textually.
	CompressIPv6 bool
}

// NewEVEFormat builds the shared formatting settings.
func NewEVEFormat(o EVEOptions) *EVEFormat {
	f := &EVEFormat{loc: o.Location, compressIPv6: o.CompressIPv6}
	if f.loc == nil {
		f.loc = time.UTC
	}
	if o.Host != "" {
		f.host = append([]byte(`"host":`), appendJSONString(nil, o.Host)...)
		f.host = append(f.host, ',')
	}
	return f
}

// defaultEVE is what the package-level Append*JSON functions use: UTC, Suricata's IPv6 form.
var defaultEVE = NewEVEFormat(EVEOptions{})

// appendTime writes Suricata's timestamp form, 2009-11-24T21:27:09.534255+0000: microseconds
// truncated, numeric zone offset without a colon.
func (f *EVEFormat) appendTime(dst []byte, ns int64) []byte {
	t := time.Unix(0, ns).In(f.loc)
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	_, off := t.Zone()
	dst = appendPadded(dst, year, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, t.Nanosecond()/1000, 6)
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	dst = appendPadded(dst, off/3600, 2)
	return appendPadded(dst, off%3600/60, 2)
}

// appendPadded writes v in decimal with at least width digits (width at most 20).
func appendPadded(dst []byte, v, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		width--
		if (v == 0 && width <= 0) || i == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

// appendAddr writes an address as EVE does: dotted quad for IPv4; for IPv6 either eight zero-padded
// groups (Suricata 7/8) or the compressed form.
func (f *EVEFormat) appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.Is6() || f.compressIPv6 {
		return a.WithZone("").AppendTo(dst)
	}
	const hexDigits = "0123456789abcdef"
	b := a.As16()
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexDigits[b[i]>>4], hexDigits[b[i]&15], hexDigits[b[i+1]>>4], hexDigits[b[i+1]&15])
	}
	return dst
}

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD so every line parses.
func appendJSONString(dst []byte, s string) []byte { return appendJSONText(dst, s) }

// plainJSON8 reports whether none of the eight bytes in x needs escaping or UTF-8 checking:
// none is below 0x20, a quote, a backslash, or 0x80 and above. The "has a zero byte" and
// "has a byte below n" word tricks are exact about whether any byte qualifies.
func plainJSON8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ ('"' * ones)
	backslash := x ^ ('\\' * ones)
	below20 := (x - 0x20*ones) &^ x
	hasQuote := (quote - ones) &^ quote
	hasBackslash := (backslash - ones) &^ backslash
	return (below20|hasQuote|hasBackslash|x)&highs == 0
}

// appendJSONText escapes strings and byte slices alike, so that app-layer fields, which alias
// parser buffers, are written without a conversion that would allocate.
func appendJSONText[T string | []byte](dst []byte, s T) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most text needs no escape: step over eight such bytes at a time.
		for i+8 <= len(s) && plainJSON8(uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		var rb [utf8.UTFMax]byte
		r, size := utf8.DecodeRune(rb[:copy(rb[:], s[i:])])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONBytes is appendJSONString for byte slices.
func appendJSONBytes(dst []byte, b []byte) []byte { return appendJSONText(dst, b) }

// The small field writers below keep the encoders readable; each writes `"key":value` followed by
// a comma, and the encoders drop the last comma before closing an object.

func appendKey(dst []byte, key string) []byte {
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

func appendUintField(dst []byte, key string, v uint64) []byte {
	dst = appendKey(dst, key)
	dst = strconv.AppendUint(dst, v, 10)
	return append(dst, ',')
}

func appendIntField(dst []byte, key string, v int64) []byte {
	dst = appendKey(dst, key)
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, ',')
}

func appendStringField(dst []byte, key, v string) []byte {
	dst = appendKey(dst, key)
	dst = appendJSONString(dst, v)
	return append(dst, ',')
}

func appendBoolField(dst []byte, key string, v bool) []byte {
	dst = appendKey(dst, key)
	dst = strconv.AppendBool(dst, v)
	return append(dst, ',')
}

func (f *EVEFormat) appendTimeField(dst []byte, key string, ns int64) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	dst = f.appendTime(dst, ns)
	return append(dst, '"', ',')
}

// closeObject replaces a trailing comma by the closing brace (or appends one after an empty `{`).
func closeObject(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] == ',' {
		dst[n-1] = '}'
		return append(dst, ',')
	}
	return append(dst, '}', ',')
}

// endLine closes the top-level object and terminates the line.
func endLine(dst []byte) []byte {
	dst = closeObject(dst)
	dst[len(dst)-1] = '\n'
	return dst
}

// hasPorts reports whether EVE writes src_port/dest_port for the protocol: Suricata does so only for
// TCP, UDP and SCTP.
func hasPorts(proto uint8) bool {
	return proto == protoTCP || proto == protoUDP || proto == protoSCTP
}

func isICMP(proto uint8) bool { return proto == protoICMP || proto == protoICMPv6 }

const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
	protoSCTP   = 132
)

// appendHeader writes the fields every event starts with, in Suricata's order: timestamp, flow_id,
// pcap_cnt, host, event_type, vlan, then the addressing when the packet or flow had IP addresses
// (ports only for TCP, UDP and SCTP, icmp_type/icmp_code only for ICMP). The object is left open.
func (f *EVEFormat) appendHeader(dst []byte, ts int64, t *Tuple, pcapCnt uint64, eventType string) []byte {
	dst = append(dst, '{')
	dst = f.appendTimeField(dst, "timestamp", ts)
	if t.FlowID != 0 {
		dst = appendUintField(dst, "flow_id", t.FlowID)
	}
	if pcapCnt != 0 {
		dst = appendUintField(dst, "pcap_cnt", pcapCnt)
	}
	dst = append(dst, f.host...)
	dst = appendStringField(dst, "event_type", eventType)
	if n := int(t.VLANCount); n > 0 {
		n = min(n, len(t.VLAN))
		dst = appendKey(dst, "vlan")
		dst = append(dst, '[')
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(t.VLAN[i]), 10)
		}
		dst = append(dst, ']', ',')
	}
	if !t.SrcIP.IsValid() && !t.DestIP.IsValid() {
		return dst
	}
	ports := hasPorts(t.Proto)
	dst = appendKey(dst, "src_ip")
	dst = append(dst, '"')
	dst = f.appendAddr(dst, t.SrcIP)
	dst = append(dst, '"', ',')
	if ports {
		dst = appendUintField(dst, "src_port", uint64(t.SrcPort))
	}
	dst = appendKey(dst, "dest_ip")
	dst = append(dst, '"')
	dst = f.appendAddr(dst, t.DestIP)
	dst = append(dst, '"', ',')
	if ports {
		dst = appendUintField(dst, "dest_port", uint64(t.DestPort))
	}
	// Suricata 8's IP version field.
	if a := t.SrcIP; a.Is4() || a.Is4In6() || (!a.IsValid() && t.DestIP.Is4()) {
		dst = appendUintField(dst, "ip_v", 4)
	} else {
		dst = appendUintField(dst, "ip_v", 6)
	}
	dst = appendKey(dst, "proto")
	dst = append(dst, '"')
	dst = appendProtoName(dst, t.Proto)
	dst = append(dst, '"', ',')
	if isICMP(t.Proto) {
		dst = appendUintField(dst, "icmp_type", uint64(t.ICMPType))
		dst = appendUintField(dst, "icmp_code", uint64(t.ICMPCode))
	}
	return dst
}

// appendCommunityID writes community_id when the event has one.
func appendCommunityID(dst []byte, c *CommunityID) []byte {
	if c.IsZero() {
		return dst
	}
	dst = appendKey(dst, "community_id")
	dst = appendJSONBytes(dst, c.Bytes())
	return append(dst, ',')
}
