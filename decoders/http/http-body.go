package http

// chunkLen parses a chunk-size line like libhtp: leading control characters (CR, LF, SP, HT,
// VT, FF) skipped, hex digits read, anything after them (an extension) ignored. A line of
// control characters alone is skipped, as is a size past 2^31-1 (libhtp reads on); no digits
// is an invalid chunk length, and the rest of the stream is then taken as body, line included,
// since framing cannot be recovered.
func (p *Parser) chunkLen(h *half, line []byte) {
	t := h.tx
	l := skipChunkCtl(line)
	if len(l) == 0 {
		return
	}
	for len(l) > 0 && isLWS(l[0]) {
		l = l[1:]
	}
	i := 0
	var n int64
	for i < len(l) && isHex(l[i]) && i < 16 {
		n = n<<4 | int64(unhex(l[i]))
		i++
	}
	if i == 0 || i < len(l) && isHex(l[i]) {
		p.chunkLenInvalid(h, line)
		return
	}
	if n > 1<<31-1 {
		return
	}
	if h.toServer && i < len(l) {
		for _, c := range l[i:] {
			if c == ';' {
				p.event(t, EventRequestChunkExtension)
				break
			}
		}
	}
	if n == 0 {
		h.state = stTrailers
		h.nHeaders, h.nRepeats, h.hdrOpen = 0, 0, false
		return
	}
	h.remaining = n
	h.state = stChunkData
}

// isChunkCtl is libhtp's chunked control character, allowed around chunk sizes.
func isChunkCtl(c byte) bool {
	return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == 0x0b || c == 0x0c
}

func skipChunkCtl(b []byte) []byte {
	for len(b) > 0 && isChunkCtl(b[0]) {
		b = b[1:]
	}
	return b
}

// chunkLenPlausible reports whether a chunk-size line still without its LF (pre then data)
// can become one: after control characters the first byte must be a hex digit. libhtp looks
// at a partial line this way so that a body that only claims to be chunked is read as it is.
func chunkLenPlausible(pre, data []byte) bool {
	for _, b := range [2][]byte{pre, data} {
		if r := skipChunkCtl(b); len(r) > 0 {
			return isHex(r[0])
		}
	}
	return true
}

// chunkLenInvalid gives up on chunked framing: the buffered line and data, and everything
// after them, are body up to the end of the stream.
func (p *Parser) chunkLenInvalid(h *half, data []byte) {
	e := EventInvalidResponseChunkLen
	if h.toServer {
		e = EventInvalidRequestChunkLen
	}
	p.event(h.tx, e)
	h.state = stBodyClose
	if len(h.line) > 0 && (len(data) == 0 || &h.line[0] != &data[0]) {
		p.bodyData(h, h.line)
	}
	h.clearLine()
	p.bodyData(h, data)
}

// bodyData takes message-body bytes after transfer decoding.
func (p *Parser) bodyData(h *half, b []byte) {
	t := h.tx
	if t == nil || len(b) == 0 {
		return
	}
	if h.toServer {
		t.RequestBodyLen += int64(len(b))
	} else {
		t.ResponseBodyLen += int64(len(b))
	}
	if h.ncodings == 0 {
		p.storeBody(t, h.toServer, b)
		return
	}
	if h.zbroken {
		return
	}
	room := p.cfg.CompressedBodyLimit - len(h.zbuf)
	if len(b) > room {
		b = b[:room]
		h.zbroken = true
		p.stats.CompressedCut++
	}
	h.zbuf = append(h.zbuf, b...)
}

