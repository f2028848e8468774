package tls

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// fingerprints holds JA3/JA3S (Salesforce) and JA4/JA4S (FoxIO) of the last hellos, built in
// reused buffers so a flow's fingerprints cost no allocation once the buffers have grown.
type fingerprints struct {
	ja3Str, ja3Hash   []byte
	ja3sStr, ja3sHash []byte
	ja4, ja4r, ja4s   []byte
	sorted            []uint16
	tmp               []byte
}

func (f *fingerprints) reset() {
	f.ja3Str, f.ja3Hash = f.ja3Str[:0], f.ja3Hash[:0]
	f.ja3sStr, f.ja3sHash = f.ja3sStr[:0], f.ja3sHash[:0]
	f.ja4, f.ja4r, f.ja4s = f.ja4[:0], f.ja4r[:0], f.ja4s[:0]
}

// appendDecList writes the non-GREASE values as decimal joined by '-' (JA3's lists).
func appendDecList[T uint8 | uint16](dst []byte, vals []T) []byte {
	first := true
	for _, v := range vals {
		if isGREASE(uint16(v)) {
			continue
		}
		if !first {
			dst = append(dst, '-')
		}
		first = false
		dst = strconv.AppendUint(dst, uint64(v), 10)
	}
	return dst
}

// appendHexList writes values as 4-digit lowercase hex joined by ',' (JA4's lists).
func appendHexList(dst []byte, vals []uint16) []byte {
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendHex16(dst, v)
	}
	return dst
}

func appendHex16(dst []byte, v uint16) []byte {
	return append(dst, lowerHex[v>>12], lowerHex[v>>8&15], lowerHex[v>>4&15], lowerHex[v&15])
}

func appendMD5Hex(dst, in []byte) []byte {
	sum := md5.Sum(in)
	return hex.AppendEncode(dst, sum[:])
}

// appendTrunc12 writes JA4's truncated hash: the first 12 hex digits of SHA-256, or twelve
// zeros for an empty list.
func appendTrunc12(dst, in []byte) []byte {
	if len(in) == 0 {
		return append(dst, "000000000000"...)
	}
	sum := sha256.Sum256(in)
	return hex.AppendEncode(dst, sum[:6])
}

// client computes JA3 and JA4 of a parsed ClientHello.
func (f *fingerprints) client(c *clientHello) {
	// JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats.
	s := strconv.AppendUint(f.ja3Str[:0], uint64(c.version), 10)
	s = append(s, ',')
	s = appendDecList(s, c.ciphers)
	s = append(s, ',')
	s = appendDecList(s, c.exts)
	s = append(s, ',')
	s = appendDecList(s, c.groups)
	s = append(s, ',')
	s = appendDecList(s, c.pointFormats)
	f.ja3Str = s
	f.ja3Hash = appendMD5Hex(f.ja3Hash[:0], s)

	// JA4_a: protocol, version, SNI, cipher and extension counts, ALPN.
	ver := c.version
	if v, ok := maxNonGREASE(c.versions); ok {
		ver = v
	}
	a := f.ja4r[:0]
	a = append(a, 't')
	a = append(a, ja4Version(ver)...)
	if c.hasSNI {
		a = append(a, 'd')
	} else {
		a = append(a, 'i')
	}
	a = appendCount(a, countNonGREASE(c.ciphers))
	a = appendCount(a, countNonGREASE(c.exts))
	a = appendALPNChars(a, c.alpn.get(0))
	aLen := len(a)

	// JA4_b: sorted ciphers. JA4_c: sorted extensions less SNI and ALPN, then the signature
	// algorithms in wire order.
	f.sorted = appendNonGREASE(f.sorted[:0], c.ciphers, false)
	slices.Sort(f.sorted)
	a = append(a, '_')
	bStart := len(a)
	a = appendHexList(a, f.sorted)
	bEnd := len(a)
	f.sorted = appendNonGREASE(f.sorted[:0], c.exts, true)
	slices.Sort(f.sorted)
	a = append(a, '_')
	cStart := len(a)
	a = appendHexList(a, f.sorted)
	if len(c.sigAlgs) > 0 {
		a = append(a, '_')
		a = appendHexList(a, c.sigAlgs)
	}
	f.ja4r = a

	h := append(f.ja4[:0], a[:aLen]...)
	h = append(h, '_')
	h = appendTrunc12(h, a[bStart:bEnd])
	h = append(h, '_')
	if len(f.sorted) == 0 {
		h = appendTrunc12(h, nil)
	} else {
		h = appendTrunc12(h, a[cStart:])
	}
	f.ja4 = h
}

