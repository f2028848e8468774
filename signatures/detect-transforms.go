package signatures

// Sticky-buffer transforms (dotprefix, to_lowercase, url_decode, from_base64, pcrexform …).
//
// Semantics follow Suricata 7's detect-transform-*.c; the transforms Suricata 7 does not have
// (header_lowercase, strip_pseudo_headers, from_base64) follow Suricata 8. Where the two
// versions differ, the Suricata 7 behaviour is kept and the difference is named at the
// transform. A transform never changes the caller's buffer: the output lives in scratch that
// belongs to one worker, is grown once and then reused, so a chain allocates nothing per
// packet.

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

type transformKind uint8

const (
	xfDotPrefix transformKind = iota + 1
	xfToLower
	xfToUpper
	xfHeaderLower
	xfStripWhitespace
	xfCompressWhitespace
	xfStripPseudoHeaders
	xfMD5
	xfSHA1
	xfSHA256
	xfURLDecode
	xfXor
	xfPcrexform
	xfFromBase64
)

// transformNames maps each keyword to its kind; the keywords without an entry in
// transformTakesArg reject any argument, as Suricata's SIGMATCH_NOOPT does.
var transformNames = map[string]transformKind{
	"dotprefix":            xfDotPrefix,
	"to_lowercase":         xfToLower,
	"to_uppercase":         xfToUpper,
	"header_lowercase":     xfHeaderLower,
	"strip_whitespace":     xfStripWhitespace,
	"compress_whitespace":  xfCompressWhitespace,
	"strip_pseudo_headers": xfStripPseudoHeaders,
	"to_md5":               xfMD5,
	"to_sha1":              xfSHA1,
	"to_sha256":            xfSHA256,
	"url_decode":           xfURLDecode,
	"xor":                  xfXor,
	"pcrexform":            xfPcrexform,
	"from_base64":          xfFromBase64,
}

// base64Mode is from_base64's decoding discipline.
type base64Mode uint8

const (
	// b64RFC4648 stops at the first byte outside the alphabet and decodes what came before,
	// padding a trailing partial quantum (Suricata's default).
	b64RFC4648 base64Mode = iota
	// b64RFC2045 skips every byte outside the alphabet (MIME); a trailing partial quantum is
	// dropped.
	b64RFC2045
	// b64Strict accepts only canonical, padded base64 and fails on anything else.
	b64Strict
)

var base64ModeNames = [...]string{b64RFC4648: "rfc4648", b64RFC2045: "rfc2045", b64Strict: "strict"}

// Transform is one transform keyword of a sticky buffer with its parsed argument. It is
// read-only after parseTransform and may be shared by all workers.
type Transform struct {
	kind transformKind
	name string

	xorKey []byte // xor

	pattern string    // pcrexform, as written between the quotes
	re      *pcreCode // pcrexform

	b64Bytes  uint32 // from_base64: bytes to decode, 0 = all
	b64Offset uint32 // from_base64: bytes to skip first
	b64Mode   base64Mode
}

// Suricata caps from_base64's bytes and offset at 16 bits and the xor key at 255 bytes.
const (
	maxBase64Param = math.MaxUint16
	maxXorKeyLen   = math.MaxUint8
)

// parseTransform parses one transform keyword. value is the option value as splitRule
// yields it: trimmed, with its double quotes still on ("" when the keyword has no ':').
func parseTransform(name, value string) (Transform, error) {
	kind, ok := transformNames[name]
	if !ok {
		return Transform{}, fmt.Errorf("unknown transform %q", name)
	}
	t := Transform{kind: kind, name: name}
	value = strings.TrimSpace(value)
	switch kind {
	case xfXor:
		key, err := parseXorKey(value)
		if err != nil {
			return Transform{}, fmt.Errorf("xor: %w", err)
		}
		t.xorKey = key
	case xfPcrexform:
		pat, quoted := unquote(value)
		if !quoted {
			return Transform{}, errors.New("pcrexform: the regular expression must be in double quotes")
		}
		if pat == "" {
			return Transform{}, errors.New("pcrexform: empty regular expression")
		}
		// Suricata compiles the text as is, without /…/flags, and with no options.
		re, err := compilePCRE(pat, 0)
		if err != nil {
			return Transform{}, fmt.Errorf("pcrexform %q: %w", pat, err)
		}
		if re.captures != 1 {
			return Transform{}, fmt.Errorf("pcrexform %q: needs exactly one capture group, found %d", pat, re.captures)
		}
		t.pattern, t.re = pat, re
	case xfFromBase64:
		if err := t.parseBase64Options(value); err != nil {
			return Transform{}, fmt.Errorf("from_base64: %w", err)
		}
	default:
		if value != "" {
			return Transform{}, fmt.Errorf("%s takes no argument, got %q", name, value)
		}
	}
	return t, nil
}

