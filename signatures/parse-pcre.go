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

// captureVar finds named groups that Suricata stores into packet/flow variables.
var captureVar = regexp.MustCompile(`\(\?P?<(pkt_|flow_|alert_)`)

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
	flags := string(gp.options)
	if strings.Contains(flags, "flow:") || strings.Contains(flags, "pkt:") {
		return notSupported("pcre capture into variables not supported yet")
	}
	if captureVar.Match(gp.pattern) {
		return notSupported("pcre capture into variables not supported yet")
	}
	p := &PCRE{Source: string(gp.pattern), Flags: flags}
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
