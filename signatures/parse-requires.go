package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

// The requires keyword (Suricata 7.0.3+): a rule names what the engine must have (a version
// range, features, keywords) and is skipped, not failed, by an engine without it. It is read
// before anything else in the rule, so a rule written for a newer engine may use syntax this
// one does not parse at all.

// SuricataVersion is the Suricata release whose rule language Nightjar follows, for
// `requires: version`: its EVE, DNS and transactional rules are Suricata 8's.
const SuricataVersion = "8.0.0"

// Features are what `requires: feature` may name that Nightjar has.
var Features = map[string]bool{"ja3": true, "ja4": true}

// SkippedError is the reason a rule's requirements are not met: the rule is skipped (counted
// apart from failures, as Suricata's rules_skipped).
type SkippedError struct{ Reason string }

func (e SkippedError) Error() string { return "skipped: " + e.Reason }

// checkRequires evaluates a requires value against this engine: nil when every requirement is
// met, a SkippedError naming the first unmet one otherwise (an unknown kind of requirement is
// unmet, as in Suricata 8).
func checkRequires(val string) error {
	for _, part := range strings.Split(val, ",") {
		kind, arg, _ := strings.Cut(strings.TrimSpace(part), " ")
		arg = strings.TrimSpace(arg)
		switch kind {
		case "version":
			ok, err := versionSatisfies(SuricataVersion, arg)
			if err != nil {
				return SkippedError{fmt.Sprintf("requires version %q: %v", arg, err)}
			}
			if !ok {
				return SkippedError{fmt.Sprintf("requires version %s (this is %s)", arg, SuricataVersion)}
			}
		case "feature":
			if !Features[strings.ToLower(arg)] {
				return SkippedError{fmt.Sprintf("requires feature %s", arg)}
			}
		case "keyword":
			if !knownKeyword(arg) {
				return SkippedError{fmt.Sprintf("requires keyword %s", arg)}
			}
		default:
			return SkippedError{fmt.Sprintf("requires %q: unknown requirement", strings.TrimSpace(part))}
		}
	}
	return nil
}

// versionSatisfies reports whether version v meets expr: alternatives separated by |, each a
// list of comparisons (>=, >, <=, <, =) that must all hold; a version given with fewer parts
// compares those parts only (">= 7" holds for 7.0.3, "< 8" fails for 8.1).
func versionSatisfies(v, expr string) (bool, error) {
	have, err := parseVersionParts(v)
	if err != nil {
		return false, err
	}
	for _, alt := range strings.Split(expr, "|") {
		f := strings.Fields(alt)
		if len(f) == 0 || len(f)%2 != 0 {
			return false, fmt.Errorf("malformed version range %q", strings.TrimSpace(alt))
		}
		all := true
		for i := 0; i < len(f); i += 2 {
			want, err := parseVersionParts(f[i+1])
			if err != nil {
				return false, err
			}
			c := compareVersion(have, want)
			var ok bool
			switch f[i] {
			case ">=":
				ok = c >= 0
			case ">":
				ok = c > 0
			case "<=":
				ok = c <= 0
			case "<":
				ok = c < 0
			case "=", "==":
				ok = c == 0
			default:
				return false, fmt.Errorf("unknown operator %q", f[i])
			}
			all = all && ok
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

func parseVersionParts(s string) ([]int, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return nil, fmt.Errorf("bad version %q", s)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad version %q", s)
		}
		out[i] = n
	}
	return out, nil
}

// compareVersion compares have with want over want's parts only.
func compareVersion(have, want []int) int {
	for i := range want {
		h := 0
		if i < len(have) {
			h = have[i]
		}
		switch {
		case h < want[i]:
			return -1
		case h > want[i]:
			return 1
		}
	}
	return 0
}

// coreKeywords are the keywords the rule builder handles by name (option, appKeyword); the
// buffers, transforms and modifiers are recognised by their own tables. TestCoreKeywords keeps
// the list in step with the builder's switches.
var coreKeywords = map[string]bool{
	"absent": true, "ack": true, "app-layer-event": true, "app-layer-protocol": true, "base64_data": true,
	"asn1": true, "base64_decode": true, "bsize": true, "bypass": true, "byte_extract": true, "byte_jump": true,
	"byte_math": true, "byte_test": true, "classtype": true, "content": true,
	"datarep": true, "dataset": true,
	"decode-event": true, "depth": true, "detection_filter": true, "distance": true,
	"dns.opcode": true, "dns.rcode": true, "dns.rrtype": true, "dsize": true, "endswith": true, "engine-event": true,
	"fast_pattern": true, "flags": true, "flow": true, "flow.age": true, "vlan.id": true, "flow.bytes": true, "flow.bytes_toclient": true, "flow.bytes_toserver": true, "flow.pkts": true, "flow.pkts_toclient": true, "flow.pkts_toserver": true, "flowbits": true,
	"flowint": true, "fragbits": true, "fragoffset": true, "gid": true, "hostbits": true,
	"http2.errorcode": true, "http2.frametype": true, "http2.priority": true,
	"http2.settings": true, "http2.size_update": true, "http2.window": true, "icmp_id": true,
	"icmp_seq": true, "icmpv4-csum": true, "icmpv6-csum": true, "icode": true, "id": true, "ip_proto": true, "ipopts": true, "ipv4-csum": true,
	"isdataat": true, "itype": true, "metadata": true, "msg": true, "noalert": true,
	"nocase": true, "offset": true, "pcre": true, "pkt_data": true, "prefilter": true,
	"priority": true, "rawbytes": true, "reference": true, "requires": true, "rev": true,
	"sameip": true, "seq": true, "sid": true, "ssl_version": true, "startswith": true,
	"stream-event": true, "stream_size": true, "tag": true, "target": true, "tcp.flags": true, "tcp.mss": true, "tcpv4-csum": true, "tcpv6-csum": true, "threshold": true,
	"tls.issuerdn": true, "tls.subject": true, "tls.version": true, "tos": true, "ttl": true,
	"udpv4-csum": true, "udpv6-csum": true, "uricontent": true, "urilen": true, "window": true, "within": true, "xbits": true,
}

// knownKeyword reports whether the rule language here has the keyword (`requires: keyword`).
func knownKeyword(name string) bool {
	if coreKeywords[name] || isHdrBuffer(name) || isTransform(name) || modifierBuffers[name] != "" {
		return true
	}
	if _, ok := stickyBufferName(name); ok {
		return true
	}
	_, ok := BufferByName(name)
	return ok
}
