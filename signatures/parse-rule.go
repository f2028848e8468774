package signatures

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// checkHeaderStart refuses a header without an action and a protocol word before gonids sees
// it: gonids's lexer never returns on a protocol that is empty or starts with a character
// other than a letter or digit (found by FuzzParseRule with the input "( )").
func checkHeaderStart(header string) error {
	f := strings.Fields(header)
	if len(f) < 2 {
		return fmt.Errorf("parse error: rule header %q has no action and protocol", header)
	}
	for _, r := range f[1] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("parse error: invalid character %q in rule protocol %q", r, f[1])
		}
	}
	return nil
}

// parseRule turns one rule's text into a Rule, or says why it cannot be loaded. The sid is
// returned even on failure when it could be read. fd, when not nil, supplies and records the
// rule's gonids digest (the parsed-rule cache).
func parseRule(text string, vars Vars, opt *Options, fd *fileDigests) (*Rule, uint32, error) {
	header, opts, err := splitRule(text)
	sid := sidOf(opts)
	if err == nil {
		for _, o := range opts {
			if o.Name == "requires" {
				if rerr := checkRequires(o.Value); rerr != nil {
					if fd != nil {
						fd.skip()
					}
					return nil, sid, rerr
				}
			}
		}
	}
	// Suricata 8's transactional direction: the rule matches a request and its response as
	// one transaction. gonids knows only "->"; the builder records the direction itself.
	transactional, raw := false, text
	if f := strings.Fields(header); err == nil && slices.Contains(f, "=>") {
		transactional = true
		for i := range f {
			if f[i] == "=>" {
				f[i] = "->"
			}
		}
		header = strings.Join(f, " ")
		text = header + text[strings.Index(text, "("):]
	}
	if err == nil {
		err = checkHeaderStart(header)
	}
	if err != nil {
		if fd != nil {
			fd.skip()
		}
		return nil, sid, err
	}
	gtext := gonidsText(quoteBarePCRE(text, header, opts))
	var g *gonidsDigest
	if fd != nil {
		g = fd.next(gtext)
	} else {
		g = runGonids(gtext)
	}
	if g.err != "" {
		return nil, sid, fmt.Errorf("parse error: %s", g.err)
	}
	unknown := map[string]bool{}
	for _, o := range g.unknown {
		unknown[o] = true
	}
	b := &ruleBuilder{
		r:       &Rule{Raw: raw, GID: 1, Priority: -1, Options: opts},
		g:       g,
		vars:    vars,
		opt:     opt,
		unknown: unknown,
		varSlot: map[string]int{},
	}
	if err := b.header(header); err != nil {
		return nil, sid, err
	}
	b.r.Transactional = transactional
	if err := b.options(); err != nil {
		return nil, sid, err
	}
	if err := b.finish(); err != nil {
		return nil, b.r.SID, err
	}
	return b.r, b.r.SID, nil
}

// gonidsText hides reject actions from gonids, which only knows alert/drop/pass: the action
// is read from our own header split, so gonids only needs a valid one to parse the rest.
func gonidsText(text string) string {
	t := strings.TrimLeft(text, " \t")
	for _, a := range []string{"rejectboth", "rejectsrc", "rejectdst", "reject"} {
		if len(t) > len(a) && strings.EqualFold(t[:len(a)], a) && (t[len(a)] == ' ' || t[len(a)] == '\t') {
			return "alert" + t[len(a):]
		}
	}
	return text
}

// quoteBarePCRE gives gonids a rule it can lex. Suricata also accepts pcre:/re/flags without
// quotes, and white space between a quoted value and its semicolon (content:"x" ;), neither
// of which gonids lexes; the rule is rebuilt from its header and options (values trimmed)
// only when one of them appears, so every other rule reaches gonids untouched.
func quoteBarePCRE(text, header string, opts []Option) string {
	bare := func(o Option) bool {
		v := strings.TrimPrefix(o.Value, "!")
		return o.Name == "pcre" && strings.HasPrefix(v, "/")
	}
	if !slices.ContainsFunc(opts, bare) && !spaceAfterQuote.MatchString(text) {
		return text
	}
	var sb strings.Builder
	sb.WriteString(header)
	sb.WriteString(" (")
	for _, o := range opts {
		sb.WriteString(o.Name)
		switch {
		case bare(o):
			neg := strings.HasPrefix(o.Value, "!")
			sb.WriteString(":")
			if neg {
				sb.WriteString("!")
			}
			sb.WriteString(`"` + strings.TrimPrefix(o.Value, "!") + `"`)
		case o.Value != "":
			sb.WriteString(":" + o.Value)
		}
		sb.WriteString("; ")
	}
	sb.WriteString(")")
	return sb.String()
}

