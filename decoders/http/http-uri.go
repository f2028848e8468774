package http

// URI normalisation for http.uri, matching Suricata 7 on libhtp's IDS personality with
// Suricata's overrides (convert-lowercase off, plus-to-space off, uri-include-all off):
//
//   - The raw URI splits as libhtp does: a scheme only when the URI does not start with '/'
//     and has a ':'; an authority only after a scheme and "//" not followed by a third '/';
//     path up to '?' or '#'; query up to '#'; fragment. Scheme and authority are dropped.
//   - Path: every valid %XX is decoded (%2F and %5C too); %uHHHH is decoded (%u00XX to XX,
//     full-width U+FF01–FF5E to ASCII, anything else to '?'); invalid or truncated escapes keep
//     their '%'; '\' becomes '/'; runs of '/' compress to one; then UTF-8 sequences (overlong
//     forms accepted) map to one byte by best fit (code points < 0x100 as themselves, the
//     full-width range to ASCII, others to '?'; invalid UTF-8 to '?'); then RFC 3986
//     remove_dot_segments resolves "./" and "../".
//   - Query: %XX decoded, nothing else ('+' stays, %u stays, no path rules).
//   - Fragment: %XX and %uHHHH decoded.
//   - Result: path, then "?query" when a '?' was present, then "#fragment" when a '#' was.
//
// Deviation: libhtp's Windows-1252 best-fit table maps some 600 other code points to ASCII
// look-alikes; Nightjar maps only the full-width forms and sends the rest to '?'.

type uriParts struct {
	scheme, host, port, path, query, fragment []byte
	hasAuthority, hasPort, hasQuery, hasFrag  bool
}

// splitURI splits like libhtp's htp_parse_uri; no validation.
func splitURI(u []byte) (p uriParts) {
	pos, n := 0, len(u)
	if n == 0 {
		return
	}
	if u[0] != '/' {
		i := 0
		for i < n && u[i] != ':' {
			i++
		}
		if i < n {
			p.scheme = u[:i]
			pos = i + 1
		}
	}
	if p.scheme != nil && pos+2 < n && u[pos] == '/' && u[pos+1] == '/' && u[pos+2] != '/' {
		start := pos + 2
		pos = start
		for pos < n && u[pos] != '?' && u[pos] != '/' && u[pos] != '#' {
			pos++
		}
		auth := u[start:pos]
		for i := len(auth) - 1; i >= 0; i-- {
			if auth[i] == '@' {
				auth = auth[i+1:]
				break
			}
		}
		p.hasAuthority = true
		p.host, p.port, p.hasPort = splitAuthority(auth)
	}
	start := pos
	for pos < n && u[pos] != '?' && u[pos] != '#' {
		pos++
	}
	p.path = u[start:pos]
	if pos < n && u[pos] == '?' {
		start = pos + 1
		for pos < n && u[pos] != '#' {
			pos++
		}
		p.query, p.hasQuery = u[start:pos], true
	}
	if pos < n && u[pos] == '#' {
		p.fragment, p.hasFrag = u[pos+1:], true
	}
	return
}

// splitAuthority splits host[:port] and [v6][:port] without trimming.
func splitAuthority(a []byte) (host, port []byte, hasPort bool) {
	if len(a) > 0 && a[0] == '[' {
		for i := range a {
			if a[i] == ']' {
				host, rest := a[:i+1], a[i+1:]
				for j := range rest {
					if rest[j] == ':' {
						return host, rest[j+1:], true
					}
				}
				return host, nil, false
			}
		}
		return a, nil, false
	}
	for i := range a {
		if a[i] == ':' {
			return a[:i], a[i+1:], true
		}
	}
	return a, nil, false
}

// NormalizeURI appends the normalised form of raw to dst (http.uri for a non-CONNECT request).
func NormalizeURI(dst, raw []byte) []byte {
	dst, _ = normalizeURI(dst, raw)
	return dst
}

