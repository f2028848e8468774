package smtp

import (
	"bytes"
	"crypto/md5"
	"hash"
)

// MIME decoding of a message as Suricata 8's SMTP MIME parser does it: the message's headers
// (folded lines unfolded), then its body. A multipart message's boundary comes from the
// top-level Content-Type; each part's headers name its filename (Content-Disposition
// filename, else Content-Type name, RFC 2231 sections joined) and its transfer encoding. A part
// with a filename is an attachment: its content, base64 or quoted-printable decoded, is a file.
// Parts nested in a multipart part are not split (Suricata tracks the top-level boundary only).
// URLs are extracted from text parts and attachments.

// RFC 2045 limits and Suricata's, past which it raises the mime_long_* events.
const (
	maxMIMELine     = 998
	maxEncLine      = 76
	maxHeaderName   = 75
	maxHeaderValue  = 2000
	maxBoundary     = 254
	maxTokenLen     = 255
	maxURLLine      = 8192
	maxPartHeaders  = 64
	maxPartHdrBytes = 16 << 10
)

type mimeStateKind uint8

const (
	mimeStart mimeStateKind = iota // before a header block (the message's, or a part's)
	mimeHeader
	mimeBody
)

type encoding uint8

const (
	encPlain encoding = iota
	encBase64
	encQP
)

type contentType uint8

const (
	ctMessage contentType = iota // no Content-Type yet
	ctPlain
	ctHTML
	ctUnknown
)

// mimeState decodes the message in progress; a parser has one at a time.
type mimeState struct {
	cfg      *Config
	state    mimeStateKind
	mainDone bool // the message's own headers ended; later header blocks are parts'
	// A part's headers live here until its next boundary (the message's are in the Tx).
	part     []header
	partBuf  []byte
	filename []byte
	boundary []byte
	enc      encoding
	ctype    contentType
	b64      [4]byte
	nb64     int
	// eol is the end of the previous line of a plain attachment, written only once the
	// next line shows it was not the one before the boundary.
	eol  [2]byte
	neol int
	// urlLine keeps decoded text after its last line end until the line completes.
	urlLine []byte
	scratch []byte
	token   []byte
	md5     hash.Hash
	md5On   bool
	schemes [][]byte
}

func (m *mimeState) init(cfg *Config) {
	m.cfg = cfg
	for _, s := range cfg.URLSchemes {
		m.schemes = append(m.schemes, []byte(s+"://"))
	}
	if cfg.BodyMD5 {
		m.md5 = md5.New()
	}
}

func (m *mimeState) reset() {
	*m = mimeState{cfg: m.cfg, part: m.part[:0], partBuf: m.partBuf[:0], filename: m.filename[:0],
		boundary: m.boundary[:0], urlLine: m.urlLine[:0], scratch: m.scratch[:0], token: m.token[:0],
		md5: m.md5, schemes: m.schemes}
}

// start readies the decoder for a new message.
func (m *mimeState) start() {
	m.reset()
	if m.md5 != nil {
		m.md5.Reset()
	}
}

// line decodes one line of the message: full includes its delimiter of delim bytes (0: a piece
// of a line too long to buffer).
func (m *mimeState) line(tx *Tx, full []byte, delim int) {
	i := full[:len(full)-delim]
	if len(i) > maxMIMELine {
		tx.Events.set(EventMIMELongLine)
	}
	if m.md5On {
		m.md5.Write(full)
	}
	switch m.state {
	case mimeStart, mimeHeader:
		if len(i) == 0 {
			m.state = mimeBody
			m.headersDone(tx)
			return
		}
		if m.state == mimeHeader && (i[0] == ' ' || i[0] == '\t') {
			m.fold(tx, i[1:])
			return
		}
		c := bytes.IndexByte(i, ':')
		if c < 0 {
			return // not a header: Suricata ignores it
		}
		m.state = mimeHeader
		v := i[c+1:]
		for len(v) > 0 && isMIMESpace(v[0]) {
			v = v[1:]
		}
		if c > maxHeaderName {
			tx.Events.set(EventMIMELongHeaderName)
		}
		if len(v) > maxHeaderValue {
			tx.Events.set(EventMIMELongHeaderValue)
		}
		m.addHeader(tx, i[:c], v)
	case mimeBody:
		m.body(tx, i, full)
	}
}

func isMIMESpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (m *mimeState) addHeader(tx *Tx, name, value []byte) {
	if !m.mainDone {
		if len(tx.headers) >= m.cfg.MaxHeaders {
			return
		}
		n, ok1 := tx.add(name, m.cfg.MaxArena)
		v, ok2 := tx.add(value, m.cfg.MaxArena)
		if ok1 && ok2 {
			tx.headers = append(tx.headers, header{n, v})
		}
		return
	}
	if len(m.part) >= maxPartHeaders || len(m.partBuf)+len(name)+len(value) > maxPartHdrBytes {
		return
	}
	n := span{int32(len(m.partBuf)), 0}
	m.partBuf = append(m.partBuf, name...)
	n.end = int32(len(m.partBuf))
	v := span{n.end, 0}
	m.partBuf = append(m.partBuf, value...)
	v.end = int32(len(m.partBuf))
	m.part = append(m.part, header{n, v})
}

