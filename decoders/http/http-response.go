package http

import "bytes"

// unmatchedURI is what libhtp records as the request URI of a response nobody asked for.
const unmatchedURI = "/libhtp::request_uri_not_seen"

// nextToAnswer is the transaction the next response answers: the oldest without one.
func (p *Parser) nextToAnswer() *Tx {
	for _, x := range p.txs {
		if !x.ResponseStarted && !x.ResponseComplete {
			return x
		}
	}
	return nil
}

// rawAnswerDue reports whether the next response answers an HTTP/0.9 request (or one that may
// be), whose answer must be taken as raw bytes from its first byte on, not as lines.
func (p *Parser) rawAnswerDue() bool {
	t := p.nextToAnswer()
	return t != nil && (t.Is09 || p.req.tx == t && p.req.state == stProbe09)
}

// beginResponse picks the transaction the next response answers. It returns true when the
// state changed so that no line should be read (an HTTP/0.9 answer is raw body).
func (p *Parser) beginResponse(h *half) bool {
	p.lastResp = nil
	t := p.nextToAnswer()
	if t == nil {
		t = p.newTx()
		t.URIRaw = t.keep([]byte(unmatchedURI))
		t.URI = t.URIRaw
		t.RequestComplete = true
		p.event(t, EventUnableToMatchResponseToRequest)
	}
	if p.req.tx == t && p.req.state == stProbe09 {
		// The server answering settles it: the client sent all it was going to.
		p.probe09(&p.req, nil, true)
	}
	h.tx = t
	h.nHeaders, h.nRepeats, h.hdrOpen = 0, 0, false
	t.ResponseStarted = true
	if t.Is09 {
		h.ncodings = 0
		h.state = stBodyClose
		return true
	}
	return false
}

// responseLine takes the first line after a response (or at the start of the stream). As
// libhtp's RES_FINALIZE, a line that is not a status line right after a response is more body
// of that response (servers that send more than Content-Length said); otherwise blank lines
// are skipped and the next response begins.
func (p *Parser) responseLine(h *half, line []byte) {
	if h.tx == nil {
		if t := p.lastResp; t != nil && !looksLikeStatus(line) {
			t.ResponseBodyLen += int64(len(line))
			p.storeBody(t, false, line)
			return
		}
		if len(chomp(line)) == 0 {
			return // libhtp ignores empty lines before a response
		}
		p.beginResponse(h)
	}
	if len(chomp(line)) == 0 {
		return
	}
	p.startResponse(h, line)
}

// statusVerdict tells as early as the bytes allow (a buffered line start, then data) whether
// the line they begin looks like a status line: 1 yes, 0 no, -1 not known yet.
func statusVerdict(pre, data []byte) int {
	const want = "http"
	m := -1 // bytes of want matched once past leading whitespace
	for _, b := range [2][]byte{pre, data} {
		for _, c := range b {
			if m < 0 {
				if c == '\n' {
					return 0 // a blank line
				}
				if isSpace(c) || c == 0 {
					continue
				}
				m = 0
			}
			if lower(c) != want[m] {
				return 0
			}
			if m++; m == len(want) {
				return 1
			}
		}
	}
	return -1
}

// extraBody passes the bytes of a line after a response that is not a status line to that
// response's body, up to the line's end; it returns what follows.
func (p *Parser) extraBody(h *half, data []byte) []byte {
	b := data
	i := bytes.IndexByte(data, '\n')
	if i >= 0 {
		b, data = data[:i+1], data[i+1:]
	} else {
		data = nil
	}
	h.junk = i < 0
	if t := p.lastResp; t != nil {
		for _, part := range [2][]byte{h.line, b} {
			t.ResponseBodyLen += int64(len(part))
			p.storeBody(t, false, part)
		}
	} else {
		p.stats.IgnoredBytes += uint64(len(h.line) + len(b))
	}
	h.clearLine()
	return data
}

// looksLikeStatus is libhtp's test of a response line: "http" (any case) after whitespace and
// NULs. Browsers take anything else as body.
func looksLikeStatus(l []byte) bool {
	i := 0
	for i < len(l) && (isSpace(l[i]) || l[i] == 0) {
		i++
	}
	return len(l)-i >= 4 && equalFold(l[i:i+4], "http")
}

