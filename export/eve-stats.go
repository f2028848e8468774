package export

import (
	"strconv"
	"strings"
)

// AppendStatsJSON appends s as one EVE "stats" line (newline included) in the default format.
func AppendStatsJSON(dst []byte, s *Stats) []byte { return defaultEVE.AppendStats(dst, s) }

// AppendStats appends s as one EVE "stats" line. Dotted counter names become Suricata's nested
// objects: "decoder.pkts" and "decoder.ipv4" are written as "decoder":{"pkts":…,"ipv4":…}, keys in
// the order their first counter appears. Counters need no particular order; the grouping costs
// O(n²) name comparisons per level, which for the few hundred counters a sensor has, logged every
// few seconds, is cheaper than sorting a copy. A name that is also the prefix of other names
// ("flow" beside "flow.tcp") would need a key to be both a number and an object, so such a value
// is dropped in favour of the object; so is a counter called "uptime" (EVE's own field) and one
// with an empty name.
func (f *EVEFormat) AppendStats(dst []byte, s *Stats) []byte {
	dst = append(dst, '{')
	dst = f.appendTimeField(dst, "timestamp", s.Timestamp)
	dst = append(dst, f.host...)
	dst = appendStringField(dst, "event_type", "stats")
	dst = appendKey(dst, "stats")
	dst = append(dst, '{')
	dst = appendIntField(dst, "uptime", s.Uptime)
	dst = appendCounterLevel(dst, s.Counters, "")
	dst = closeObject(dst)
	return endLine(dst)
}

// appendCounterLevel writes every key directly below prefix (which is "" or ends in a dot).
func appendCounterLevel(dst []byte, cs []Counter, prefix string) []byte {
	for i := range cs {
		name := cs[i].Name
		if len(name) <= len(prefix) || !strings.HasPrefix(name, prefix) {
			continue
		}
		rest := name[len(prefix):]
		seg := rest
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			seg = rest[:j]
		}
		if prefix == "" && seg == "uptime" && len(seg) == len(rest) {
			continue
		}
		if segSeen(cs[:i], prefix, seg) {
			continue
		}
		child := -1 // a counter below prefix+seg+".", whose name gives the next prefix
		for j := i; j < len(cs); j++ {
			if below(cs[j].Name, prefix, seg) {
				child = j
				break
			}
		}
		dst = appendJSONString(dst, seg)
		dst = append(dst, ':')
		if child < 0 {
			dst = strconv.AppendUint(dst, cs[i].Value, 10)
			dst = append(dst, ',')
			continue
		}
		sub := cs[child].Name[:len(prefix)+len(seg)+1]
		if numbered(cs[child:], sub) {
			dst = appendCounterArray(dst, cs[child:], sub)
			continue
		}
		dst = append(dst, '{')
		dst = appendCounterLevel(dst, cs[child:], sub)
		dst = closeObject(dst)
	}
	return dst
}

// numbered reports whether every counter below prefix continues with a decimal segment and a
// further one ("detect.engines.0.rules_loaded"): the level is a list of objects, as Suricata's
// detect.engines is.
func numbered(cs []Counter, prefix string) bool {
	for i := range cs {
		name := cs[i].Name
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		rest := name[len(prefix):]
		j := strings.IndexByte(rest, '.')
		if j <= 0 {
			return false
		}
		for _, c := range rest[:j] {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// appendCounterArray writes the numbered level below prefix as a list, an object per number in
// the order the numbers first appear.
func appendCounterArray(dst []byte, cs []Counter, prefix string) []byte {
	dst = append(dst, '[')
	for i := range cs {
		name := cs[i].Name
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		rest := name[len(prefix):]
		seg := rest[:strings.IndexByte(rest, '.')]
		if segSeen(cs[:i], prefix, seg) {
			continue
		}
		dst = append(dst, '{')
		dst = appendCounterLevel(dst, cs[i:], name[:len(prefix)+len(seg)+1])
		dst = closeObject(dst)
	}
	return closeArray(dst)
}

// segSeen reports whether one of cs already produced the key seg below prefix.
func segSeen(cs []Counter, prefix, seg string) bool {
	for i := range cs {
		name := cs[i].Name
		n := len(prefix) + len(seg)
		if isPrefixSeg(name, prefix, seg) && (len(name) == n || name[n] == '.') {
			return true
		}
	}
	return false
}

// below reports whether name lies under prefix+seg+".".
func below(name, prefix, seg string) bool {
	n := len(prefix) + len(seg)
	return len(name) > n+1 && name[n] == '.' && isPrefixSeg(name, prefix, seg)
}

// isPrefixSeg reports whether name starts with prefix+seg, without building that string.
func isPrefixSeg(name, prefix, seg string) bool {
	return len(name) >= len(prefix)+len(seg) &&
		name[:len(prefix)] == prefix && name[len(prefix):len(prefix)+len(seg)] == seg
}
