package signatures

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/google/gonids"
)

// nextGonidsContent returns the decoded pattern of the next content keyword as gonids read it.
func (b *ruleBuilder) nextGonidsContent() (*gonidsContent, error) {
	if b.contentIdx >= len(b.g.contents) {
		return nil, fmt.Errorf("content not decoded by the parser")
	}
	b.contentIdx++
	return &b.g.contents[b.contentIdx-1], nil
}

func (b *ruleBuilder) content(name, val string) error {
	gc, err := b.nextGonidsContent()
	if err != nil {
		return err
	}
	if len(gc.pattern) == 0 {
		return fmt.Errorf("empty content")
	}
	if len(gc.pattern) > 65535 {
		return fmt.Errorf("content longer than 65535 bytes")
	}
	c := &Content{Pattern: gc.pattern, Offset: literal(0), Depth: literal(0), Distance: literal(0), Within: literal(0)}
	neg := gc.negate
	if name == "uricontent" {
		saved := b.cur
		x, err := b.buffer("http.uri")
		if err != nil {
			return err
		}
		b.cur = x
		b.lastContent = b.add(Keyword{Kind: MatchContent, Negated: neg, Content: c})
		b.lastBuf = b.cur
		b.cur = saved
		return nil
	}
	b.lastContent = b.add(Keyword{Kind: MatchContent, Negated: neg, Content: c})
	b.lastBuf = b.list()
	return nil
}

// modifierBuffers maps the old content modifiers (http_uri …) to the buffer they move the
// previous content to.
var modifierBuffers = map[string]string{
	"http_uri": "http.uri", "http_raw_uri": "http.uri.raw", "http_header": "http.header",
	"http_raw_header": "http.header.raw", "http_cookie": "http.cookie", "http_raw_cookie": "http.cookie.raw",
	"http_method": "http.method", "http_user_agent": "http.user_agent", "http_host": "http.host",
	"http_raw_host": "http.host.raw", "http_client_body": "http.request_body",
	"http_server_body": "http.response_body", "http_stat_code": "http.stat_code",
	"http_stat_msg": "http.stat_msg",
}