// fold appends a continuation line to the last header's value.
func (m *mimeState) fold(tx *Tx, b []byte) {
	if !m.mainDone {
		if n := len(tx.headers); n > 0 {
			tx.extendLast(&tx.headers[n-1].value, b, m.cfg.MaxArena)
		}
		return
	}
	if n := len(m.part); n > 0 && int(m.part[n-1].value.end) == len(m.partBuf) && len(m.partBuf)+len(b) <= maxPartHdrBytes {
		m.partBuf = append(m.partBuf, b...)
		m.part[n-1].value.end = int32(len(m.partBuf))
	}
}

// headersDone reads what a header block says of the body that follows, and opens its file
// when it names one.
func (m *mimeState) headersDone(tx *Tx) {
	n := len(m.part)
	if !m.mainDone {
		n = len(tx.headers)
	}
	hdr := func(k int) (name, value []byte) {
		if !m.mainDone {
			return tx.HeaderAt(k)
		}
		h := m.part[k]
		return m.partBuf[h.name.off:h.name.end], m.partBuf[h.value.off:h.value.end]
	}
	for k := range n {
		name, value := hdr(k)
		switch {
		case equalFold(name, "content-disposition"):
			if len(m.filename) == 0 {
				if v, ok := m.findToken(value, "filename"); ok {
					m.setFilename(tx, v)
				}
			}
		case equalFold(name, "content-transfer-encoding"):
			if equalFold(value, "base64") {
				m.enc, m.nb64 = encBase64, 0
			} else if equalFold(value, "quoted-printable") {
				m.enc = encQP
			}
		}
	}
	rfc822 := false
	for k := range n {
		name, value := hdr(k)
		if !equalFold(name, "content-type") {
			continue
		}
		if len(m.filename) == 0 {
			if v, ok := m.findToken(value, "name"); ok {
				m.setFilename(tx, v)
			}
		}
		if !m.mainDone {
			if v, ok := m.findToken(value, "boundary"); ok {
				m.boundary = append(append(m.boundary[:0], "--"...), v...)
				if len(v) > maxBoundary {
					tx.Events.set(EventMIMELongBoundary)
				}
			}
		}
		ct := value
		if j := bytes.IndexByte(ct, ';'); j >= 0 {
			ct = ct[:j]
		}
		rfc822 = equalFold(bytes.TrimSpace(ct), "message/rfc822")
		switch string(ct) {
		case "text/plain":
			m.ctype = ctPlain
		case "text/html":
			m.ctype = ctHTML
		default:
			m.ctype = ctUnknown
		}
		break
	}
	if !m.mainDone {
		tx.HeadersDone = true
	}
	m.mainDone = true
	if rfc822 {
		// An encapsulated message: its own headers follow, and they say what its body is
		// (its transfer encoding, its filename), not the encapsulating part's.
		m.state, m.enc, m.neol = mimeStart, encPlain, 0
		m.filename = m.filename[:0]
		m.part, m.partBuf = m.part[:0], m.partBuf[:0]
		return
	}
	if len(m.filename) > 0 && len(tx.files) < m.cfg.MaxFiles {
		tx.newFile(m.filename)
	}
}

func (m *mimeState) setFilename(tx *Tx, v []byte) {
	if len(v) > maxTokenLen {
		tx.Events.set(EventMIMELongFilename)
		v = v[:maxTokenLen]
	}
	m.filename = append(m.filename[:0], v...)
	if len(tx.attachments) < m.cfg.MaxFiles {
		if s, ok := tx.add(v, m.cfg.MaxArena); ok {
			tx.attachments = append(tx.attachments, s)
		}
	}
}

