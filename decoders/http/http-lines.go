package http

import "bytes"

// Response status and header lines end the way libhtp's response parser ends them, which is
// looser than the request side (LF only): at LF, CRLF, LF CR, or a lone CR. A CR followed by
// another CR stays in the line, and a line that would be a lone CR joins the next one, so
// "\r\r\n" is not a blank line. Browsers read responses this loosely, so an IDS must too.
//
// Some of libhtp's decisions about a line read the bytes after it (see respLookNeed). libhtp
// reads them only when they sit in the same segment; here the line waits for them (or for the
// end of the stream), so the outcome never depends on how the stream was cut.

// lookMax is the most bytes after a response line that its parsing reads.
const lookMax = 2

// respLines reports whether h reads its lines with the response rules.
func (h *half) respLines() bool {
	return !h.toServer && (h.state == stStart || h.state == stHeaders || h.state == stTrailers)
}

// lineBytes indexes a buffered line prefix and new data as one run of bytes.
type lineBytes struct{ pre, data []byte }

func (b *lineBytes) at(k int) byte {
	if k < len(b.pre) {
		return b.pre[k]
	}
	return b.data[k-len(b.pre)]
}

// respLineEnd finds the end of the line that starts the bytes (one past its terminator), 0
// when it is not complete yet; k is where the scan stopped, to resume there.
func respLineEnd(b *lineBytes, k int, final bool) (end, next int) {
	n := len(b.pre) + len(b.data)
	for k < n {
		c := byte(0)
		if k < len(b.pre) {
			c = b.pre[k]
		} else {
			// Jump to the next CR or LF in the new data.
			d := b.data[k-len(b.pre):]
			j := bytes.IndexByte(d, '\n')
			lim := j
			if j < 0 {
				lim = len(d)
			}
			if r := bytes.IndexByte(d[:lim], '\r'); r >= 0 {
				j = r
			}
			if j < 0 {
				return 0, n
			}
			k += j
			c = d[j]
		}
		switch c {
		case '\n':
			return k + 1, k
		case '\r':
			if k+1 == n {
				if final {
					return n, k
				}
				return 0, k // what follows the CR decides
			}
			switch b.at(k + 1) {
			case '\n':
				return k + 2, k
			case '\r':
				// The first CR of a run stays in the line.
			default:
				if k > 0 {
					return k + 1, k
				}
				// A line that would be only a CR joins the next one.
			}
		}
		k++
	}
	return 0, k
}

// respLookNeed is how many bytes after the line (ended at end, bare LF or not) libhtp's
// decisions read: a status line that is not one is skipped when more follows and the next line
// starts with 'H' (two bytes); a header line ended by a lone LF takes a CR right after it into
// its end, and " \n" ends the headers unless an LF follows (one byte); the blank line after a
// line ended by LF CR swallows a second CRLF (two bytes). A blank line otherwise needs none.
func (h *half) respLookNeed(blank, lfEnd bool) int {
	need := 1
	switch {
	case h.state == stStart:
		need = 2
	case blank && h.lfcr && !lfEnd:
		return 2
	case blank:
		return 0
	}
	if lfEnd {
		need++ // the CR an LF may take, then the bytes after it
	}
	return need
}

// takeRespLine is takeLine for response status and header lines. It sets p.look to the bytes
// after the line (up to lookMax), which are all there unless the stream has ended.
func (p *Parser) takeRespLine(h *half, data []byte) (line, rest []byte, ok bool) {
	if len(h.line) == 0 && !h.lfcr {
		// The usual case, a whole CRLF line in data with its lookahead, without the scan.
		if j := bytes.IndexByte(data, '\n'); j > 0 && bytes.IndexByte(data[:j], '\r') == j-1 {
			end := j + 1
			if len(data)-end >= h.respLookNeed(end == 2, false) {
				p.look = data[end:min(end+lookMax, len(data))]
				return data[:end], data[end:], true
			}
		}
	}
	b := lineBytes{pre: h.line, data: data}
	n := len(h.line) + len(data)
	end := h.lineEnd
	if end == 0 {
		var k int
		end, k = respLineEnd(&b, h.scan, p.final)
		if end == 0 && p.final {
			end = n
		}
		if end == 0 {
			h.scan = k
			return p.bufferLine(h, data)
		}
	}
	if end > p.cfg.FieldLimit {
		k := min(max(end-len(h.line), 0), len(data))
		p.fieldTooLong(h)
		return nil, data[k:], false
	}
	lfEnd := b.at(end-1) == '\n' && (end == 1 || b.at(end-2) != '\r')
	blank := end == 1 && lfEnd || end == 2 && b.at(0) == '\r' && b.at(1) == '\n'
	if n-end < h.respLookNeed(blank, lfEnd) && !p.final {
		h.lineEnd = end
		return p.bufferLine(h, data)
	}
	lfcr, skip := false, 0
	switch {
	case lfEnd && !blank && end < n && b.at(end) == '\r':
		end++
		lfcr = true
	case blank && !lfEnd && h.lfcr && end+1 < n && b.at(end) == '\r' && b.at(end+1) == '\n':
		// "\n\r" then "\r\n\r\n" make two line ends, not three (libhtp).
		end += 2
		skip = 2
	}
	h.lfcr = lfcr
	m := 0
	for k := end; k < n && m < lookMax; k++ {
		p.lookBuf[m] = b.at(k)
		m++
	}
	p.look = p.lookBuf[:m]
	switch {
	case end <= len(h.line):
		h.ncarry = copy(h.carry[:], h.line[end:])
		return h.line[skip:end], data, true
	case len(h.line) == 0:
		return data[skip:end], data[end:], true
	}
	k := end - len(h.line)
	h.line = append(h.line, data[:k]...)
	return h.line[skip:], data[k:], true
}

// isFolding is libhtp's folding character: a header line starting with one continues the
// previous header. NUL counts, as in libhtp.
func isFolding(c byte) bool { return c == ' ' || c == '\t' || c == 0 }

// blankLine reports whether a header line is an empty line (the end of the headers).
func blankLine(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}