// moveToBuffer applies an old-style buffer modifier to the last content.
func (b *ruleBuilder) moveToBuffer(name string) error {
	target := modifierBuffers[name]
	if target == "" {
		return fmt.Errorf("keyword not supported")
	}
	if b.lastContent == nil {
		return fmt.Errorf("%s needs a preceding content", name)
	}
	src := b.lastBuf
	idx := -1
	for i := range src.Matchers {
		if &src.Matchers[i] == b.lastContent {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("%s: content not found", name)
	}
	m := src.Matchers[idx]
	src.Matchers = append(src.Matchers[:idx], src.Matchers[idx+1:]...)
	if src == b.r.Payload && len(src.Matchers) == 0 {
		b.r.Payload = nil
	}
	dst, err := b.buffer(target)
	if err != nil {
		return err
	}
	dst.Matchers = append(dst.Matchers, m)
	b.lastContent, b.lastBuf = &dst.Matchers[len(dst.Matchers)-1], dst
	b.lastMatchBuf = dst
	return nil
}

func (b *ruleBuilder) contentModifier(name, val string) error {
	if b.lastContent == nil {
		return fmt.Errorf("needs a preceding content")
	}
	c := b.lastContent.Content
	switch name {
	case "nocase":
		c.Nocase = true
	case "rawbytes":
		// Only changes anything for telnet-normalised payloads, which Nightjar does not make.
		c.Rawbytes = true
	case "startswith":
		c.StartsWith = true
	case "endswith":
		c.EndsWith = true
	case "fast_pattern":
		c.FastPattern = true
		switch v := strings.TrimSpace(val); {
		case v == "":
		case v == "only":
			c.FastPatternOnly = true
		default:
			off, ln, ok := strings.Cut(v, ",")
			o, err1 := strconv.Atoi(strings.TrimSpace(off))
			l, err2 := strconv.Atoi(strings.TrimSpace(ln))
			if !ok || err1 != nil || err2 != nil || o < 0 || l <= 0 || o+l > len(c.Pattern) {
				return fmt.Errorf("bad fast_pattern chop %q for a %d-byte content", v, len(c.Pattern))
			}
			c.FastPatternChop, c.FPOffset, c.FPLen = true, o, l
		}
	default:
		return b.contentNumber(c, name, val)
	}
	return nil
}

func (b *ruleBuilder) contentNumber(c *Content, name, val string) error {
	// The variable must come from the list the content is in.
	saved := b.cur
	if b.lastBuf != b.r.Payload {
		b.cur = b.lastBuf
	} else {
		b.cur = nil
	}
	defer func() { b.cur = saved }()
	min := int64(0)
	if name == "distance" {
		min = -65535
	}
	if name == "within" {
		min = 1
	}
	op, err := b.varRef(val, min, 65535)
	if err != nil {
		return err
	}
	var has *bool
	switch name {
	case "depth":
		c.Depth, has = op, &c.HasDepth
	case "offset":
		c.Offset, has = op, &c.HasOffset
	case "distance":
		c.Distance, has = op, &c.HasDistance
	case "within":
		c.Within, has = op, &c.HasWithin
	}
	if *has {
		return fmt.Errorf("set twice for one content")
	}
	*has = true
	return nil
}

// resolveList checks every content's modifiers, applies startswith, and sets the Relative
// and RelNext flags the way Suricata's parser does.
func resolveList(l *Buffer) error {
	ms := l.Matchers
	for i := range ms {
		m := &ms[i]
		switch m.Kind {
		case MatchContent:
			if err := checkContent(m); err != nil {
				return fmt.Errorf("content %q: %w", printable(m.Content.Pattern), err)
			}
			c := m.Content
			m.Relative = c.HasDistance || c.HasWithin
			if !m.Relative {
				continue
			}
			if p := prevContentOrPCRE(ms, i); p != nil {
				p.chained = true
				if p.Kind == MatchPCRE || c.HasWithin || m.Negated {
					p.RelNext = true
				}
			}
		case MatchPCRE, MatchIsdataat, MatchByteTest, MatchByteJump, MatchByteExtract, MatchByteMath:
			if !m.Relative || i == 0 {
				continue
			}
			p := &ms[i-1]
			if m.Kind == MatchPCRE {
				p = prevContentOrPCRE(ms, i)
			}
			if p != nil && (p.Kind == MatchContent || p.Kind == MatchPCRE) {
				p.RelNext, p.chained = true, true
			}
		}
	}
	return nil
}

func prevContentOrPCRE(ms []Keyword, i int) *Keyword {
	for j := i - 1; j >= 0; j-- {
		if ms[j].Kind == MatchContent || ms[j].Kind == MatchPCRE {
			return &ms[j]
		}
	}
	return nil
}

func checkContent(m *Keyword) error {
	c := m.Content
	n := int64(len(c.Pattern))
	rel := c.HasDistance || c.HasWithin
	abs := c.HasDepth || c.HasOffset
	if rel && abs {
		return fmt.Errorf("relative (distance/within) and absolute (depth/offset) modifiers on one content")
	}
	if c.StartsWith {
		if rel || abs {
			return fmt.Errorf("startswith with depth/offset/distance/within")
		}
		c.HasDepth, c.Depth = true, literal(n)
	}
	if c.HasDepth && c.Depth.Var < 0 && c.Depth.Value < n {
		return fmt.Errorf("depth %d smaller than the content length %d", c.Depth.Value, n)
	}
	if c.HasWithin && c.Within.Var < 0 && c.Within.Value < n {
		return fmt.Errorf("within %d smaller than the content length %d", c.Within.Value, n)
	}
	if c.FastPatternOnly && (rel || abs || m.Negated || c.StartsWith || c.EndsWith) {
		return fmt.Errorf("fast_pattern:only with a relative, positional or negated content")
	}
	if c.Nocase {
		c.folded = bytes.ToLower(c.Pattern)
	} else {
		c.anchorOff, c.anchorLen = searchAnchor(c.Pattern)
	}
	return nil
}

func printable(p []byte) string {
	if len(p) > 32 {
		p = p[:32]
	}
	var sb strings.Builder
	for _, c := range p {
		if c >= 0x20 && c < 0x7f && c != '|' && c != '"' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "|%02x|", c)
		}
	}
	return sb.String()
}

// stickyBufferName reports whether keyword selects a sticky buffer and gives its canonical
// name (Suricata 5+ dotted form).
func stickyBufferName(keyword string) (string, bool) {
	if n, ok := bufferAliases[keyword]; ok {
		return n, true
	}
	if gonidsSticky(keyword) {
		if strings.Contains(keyword, ".") {
			return keyword, true
		}
		return strings.Replace(keyword, "_", ".", 1), true
	}
	if extraBuffers[keyword] {
		return keyword, true
	}
	return "", false
}

// gonidsStickyNames memoizes gonids.StickyBuffer, which walks its whole table on every call.
// Keywords come from rule text, so the memo is bounded.
var gonidsStickyNames struct {
	sync.Mutex
	m map[string]bool
}

const gonidsStickyMemoMax = 4096