// normalizeURI is NormalizeURI that also says how long the normalised path is: the path alone
// (libhtp's parsed_uri->path) cannot be cut at the first '?' since a decoded %3F may be in it.
func normalizeURI(dst, raw []byte) (out []byte, pathLen int) {
	p := splitURI(raw)
	start := len(dst)
	dst = append(dst, p.path...)
	n := decodePath(dst[start:])
	n = bestFitUTF8(dst[start : start+n])
	n = removeDotSegments(dst[start : start+n])
	dst = dst[:start+n]
	pathLen = n
	if p.hasQuery {
		dst = append(dst, '?')
		q := len(dst)
		dst = append(dst, p.query...)
		dst = dst[:q+urlDecode(dst[q:], false)]
	}
	if p.hasFrag {
		dst = append(dst, '#')
		f := len(dst)
		dst = append(dst, p.fragment...)
		dst = dst[:f+urlDecode(dst[f:], true)]
	}
	return dst, pathLen
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func x2c(b []byte) byte { return unhex(b[0])<<4 | unhex(b[1]) }

// bestFit maps a code point to one byte.
func bestFit(cp uint32) byte {
	switch {
	case cp < 0x100:
		return byte(cp)
	case cp >= 0xff01 && cp <= 0xff5e:
		return byte(cp - 0xfee0)
	}
	return '?'
}

// decodeEscape decodes the escape at b[0]=='%'. It returns the byte and how many input bytes
// it used; used==1 means "invalid: keep the '%'".
func decodeEscape(b []byte, uDecode bool) (c byte, used int) {
	if len(b) < 3 {
		return '%', 1
	}
	if uDecode && (b[1] == 'u' || b[1] == 'U') {
		if len(b) >= 6 && isHex(b[2]) && isHex(b[3]) && isHex(b[4]) && isHex(b[5]) {
			hi, lo := x2c(b[2:4]), x2c(b[4:6])
			if hi == 0 {
				return lo, 6
			}
			return bestFit(uint32(hi)<<8 | uint32(lo)), 6
		}
		return '%', 1
	}
	if isHex(b[1]) && isHex(b[2]) {
		return x2c(b[1:3]), 3
	}
	return '%', 1
}

// decodePath decodes in place (output never outgrows input) and returns the new length.
func decodePath(b []byte) int {
	r, w := 0, 0
	prevSep := false
	for r < len(b) {
		c := b[r]
		if c == '%' {
			var used int
			c, used = decodeEscape(b[r:], true)
			r += used
		} else {
			r++
		}
		if c == '\\' {
			c = '/'
		}
		if c == '/' {
			if prevSep {
				continue
			}
			prevSep = true
		} else {
			prevSep = false
		}
		b[w] = c
		w++
	}
	return w
}

// urlDecode decodes %XX (and %uHHHH when uDecode) in place.
func urlDecode(b []byte, uDecode bool) int {
	r, w := 0, 0
	for r < len(b) {
		c := b[r]
		if c == '%' {
			var used int
			c, used = decodeEscape(b[r:], uDecode)
			r += used
		} else {
			r++
		}
		b[w] = c
		w++
	}
	return w
}

// bestFitUTF8 converts UTF-8 (overlong forms allowed) to single bytes in place.
func bestFitUTF8(b []byte) int {
	r, w := 0, 0
	for r < len(b) {
		c := b[r]
		if c < 0x80 {
			b[w] = c
			r++
			w++
			continue
		}
		var need int
		var cp uint32
		switch {
		case c >= 0xc0 && c < 0xe0:
			need, cp = 1, uint32(c&0x1f)
		case c >= 0xe0 && c < 0xf0:
			need, cp = 2, uint32(c&0x0f)
		case c >= 0xf0 && c < 0xf8:
			need, cp = 3, uint32(c&0x07)
		default:
			// A stray continuation byte or an impossible lead byte.
			b[w] = '?'
			r++
			w++
			continue
		}
		i := 1
		for ; i <= need; i++ {
			if r+i >= len(b) || b[r+i]&0xc0 != 0x80 {
				break
			}
			cp = cp<<6 | uint32(b[r+i]&0x3f)
		}
		if i <= need {
			// Broken sequence: one replacement byte; the byte that broke it starts afresh.
			b[w] = '?'
			w++
			r += i
			continue
		}
		b[w] = bestFit(cp)
		w++
		r += need + 1
	}
	return w
}

// removeDotSegments is RFC 3986 section 5.2.4, in place.
func removeDotSegments(b []byte) int {
	r, w, n := 0, 0, len(b)
	at := func(s string) bool {
		if n-r < len(s) {
			return false
		}
		for i := 0; i < len(s); i++ {
			if b[r+i] != s[i] {
				return false
			}
		}
		return true
	}
	pop := func() {
		for w > 0 && b[w-1] != '/' {
			w--
		}
		if w > 0 {
			w--
		}
	}
	for r < n {
		switch {
		case at("../"):
			r += 3
		case at("./"):
			r += 2
		case at("/./"):
			r += 2
		case n-r == 2 && at("/."):
			r++
			b[r] = '/'
		case at("/../"):
			r += 3
			pop()
		case n-r == 3 && at("/.."):
			r += 2
			b[r] = '/'
			pop()
		case (n-r == 1 && at(".")) || (n-r == 2 && at("..")):
			r = n
		default:
			start := r
			if b[r] == '/' {
				r++
			}
			for r < n && b[r] != '/' {
				r++
			}
			w += copy(b[w:], b[start:r])
		}
	}
	return w
}
