package http

// headerLine takes one header (or trailer) line. A line is parsed only when the next one shows
// it is not folded, so folding never depends on how the stream was cut.
func (p *Parser) headerLine(h *half, line []byte) {
	t := h.tx
	if h.toServer {
		t.reqRaw = append(t.reqRaw, line...)
	} else {
		t.respRaw = append(t.respRaw, line...)
	}
	content := chomp(line)
	if len(content) == 0 {
		p.flushHeader(h)
		if h.state == stTrailers {
			p.messageEnd(h)
		} else if h.toServer {
			p.requestHeadersDone(h)
		} else {
			p.responseHeadersDone(h)
		}
		return
	}
	if isLWS(content[0]) {
		if h.hdrOpen {
			if len(h.hdr)+len(content) > p.cfg.FieldLimit {
				p.fieldTooLong(h)
				return
			}
			h.hdr = append(h.hdr, content...)
			return
		}
		e := EventInvalidResponseFieldFolding
		if h.toServer {
			e = EventInvalidRequestFieldFolding
		}
		p.event(t, e)
	}
	p.flushHeader(h)
	h.hdr = append(h.hdr[:0], content...)
	h.hdrOpen = true
}

// flushHeader parses the assembled header line (libhtp's generic header parser) and merges it.
func (p *Parser) flushHeader(h *half) {
	if !h.hdrOpen {
		return
	}
	h.hdrOpen = false
	t := h.tx
	h.nHeaders++
	if h.nHeaders > p.cfg.MaxHeaders {
		e := EventResponseTooManyHeaders
		if h.toServer {
			e = EventRequestTooManyHeaders
		}
		p.event(t, e)
		return
	}
	invalid, missingColon := EventResponseHeaderInvalid, EventResponseFieldMissingColon
	if h.toServer {
		invalid, missingColon = EventRequestHeaderInvalid, EventRequestFieldMissingColon
	}
	d := h.hdr
	colon := -1
	for i, c := range d {
		if c == ':' {
			colon = i
			break
		}
		if c == 0 {
			break
		}
	}
	if colon < 0 {
		// libhtp keeps it as a header with an empty name and the whole line as value.
		p.event(t, missingColon)
		p.addHeader(h, nil, d)
		return
	}
	name := d[:colon]
	if len(name) == 0 {
		p.event(t, invalid)
	}
	if len(name) > 0 && isLWS(name[len(name)-1]) {
		p.event(t, invalid)
		for len(name) > 0 && isLWS(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
	}
	for _, c := range name {
		if !isToken(c) {
			p.event(t, invalid)
			break
		}
	}
	v := d[colon+1:]
	for len(v) > 0 && isLWS(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isLWS(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	p.addHeader(h, name, v)
}

// isToken is RFC 2616's token character (libhtp's htp_is_token).
func isToken(c byte) bool {
	if c < 32 || c > 126 {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}', ' ', '\t':
		return false
	}
	return true
}

// addHeader merges like libhtp: a repeated name appends ", value" to the first occurrence,
// except Content-Length, kept once (differing values raise duplicate_content_length_field_*).
func (p *Parser) addHeader(h *half, name, value []byte) {
	t := h.tx
	hs := &t.ResponseHeaders
	if h.toServer {
		hs = &t.RequestHeaders
		t.reqDirty = true
	} else {
		t.respDirty = true
	}
	for i := range *hs {
		x := &(*hs)[i]
		if !equalFoldBytes(x.Name, name) {
			continue
		}
		h.nRepeats++
		if h.nRepeats > p.cfg.MaxHeaderRepetitions {
			e := EventResponseHeaderRepetition
			if h.toServer {
				e = EventRequestHeaderRepetition
			}
			p.event(t, e)
			return
		}
		if equalFold(name, "Content-Length") {
			a, okA := parseContentLength(x.Value)
			b, okB := parseContentLength(value)
			if !okA || !okB || a != b {
				e := EventDuplicateContentLengthFieldInResponse
				if h.toServer {
					e = EventDuplicateContentLengthFieldInRequest
				}
				p.event(t, e)
			}
			return
		}
		start := len(t.arena)
		t.arena = append(t.arena, x.Value...)
		t.arena = append(t.arena, ',', ' ')
		t.arena = append(t.arena, value...)
		x.Value = t.arena[start:len(t.arena):len(t.arena)]
		return
	}
	*hs = append(*hs, Header{Name: t.keep(name), Value: t.keep(value)})
}
