package http

import "bytes"

// methods are libhtp's known request methods (htp_convert_method_to_number), case-sensitive.
var methods = [...]string{
	"GET", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND",
	"PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION_CONTROL", "CHECKOUT",
	"UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "REPORT", "MKWORKSPACE", "MKACTIVITY",
	"BASELINE_CONTROL", "MERGE", "INVALID", "HEAD",
}

func knownMethod(m []byte) bool {
	for _, k := range methods {
		if string(m) == k {
			return true
		}
	}
	return false
}

func parseProtocol(b []byte) Version {
	if b == nil {
		return VersionUnknown
	}
	if len(b) == 8 && string(b[:5]) == "HTTP/" && b[6] == '.' {
		switch string(b[5:]) {
		case "0.9":
			return Version09
		case "1.0":
			return Version10
		case "1.1":
			return Version11
		}
	}
	return VersionInvalid
}

// startRequest opens a transaction for a request line (libhtp's generic request-line parser:
// whitespace-separated method, URI up to the first SP, protocol to the end of the line).
func (p *Parser) startRequest(h *half, raw []byte) {
	t := p.newTx()
	h.tx = t
	h.nHeaders, h.nRepeats, h.hdrOpen = 0, 0, false
	l := t.keep(chomp(raw))
	t.RequestLine = l
	pos := 0
	for pos < len(l) && isSpace(l[pos]) {
		pos++
	}
	if pos > 0 {
		p.event(t, EventRequestLineLeadingWhitespace)
	}
	m := pos
	for pos < len(l) && !isSpace(l[pos]) {
		pos++
	}
	t.Method = l[m:pos:pos]
	bad := false
	for pos < len(l) && isSpace(l[pos]) {
		bad = bad || l[pos] != ' '
		pos++
	}
	if bad {
		p.event(t, EventMethodDelimNonCompliant)
	}
	if pos < len(l) {
		u := pos
		bad = false
		for pos < len(l) && l[pos] != ' ' {
			bad = bad || isSpace(l[pos])
			pos++
		}
		if bad {
			p.event(t, EventURIDelimNonCompliant)
		}
		t.URIRaw = l[u:pos:pos]
		for pos < len(l) && isSpace(l[pos]) {
			pos++
		}
		if pos < len(l) {
			t.Protocol = l[pos:]
		}
		if parseProtocol(t.Protocol) == VersionInvalid {
			// Suricata 8 (libhtp-rs): a URI with spaces in it runs to the last space when
			// what follows that is a protocol.
			if k := bytes.LastIndexByte(l[pos:], ' '); k >= 0 && parseProtocol(l[pos+k+1:]) >= Version09 {
				end := pos + k
				for end > u && l[end-1] == ' ' {
					end--
				}
				t.URIRaw, t.Protocol = l[u:end:end], l[pos+k+1:]
			}
		}
	}
	t.ProtoVersion = parseProtocol(t.Protocol)
	if !knownMethod(t.Method) && (t.ProtoVersion == VersionUnknown || t.ProtoVersion == VersionInvalid) {
		p.event(t, EventRequestLineInvalid)
	}
	if string(t.Method) == "CONNECT" {
		t.URI = t.arena[len(t.arena):len(t.arena):len(t.arena)]
	} else {
		start := len(t.arena)
		var n int
		t.arena, n = normalizeURI(t.arena, t.URIRaw)
		t.URI = t.arena[start:len(t.arena):len(t.arena)]
		t.URIPath = t.URI[:n:n]
	}
	if t.Protocol == nil {
		h.state = stProbe09
		return
	}
	h.state = stHeaders
}

// probe09 decides, from the bytes after a protocol-less request line, whether headers follow
// (libhtp: "missing protocol") or this is HTTP/0.9. libhtp takes anything but whitespace, or
// more than http09MaxJunk bytes of it, as headers. Unlike libhtp it waits for enough bytes, so
// the verdict does not depend on segmentation; final forces a verdict (end of stream, or the
// response has begun): whitespace alone then means HTTP/0.9.
func (p *Parser) probe09(h *half, data []byte, final bool) []byte {
	h.held = append(h.held, data...)
	v := scan09(h.held)
	if v < 0 && !final {
		return nil
	}
	t := h.tx
	if v == 1 {
		p.event(t, EventRequestLineMissingProtocol)
		h.state = stHeaders
		rest := h.held
		h.held = h.held[:0]
		return rest
	}
	t.Is09 = true
	t.RequestComplete = true
	p.stats.IgnoredBytes += uint64(len(h.held))
	h.held = h.held[:0]
	h.state = stIgnore
	return nil
}