// spaceAfterQuote finds a quoted value followed by white space before its semicolon.
var spaceAfterQuote = regexp.MustCompile(`"[ \t]+;`)

type ruleBuilder struct {
	r       *Rule
	g       *gonidsDigest
	vars    Vars
	opt     *Options
	unknown map[string]bool // keywords gonids did not know; we decide on them

	cur          *Buffer        // list that content-like keywords go to
	lastContent  *Keyword       // target of content modifiers
	lastBuf      *Buffer        // list holding lastContent
	lastMatchBuf *Buffer        // list of the last content, pcre, byte_* or isdataat
	contentIdx   int            // next gonids content to take
	pcreIdx      int            // next gonids pcre to take
	varSlot      map[string]int // "buffer\x00name" -> slot
	transforms   bool           // a transform is active on the current sticky buffer
	hasB64Decode bool           // a base64_decode was seen (base64_data needs one)
}

var actions = map[string]struct {
	a      Action
	target string
}{
	"alert": {ActionAlert, ""}, "pass": {ActionPass, ""}, "drop": {ActionDrop, ""},
	"reject": {ActionReject, ""}, "rejectsrc": {ActionReject, "src"},
	"rejectdst": {ActionReject, "dst"}, "rejectboth": {ActionReject, "both"},
}

var protos = map[string]Proto{
	"ip": ProtoIP, "tcp": ProtoTCP, "udp": ProtoUDP, "icmp": ProtoICMP,
	"icmpv4": ProtoICMPv4, "icmpv6": ProtoICMPv6, "sctp": ProtoSCTP,
	"tcp-pkt": ProtoTCP, "tcp-stream": ProtoTCP,
}

// ipVersions are the header protocols that select every packet of one IP version.
var ipVersions = map[string]uint8{"ipv4": 4, "ip4": 4, "ipv6": 6, "ip6": 6}

// appProtos are the application protocols Suricata accepts in a rule header; such rules need
// app-layer protocol detection, which is not wired yet.
var appProtos = map[string]Proto{
	"http": ProtoTCP, "http1": ProtoTCP, "http2": ProtoTCP, "ftp": ProtoTCP, "ftp-data": ProtoTCP,
	"smtp": ProtoTCP, "tls": ProtoTCP, "ssh": ProtoTCP, "imap": ProtoTCP, "smb": ProtoTCP,
	"dcerpc": ProtoTCP, "dns": ProtoUDP, "modbus": ProtoTCP, "enip": ProtoTCP, "dnp3": ProtoTCP,
	"nfs": ProtoTCP, "ntp": ProtoUDP, "tftp": ProtoUDP, "ikev2": ProtoUDP, "ike": ProtoUDP,
	"krb5": ProtoTCP, "dhcp": ProtoUDP, "snmp": ProtoUDP, "sip": ProtoUDP, "rfb": ProtoTCP,
	"mqtt": ProtoTCP, "rdp": ProtoTCP, "quic": ProtoUDP, "pgsql": ProtoTCP, "telnet": ProtoTCP,
	"websocket": ProtoTCP, "bittorrent-dht": ProtoUDP, "pop3": ProtoTCP, "ldap": ProtoTCP,
}

func (b *ruleBuilder) header(h string) error {
	r, g := b.r, b.g
	f := strings.Fields(h)
	if len(f) == 0 {
		return fmt.Errorf("empty rule header")
	}
	act, ok := actions[strings.ToLower(f[0])]
	if !ok {
		return fmt.Errorf("unknown action %q", f[0])
	}
	r.Action, r.RejectTarget = act.a, act.target
	proto := strings.ToLower(g.protocol)
	if p, ok := protos[proto]; ok {
		r.Proto = p
		r.PacketOnly, r.StreamOnly = proto == "tcp-pkt", proto == "tcp-stream"
	} else if proto == "pkthdr" {
		r.Proto, r.PktHdr = ProtoIP, true
	} else if v, ok := ipVersions[proto]; ok {
		r.Proto, r.IPVersion = ProtoIP, v
	} else if p, ok := appProtos[proto]; ok {
		r.Proto, r.AppProto = p, proto
	} else {
		return fmt.Errorf("unknown protocol %q", g.protocol)
	}
	r.Bidirectional = g.bidir
	var err error
	if r.Src, err = b.addrSet(netExpr(g.src.negNets, g.src.nets)); err != nil {
		return fmt.Errorf("source address: %w", err)
	}
	if r.Dst, err = b.addrSet(netExpr(g.dst.negNets, g.dst.nets)); err != nil {
		return fmt.Errorf("destination address: %w", err)
	}
	if r.SrcPorts, err = b.portSet(netExpr(g.src.negPorts, g.src.ports)); err != nil {
		return fmt.Errorf("source port: %w", err)
	}
	if r.DstPorts, err = b.portSet(netExpr(g.dst.negPorts, g.dst.ports)); err != nil {
		return fmt.Errorf("destination port: %w", err)
	}
	return nil
}