func gonidsSticky(keyword string) bool {
	memo := &gonidsStickyNames
	memo.Lock()
	defer memo.Unlock()
	if v, ok := memo.m[keyword]; ok {
		return v
	}
	_, err := gonids.StickyBuffer(keyword)
	if memo.m == nil {
		memo.m = map[string]bool{}
	}
	if len(memo.m) < gonidsStickyMemoMax {
		memo.m[keyword] = err == nil
	}
	return err == nil
}

// bufferAliases maps the Suricata 4 buffer keywords to their current names.
var bufferAliases = map[string]string{
	"file_data": "file.data", "http_request_line": "http.request_line",
	"http_response_line": "http.response_line", "http_accept_enc": "http.accept_enc",
	"http_accept_lang": "http.accept_lang", "http_content_len": "http.content_len",
	"http_content_type": "http.content_type", "http_header_names": "http.header_names",
	"tls_cert_subject": "tls.cert_subject", "tls_cert_issuer": "tls.cert_issuer",
	"tls_cert_serial": "tls.cert_serial", "tls_cert_fingerprint": "tls.cert_fingerprint",
	"dns_query": "dns.query", "smb_named_pipe": "smb.named_pipe", "smb_share": "smb.share",
	"http.request_header": "http.request_header", "http.response_header": "http.response_header",
	"base64_data": "base64_data", "dce_stub_data": "dcerpc.stub_data",
}

// extraBuffers are Suricata sticky buffers gonids does not list.
var extraBuffers = map[string]bool{
	"http.uri.raw": true, "http.header.raw": true, "http.host.raw": true, "http.cookie.raw": true,
	"tls.cert_subject": true, "tls.certs": true, "tls.random": true, "tls.random_time": true, "tls.random_bytes": true,
	"ja3.hash": true, "ja3.string": true, "ja3s.hash": true, "ja3s.string": true, "ja4.hash": true,
	"dns.query": true, "dns.answer.name": true, "dns.queries.rrname": true, "dns.answers.rrname": true,
	"quic.sni": true, "quic.ua": true, "quic.version": true, "quic.cyu.hash": true, "quic.cyu.string": true,
	"ssh.hassh": true, "ssh.hassh.string": true, "ssh.hassh.server": true, "ssh.hassh.server.string": true,
	"ssh.proto": true, "ssh.software": true, "smb.named_pipe": true, "smb.share": true, "smb.ntlmssp_user": true,
	"smb.ntlmssp_domain": true, "krb5.cname": true, "krb5.sname": true, "sip.method": true, "sip.uri": true,
	"sip.protocol": true, "sip.stat_code": true, "sip.stat_msg": true, "sip.request_line": true,
	"sip.response_line": true, "http2.header": true, "http2.header_name": true, "http.header_names": true,
	"file.name": true, "filename": false, "snmp.community": true, "snmp.usm": true, "mqtt.connect.clientid": true,
	"mqtt.connect.username": true, "mqtt.connect.password": true, "mqtt.publish.topic": true,
	"mqtt.publish.message": true, "mqtt.subscribe.topic": true, "mqtt.unsubscribe.topic": true,
	"rfb.name": true, "rfb.secresult": false, "smtp.helo": true, "smtp.mail_from": true, "smtp.rcpt_to": true,
	"email.from": true, "email.subject": true, "email.to": true, "email.cc": true,
	"email.date": true, "email.message_id": true, "email.x_mailer": true, "email.url": true, "email.received": true, "ftp.command": true,
	"ftp.command_data": true, "ike.vendor": true, "ike.key_exchange_payload": true, "ike.nonce_payload": true,
	"dhcp.leasetime": false, "ldap.request.dn": true, "ldap.responses.dn": true, "tcp.hdr": true, "udp.hdr": true,
	"ipv4.hdr": true, "ipv6.hdr": true, "icmpv4.hdr": true, "icmpv6.hdr": true, "tcp.flags": false,
	"http.location": true, "http.server": true, "http.referer": true, "http.protocol": true, "http.start": true,
	"http.connection": true, "http.content_len": true, "http.content_type": true, "http.accept": true,
	"http.accept_enc": true, "http.accept_lang": true, "http.request_line": true, "http.response_line": true,
	"http.request_body": true, "http.response_body": true, "http.stat_code": true, "http.stat_msg": true,
	"http.method": true, "http.uri": true, "http.header": true, "http.cookie": true, "http.user_agent": true,
	"http.host": true, "file.data": true, "tls.sni": true, "tls.cert_issuer": true, "tls.cert_serial": true,
	"tls.cert_fingerprint": true, "tls.subjectaltname": true, "dns.opcode": false, "dns.rcode": false, "dns.rrtype": false, "pkt_data": false,
}

// isTransform reports whether name is a transform keyword (the list lives with the transforms).
func isTransform(name string) bool {
	_, ok := transformNames[name]
	return ok
}