// body handles a body line: i without its end, full with it.
func (m *mimeState) body(tx *Tx, i, full []byte) {
	if m.md5 != nil && !m.md5On {
		// The body's MD5 runs from its first line to the end of the message.
		m.md5On = true
		m.md5.Write(full)
	}
	if len(m.boundary) > 0 && bytes.HasPrefix(i, m.boundary) {
		if f := tx.openFile(); f != nil && len(m.filename) > 0 {
			f.State = FileClosed
		}
		m.state = mimeStart
		m.filename = m.filename[:0]
		m.part, m.partBuf = m.part[:0], m.partBuf[:0]
		m.enc, m.neol = encPlain, 0
		return
	}
	if len(m.filename) == 0 {
		if m.ctype != ctUnknown {
			m.urls(tx, full)
		}
		return
	}
	f := tx.openFile()
	switch m.enc {
	case encPlain:
		m.urls(tx, full)
		// The line end before a boundary belongs to the boundary: a line's end is written
		// only when the next line comes.
		if m.neol > 0 {
			m.write(tx, f, m.eol[:m.neol])
		}
		m.write(tx, f, i)
		m.neol = copy(m.eol[:], full[len(i):])
	case encBase64:
		if m.cfg.NoDecodeBase64 {
			return
		}
		if len(i) > maxEncLine {
			tx.Events.set(EventMIMELongEncLine)
		}
		dec, ok := m.decodeBase64(i)
		if !ok {
			tx.Events.set(EventMIMEInvalidBase64)
			return
		}
		m.urls(tx, dec)
		m.write(tx, f, dec)
	case encQP:
		if m.cfg.NoDecodeQP {
			return
		}
		if len(i) > maxEncLine {
			tx.Events.set(EventMIMELongEncLine)
		}
		dec, soft, bad := m.decodeQP(i)
		if bad {
			tx.Events.set(EventMIMEInvalidQP)
		}
		eol := full[len(i):]
		if soft {
			eol = nil // a soft line break: the line goes on
		}
		m.urls(tx, dec)
		m.urls(tx, eol)
		// As for plain text, the line end before a boundary is the boundary's.
		if m.neol > 0 {
			m.write(tx, f, m.eol[:m.neol])
		}
		m.write(tx, f, dec)
		m.neol = copy(m.eol[:], eol)
	}
}

func (m *mimeState) write(tx *Tx, f *File, b []byte) {
	if f == nil {
		return
	}
	f.Size += uint64(len(b))
	room := min(m.cfg.FileDataLimit-len(f.Data), m.cfg.TxFileDataLimit-tx.fileBytes)
	if n := min(room, len(b)); n > 0 {
		f.Data = append(f.Data, b[:n]...)
		tx.fileBytes += n
	}
}

// complete ends the message: the body's MD5 is final, an attachment still open closes (the
// end of the message ends its last part).
func (m *mimeState) complete(tx *Tx) {
	if f := tx.openFile(); f != nil {
		f.State = FileClosed
	}
	if m.md5On {
		m.md5.Sum(tx.BodyMD5[:0])
		tx.HasBodyMD5 = true
	}
	m.md5On = false
}

// decodeBase64 decodes a line as Suricata does: spaces are skipped, a quad may span lines,
// '=' in the third or fourth place ends the data. Any other byte outside the alphabet makes
// the line invalid (its output is dropped and the quad restarts).
func (m *mimeState) decodeBase64(in []byte) ([]byte, bool) {
	out := m.scratch[:0]
	// The quad in progress lives in locals: the loop runs once per encoded byte.
	q, n := m.b64, m.nb64
	for _, c := range in {
		if c == ' ' {
			continue
		}
		q[n] = c
		n++
		if n < 4 {
			continue
		}
		n = 0
		a, b := b64Table[q[0]], b64Table[q[1]]
		if a == invalidB64 || b == invalidB64 {
			m.scratch, m.nb64 = out, 0
			return nil, false
		}
		if q[2] == '=' {
			out = append(out, a<<2|b>>4)
			continue
		}
		c2 := b64Table[q[2]]
		if c2 == invalidB64 {
			m.scratch, m.nb64 = out, 0
			return nil, false
		}
		if q[3] == '=' {
			out = append(out, a<<2|b>>4, b<<4|c2>>2)
			continue
		}
		c3 := b64Table[q[3]]
		if c3 == invalidB64 {
			m.scratch, m.nb64 = out, 0
			return nil, false
		}
		out = append(out, a<<2|b>>4, b<<4|c2>>2, c2<<6|c3)
	}
	m.scratch, m.b64, m.nb64 = out, q, n
	return out, true
}

// invalidB64 marks a byte outside the base64 alphabet in b64Table.
const invalidB64 = 0xff

