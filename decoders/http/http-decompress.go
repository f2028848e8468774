package http

import (
	"compress/flate"
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
	case codingGzip, codingDeflate:
		if c == codingGzip {
			var ok bool
			if in, ok = gzipMember(in); !ok {
				return dst, 0, errors.New("http: not a gzip header")
			}
		} else if len(in) >= 2 && in[0]&0x0f == 8 && in[0]>>4 <= 7 && (uint16(in[0])<<8|uint16(in[1]))%31 == 0 && in[1]&0x20 == 0 {
			// Servers send zlib-wrapped or raw deflate under the same name; libhtp takes both.
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
		case rerr == io.EOF || errors.Is(rerr, io.ErrUnexpectedEOF):
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

// gzipMember returns the deflate data of a gzip member, skipping its header the lenient way
// browsers (and libhtp) do: reserved flag bits are ignored and the header CRC is not checked;
// the trailer (CRC-32, size) is never checked either, so a damaged one still yields the body.
func gzipMember(in []byte) ([]byte, bool) {
	if len(in) < 10 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8 {
		return nil, false
	}
	flg, k := in[3], 10
	if flg&0x04 != 0 { // FEXTRA
		if k+2 > len(in) {
			return nil, false
		}
		k += 2 + (int(in[k]) | int(in[k+1])<<8)
	}
	for _, f := range [2]byte{0x08, 0x10} { // FNAME, FCOMMENT: NUL-terminated
		if flg&f == 0 {
			continue
		}
		for k < len(in) && in[k] != 0 {
			k++
		}
		k++
	}
	if flg&0x02 != 0 { // FHCRC
		k += 2
	}
	if k > len(in) {
		return nil, false
	}
	return in[k:], true
}