// http09MaxJunk is how much whitespace libhtp lets follow an HTTP/0.9 request line.
const http09MaxJunk = 16

// scan09 is 1 when b shows headers follow a protocol-less request line, -1 while it cannot
// tell (whitespace so far).
func scan09(b []byte) int {
	for _, c := range b {
		if !isSpace(c) {
			return 1
		}
	}
	if len(b) > http09MaxJunk {
		return 1
	}
	return -1
}

// afterRequest handles the line after a complete request: libhtp starts a new request when
// the first word is a known method and otherwise treats the line as more body of the previous
// request (http.request_body_unexpected).
func (p *Parser) afterRequest(h *half, line []byte) {
	l := chomp(line)
	if len(l) == 0 {
		return
	}
	pos := 0
	for pos < len(l) && isSpace(l[pos]) {
		pos++
	}
	m := pos
	for pos < len(l) && !isSpace(l[pos]) {
		pos++
	}
	if pos == m || knownMethod(l[m:pos]) {
		p.startRequest(h, line)
		return
	}
	t := h.tx
	p.event(t, EventRequestBodyUnexpected)
	if t != nil {
		t.RequestBodyLen += int64(len(line))
		p.storeBody(t, true, line)
	}
}

// requestHeadersDone runs when the blank line ends the request headers: host, then framing.
func (p *Parser) requestHeadersDone(h *half) {
	t := h.tx
	t.RequestHeadersDone = true
	p.resolveHost(t)
	if string(t.Method) == "CONNECT" {
		t.RequestComplete = true
		h.state = stConnectWait
		return
	}
	p.setCodings(h, t.RequestHeader("Content-Encoding"), !p.cfg.NoRequestDecompress)
	if te := t.RequestHeader("Transfer-Encoding"); te != nil {
		if !containsFold(te, "chunked") {
			p.event(t, EventInvalidTransferEncodingValueInRequest)
			p.messageEnd(h)
			return
		}
		if t.ProtoVersion != Version11 {
			p.event(t, EventInvalidTransferEncodingValueInRequest)
		}
		h.state = stChunkLen
		return
	}
	if cl := t.RequestHeader("Content-Length"); cl != nil {
		n, ok := parseContentLength(cl)
		if !ok {
			p.event(t, EventInvalidContentLengthFieldInRequest)
		} else if n > 0 {
			h.remaining = n
			h.state = stBodyLength
			return
		}
	}
	p.messageEnd(h)
}

// resolveHost fills Host, HostRaw and Port the way libhtp's htp_tx_process_request_headers
// does: the URI authority wins, the Host header fills in when the URI has none, and the two
// disagreeing is http.host_header_ambiguous.
func (p *Parser) resolveHost(t *Tx) {
	if string(t.Method) == "CONNECT" && len(t.URIRaw) > 0 && t.URIRaw[0] == '/' {
		// An origin-form target ("CONNECT / HTTP/1.1") names no authority: there is no host
		// to take from it (Suricata bug 7851: no http.host buffer then).
		p.event(t, EventRequestURIHostInvalid)
	} else if string(t.Method) == "CONNECT" {
		host, port, invalid := parseHostPort(t.URIRaw)
		if invalid {
			p.event(t, EventRequestURIHostInvalid)
		}
		if host != nil {
			t.HostRaw = host
			t.Host = p.lowerHost(t, host, false)
			t.Port = port
		}
	} else if u := splitURI(t.URIRaw); u.hasAuthority {
		t.HostRaw = u.host
		start := len(t.arena)
		t.arena = append(t.arena, u.host...)
		t.arena = t.arena[:start+urlDecode(t.arena[start:], true)]
		t.Host = lowerInPlace(t.arena[start:], true)
		if !validHostname(t.Host) {
			p.event(t, EventRequestURIHostInvalid)
		}
		if u.hasPort {
			if port, ok := parsePort(u.port); ok {
				t.Port = port
			} else {
				p.event(t, EventRequestURIHostInvalid)
			}
		}
	}
	hv := t.RequestHeader("Host")
	if hv == nil {
		if t.ProtoVersion == Version11 {
			p.event(t, EventMissingHostHeader)
		}
		return
	}
	host, port, invalid := parseHostPort(hv)
	if invalid {
		p.event(t, EventRequestHeaderHostInvalid)
	}
	if host == nil {
		if t.Host != nil {
			p.event(t, EventHostHeaderAmbiguous)
		}
		return
	}
	if t.Host == nil {
		t.HostRaw = hv
		t.Host = p.lowerHost(t, host, false)
		t.Port = port
		return
	}
	if !equalFoldBytes(host, t.Host) || (t.Port != -1 && port != -1 && t.Port != port) {
		p.event(t, EventHostHeaderAmbiguous)
	}
}