// b64Table maps a byte to its base64 value.
var b64Table = func() (t [256]byte) {
	for i := range t {
		t[i] = invalidB64
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()

// decodeQP decodes a quoted-printable line (without its end) as Suricata does: "=XX" with
// upper-case hex, a final '=' is a soft line break (soft: the line end is not the text's),
// anything else after '=' is invalid (bad).
func (m *mimeState) decodeQP(in []byte) (out []byte, soft, bad bool) {
	out = m.scratch[:0]
	for c := 0; c < len(in); {
		if in[c] != '=' {
			out = append(out, in[c])
			c++
			continue
		}
		if c == len(in)-1 {
			soft = true
			break
		}
		if c+2 >= len(in) {
			bad = true
			break
		}
		h, ok1 := unhex(in[c+1])
		l, ok2 := unhex(in[c+2])
		if ok1 && ok2 {
			out = append(out, h<<4|l)
		} else {
			bad = true
		}
		c += 3
	}
	m.scratch = out
	return out, soft, bad
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// urls extracts URLs from decoded text, line by line: text after the last line end waits for
// the rest of its line (up to maxURLLine bytes).
func (m *mimeState) urls(tx *Tx, in []byte) {
	if m.cfg.NoExtractURLs || len(in) == 0 {
		return
	}
	data := in
	if len(m.urlLine) > 0 {
		m.urlLine = append(m.urlLine, in...)
		data = m.urlLine
	}
	if data[len(data)-1] == '\n' || len(data) > maxURLLine {
		m.extractURLs(tx, data)
		m.urlLine = m.urlLine[:0]
		return
	}
	// What was kept holds no line end: only the new bytes need looking at.
	j := bytes.LastIndexByte(in, '\n')
	if j < 0 {
		if len(m.urlLine) == 0 {
			m.urlLine = append(m.urlLine, in...)
		}
		return
	}
	j += len(data) - len(in)
	m.extractURLs(tx, data[:j+1])
	m.urlLine = append(m.urlLine[:0], data[j+1:]...)
}

// extractURLs adds each URL of data: a configured scheme (any case) and what follows it up
// to a space, quote, angle or square bracket, tab or line end.
func (m *mimeState) extractURLs(tx *Tx, data []byte) {
	for _, s := range m.schemes {
		in := data
		for {
			k := indexFold(in, s)
			if k < 0 {
				break
			}
			u := in[k:]
			end := bytes.IndexAny(u, " \"'<>]\t\r\n")
			if end >= 0 {
				u = u[:end]
			}
			in = in[k+len(u):]
			v := u
			if !m.cfg.LogURLScheme {
				v = u[len(s):]
			}
			if len(tx.urls) < m.cfg.MaxURLs {
				if sp, ok := tx.add(v, m.cfg.MaxArena); ok {
					tx.urls = append(tx.urls, sp)
				}
			}
		}
	}
}

// indexFold finds s (lower case) in b ignoring ASCII case.
func indexFold(b, s []byte) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if lower(b[i]) == s[0] && equalFold(b[i:i+len(s)], string(s)) {
			return i
		}
	}
	return -1
}

// findToken returns the value of parameter name in a header value such as Content-Type, as
// Suricata's mime_find_header_token reads it: the parameters after the first ';', each
// name=value or name="quoted" (the last of a name wins), the name compared exactly; failing
// name itself, RFC 2231's sections name*0, name*1 … are joined.
func (m *mimeState) findToken(h []byte, name string) ([]byte, bool) {
	if v, ok := lastToken(h, name, -1); ok {
		return v, true
	}
	m.token = m.token[:0]
	for k := 0; ; k++ {
		v, ok := lastToken(h, name, k)
		if !ok {
			if k == 0 {
				return nil, false
			}
			return m.token, true
		}
		m.token = append(m.token, v...)
	}
}

// lastToken is the value of the last parameter called name (section < 0) or name*section.
func lastToken(h []byte, name string, section int) (val []byte, found bool) {
	semi := bytes.IndexByte(h, ';')
	if semi < 0 {
		return nil, false
	}
	in := h[semi+1:]
	for len(in) > 0 {
		for len(in) > 0 && isMIMESpace(in[0]) {
			in = in[1:]
		}
		eq := bytes.IndexByte(in, '=')
		if eq < 0 {
			break
		}
		tname := in[:eq]
		in = in[eq+1:]
		var v []byte
		quoted := false
		if len(in) > 0 && in[0] == '"' {
			esc := false
			for j := 1; j < len(in); j++ {
				if in[j] == '\\' {
					esc = true
					continue
				}
				if in[j] == '"' && !esc {
					v, in, quoted = in[1:j], in[j+1:], true
					break
				}
				esc = false
			}
		}
		if !quoted {
			j := bytes.IndexByte(in, ';')
			if j < 0 {
				j = len(in)
			}
			v = in[:j]
			in = in[j:]
			for len(v) > 0 && isMIMESpace(v[len(v)-1]) {
				v = v[:len(v)-1]
			}
		}
		for len(in) > 0 && isMIMESpace(in[0]) {
			in = in[1:]
		}
		if len(in) > 0 && in[0] == ';' {
			in = in[1:]
		}
		if tokenNameIs(tname, name, section) {
			val, found = v, true
		}
	}
	return val, found
}

func tokenNameIs(t []byte, name string, section int) bool {
	if section < 0 {
		return string(t) == name
	}
	if len(t) < len(name)+2 || string(t[:len(name)]) != name || t[len(name)] != '*' {
		return false
	}
	n, digits := 0, t[len(name)+1:]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 1<<20 {
			return false
		}
	}
	return n == section && (len(digits) == 1 || digits[0] != '0')
}
