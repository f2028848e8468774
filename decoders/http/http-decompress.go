package http

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
)

// decompressBody undoes the body's content codings once the whole (capped) compressed body
// is known. Go's inflaters cannot pause for more input, so the body is buffered up to
// CompressedBodyLimit and decompressed at its end; output is capped at the body limit, and
// decompression stops early on a bomb (output past BombLimit at more than BombRatio:1).
func (p *Parser) decompressBody(h *half) {
	t := h.tx
	body, limit, cut := &t.ResponseBody, p.cfg.ResponseBodyLimit, &t.ResponseBodyCut
	if h.toServer {
		body, limit, cut = &t.RequestBody, p.cfg.RequestBodyLimit, &t.RequestBodyCut
	}
	in := h.zbuf
	if len(in) == 0 {
		return
	}
	for k := h.ncodings - 1; k >= 0; k-- {
		last := k == 0
		var dst []byte
		dlimit := p.cfg.CompressedBodyLimit
		if last {
			dst, dlimit = *body, limit
		} else {
			dst = p.scratch[k%2][:0]
		}
		out, total, err := p.inflate(h.codings[k], in, dst, dlimit, len(h.zbuf))
		switch {
		case errors.Is(err, errBomb):
			p.event(t, EventCompressionBomb)
		case err != nil:
			p.event(t, EventGzipDecompressionFailed)
			if total == 0 {
				// libhtp passes undecodable data through as it is.
				out = append(out, in[:min(len(in), max(dlimit-len(out), 0))]...)
			}
		}
		if total > len(out)-len(dst) && last {
			if !*cut {
				p.stats.BodyTruncated++
			}
			*cut = true
			h.file().Truncated = true
		}
		if last {
			*body = out
			return
		}
		p.scratch[k%2] = out
		in = out
	}
}

var errBomb = errors.New("decompression bomb")

// inflate decodes one layer of in, appending at most limit bytes to dst. total counts all
// output produced, including what was decoded past limit to measure a bomb against the
// wire size of the body (as libhtp does, so stacked layers cannot hide a bomb).
func (p *Parser) inflate(c coding, in, dst []byte, limit, wire int) (out []byte, total int, err error) {
	var r io.Reader
	switch c {
	case codingGzip:
		p.br.Reset(in)
		if err := p.gz.Reset(&p.br); err != nil {
			return dst, 0, err
		}
		p.gz.Multistream(false)
		r = &p.gz
	case codingDeflate:
		// Servers send zlib-wrapped or raw deflate under the same name; libhtp tries both.
		if len(in) >= 2 && in[0]&0x0f == 8 && in[0]>>4 <= 7 && (uint16(in[0])<<8|uint16(in[1]))%31 == 0 && in[1]&0x20 == 0 {
			in = in[2:]
		}
		p.br.Reset(in)
		if p.fl == nil {
			p.fl = flate.NewReader(&p.br)
		} else if err := p.fl.(flate.Resetter).Reset(&p.br, nil); err != nil {
			return dst, 0, err
		}
		r = p.fl
	default:
		return dst, 0, errors.New("http: unknown content coding")
	}
	zeroReads := 0
	for {
		var n int
		var rerr error
		if len(dst) < limit {
			if cap(dst) == len(dst) {
				dst = grow(dst, limit)
			}
			n, rerr = r.Read(dst[len(dst):min(cap(dst), limit)])
			dst = dst[:len(dst)+n]
		} else {
			n, rerr = r.Read(p.discard[:])
		}
		total += n
		if total > p.cfg.BombLimit {
			if total/max(wire, 1) > p.cfg.BombRatio {
				return dst, total, errBomb
			}
			if len(dst) >= limit {
				return dst, total, nil
			}
		}
		switch {
		case rerr == io.EOF || errors.Is(rerr, io.ErrUnexpectedEOF) || errors.Is(rerr, gzip.ErrChecksum):
			// A body cut short (by the cap, a gap or the stream) is not a decoding failure.
			return dst, total, nil
		case rerr != nil:
			return dst, total, rerr
		case n == 0:
			if zeroReads++; zeroReads > 100 {
				return dst, total, nil
			}
		}
	}
}

// grow enlarges b's capacity towards limit, doubling.
func grow(b []byte, limit int) []byte {
	c := min(max(2*cap(b), 4096), limit)
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}