func parseXorKey(value string) ([]byte, error) {
	hex, quoted := unquote(value)
	if !quoted {
		return nil, errors.New("the key must be a hex string in double quotes")
	}
	switch {
	case hex == "":
		return nil, errors.New("empty key")
	case len(hex)%2 == 1:
		return nil, fmt.Errorf("key %q has an odd number of hex digits", hex)
	case len(hex)/2 > maxXorKeyLen:
		return nil, fmt.Errorf("key of %d bytes is longer than %d", len(hex)/2, maxXorKeyLen)
	}
	key := make([]byte, len(hex)/2)
	for i := range key {
		hi, ok1 := hexNibble(hex[2*i])
		lo, ok2 := hexNibble(hex[2*i+1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("key %q is not hexadecimal", hex)
		}
		key[i] = hi<<4 | lo
	}
	return key, nil
}

// parseBase64Options reads "[bytes <n>][, offset <n>][, mode rfc4648|rfc2045|strict]" in
// any order, each at most once; an empty value keeps the defaults (whole buffer, rfc4648).
func (t *Transform) parseBase64Options(value string) error {
	if value == "" {
		return nil
	}
	if _, quoted := unquote(value); quoted {
		return fmt.Errorf("options must not be quoted: %s", value)
	}
	parts := strings.Split(value, ",")
	if len(parts) > 3 {
		return fmt.Errorf("at most 3 options (bytes, offset, mode), got %d in %q", len(parts), value)
	}
	var seen [3]bool
	for _, p := range parts {
		p = strings.TrimSpace(p)
		key, arg, ok := strings.Cut(p, " ")
		arg = strings.TrimSpace(arg)
		if !ok || arg == "" {
			return fmt.Errorf("option %q needs a value", p)
		}
		var slot int
		switch key {
		case "bytes", "offset":
			n, err := strconv.ParseUint(arg, 10, 32)
			if err != nil {
				return fmt.Errorf("%s %q: must be a number (byte variables are not supported)", key, arg)
			}
			if n > maxBase64Param {
				return fmt.Errorf("%s %d: must be between 0 and %d", key, n, maxBase64Param)
			}
			if key == "bytes" {
				slot, t.b64Bytes = 0, uint32(n)
			} else {
				slot, t.b64Offset = 1, uint32(n)
			}
		case "mode":
			slot = 2
			switch arg {
			case "rfc4648":
				t.b64Mode = b64RFC4648
			case "rfc2045":
				t.b64Mode = b64RFC2045
			case "strict":
				t.b64Mode = b64Strict
			default:
				return fmt.Errorf("mode %q: want rfc4648, rfc2045 or strict", arg)
			}
		default:
			return fmt.Errorf("unknown option %q (want bytes, offset or mode)", key)
		}
		if seen[slot] {
			return fmt.Errorf("%s given twice", key)
		}
		seen[slot] = true
	}
	return nil
}

// String is the canonical text of the transform, equal for equal transforms, so that rule
// buffers can be keyed by it: the bare name, or name:arg with arguments in one normal form
// (xor key in lower-case hex, from_base64 listing only non-default options).
func (t Transform) String() string {
	switch t.kind {
	case xfXor:
		const digits = "0123456789abcdef"
		b := make([]byte, 0, len(t.xorKey)*2)
		for _, c := range t.xorKey {
			b = append(b, digits[c>>4], digits[c&15])
		}
		return `xor:"` + string(b) + `"`
	case xfPcrexform:
		return `pcrexform:"` + t.pattern + `"`
	case xfFromBase64:
		var opts []string
		if t.b64Bytes > 0 {
			opts = append(opts, "bytes "+strconv.FormatUint(uint64(t.b64Bytes), 10))
		}
		if t.b64Offset > 0 {
			opts = append(opts, "offset "+strconv.FormatUint(uint64(t.b64Offset), 10))
		}
		if t.b64Mode != b64RFC4648 {
			opts = append(opts, "mode "+base64ModeNames[t.b64Mode])
		}
		if len(opts) == 0 {
			return "from_base64"
		}
		return "from_base64:" + strings.Join(opts, ", ")
	}
	return t.name
}

// transformScratch is one worker's output space for transform chains: two buffers used in
// turn (a step never writes the buffer it reads) and PCRE match data for pcrexform. Not safe
// for concurrent use.
type transformScratch struct {
	buf  [2][]byte
	pcre *pcreScratch
}

// apply runs chain over src and returns the transformed buffer, or src itself for an empty
// chain. The result is valid until the next call; src is never written. A failed transform
// (from_base64 with nothing decodable, which Suricata 8 marks as a buffer error that matches
// nothing) gives nil; run tells failure apart from an empty result.
func (ts *transformScratch) apply(chain []Transform, src []byte) []byte {
	out, ok := ts.run(chain, src)
	if !ok {
		return nil
	}
	return out
}

// run is apply with the failure reported: ok=false means the buffer must not match at all,
// not even a negated content.
func (ts *transformScratch) run(chain []Transform, src []byte) (out []byte, ok bool) {
	cur, curBuf := src, ts.owner(src)
	for i := range chain {
		// Write into the buffer that does not hold the input, whatever earlier steps did.
		dst := 0
		if curBuf == 0 {
			dst = 1
		}
		next, nextBuf, ok := ts.step(&chain[i], cur, dst)
		if !ok {
			return nil, false
		}
		if nextBuf == ownedNone {
			nextBuf = curBuf // unchanged or a sub-slice of the input
		}
		cur, curBuf = next, nextBuf
	}
	return cur, true
}

const ownedNone = -1

// owner says which scratch buffer b lies in, so that a caller passing back an earlier
// result is not overwritten mid-read.
func (ts *transformScratch) owner(b []byte) int {
	if cap(b) == 0 {
		return ownedNone
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	for i, s := range ts.buf {
		if cap(s) == 0 {
			continue
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
		if p >= lo && p < lo+uintptr(cap(s)) {
			return i
		}
	}
	return ownedNone
}

// out returns scratch buffer i with room for n bytes, length 0.
func (ts *transformScratch) out(i, n int) []byte {
	if cap(ts.buf[i]) < n {
		// Grow with headroom so a stream of slightly larger buffers does not reallocate each time.
		ts.buf[i] = make([]byte, 0, max(n+n/2, 256))
	}
	return ts.buf[i][:0]
}

// step runs one transform over in. It returns the output and the scratch buffer it lives in,
// or ownedNone when the output is in itself or a sub-slice of it; ok=false is a failure.
func (ts *transformScratch) step(t *Transform, in []byte, dst int) (out []byte, buf int, ok bool) {
	switch t.kind {
	case xfDotPrefix:
		// Suricata leaves an empty buffer empty rather than making it ".".
		if len(in) == 0 {
			return in, ownedNone, true
		}
		o := ts.out(dst, len(in)+1)
		o = append(o, '.')
		return append(o, in...), dst, true
	case xfToLower, xfToUpper:
		o := ts.out(dst, len(in))[:len(in)]
		table := &xfLowerTable
		if t.kind == xfToUpper {
			table = &xfUpperTable
		}
		for i, c := range in {
			o[i] = table[c]
		}
		return o, dst, true
	case xfHeaderLower:
		return headerLowercase(ts.out(dst, len(in))[:len(in)], in), dst, true
	case xfStripWhitespace:
		o := ts.out(dst, len(in))[:len(in)]
		n := 0
		for _, c := range in {
			o[n] = c
			n += int(1 - xfSpaceTable[c])
		}
		return o[:n], dst, true
	case xfCompressWhitespace:
		o := ts.out(dst, len(in))[:len(in)]
		n, prev := 0, byte(0)
		for _, c := range in {
			sp := xfSpaceTable[c]
			o[n] = c
			n += int(1 - sp&prev) // a run keeps its first whitespace byte, as Suricata does
			prev = sp
		}
		return o[:n], dst, true
	case xfStripPseudoHeaders:
		return stripPseudoHeaders(ts.out(dst, len(in)), in), dst, true
	case xfMD5:
		// Suricata 7 hashes an empty buffer too (Suricata 8 leaves it empty).
		sum := md5.Sum(in)
		return append(ts.out(dst, len(sum)), sum[:]...), dst, true
	case xfSHA1:
		sum := sha1.Sum(in)
		return append(ts.out(dst, len(sum)), sum[:]...), dst, true
	case xfSHA256:
		sum := sha256.Sum256(in)
		return append(ts.out(dst, len(sum)), sum[:]...), dst, true
	case xfURLDecode:
		return urlDecode(ts.out(dst, len(in)), in), dst, true
	case xfXor:
		o := ts.out(dst, len(in))[:len(in)]
		k, j := t.xorKey, 0
		for i, c := range in {
			o[i] = c ^ k[j]
			if j++; j == len(k) {
				j = 0
			}
		}
		return o, dst, true
	case xfPcrexform:
		return ts.pcrexform(t, in), ownedNone, true
	case xfFromBase64:
		return ts.fromBase64(t, in, dst)
	}
	return in, ownedNone, true
}

// xfSpaceTable is 1 for C's isspace in the "C" locale, which Suricata 7's whitespace transforms
// use (it includes \v, unlike Rust's is_ascii_whitespace in Suricata 8's strip_whitespace).
// xfLowerTable and xfUpperTable change ASCII letters only, like C's tolower/toupper there.
var xfSpaceTable, xfLowerTable, xfUpperTable = func() (sp, lo, up [256]byte) {
	for i := range 256 {
		c := byte(i)
		lo[i], up[i] = c, c
		switch {
		case c == ' ' || ('\t' <= c && c <= '\r'):
			sp[i] = 1
		case 'A' <= c && c <= 'Z':
			lo[i] = c + 'a' - 'A'
		case 'a' <= c && c <= 'z':
			up[i] = c - ('a' - 'A')
		}
	}
	return
}()

func isHexDigit(c byte) bool {
	_, ok := hexNibble(c)
	return ok
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// headerLowercase lower-cases the names of a "Name: value\n" header block and leaves the
// values alone: a name runs from a line start to its first ':'.
func headerLowercase(o, in []byte) []byte {
	inValue := false
	for i, c := range in {
		switch {
		case inValue:
			if c == '\n' {
				inValue = false
			}
		case c == ':':
			inValue = true
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		o[i] = c
	}
	return o
}

// stripPseudoHeaders drops the lines (with their '\n') that start with ':', the HTTP/2
// pseudo-headers such as ":method:GET".
func stripPseudoHeaders(o, in []byte) []byte {
	for len(in) > 0 {
		n := len(in)
		for i, c := range in {
			if c == '\n' {
				n = i + 1
				break
			}
		}
		if in[0] != ':' {
			o = append(o, in[:n]...)
		}
		in = in[n:]
	}
	return o
}

// urlDecode is Suricata 7's url_decode: %HH becomes a byte, '+' a space, and a '%' that does
// not start a valid escape is kept while the bytes after it are decoded normally (so "%%41"
// gives "%A"; Suricata 8's Rust version would keep "%%41").
func urlDecode(o, in []byte) []byte {
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == '%' && i+2 < len(in) && isHexDigit(in[i+1]) && isHexDigit(in[i+2]):
			hi, _ := hexNibble(in[i+1])
			lo, _ := hexNibble(in[i+2])
			o = append(o, hi<<4|lo)
			i += 2
		case c == '+':
			o = append(o, ' ')
		default:
			o = append(o, c)
		}
	}
	return o
}

// pcrexform replaces the buffer by the regex's capture group. With no match, a match error
// (limits) or an unset group the buffer stays as it was: Suricata 7's behaviour (Suricata 8
// makes it a buffer error instead). The capture is a sub-slice of in, so nothing is copied.
func (ts *transformScratch) pcrexform(t *Transform, in []byte) []byte {
	if t.re == nil {
		return in
	}
	if ts.pcre == nil {
		ts.pcre = newPCREScratch(1)
	}
	if _, _, ok, _ := ts.pcre.match(t.re, in, 0, true); !ok {
		return in
	}
	ov := unsafe.Slice(ts.pcre.ovp, 4)
	from, to := uint64(ov[2]), uint64(ov[3])
	// An unset group reads PCRE2_UNSET (all ones), which fails these bounds.
	if from > to || to > uint64(len(in)) {
		return in
	}
	return in[from:to]
}

// fromBase64 is Suricata 8's from_base64. An offset at or past the end, or a byte count that
// reaches the end of what follows the offset, leaves the buffer unchanged (Suricata skips the
// transform then); decoding nothing at all is a failure.
func (ts *transformScratch) fromBase64(t *Transform, in []byte, dst int) ([]byte, int, bool) {
	if len(in) == 0 {
		return in, ownedNone, true
	}
	enc := in
	if t.b64Offset > 0 {
		if int(t.b64Offset) >= len(enc) {
			return in, ownedNone, true
		}
		enc = enc[t.b64Offset:]
	}
	if t.b64Bytes > 0 {
		if int(t.b64Bytes) >= len(enc) {
			return in, ownedNone, true
		}
		enc = enc[:t.b64Bytes]
	}
	o := ts.out(dst, len(enc))[:len(enc)]
	var n int
	switch t.b64Mode {
	case b64RFC2045:
		n = decodeBase64Lenient(o, enc, true)
	case b64Strict:
		n = decodeBase64Strict(o, enc)
	default:
		n = decodeBase64Lenient(o, enc, false)
	}
	if n <= 0 {
		return nil, ownedNone, false
	}
	return o[:n], dst, true
}

// base64Value maps the standard alphabet to its 6-bit values; 0xff marks other bytes.
var base64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeBase64Lenient is Suricata's quantum decoder for the rfc4648 and rfc2045 modes. Bytes
// of the alphabet and '=' fill 4-byte quanta; a '=' in the third or fourth place ends that
// quantum early (decoding resumes with the next one). rfc4648 stops at the first other byte
// and pads a partial quantum; rfc2045 skips other bytes and drops a trailing partial quantum.
// A '=' in the first two places of a quantum makes the whole decode fail (returns 0).
func decodeBase64Lenient(o, in []byte, skipInvalid bool) int {
	var q [4]byte
	nq, n := 0, 0
	flush := func() bool {
		a, b := base64Value[q[0]], base64Value[q[1]]
		if a == 0xff || b == 0xff {
			return false
		}
		o[n] = a<<2 | b>>4
		n++
		if q[2] == '=' {
			return true
		}
		c := base64Value[q[2]]
		o[n] = b<<4 | c>>2
		n++
		if q[3] == '=' {
			return true
		}
		o[n] = c<<6 | base64Value[q[3]]
		n++
		return true
	}
	for _, ch := range in {
		if base64Value[ch] == 0xff && ch != '=' {
			if skipInvalid {
				continue
			}
			break
		}
		q[nq] = ch
		nq++
		if nq == 4 {
			if !flush() {
				return 0
			}
			nq = 0
		}
	}
	if nq > 0 && !skipInvalid {
		for ; nq < 4; nq++ {
			q[nq] = '='
		}
		if !flush() {
			return 0
		}
	}
	return n
}

// decodeBase64Strict accepts canonical padded base64 only: whole quanta, alphabet bytes,
// one or two '=' at the very end, and zero bits left over. Anything else returns 0, as the
// Rust base64 crate's STANDARD engine that Suricata uses rejects it.
func decodeBase64Strict(o, in []byte) int {
	if len(in)%4 != 0 {
		return 0
	}
	n := 0
	for i := 0; i < len(in); i += 4 {
		q := in[i : i+4]
		last := i+4 == len(in)
		pad := 0
		if last && q[3] == '=' {
			pad = 1
			if q[2] == '=' {
				pad = 2
			}
		}
		var v [4]byte
		for j := 0; j < 4-pad; j++ {
			v[j] = base64Value[q[j]]
			if v[j] == 0xff {
				return 0
			}
		}
		switch pad {
		case 0:
			o[n], o[n+1], o[n+2] = v[0]<<2|v[1]>>4, v[1]<<4|v[2]>>2, v[2]<<6|v[3]
			n += 3
		case 1:
			if v[2]&0x03 != 0 {
				return 0
			}
			o[n], o[n+1] = v[0]<<2|v[1]>>4, v[1]<<4|v[2]>>2
			n += 2
		case 2:
			if v[1]&0x0f != 0 {
				return 0
			}
			o[n] = v[0]<<2 | v[1]>>4
			n++
		}
	}
	return n
}
