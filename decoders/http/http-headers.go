package http

import "bytes"

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
	if p.headersEnd(h, line, content) {
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
	if len(content) == 0 {
		// A response line of CRs that is not a blank line: libhtp takes it as an empty
		// continuation of the previous header, or of none.
		if !h.hdrOpen {
			p.event(t, EventInvalidResponseFieldFolding)
			h.hdr = h.hdr[:0]
			h.hdrOpen = true
		}
		return
	}
	if isFolding(content[0]) {
		if h.hdrOpen {
			if !h.toServer && t.ResponseVersion == Version11 && bytes.IndexByte(content, ':') >= 0 &&
				bytes.IndexByte(h.hdr, ':') >= 0 {
				// libhtp reads such a "continuation" of an HTTP/1.1 response header as a new
				// header that lost its first byte, as browsers do.
				p.event(t, EventInvalidResponseFieldFolding)
				p.flushHeader(h)
				h.hdr = append(h.hdr[:0], content[1:]...)
				h.hdrOpen = true
				return
			}
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
		for len(content) > 0 && isFolding(content[0]) {
			content = content[1:]
		}
	}
	p.flushHeader(h)
	h.hdr = append(h.hdr[:0], content...)
	h.hdrOpen = true
}

// headersEnd reports whether a header line ends the header block. A request needs an empty
// line; a response (libhtp) exactly CRLF or LF, or a space or tab then LF when no LF follows.
func (p *Parser) headersEnd(h *half, line, content []byte) bool {
	if h.toServer {
		return len(content) == 0
	}
	if blankLine(line) {
		return true
	}
	return len(line) == 2 && isLWS(line[0]) && line[1] == '\n' && len(p.look) > 0 && p.look[0] != '\n'
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
	if len(name) > 0 && isSpace(name[len(name)-1]) {
		p.event(t, invalid)
	}
	name = trimSpace(name)
	for _, c := range name {
		if !isToken(c) {
			p.event(t, invalid)
			break
		}
	}
	p.addHeader(h, name, trimSpace(d[colon+1:]))
}

// isToken is RFC 2616's token character (libhtp's htp_is_token).
func isToken(c byte) bool { return charClass[c]&classToken != 0 }

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

// trimSpace drops libhtp's whitespace (isSpace) from both ends, as it trims names and values.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
