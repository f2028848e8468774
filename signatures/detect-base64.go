package signatures

// Matching of base64_decode (see parse-base64.go).

// base64Decode runs keyword m on buf: it decodes from the keyword's start position and
// inspects the base64_data list over the result with a fresh cursor. The decoded bytes live in
// the state's scratch, grown once to the largest decode.
func (st *MatchState) base64Decode(m *Keyword, buf []byte) int {
	d := m.Base64
	if d.Data == nil || len(d.Data.Matchers) == 0 {
		return noMatch
	}
	start := uint32(0)
	if d.Relative {
		start = st.bufOff
	}
	if start > uint32(len(buf)) {
		return noMatch
	}
	if d.Offset > 0 {
		if uint64(d.Offset) >= uint64(len(buf))-uint64(start) {
			return noMatch
		}
		start += d.Offset
	}
	src := buf[start:]
	if uint32(len(src)) > d.Bytes {
		src = src[:d.Bytes]
	}
	if need := len(src)/4*3 + 3; cap(st.b64) < need {
		st.b64 = make([]byte, 0, max(need, 4096))
	}
	dec := decodeBase64RFC4648(st.b64[:0], src)
	if len(dec) == 0 {
		return noMatch
	}
	// The decoded data is a buffer of its own: its list starts at offset 0, and its matches
	// say nothing about where the outer list's matches end.
	bufOff, pcreStart, maxEnd := st.bufOff, st.pcreStart, st.maxEnd
	st.bufOff, st.pcreStart = 0, 0
	r := st.inspect(d.Data.Matchers, 0, dec)
	st.bufOff, st.pcreStart = bufOff, pcreStart
	if r != matched {
		st.maxEnd = maxEnd
		return noMatch
	}
	// For stream freshness the match ends where the encoded text it read ends.
	st.maxEnd = max(maxEnd, start+uint32(len(src)))
	return matched
}

// base64Values maps the RFC 4648 alphabet to its 6-bit values; -1 elsewhere.
var base64Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase64RFC4648 appends the decoding of src to dst the way Suricata's RFC 4648 mode
// does: it stops at the first byte outside the alphabet and '=', pads a trailing partial
// group (so "Zg" gives "f"), and lets '=' end a group's data wherever it appears.
func decodeBase64RFC4648(dst, src []byte) []byte {
	var grp [4]int8
	n := 0
	flush := func() {
		// A group yields one byte per value after the first, up to the first padding.
		valid := 0
		for valid < n && grp[valid] >= 0 {
			valid++
		}
		v := uint32(0)
		for i := range 4 {
			v <<= 6
			if i < valid {
				v |= uint32(grp[i])
			}
		}
		out := [3]byte{byte(v >> 16), byte(v >> 8), byte(v)}
		if valid > 1 {
			dst = append(dst, out[:valid-1]...)
		}
		n = 0
	}
	for _, c := range src {
		switch v := base64Values[c]; {
		case v >= 0:
			grp[n] = v
		case c == '=':
			grp[n] = -1
		default:
			if n > 0 {
				flush()
			}
			return dst
		}
		if n++; n == 4 {
			flush()
		}
	}
	if n > 0 {
		flush()
	}
	return dst
}