// headerCache shares resolved address and port sets between the rules of one load: rule sets
// repeat a handful of expressions thousands of times, and the sets are read-only.
type headerCache struct {
	addrs map[string]AddrSet
	ports map[string]PortSet
}

func (b *ruleBuilder) addrSet(expr string) (AddrSet, error) {
	if s, ok := b.opt.cache.addrs[expr]; ok {
		return s, nil
	}
	s, err := ParseAddrSet(expr, b.vars)
	if err == nil && b.opt.cache.addrs != nil {
		b.opt.cache.addrs[expr] = s
	}
	return s, err
}

func (b *ruleBuilder) portSet(expr string) (PortSet, error) {
	if s, ok := b.opt.cache.ports[expr]; ok {
		return s, nil
	}
	s, err := ParsePortSet(expr, b.vars)
	if err == nil && b.opt.cache.ports != nil {
		b.opt.cache.ports[expr] = s
	}
	return s, err
}

// netExpr rebuilds one header field from gonids' split form; wrapping it in a list keeps the
// meaning whatever the members are.
func netExpr(neg bool, parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	s := "[" + strings.Join(parts, ",") + "]"
	if neg {
		s = "!" + s
	}
	return s
}

// options walks the keywords in rule order.
func (b *ruleBuilder) options() error {
	r := b.r
	for _, o := range r.Options {
		if err := b.option(o); err != nil {
			var plain reasonError
			if errors.As(err, &plain) {
				return err
			}
			return fmt.Errorf("%s: %w", o.Name, err)
		}
	}
	return nil
}

// reasonError is a load-failure reason complete in itself (it already names the keyword).
type reasonError string

func (e reasonError) Error() string { return string(e) }

func notSupported(format string, a ...any) error {
	return reasonError(fmt.Sprintf(format, a...))
}

