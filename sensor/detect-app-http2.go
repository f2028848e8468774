package sensor

import (
	"math/bits"

	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/signatures"
)

var _ signatures.AppTx = (*http2Tx)(nil)

// http2Tx is one HTTP/2 transaction as detection sees it: the generic http.* buffers as
// Suricata 7 fills them from the pseudo-headers and fields (header lines "name: value", with
// pseudo-headers under their own names, ":method: GET"), and the http2.* keywords' values.
// tx is set by the app layer; scratch backs the buffers built per call.
type http2Tx struct {
	tx      *http2.Tx
	scratch []byte
}

// Buffer implements signatures.AppTx.
func (h *http2Tx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := h.tx
	if t == nil || (i != 0 && !id.Multi()) {
		return nil, false
	}
	d := dirIndex(toServer)
	s := &t.Side[d]
	switch id {
	case signatures.BufHTTPProtocol:
		return []byte("HTTP/2"), s.HeadersDone
	case signatures.BufHTTPHeader:
		return h.lines(s, false)
	case signatures.BufHTTPHeaderNames:
		return h.lines(s, true)
	case signatures.BufHTTPCookie:
		if toServer {
			return present(t.Get(0, "cookie"))
		}
		return present(t.Get(1, "set-cookie"))
	case signatures.BufHTTPContentType:
		return present(t.Get(d, "content-type"))
	case signatures.BufHTTPContentLen:
		return present(t.Get(d, "content-length"))
	case signatures.BufHTTPConnection:
		return present(t.Get(d, "connection"))
	case signatures.BufFileData:
		return nonEmpty(s.Body)
	case signatures.BufHTTP2HeaderName:
		if f, ok := field(s, i); ok {
			return f.Name, true
		}
		return nil, false
	case signatures.BufHTTP2Header:
		return h.instance(s, i)
	}
	if toServer {
		return h.request(id, i)
	}
	return h.response(id, i)
}

func (h *http2Tx) request(id signatures.BufferID, i int) ([]byte, bool) {
	t := h.tx
	switch id {
	case signatures.BufHTTPURI, signatures.BufHTTPURIRaw:
		return present(t.Path())
	case signatures.BufHTTPMethod:
		return present(t.Method())
	case signatures.BufHTTPRequestLine:
		if t.Method() == nil {
			return nil, false
		}
		b := append(h.scratch[:0], t.Method()...)
		b = append(b, ' ')
		b = append(b, t.Path()...)
		b = append(b, " HTTP/2\r\n"...)
		h.scratch = b
		return b, true
	case signatures.BufHTTPHost:
		b, ok := t.AppendHostNorm(h.scratch[:0])
		h.scratch = b
		return b, ok
	case signatures.BufHTTPHostRaw:
		return present(t.Host())
	case signatures.BufHTTPUserAgent:
		return present(t.Get(0, "user-agent"))
	case signatures.BufHTTPReferer:
		return present(t.Get(0, "referer"))
	case signatures.BufHTTPAccept:
		return present(t.Get(0, "accept"))
	case signatures.BufHTTPAcceptEnc:
		return present(t.Get(0, "accept-encoding"))
	case signatures.BufHTTPAcceptLang:
		return present(t.Get(0, "accept-language"))
	case signatures.BufHTTPRequestBody:
		return nonEmpty(t.Side[0].Body)
	case signatures.BufHTTPRequestHeader:
		return h.instance(&t.Side[0], i)
	}
	return nil, false
}

func (h *http2Tx) response(id signatures.BufferID, i int) ([]byte, bool) {
	t := h.tx
	switch id {
	case signatures.BufHTTPLocation:
		return present(t.Get(1, "location"))
	case signatures.BufHTTPServer:
		return present(t.Get(1, "server"))
	case signatures.BufHTTPStatCode:
		return present(t.Status())
	case signatures.BufHTTPStatMsg:
		// HTTP/2 has no reason phrase: Suricata inspects an empty one.
		return []byte{}, t.Status() != nil
	case signatures.BufHTTPResponseLine:
		if t.Status() == nil {
			return nil, false
		}
		b := append(h.scratch[:0], "HTTP/2 "...)
		b = append(b, t.Status()...)
		b = append(b, '\r', '\n')
		h.scratch = b
		return b, true
	case signatures.BufHTTPResponseBody:
		return nonEmpty(t.Side[1].Body)
	case signatures.BufHTTPResponseHeader:
		return h.instance(&t.Side[1], i)
	}
	return nil, false
}

