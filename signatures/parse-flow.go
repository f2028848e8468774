package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

var flowWords = map[string]FlowMatch{
	"to_server": FlowToServer, "from_client": FlowToServer, "to_client": FlowToClient,
	"from_server": FlowToClient, "established": FlowEstablished, "not_established": FlowNotEstablished,
	"stateless": FlowStateless, "only_stream": FlowOnlyStream, "no_stream": FlowNoStream,
	"only_frag": FlowOnlyFrag, "no_frag": FlowNoFrag,
}

func (b *ruleBuilder) flow(val string) error {
	var f FlowMatch
	for _, w := range splitArgs(strings.ToLower(val)) {
		bit, ok := flowWords[w]
		if !ok {
			return fmt.Errorf("unknown flow option %q", w)
		}
		if f&bit != 0 {
			return fmt.Errorf("%q given twice", w)
		}
		f |= bit
	}
	for _, pair := range [][2]FlowMatch{{FlowToServer, FlowToClient}, {FlowEstablished, FlowNotEstablished},
		{FlowEstablished, FlowStateless}, {FlowOnlyStream, FlowNoStream}, {FlowOnlyFrag, FlowNoFrag}} {
		if f&pair[0] != 0 && f&pair[1] != 0 {
			return fmt.Errorf("contradicting options in %q", val)
		}
	}
	if b.r.Flow != 0 {
		return fmt.Errorf("more than one flow keyword")
	}
	b.r.Flow = f
	return nil
}

func (b *ruleBuilder) flowbits(val string) error {
	cmd, names, _ := strings.Cut(val, ",")
	cmd = strings.ToLower(strings.TrimSpace(cmd))
	names = strings.TrimSpace(names)
	op := FlowbitOp{Cmd: cmd}
	switch cmd {
	case "noalert":
		if names != "" {
			return fmt.Errorf("noalert takes no name")
		}
		b.r.NoAlert = true
		return nil
	case "set", "unset", "toggle", "isset", "isnotset":
	default:
		return fmt.Errorf("unknown flowbits command %q", cmd)
	}
	if names == "" {
		return fmt.Errorf("%s needs a name", cmd)
	}
	sep := ""
	switch {
	case strings.Contains(names, "|"):
		sep, op.Or = "|", true
	case strings.Contains(names, "&"):
		sep = "&"
	}
	if sep != "" {
		for _, n := range strings.Split(names, sep) {
			if n = strings.TrimSpace(n); n == "" {
				return fmt.Errorf("empty name in %q", names)
			}
			op.Names = append(op.Names, n)
		}
		if op.Or && cmd != "isset" && cmd != "isnotset" {
			return fmt.Errorf("%s cannot take an OR list", cmd)
		}
	} else {
		if strings.ContainsAny(names, " ,") {
			return fmt.Errorf("bad name %q", names)
		}
		op.Names = []string{names}
	}
	b.r.Flowbits = append(b.r.Flowbits, op)
	return nil
}

func (b *ruleBuilder) flowint(val string) error {
	parts := splitArgs(val)
	if len(parts) < 2 || parts[0] == "" {
		return fmt.Errorf("want name, operator[, value]")
	}
	op := FlowintOp{Name: parts[0], Op: strings.ToLower(parts[1])}
	switch op.Op {
	case "isset", "notset", "isnotset":
		if len(parts) != 2 {
			return fmt.Errorf("%s takes no value", op.Op)
		}
	case "+", "-", "=", "==", "!=", "<", "<=", ">", ">=":
		if len(parts) != 3 || parts[2] == "" {
			return fmt.Errorf("%s needs a value", op.Op)
		}
		if v, err := strconv.ParseUint(parts[2], 10, 32); err == nil {
			op.Value = uint32(v)
		} else {
			op.VarName = parts[2]
		}
	default:
		return fmt.Errorf("unknown flowint operator %q", parts[1])
	}
	b.r.Flowints = append(b.r.Flowints, op)
	return nil
}

func (b *ruleBuilder) xbits(val string) error {
	parts := splitArgs(val)
	if len(parts) < 3 {
		return fmt.Errorf("want command, name, track X[, expire N]")
	}
	op := XbitOp{Cmd: strings.ToLower(parts[0]), Name: parts[1]}
	switch op.Cmd {
	case "set", "unset", "toggle", "isset", "isnotset":
	default:
		return fmt.Errorf("unknown xbits command %q", parts[0])
	}
	for _, p := range parts[2:] {
		k, v, _ := strings.Cut(p, " ")
		v = strings.TrimSpace(v)
		switch k {
		case "track":
			switch v {
			case "ip_src", "ip_dst", "ip_pair", "tx":
				op.Track = v
			default:
				return fmt.Errorf("unknown track %q", v)
			}
		case "expire":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return fmt.Errorf("bad expire %q", v)
			}
			op.Expire = uint32(n)
		default:
			return fmt.Errorf("unknown option %q", p)
		}
	}
	if op.Track == "" {
		return fmt.Errorf("missing track")
	}
	b.r.Xbits = append(b.r.Xbits, op)
	return nil
}

