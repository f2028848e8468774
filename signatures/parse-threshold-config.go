package signatures

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ThresholdConfig is a parsed threshold.config: per-rule threshold overrides and suppressions.
// Apply it with EngineOptions.Thresholds.
type ThresholdConfig struct {
	Entries []ThresholdEntry
}

// ThresholdEntry is one threshold.config line. SID 0 means every rule of GID (GID 0: every
// rule); such global entries leave rules that carry their own threshold alone, as Suricata does.
type ThresholdEntry struct {
	Line     int
	Suppress bool
	GID, SID uint32
	// For threshold / event_filter: the threshold that replaces the rule's threshold and
	// detection_filter keywords.
	Threshold *Threshold
	// For suppress: Track is "" (suppress every alert of the rule), "by_src", "by_dst" or
	// "by_either", and IP the addresses it applies to.
	Track string
	IP    AddrSet
}

// LoadThresholdConfig reads a Suricata threshold.config. Every malformed or unsupported line
// (rate_filter among them) is reported with its line number; the other lines still apply.
func LoadThresholdConfig(path string) (*ThresholdConfig, []error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{fmt.Errorf("threshold config: %w", err)}
	}
	defer f.Close()
	return ParseThresholdConfig(f, path, nil)
}

// ParseThresholdConfig reads threshold.config text from r; name labels errors, vars resolves
// address variables in suppress ip (nil: DefaultVars).
func ParseThresholdConfig(r io.Reader, name string, vars Vars) (*ThresholdConfig, []error) {
	if vars == nil {
		vars = DefaultVars()
	}
	tc := &ThresholdConfig{}
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseThresholdLine(line, vars)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, n, err))
			continue
		}
		e.Line = n
		tc.Entries = append(tc.Entries, e)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: reading: %w", name, err))
	}
	return tc, errs
}

func parseThresholdLine(line string, vars Vars) (ThresholdEntry, error) {
	kind, rest, _ := strings.Cut(line, " ")
	var e ThresholdEntry
	switch kind {
	case "threshold", "event_filter":
	case "suppress":
		e.Suppress = true
	case "rate_filter":
		return e, fmt.Errorf("rate_filter is not supported")
	default:
		return e, fmt.Errorf("unknown directive %q", kind)
	}
	t := &Threshold{}
	seen := map[string]bool{}
	for _, p := range splitOutsideBrackets(rest) {
		k, v, _ := strings.Cut(strings.TrimSpace(p), " ")
		v = strings.TrimSpace(v)
		if seen[k] {
			return e, fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		switch k {
		case "gen_id", "sig_id", "count", "seconds":
			u, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return e, fmt.Errorf("bad %s %q", k, v)
			}
			switch k {
			case "gen_id":
				e.GID = uint32(u)
			case "sig_id":
				e.SID = uint32(u)
			case "count":
				t.Count = uint32(u)
			default:
				t.Seconds = uint32(u)
			}
		case "type":
			if e.Suppress {
				return e, fmt.Errorf("suppress takes no type")
			}
			switch v {
			case "limit", "threshold", "both":
				t.Type = v
			default:
				return e, fmt.Errorf("unknown type %q", v)
			}
		case "track":
			ok := false
			if e.Suppress {
				ok = v == "by_src" || v == "by_dst" || v == "by_either"
			} else {
				ok = v == "by_src" || v == "by_dst" || v == "by_rule" || v == "by_both" || v == "by_flow"
			}
			if !ok {
				return e, fmt.Errorf("unknown track %q", v)
			}
			t.Track = v
		case "ip":
			if !e.Suppress {
				return e, fmt.Errorf("ip is only valid for suppress")
			}
			s, err := ParseAddrSet(v, vars)
			if err != nil {
				return e, fmt.Errorf("ip: %w", err)
			}
			e.IP = s
		default:
			return e, fmt.Errorf("unknown option %q", k)
		}
	}
	if !seen["gen_id"] || !seen["sig_id"] {
		return e, fmt.Errorf("gen_id and sig_id are required")
	}
	if e.Suppress {
		if seen["track"] != seen["ip"] {
			return e, fmt.Errorf("suppress needs both track and ip, or neither")
		}
		if seen["count"] || seen["seconds"] {
			return e, fmt.Errorf("suppress takes no count or seconds")
		}
		e.Track = t.Track
		return e, nil
	}
	if !seen["type"] || !seen["track"] || !seen["count"] || !seen["seconds"] {
		return e, fmt.Errorf("threshold needs type, track, count and seconds")
	}
	e.Threshold = t
	return e, nil
}

// splitOutsideBrackets splits on commas that are not inside [...] (address lists).
func splitOutsideBrackets(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