// field is the i-th decoded field of a side (table size updates skipped).
func field(s *http2.Side, i int) (*http2.Header, bool) {
	for k := range s.Headers {
		f := &s.Headers[k]
		if f.Kind != http2.HeaderField {
			continue
		}
		if i == 0 {
			return f, true
		}
		i--
	}
	return nil, false
}

// instance builds "name: value" of the i-th field into scratch.
func (h *http2Tx) instance(s *http2.Side, i int) ([]byte, bool) {
	f, ok := field(s, i)
	if !ok {
		return nil, false
	}
	b := append(h.scratch[:0], f.Name...)
	b = append(b, ':', ' ')
	b = append(b, f.Value...)
	h.scratch = b
	return b, true
}

// lines builds http.header ("name: value\r\n" per field) or http.header_names ("\r\n", then
// each name and "\r\n", then "\r\n") of a side whose headers were decoded.
func (h *http2Tx) lines(s *http2.Side, names bool) ([]byte, bool) {
	if !s.HeadersDone {
		return nil, false
	}
	b := h.scratch[:0]
	if names {
		b = append(b, '\r', '\n')
	}
	for k := range s.Headers {
		f := &s.Headers[k]
		if f.Kind != http2.HeaderField {
			continue
		}
		b = append(b, f.Name...)
		if !names {
			b = append(b, ':', ' ')
			b = append(b, f.Value...)
		}
		b = append(b, '\r', '\n')
	}
	if names {
		b = append(b, '\r', '\n')
	}
	h.scratch = b
	return b, true
}

// Number implements signatures.AppTx.
func (h *http2Tx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	t := h.tx
	if t == nil || i < 0 {
		return 0, false
	}
	s := &t.Side[dirIndex(toServer)]
	switch id {
	case signatures.NumHTTPURILen, signatures.NumHTTPURIRawLen:
		p := t.Path()
		return uint64(len(p)), toServer && i == 0 && p != nil
	case signatures.NumHTTP2FrameType:
		f := s.Frames
		for ; i > 0 && f != 0; i-- {
			f &= f - 1
		}
		if f == 0 {
			return 0, false
		}
		return uint64(bits.TrailingZeros32(f)), true
	case signatures.NumHTTP2ErrorCode:
		return nth(s.ErrorCodes, i)
	case signatures.NumHTTP2Priority:
		return nth(s.Priorities, i)
	case signatures.NumHTTP2Window:
		return nth(s.Windows, i)
	case signatures.NumHTTP2Setting:
		if i < len(s.Settings) {
			return uint64(s.Settings[i].ID)<<32 | uint64(s.Settings[i].Value), true
		}
	case signatures.NumHTTP2SizeUpdate:
		for k := range s.Headers {
			if s.Headers[k].Kind != http2.HeaderSizeUpdate {
				continue
			}
			if i == 0 {
				return s.Headers[k].SizeUpdate, true
			}
			i--
		}
	}
	return 0, false
}

func nth[T ~uint8 | ~uint32](v []T, i int) (uint64, bool) {
	if i < len(v) {
		return uint64(v[i]), true
	}
	return 0, false
}

// Event implements signatures.AppTx.
func (h *http2Tx) Event(name string) bool {
	e, ok := http2.EventByName(name)
	return ok && h.tx != nil && h.tx.Events.Has(e)
}

// http2Stages are a transaction's stages per side: a side has started once its header block
// is decoded (or, for a side that sent only other frames, once it sent one) and is complete
// once it ended the stream or the transaction is over (a global one is over at once).
func http2Stages(t *http2.Tx) [2]uint8 {
	var st [2]uint8
	for d := range t.Side {
		s := &t.Side[d]
		switch {
		case s.Frames == 0 && !s.HeadersDone:
		case s.EndStream || t.Done():
			st[d] = signatures.StageComplete
		case s.HeadersDone || !http2HasHeaders(s):
			st[d] = signatures.StageStart
		}
	}
	return st
}

// detectHTTP2 inspects the flow's HTTP/2 transactions that moved, before they are released.
func (a *appLayer) detectHTTP2() {
	s := a.cur
	marks := s.httpMarks[:0]
	for _, t := range s.http2.Txs() {
		m := s.markOf(t.ID)
		a.det.h2.tx = t
		a.inspectMark(&a.det.h2, &m, http2Stages(t))
		marks = append(marks, m)
	}
	s.httpMarks = marks
	a.det.h2.tx = nil
}