// server computes JA3S and JA4S of a parsed ServerHello.
func (f *fingerprints) server(h *serverHello) {
	s := strconv.AppendUint(f.ja3sStr[:0], uint64(h.version), 10)
	s = append(s, ',')
	s = strconv.AppendUint(s, uint64(h.cipher), 10)
	s = append(s, ',')
	s = appendDecList(s, h.exts)
	f.ja3sStr = s
	f.ja3sHash = appendMD5Hex(f.ja3sHash[:0], s)

	ver := h.version
	if h.selected != 0 {
		ver = h.selected
	}
	j := append(f.ja4s[:0], 't')
	j = append(j, ja4Version(ver)...)
	j = appendCount(j, len(h.exts))
	j = appendALPNChars(j, h.alpn)
	j = append(j, '_')
	j = appendHex16(j, h.cipher)
	j = append(j, '_')
	f.tmp = appendHexList(f.tmp[:0], h.exts)
	j = appendTrunc12(j, f.tmp)
	f.ja4s = j
}

func maxNonGREASE(v []uint16) (uint16, bool) {
	var m uint16
	found := false
	for _, x := range v {
		if !isGREASE(x) && (!found || x > m) {
			m, found = x, true
		}
	}
	return m, found
}

func countNonGREASE(v []uint16) int {
	n := 0
	for _, x := range v {
		if !isGREASE(x) {
			n++
		}
	}
	return n
}

// appendNonGREASE copies v without GREASE values and, for JA4_c, without SNI and ALPN.
func appendNonGREASE(dst, v []uint16, dropSNIALPN bool) []uint16 {
	for _, x := range v {
		if isGREASE(x) || dropSNIALPN && (x == extServerName || x == extALPN) {
			continue
		}
		dst = append(dst, x)
	}
	return dst
}

// appendCount writes a two-digit count, capped at 99 as JA4 specifies.
func appendCount(dst []byte, n int) []byte {
	n = min(n, 99)
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// ja4Version maps a version to JA4's two characters.
func ja4Version(v uint16) string {
	switch v {
	case versionTLS13:
		return "13"
	case versionTLS12:
		return "12"
	case versionTLS11:
		return "11"
	case versionTLS10:
		return "10"
	case versionSSL3:
		return "s3"
	case versionSSL2, 0x0200:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// appendALPNChars writes the first and last character of the first ALPN value: "00" when
// there is none, and "99" when either is not ASCII alphanumeric, as FoxIO's reference
// implementation (and its expected test data) does.
func appendALPNChars(dst, alpn []byte) []byte {
	if len(alpn) == 0 {
		return append(dst, '0', '0')
	}
	first, last := alpn[0], alpn[len(alpn)-1]
	if !isAlnum(first) || !isAlnum(last) {
		return append(dst, '9', '9')
	}
	return append(dst, first, last)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// VersionString is Suricata's name for a TLS version as EVE tls.version writes it.
func VersionString(v uint16) string {
	switch v {
	case 0:
		return "UNDETERMINED"
	case 0x0200:
		return "SSLv2"
	case versionSSL3:
		return "SSLv3"
	case versionTLS10:
		return "TLSv1"
	case versionTLS11:
		return "TLS 1.1"
	case versionTLS12:
		return "TLS 1.2"
	case versionTLS13:
		return "TLS 1.3"
	case 0x7f01:
		return "TLS 1.3 draft-<16"
	case 0xfb14, 0xfb15, 0xfb16, 0xfb17, 0xfb1a:
		return "TLS 1.3 draft-" + strconv.Itoa(int(v&0xff)) + "-fb"
	}
	if v >= 0x7f10 && v <= 0x7f1c {
		return "TLS 1.3 draft-" + strconv.Itoa(int(v&0xff))
	}
	// Suricata 7 prints unknown versions as 0x%04x.
	return "0x" + string(appendHex16(nil, v))
}