// storeBody appends to the stored body up to its limit.
func (p *Parser) storeBody(t *Tx, toServer bool, b []byte) {
	body, limit, cut := &t.ResponseBody, p.cfg.ResponseBodyLimit, &t.ResponseBodyCut
	if toServer {
		body, limit, cut = &t.RequestBody, p.cfg.RequestBodyLimit, &t.RequestBodyCut
	}
	room := limit - len(*body)
	if room <= 0 && len(b) > 0 {
		// Suricata closes the file as truncated when data comes once the limit is reached.
		if toServer {
			t.RequestFile.Truncated = true
		} else {
			t.ResponseFile.Truncated = true
		}
	}
	if len(b) > room {
		b = b[:max(room, 0)]
		if !*cut {
			p.stats.BodyTruncated++
		}
		*cut = true
	}
	*body = append(*body, b...)
}

// messageEnd completes the message in progress in h.
func (p *Parser) messageEnd(h *half) {
	t := h.tx
	if t != nil && h.ncodings > 0 {
		p.decompressBody(h)
	}
	h.ncodings = 0
	h.zbuf = h.zbuf[:0]
	h.zbroken = false
	h.remaining = 0
	if h.toServer {
		if t != nil {
			t.RequestComplete = true
		}
		h.state = stReqAfter
		return
	}
	if t != nil {
		t.ResponseComplete = true
	}
	p.lastResp = t
	h.tx = nil
	h.state = stStart
}

// setCodings reads Content-Encoding as libhtp does. A value that is exactly one known coding
// (ignoring case and NUL bytes) is used as it is. Otherwise the value is split at commas and
// spaces, and each token containing "gzip" or "deflate" counts as that coding (any other is
// skipped with http.abnormal_ce_header); past DecompressLayerLimit tokens the rest are ignored
// (http.too_many_encoding_layers). Layers are undone last listed first.
func (p *Parser) setCodings(h *half, ce []byte, enabled bool) {
	h.ncodings = 0
	h.zbuf = h.zbuf[:0]
	h.zbroken = false
	if len(ce) == 0 || !enabled {
		return
	}
	switch {
	case equalFoldNZ(ce, "gzip") || equalFoldNZ(ce, "x-gzip"):
		h.codings[0], h.ncodings = codingGzip, 1
		return
	case equalFoldNZ(ce, "deflate") || equalFoldNZ(ce, "x-deflate"):
		h.codings[0], h.ncodings = codingDeflate, 1
		return
	case equalFoldNZ(ce, "inflate") || equalFoldNZ(ce, "none"):
		return
	}
	n, layers := 0, 0
	for len(ce) > 0 {
		i := 0
		for i < len(ce) && ce[i] != ',' && ce[i] != ' ' {
			i++
		}
		tok := ce[:i]
		ce = ce[min(i+1, len(ce)):]
		if len(tok) == 0 {
			continue
		}
		if layers++; layers > p.cfg.DecompressLayerLimit {
			p.event(h.tx, EventTooManyEncodingLayers)
			break
		}
		var c coding
		switch {
		case containsFold(tok, "gzip"):
			c = codingGzip
			if string(tok) != "gzip" && string(tok) != "x-gzip" {
				p.event(h.tx, EventAbnormalCEHeader)
			}
		case containsFold(tok, "deflate"):
			c = codingDeflate
			if string(tok) != "deflate" && string(tok) != "x-deflate" {
				p.event(h.tx, EventAbnormalCEHeader)
			}
		case string(tok) == "inflate" || string(tok) == "none" || string(tok) == "identity":
			continue
		default:
			p.event(h.tx, EventAbnormalCEHeader)
			continue
		}
		if n < maxCodings {
			h.codings[n] = c
			n++
		}
	}
	h.ncodings = n
}

// file is the body file of the message in progress in h; nil when there is none.
func (h *half) file() *BodyFile {
	switch {
	case h.tx == nil:
		return nil
	case h.toServer:
		return &h.tx.RequestFile
	default:
		return &h.tx.ResponseFile
	}
}

// inBodyFraming reports whether a direction is inside a body whose framing (Content-Length or
// chunks) says more is to come: losing the stream there cuts the body short.
func inBodyFraming(s state) bool {
	return s == stBodyLength || s == stChunkLen || s == stChunkData || s == stChunkEnd
}