// lowerHost copies host lowercased into the arena, optionally without trailing dots.
func (p *Parser) lowerHost(t *Tx, host []byte, trimDots bool) []byte {
	return lowerInPlace(t.keep(host), trimDots)
}

// lowerInPlace lowercases b, optionally drops trailing dots, and caps the result.
func lowerInPlace(b []byte, trimDots bool) []byte {
	for i, c := range b {
		b[i] = lower(c)
	}
	if trimDots {
		for len(b) > 0 && b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	return b[:len(b):len(b)]
}

// parseHostPort splits a Host value or CONNECT authority like libhtp's htp_parse_hostport:
// host (nil when unusable), port (-1 when absent or invalid) and whether anything was invalid.
func parseHostPort(v []byte) (host []byte, port int, invalid bool) {
	port = -1
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	if len(v) == 0 {
		return nil, -1, true
	}
	var rest []byte
	hasPort := false
	if v[0] == '[' {
		end := -1
		for i, c := range v {
			if c == ']' {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, -1, true
		}
		host, rest = v[:end+1], v[end+1:]
		if len(rest) > 0 {
			if rest[0] != ':' {
				return host, -1, true
			}
			rest, hasPort = rest[1:], true
		}
	} else {
		host = v
		for i, c := range v {
			if c == ':' {
				host, rest, hasPort = v[:i], v[i+1:], true
				break
			}
		}
		for len(host) > 0 && isSpace(host[len(host)-1]) {
			host = host[:len(host)-1]
		}
		if !validHostname(host) {
			invalid = true
		}
	}
	if hasPort {
		var ok bool
		if port, ok = parsePort(rest); !ok {
			port, invalid = -1, true
		}
	}
	return host, port, invalid
}

// parsePort accepts 1..65535 with optional surrounding LWS.
func parsePort(b []byte) (int, bool) {
	n, ok := parseDecimalLWS(b)
	if !ok || n < 1 || n > 65535 {
		return -1, false
	}
	return int(n), true
}

func parseDecimalLWS(b []byte) (int64, bool) {
	i := 0
	for i < len(b) && isLWS(b[i]) {
		i++
	}
	start := i
	var n int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if n > (1<<62)/10 {
			return 0, false
		}
		n = n*10 + int64(b[i]-'0')
		i++
	}
	if i == start {
		return 0, false
	}
	for i < len(b) {
		if !isLWS(b[i]) {
			return 0, false
		}
		i++
	}
	return n, true
}

// validHostname follows libhtp's htp_validate_hostname: labels of letters, digits, '-' and
// '_' (1–63 bytes) separated by single dots, at most 255 bytes; bracketed IPv6 accepted.
func validHostname(h []byte) bool {
	if len(h) == 0 || len(h) > 255 {
		return false
	}
	if h[0] == '[' {
		return len(h) >= 3 && h[len(h)-1] == ']'
	}
	label := 0
	for i, c := range h {
		switch {
		case c == '.':
			if label == 0 || (i+1 < len(h) && h[i+1] == '.') {
				return false
			}
			label = 0
			continue
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_':
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return true
}

// parseContentLength is libhtp's lenient C-L parser: junk before the digits is skipped,
// junk after them ignored; no digits (or overflow) is invalid.
func parseContentLength(b []byte) (int64, bool) {
	i := 0
	for i < len(b) && (b[i] < '0' || b[i] > '9') {
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var n int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if n > (1<<62)/10 {
			return 0, false
		}
		n = n*10 + int64(b[i]-'0')
		i++
	}
	return n, true
}

func equalFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