func (b *ruleBuilder) option(o Option) error {
	r := b.r
	name, val := o.Name, o.Value
	switch name {
	case "requires":
		// Evaluated before the rule was parsed (checkRequires): the rule is here, so met.
	case "msg":
		r.Msg = b.g.description
	case "sid":
		v, err := strconv.ParseUint(val, 10, 32)
		if err != nil || v == 0 {
			return fmt.Errorf("bad sid %q", val)
		}
		r.SID = uint32(v)
	case "rev":
		v, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return fmt.Errorf("bad rev %q", val)
		}
		r.Rev = uint32(v)
	case "gid":
		v, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return fmt.Errorf("bad gid %q", val)
		}
		r.GID = uint32(v)
	case "priority":
		v, err := strconv.Atoi(val)
		if err != nil || v < 1 || v > 255 {
			return fmt.Errorf("bad priority %q", val)
		}
		r.Priority = v
	case "classtype":
		c, ok := b.opt.Classifications[strings.ToLower(val)]
		if !ok {
			return fmt.Errorf("unknown classtype %q", val)
		}
		r.Class = c
	case "reference":
		sys, id, ok := strings.Cut(val, ",")
		if !ok {
			return fmt.Errorf("bad reference %q", val)
		}
		sys, id = strings.TrimSpace(sys), strings.TrimSpace(id)
		r.References = append(r.References, Reference{System: sys, ID: id, URL: b.opt.References[strings.ToLower(sys)]})
	case "metadata":
		for _, kv := range strings.Split(val, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, " ")
			r.Metadata = append(r.Metadata, Metadata{Key: k, Value: strings.TrimSpace(v)})
		}
	case "target":
		switch v := strings.ToLower(val); v {
		case "src_ip", "dest_ip":
			r.Target = v
		default:
			return fmt.Errorf("bad target %q", val)
		}
	case "noalert":
		r.NoAlert = true
	case "bypass":
		if strings.TrimSpace(val) != "" {
			return fmt.Errorf("bypass takes no value")
		}
		r.Bypass = true
	case "tag":
		return b.tag(val)
	case "prefilter":
		// A hint for which keyword the prefilter uses; it never changes a verdict.
	case "content", "uricontent":
		return b.content(name, val)
	case "nocase", "rawbytes", "depth", "offset", "distance", "within", "startswith", "endswith", "fast_pattern":
		return b.contentModifier(name, val)
	case "pcre":
		return b.pcre(val)
	case "dataset", "datarep":
		return b.datasetKeyword(name, val)
	case "isdataat":
		return b.isdataat(val)
	case "asn1":
		return b.asn1(val)
	case "absent":
		return b.absent(val)
	case "byte_test", "byte_jump", "byte_extract", "byte_math":
		return b.byteOp(name, val)
	case "bsize":
		u, err := parseUint(val, 1<<32-1)
		if err != nil {
			return err
		}
		b.add(Keyword{Kind: MatchBsize, Bsize: u})
	case "dsize":
		u, err := parseUint(val, 65535)
		if err != nil {
			return err
		}
		if r.Dsize != nil {
			return fmt.Errorf("more than one dsize")
		}
		r.Dsize = u
	case "base64_decode":
		return b.base64Decode(val)
	case "base64_data":
		return b.base64Data()
	case "pkt_data":
		b.cur = nil
		b.transforms = false
	case "flow":
		return b.flow(val)
	case "flowbits":
		return b.flowbits(val)
	case "flowint":
		return b.flowint(val)
	case "xbits":
		return b.xbits(val)
	case "hostbits":
		return b.hostbits(val)
	case "stream_size":
		return b.streamSize(val)
	case "flow.pkts", "flow.bytes", "flow.pkts_toserver", "flow.pkts_toclient", "flow.bytes_toserver", "flow.bytes_toclient":
		return b.flowCount(name, val)
	case "flow.age":
		return b.flowAge(val)
	case "threshold", "detection_filter":
		return b.threshold(name, val)
	case "vlan.id":
		return b.vlanID(val)
	case "ttl", "tos", "id", "ip_proto", "fragoffset", "seq", "ack", "window", "itype", "icode", "icmp_id", "icmp_seq", "tcp.mss":
		return b.headerField(name, val)
	case "flags", "tcp.flags":
		// tcp.flags is the keyword's name since Suricata 7 (flags its alias), not a buffer.
		f, err := parseFlags(val, tcpFlagChars, true)
		if err != nil {
			return err
		}
		r.Flags = f
	case "fragbits":
		f, err := parseFlags(val, fragBitChars, false)
		if err != nil {
			return err
		}
		r.Frag = f
	case "ipopts":
		return b.ipopts(val)
	case "ipv4-csum", "tcpv4-csum", "tcpv6-csum", "udpv4-csum", "udpv6-csum", "icmpv4-csum", "icmpv6-csum":
		return b.csum(name, val)
	case "sameip":
		r.SameIP = true
	case "app-layer-protocol":
		return b.appLayerProtocol(val)
	case "urilen":
		return b.urilen(val)
	case "tls.version":
		return b.tlsVersion(val)
	case "ssl_version":
		return b.sslVersion(val)
	case "tls.subject", "tls.issuerdn":
		return b.tlsLegacyString(name, val)
	default:
		if isHdrBuffer(name) {
			return b.hdrBuffer(name)
		}
		if buf, ok := stickyBufferName(name); ok {
			return b.sticky(buf, val)
		}
		if isTransform(name) {
			return b.transform(name, val)
		}
		if modifierBuffers[name] != "" {
			return b.moveToBuffer(name)
		}
		if done, err := b.appKeyword(name, val); done {
			return err
		}
		return notSupported("keyword %s not supported yet", name)
	}
	return nil
}

// list returns the list content-like keywords go to now.
func (b *ruleBuilder) list() *Buffer {
	if b.cur != nil {
		return b.cur
	}
	if b.r.Payload == nil {
		b.r.Payload = &Buffer{Name: "pkt_data"}
	}
	return b.r.Payload
}

