package http

// chunkLen parses a chunk-size line like libhtp: leading CR/LF/whitespace skipped, hex digits
// read, anything after them (an extension) ignored. No digits is an invalid chunk length; the
// rest of the stream is then taken as body since framing cannot be recovered.
func (p *Parser) chunkLen(h *half, line []byte) {
	t := h.tx
	l := line
	for len(l) > 0 && (isSpace(l[0]) || l[0] == 0x0b || l[0] == 0x0c) {
		l = l[1:]
	}
	l = chomp(l)
	i := 0
	var n int64
	for i < len(l) && isHex(l[i]) {
		n = n<<4 | int64(unhex(l[i]))
		if n > 1<<31-1 {
			i = 0
			break
		}
		i++
	}
	if i == 0 {
		e := EventInvalidResponseChunkLen
		if h.toServer {
			e = EventInvalidRequestChunkLen
		}
		p.event(t, e)
		h.state = stBodyClose
		p.bodyData(h, line)
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
	h.tx = nil
	h.state = stStart
}

// setCodings reads Content-Encoding. Layers are undone outermost (last listed) first, at most
// DecompressLayerLimit of them; an unknown coding leaves the body as sent.
func (p *Parser) setCodings(h *half, ce []byte, enabled bool) {
	h.ncodings = 0
	h.zbuf = h.zbuf[:0]
	h.zbroken = false
	if ce == nil || !enabled {
		return
	}
	var cs [maxCodings]coding
	n := 0
	for len(ce) > 0 {
		i := 0
		for i < len(ce) && ce[i] != ',' {
			i++
		}
		tok := trimLWS(ce[:i])
		if i < len(ce) {
			i++
		}
		ce = ce[i:]
		var c coding
		switch {
		case len(tok) == 0 || equalFold(tok, "identity"):
			continue
		case equalFold(tok, "gzip") || equalFold(tok, "x-gzip"):
			c = codingGzip
		case equalFold(tok, "deflate") || equalFold(tok, "x-deflate"):
			c = codingDeflate
		default:
			p.event(h.tx, EventAbnormalCEHeader)
			return
		}
		if n < maxCodings {
			cs[n] = c
		}
		n++
	}
	stored := min(n, maxCodings)
	if n > p.cfg.DecompressLayerLimit {
		p.event(h.tx, EventTooManyEncodingLayers)
		// Keep the outermost layers: those listed last.
		k := min(p.cfg.DecompressLayerLimit, stored)
		copy(cs[:k], cs[stored-k:stored])
		stored = k
	}
	h.codings = cs
	h.ncodings = stored
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
