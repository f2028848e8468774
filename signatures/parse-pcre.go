package signatures

import (
	"fmt"
	"regexp"
	"strings"
)

// pcreBufferFlags are the pcre modifiers that pick an HTTP buffer.
var pcreBufferFlags = map[byte]string{
	'U': "http.uri", 'I': "http.uri.raw", 'H': "http.header", 'D': "http.header.raw",
	'M': "http.method", 'C': "http.cookie", 'P': "http.request_body", 'Q': "file.data",
	'S': "http.stat_code", 'Y': "http.stat_msg", 'V': "http.user_agent", 'W': "http.host",
	'Z': "http.host.raw",
}

// captureVar finds named groups that Suricata stores into packet, flow or alert variables:
// (?P<flow_ua>…) stores group "ua" into the flow variable ua.
var captureVar = regexp.MustCompile(`\(\?P?<(pkt|flow|alert)_([A-Za-z0-9_]+)>`)

// maxCaptureVars bounds the variables one pcre may capture into (Suricata allows 16).
const maxCaptureVars = 16

// captureVars reads where a pcre stores its capture groups: named groups with a pkt_, flow_ or
// alert_ prefix, or Suricata's list after the flags ("/re/i, flow:key, pkt:value"), which
// names the groups in order. The match itself does not depend on them.
func captureVars(pattern []byte, specs string) ([]CaptureVar, error) {
	var out []CaptureVar
	for _, m := range captureVar.FindAllSubmatch(pattern, -1) {
		out = append(out, CaptureVar{Scope: string(m[1]), Name: string(m[2])})
	}
	if specs = strings.TrimSpace(specs); specs != "" {
		if len(out) > 0 {
			return nil, fmt.Errorf("pcre mixes named capture groups with a capture list")
		}
		for _, sp := range strings.Split(specs, ",") {
			scope, name, ok := strings.Cut(strings.TrimSpace(sp), ":")
			name = strings.TrimSpace(name)
			switch {
			case !ok || name == "":
				return nil, fmt.Errorf("bad pcre capture %q: want scope:name", sp)
			case scope != "pkt" && scope != "flow" && scope != "alert":
				return nil, fmt.Errorf("bad pcre capture scope %q: want pkt, flow or alert", scope)
			}
			out = append(out, CaptureVar{Scope: scope, Name: name})
		}
	}
	if len(out) > maxCaptureVars {
		return nil, fmt.Errorf("pcre captures into %d variables, at most %d", len(out), maxCaptureVars)
	}
	return out, nil
}

func (b *ruleBuilder) nextGonidsPCRE() (*gonidsPCRE, error) {
	if b.pcreIdx >= len(b.g.pcres) {
		return nil, fmt.Errorf("pcre not decoded by the parser")
	}
	b.pcreIdx++
	return &b.g.pcres[b.pcreIdx-1], nil
}

func (b *ruleBuilder) pcre(val string) error {
	gp, err := b.nextGonidsPCRE()
	if err != nil {
		return err
	}
	flags, specs, _ := strings.Cut(string(gp.options), ",")
	flags = strings.TrimSpace(flags)
	captures, err := captureVars(gp.pattern, specs)
	if err != nil {
		return err
	}
	p := &PCRE{Source: string(gp.pattern), Flags: flags, Captures: captures}
	buffer := ""
	for i := 0; i < len(flags); i++ {
		switch f := flags[i]; f {
		case 'i':
			p.Options |= pcre2Caseless
		case 's':
			p.Options |= pcre2DotAll
		case 'm':
			p.Options |= pcre2Multiline
		case 'x':
			p.Options |= pcre2Extended
		case 'A':
			p.Options |= pcre2Anchored
		case 'E':
			p.Options |= pcre2DollarEndOnly
		case 'G':
			p.Options |= pcre2Ungreedy
		case 'R':
			p.Relative = true
		case 'O':
			p.NoLimit = true
		case 'B':
			// rawbytes: Nightjar inspects raw payloads already.
		default:
			name, ok := pcreBufferFlags[f]
			if !ok {
				return fmt.Errorf("unknown pcre modifier %q", f)
			}
			if buffer != "" {
				return fmt.Errorf("more than one pcre buffer modifier")
			}
			buffer = name
		}
	}
	code, err := compilePCRE(p.Source, p.Options)
	if err != nil {
		return err
	}
	p.code = code
	m := Keyword{Kind: MatchPCRE, Negated: gp.negate, Relative: p.Relative, PCRE: p}
	if buffer != "" {
		saved := b.cur
		x, err := b.buffer(buffer)
		if err != nil {
			return err
		}
		b.cur = x
		b.add(m)
		b.cur = saved
		return nil
	}
	b.add(m)
	return nil
}