func (b *ruleBuilder) add(m Keyword) *Keyword {
	l := b.list()
	l.Matchers = append(l.Matchers, m)
	switch m.Kind {
	case MatchContent, MatchPCRE, MatchIsdataat, MatchByteTest, MatchByteJump, MatchByteExtract, MatchByteMath:
		b.lastMatchBuf = l
	}
	return &l.Matchers[len(l.Matchers)-1]
}

// relativeTo points the builder at the list a relative isdataat or byte_* keyword joins and
// returns the function that undoes it. Outside a sticky buffer Suricata puts such a keyword in
// the list of the last content-like keyword, so "uricontent:x; isdataat:4,relative" checks the
// URI, not the packet, and a byte_extract variable defined there serves later uricontents.
func (b *ruleBuilder) relativeTo(relative bool) func() {
	if !relative || b.cur != nil || b.lastMatchBuf == nil || b.lastMatchBuf == b.r.Payload {
		return func() {}
	}
	saved := b.cur
	b.cur = b.lastMatchBuf
	return func() { b.cur = saved }
}

// hasRelative reports whether a keyword's comma-separated options include "relative".
func hasRelative(parts []string) bool {
	for _, p := range parts {
		if strings.TrimSpace(p) == "relative" {
			return true
		}
	}
	return false
}

// finish resolves what needs the whole rule: content modifier checks, relative chains,
// priorities, and refuses rules that need parts not built yet.
func (b *ruleBuilder) finish() error {
	r := b.r
	if r.SID == 0 {
		return fmt.Errorf("rule has no sid")
	}
	if r.Msg == "" {
		r.Msg = b.g.description
	}
	if r.Priority < 0 {
		r.Priority = 3
		if r.Class != nil {
			r.Priority = r.Class.Priority
		}
	}
	lists := append(append([]*Buffer(nil), r.HdrBuffers...), r.Buffers...)
	if r.Payload != nil {
		lists = append([]*Buffer{r.Payload}, lists...)
	}
	linkBase64(r, lists)
	if r.b64Data != nil {
		lists = append(lists, r.b64Data)
	}
	for _, l := range lists {
		if err := resolveList(l); err != nil {
			return err
		}
		if err := checkAbsent(l); err != nil {
			return err
		}
		for i := range l.Matchers {
			if p := l.Matchers[i].PCRE; p != nil && p.code.captures > r.maxCaps {
				r.maxCaps = p.code.captures
			}
		}
	}
	if err := checkDsizeReach(r); err != nil {
		return err
	}
	return b.resolveApp()
}

// varRef resolves a numeric argument: a literal, or a variable defined earlier in the same
// list by byte_extract or byte_math.
func (b *ruleBuilder) varRef(s string, min, max int64) (Operand, error) {
	s = strings.TrimSpace(s)
	if v, err := parseInt(s); err == nil {
		if v < min || v > max {
			return Operand{}, fmt.Errorf("value %d out of range [%d,%d]", v, min, max)
		}
		return literal(v), nil
	}
	slot, ok := b.varSlot[b.list().Name+"\x00"+s]
	if !ok {
		return Operand{}, fmt.Errorf("%q is neither a number nor a byte_extract/byte_math variable of this buffer", s)
	}
	return Operand{Var: slot}, nil
}

// defineVar allocates the slot for a byte_extract / byte_math result.
func (b *ruleBuilder) defineVar(name string) (int, error) {
	name = strings.TrimSpace(name)
	if name == "" || (name[0] >= '0' && name[0] <= '9') || name[0] == '-' {
		return 0, fmt.Errorf("bad variable name %q", name)
	}
	key := b.list().Name + "\x00" + name
	if slot, ok := b.varSlot[key]; ok {
		return slot, nil
	}
	if len(b.r.ByteVars) >= maxByteVars {
		return 0, fmt.Errorf("more than %d byte variables", maxByteVars)
	}
	b.r.ByteVars = append(b.r.ByteVars, name)
	b.varSlot[key] = len(b.r.ByteVars) - 1
	return len(b.r.ByteVars) - 1, nil
}

// maxByteVars bounds byte_extract / byte_math variables per rule.
const maxByteVars = 64

// parseInt reads a decimal or 0x-hex integer, with an optional sign.
func parseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	var v uint64
	var err error
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err = strconv.ParseUint(s[2:], 16, 64)
	} else {
		v, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if neg {
		if v > 1<<63 {
			return 0, fmt.Errorf("bad number -%s", s)
		}
		return -int64(v), nil
	}
	if v > 1<<63-1 {
		return 0, fmt.Errorf("number %s too large", s)
	}
	return int64(v), nil
}