func (b *ruleBuilder) threshold(name, val string) error {
	t := &Threshold{}
	seen := map[string]bool{}
	for _, p := range splitArgs(val) {
		k, v, _ := strings.Cut(p, " ")
		v = strings.TrimSpace(v)
		if seen[k] {
			return fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		switch k {
		case "type":
			if name != "threshold" {
				return fmt.Errorf("unknown option %q", p)
			}
			switch v {
			case "limit", "threshold", "both", "backoff":
				t.Type = v
			default:
				return fmt.Errorf("unknown type %q", v)
			}
		case "track":
			switch v {
			case "by_src", "by_dst", "by_rule", "by_both", "by_flow":
				t.Track = v
			default:
				return fmt.Errorf("unknown track %q", v)
			}
		case "count", "seconds", "multiplier":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return fmt.Errorf("bad %s %q", k, v)
			}
			switch k {
			case "count":
				t.Count = uint32(n)
			case "seconds":
				t.Seconds = uint32(n)
			default:
				t.Multiplier = uint32(n)
			}
		case "unique_on":
			return notSupported("detection_filter unique_on not supported yet")
		default:
			return fmt.Errorf("unknown option %q", p)
		}
	}
	if !seen["track"] || !seen["count"] || (!seen["seconds"] && t.Type != "backoff") || (name == "threshold" && t.Type == "") {
		return fmt.Errorf("incomplete %s %q", name, val)
	}
	if name == "threshold" {
		if b.r.Threshold != nil {
			return fmt.Errorf("more than one threshold")
		}
		b.r.Threshold = t
	} else {
		if b.r.DetectionFilter != nil {
			return fmt.Errorf("more than one detection_filter")
		}
		b.r.DetectionFilter = t
	}
	return nil
}

// hostbitsDefaultExpire is Suricata's expire for hostbits (seconds): the keyword cannot set
// one.
const hostbitsDefaultExpire = 300

// hostbits is Suricata's older per-host bit keyword: hostbits:<cmd>,<name>[,src|dst]. It is
// stored as an xbit tracked by the source (default) or destination address, which is what
// Suricata does: both keywords operate on the same host bits.
func (b *ruleBuilder) hostbits(val string) error {
	parts := splitArgs(val)
	cmd := strings.ToLower(parts[0])
	if cmd == "noalert" {
		if len(parts) > 1 {
			return fmt.Errorf("noalert takes no name")
		}
		b.r.NoAlert = true
		return nil
	}
	switch cmd {
	case "set", "unset", "toggle", "isset", "isnotset":
	default:
		return fmt.Errorf("unknown hostbits command %q", parts[0])
	}
	if len(parts) < 2 || parts[1] == "" || strings.ContainsAny(parts[1], " \t") {
		return fmt.Errorf("%s needs a name", cmd)
	}
	if len(parts) > 3 {
		return fmt.Errorf("want command, name[, src|dst]")
	}
	op := XbitOp{Cmd: cmd, Name: parts[1], Track: "ip_src", Expire: hostbitsDefaultExpire, Host: true}
	if len(parts) == 3 {
		switch strings.ToLower(parts[2]) {
		case "src":
		case "dst":
			op.Track = "ip_dst"
		case "both":
			return notSupported("hostbits direction both is not implemented (as in Suricata)")
		default:
			return fmt.Errorf("unknown direction %q", parts[2])
		}
	}
	b.r.Xbits = append(b.r.Xbits, op)
	return nil
}

// streamSize parses stream_size:<server|client|both|either>,<op>,<bytes>.
func (b *ruleBuilder) streamSize(val string) error {
	parts := splitArgs(val)
	if len(parts) != 3 {
		return fmt.Errorf("want side, operator, value")
	}
	side := strings.ToLower(parts[0])
	switch side {
	case "server", "client", "both", "either":
	default:
		return fmt.Errorf("unknown side %q", parts[0])
	}
	v, err := strconv.ParseUint(parts[2], 10, 32)
	if err != nil {
		return fmt.Errorf("bad value %q", parts[2])
	}
	sm := StreamSizeMatch{Side: side, Cmp: UintMatch{A: v}}
	switch parts[1] {
	case "=":
		sm.Cmp.Op = '='
	case "!=":
		sm.Cmp.Op = '!'
	case "<":
		sm.Cmp.Op = '<'
	case "<=":
		sm.Cmp.Op = 'l'
	case ">":
		sm.Cmp.Op = '>'
	case ">=":
		sm.Cmp.Op = 'g'
	default:
		return fmt.Errorf("bad operator %q", parts[1])
	}
	b.r.StreamSize = append(b.r.StreamSize, sm)
	return nil
}

// flowAge parses flow.age, an unsigned comparison on seconds.
func (b *ruleBuilder) flowAge(val string) error {
	u, err := parseUint(val, 1<<32-1)
	if err != nil {
		return err
	}
	if b.r.FlowAge != nil {
		return fmt.Errorf("more than one flow.age")
	}
	b.r.FlowAge = u
	return nil
}

// flowCount parses flow.pkts and flow.bytes ("toserver|toclient|either,<cmp>", Suricata 8) and
// their older per-direction names (flow.pkts_toserver:<cmp> …).
func (b *ruleBuilder) flowCount(name, val string) error {
	m := FlowCountMatch{Bytes: strings.HasPrefix(name, "flow.bytes")}
	cmp := val
	switch {
	case strings.HasSuffix(name, "_toserver"):
		m.Dir = 's'
	case strings.HasSuffix(name, "_toclient"):
		m.Dir = 'c'
	default:
		dir, rest, ok := strings.Cut(val, ",")
		if !ok {
			return fmt.Errorf("%s needs a direction and a comparison: %q", name, val)
		}
		switch strings.TrimSpace(dir) {
		case "toserver":
			m.Dir = 's'
		case "toclient":
			m.Dir = 'c'
		case "either":
			m.Dir = 'e'
		default:
			return fmt.Errorf("%s direction %q", name, strings.TrimSpace(dir))
		}
		cmp = rest
	}
	u, err := parseUint(cmp, 1<<64-1)
	if err != nil {
		return err
	}
	m.Cmp = *u
	b.r.FlowCounts = append(b.r.FlowCounts, m)
	return nil
}
