package http2

import (
	"golang.org/x/net/http2/hpack"
)

// HeaderKind says what a Header entry is.
type HeaderKind uint8

// Header entry kinds.
const (
	HeaderField      HeaderKind = iota // a decoded name and value
	HeaderSizeUpdate                   // a dynamic table size update (SizeUpdate)
)

// Header is one entry of a header block, in the order HPACK decoded it.
type Header struct {
	Kind        HeaderKind
	Name, Value []byte
	SizeUpdate  uint64
}

// blockData feeds a piece of a header block to the direction's HPACK decoder.
func (p *Parser) blockData(h *half, b []byte) {
	if h.blockErr || h.block == nil {
		return
	}
	d := dirIndex(h.toServer)
	if h.atStart {
		h.atStart = false
		p.sizeUpdates(h.block, d, b)
	}
	p.cur, p.curSide = h.block, d
	if _, err := h.dec.Write(b); err != nil {
		// The rest of the block cannot be read: HPACK has no resynchronisation point.
		p.event(h.block, EventInvalidHeader)
		h.blockErr = true
	}
	p.cur = nil
}

// sizeUpdates records the dynamic table size updates a block starts with (RFC 7541 4.2),
// which x/net's decoder applies without reporting: EVE lists them among the headers. Only
// those wholly in the block's first piece are seen.
func (p *Parser) sizeUpdates(t *Tx, d int, b []byte) {
	for len(b) > 0 && b[0]&0xe0 == 0x20 {
		v, n := hpackInt(b, 5)
		if n == 0 {
			return
		}
		b = b[n:]
		s := &t.Side[d]
		if len(s.Headers) < p.cfg.MaxHeaders {
			s.Headers = append(s.Headers, Header{Kind: HeaderSizeUpdate, SizeUpdate: v})
		}
	}
}

// hpackInt decodes an HPACK integer with an n-bit prefix; used 0 means it is incomplete or
// too large.
func hpackInt(b []byte, n uint) (v uint64, used int) {
	mask := uint64(1)<<n - 1
	v = uint64(b[0]) & mask
	if v < mask {
		return v, 1
	}
	var m uint
	for i := 1; i < len(b) && m < 63; i++ {
		v += uint64(b[i]&0x7f) << m
		m += 7
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// addField stores a decoded field in the transaction being decoded, within the limits.
func (p *Parser) addField(d int, f hpack.HeaderField) {
	t := p.cur
	if t == nil || d != p.curSide {
		return
	}
	p.storeField(t, d, f.Name, f.Value)
}

// storeField keeps a field in t's arena, within the per-message limits.
func (p *Parser) storeField(t *Tx, d int, name, value string) {
	s := &t.Side[d]
	n := len(name) + len(value)
	if len(s.Headers) >= p.cfg.MaxHeaders || t.hdrBytes[d]+n > p.cfg.MaxHeaderBytes {
		return
	}
	t.hdrBytes[d] += n
	start := len(t.arena)
	t.arena = append(t.arena, name...)
	t.arena = append(t.arena, value...)
	// Slices cut before the arena grew keep pointing at the old array, whose bytes stay valid.
	mid := start + len(name)
	s.Headers = append(s.Headers, Header{Name: t.arena[start:mid:mid], Value: t.arena[mid:len(t.arena):len(t.arena)]})
}

// endBlock closes the header block in progress; lost says another frame cut it short.
func (p *Parser) endBlock(h *half, lost bool) {
	if !h.inBlock {
		return
	}
	err := h.dec.Close()
	t := h.block
	h.block, h.inBlock = nil, false
	if t == nil {
		return
	}
	d := dirIndex(h.toServer)
	if lost || (err != nil && !h.blockErr) {
		p.event(t, EventInvalidHeader)
	}
	t.Side[d].HeadersDone = true
	if d == 0 {
		p.checkAuthority(t)
	}
}

// checkAuthority raises Suricata's checks on a request's authority: a Host header that names
// another host than :authority, and user information in the authority.
func (p *Parser) checkAuthority(t *Tx) {
	auth := t.Get(0, ":authority")
	if auth == nil {
		return
	}
	for _, c := range auth {
		if c == '@' {
			t.Events.set(EventUserinfoInURI)
			break
		}
	}
	if host := t.Get(0, "host"); host != nil && !equalFoldBytes(host, auth) {
		t.Events.set(EventAuthorityHostMismatch)
	}
}

// Get returns the value of the first field called name (ASCII case-insensitive) of side d
// (0 request, 1 response), nil when there is none.
func (t *Tx) Get(d int, name string) []byte {
	for i := range t.Side[d].Headers {
		h := &t.Side[d].Headers[i]
		if h.Kind == HeaderField && equalFoldASCII(string(h.Name), name) {
			if h.Value == nil {
				return []byte{}
			}
			return h.Value
		}
	}
	return nil
}

func equalFoldBytes(a, b []byte) bool { return equalFoldASCII(string(a), string(b)) }

// Method, Path, Authority and Status are the pseudo-headers.
func (t *Tx) Method() []byte    { return t.Get(0, ":method") }
func (t *Tx) Path() []byte      { return t.Get(0, ":path") }
func (t *Tx) Authority() []byte { return t.Get(0, ":authority") }
func (t *Tx) Status() []byte    { return t.Get(1, ":status") }

// Host is the request's host as http.host.raw reads it: :authority, else the Host header.
func (t *Tx) Host() []byte {
	if a := t.Authority(); a != nil {
		return a
	}
	return t.Get(0, "host")
}

// AppendHostNorm appends the normalised host (http.host): Host lower-cased, without user
// information and port.
func (t *Tx) AppendHostNorm(dst []byte) ([]byte, bool) {
	h := t.Host()
	if h == nil {
		return dst, false
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i] == '@' {
			h = h[i+1:]
			break
		}
	}
	if len(h) > 0 && h[0] != '[' {
		for i := len(h) - 1; i >= 0; i-- {
			if h[i] == ':' {
				h = h[:i]
				break
			}
		}
	}
	for _, c := range h {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}