// startResponse parses a status line. A line that does not start with "HTTP" (any case, after
// whitespace and NULs) is body, as browsers and libhtp treat it, and the body runs to the stream
// end; except that libhtp skips such a line when more follows and the next line starts with 'H'
// or the line is at most two bytes, so junk before a status line does not hide the response.
func (p *Parser) startResponse(h *half, raw []byte) {
	t := h.tx
	l := chomp(raw)
	i := 0
	for i < len(l) && (isSpace(l[i]) || l[i] == 0) {
		i++
	}
	if !looksLikeStatus(l) {
		if len(p.look) > 1 && (p.look[0] == 'H' || len(l) <= 2) {
			return
		}
		h.ncodings = 0
		h.state = stBodyClose
		t.ResponseHeadersDone = true // no headers will come: the body is what there is
		p.bodyData(h, raw)
		return
	}
	l = t.keep(l)
	t.ResponseLine = l
	t.ResponseProtocol, t.StatusCode, t.StatusMsg = nil, nil, nil
	t.Status = 0
	pos := i
	for pos < len(l) && !isSpace(l[pos]) {
		pos++
	}
	t.ResponseProtocol = l[i:pos:pos]
	t.ResponseVersion = parseProtocol(t.ResponseProtocol)
	if t.ResponseVersion == VersionInvalid {
		p.event(t, EventResponseInvalidProtocol)
	}
	for pos < len(l) && isSpace(l[pos]) {
		pos++
	}
	s := pos
	for pos < len(l) && !isSpace(l[pos]) {
		pos++
	}
	if pos > s {
		t.StatusCode = l[s:pos:pos]
	}
	if n, ok := parseDecimalLWS(t.StatusCode); ok && n >= 100 && n <= 999 {
		t.Status = int(n)
	} else {
		p.event(t, EventResponseInvalidStatus)
	}
	for pos < len(l) && isSpace(l[pos]) {
		pos++
	}
	if pos < len(l) {
		t.StatusMsg = l[pos:]
	}
	h.state = stHeaders
}

// responseHeadersDone decides the response framing (libhtp's RES_BODY_DETERMINE). A 1xx, 204
// or 304 that still carries Transfer-Encoding or Content-Length gets the body they announce,
// as browsers read it (libhtp: "Unexpected response body"); so does a 100 with a non-zero
// Content-Length, which is then the final response.
func (p *Parser) responseHeadersDone(h *half) {
	t := h.tx
	te, hasTE := framingHeader(t.ResponseHeaders, "Transfer-Encoding")
	cl, hasCL := framingHeader(t.ResponseHeaders, "Content-Length")
	interim := t.Status >= 100 && t.Status <= 199 && t.Status != 101 && !hasTE && !hasCL
	if t.Status == 100 && !hasTE && hasCL {
		n, ok := parseContentLength(cl)
		interim = !ok || n == 0
	}
	t.ResponseHeadersDone = !interim
	switch {
	case t.Status == 101 && !hasTE && !hasCL:
		p.enterTunnel(h)
		return
	case interim:
		// Interim response: the final one follows on the same transaction.
		if t.Status == 100 {
			if t.seen100 {
				p.event(t, Event100ContinueAlreadySeen)
			}
			t.seen100 = true
		}
		t.ResponseHeaders = t.ResponseHeaders[:0]
		t.respRaw = t.respRaw[:0]
		t.respDirty = true
		h.nHeaders, h.nRepeats = 0, 0
		h.state = stStart
		return
	}
	if string(t.Method) == "CONNECT" && p.req.tx == t && p.req.state == stConnectWait {
		if t.Status >= 200 && t.Status <= 299 {
			p.enterTunnel(h)
			return
		}
		// Refused: the client goes on speaking HTTP.
		held := p.req.held
		p.req.held = p.req.held[:0]
		p.req.state = stReqAfter
		p.run(&p.req, held)
	}
	noBody := t.Status >= 100 && t.Status <= 199 || t.Status == 204 || t.Status == 304
	if string(t.Method) == "HEAD" || noBody && !hasTE && !hasCL {
		p.messageEnd(h)
		return
	}
	ce, _ := framingHeader(t.ResponseHeaders, "Content-Encoding")
	p.setCodings(h, ce, !p.cfg.NoResponseDecompress)
	if hasTE {
		if containsFoldNZ(te, "chunked") {
			if !equalFold(trimLWS(te), "chunked") {
				p.event(t, EventResponseAbnormalTransferEncoding)
			}
			if t.ResponseVersion != Version11 {
				p.event(t, EventResponseChunkedOldProto)
			}
			h.state = stChunkLen
			return
		}
		p.event(t, EventInvalidTransferEncodingValueInResponse)
	}
	if hasCL {
		n, ok := parseContentLength(cl)
		if ok {
			if n == 0 {
				p.messageEnd(h)
				return
			}
			h.remaining = n
			h.state = stBodyLength
			return
		}
		p.event(t, EventInvalidContentLengthFieldInResponse)
	}
	h.state = stBodyClose
}

// enterTunnel stops HTTP parsing in both directions: what follows is another protocol.
func (p *Parser) enterTunnel(h *half) {
	t := h.tx
	t.Tunnel = true
	t.ResponseComplete = true
	t.RequestComplete = true
	h.tx = nil
	h.state = stTunnel
	p.stats.Tunnels++
	p.stats.TunnelBytes += uint64(len(p.req.held))
	p.req.state = stTunnel
	p.tunnel(true, p.req.held)
	p.req.held = p.req.held[:0]
}

func trimLWS(b []byte) []byte {
	for len(b) > 0 && isLWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
