package signatures

// BER identifier and length octets the asn1 checks need.
const (
	berConstructed  = 0x20
	berHighTag      = 0x1f
	berIndefinite   = 0x80
	berClassUniv    = 0
	berTagBoolean   = 1
	berTagBitString = 3
	berTagNull      = 5
	berTagReal      = 9
	berTagSequence  = 16
	berTagSet       = 17
)

// match runs the asn1 keyword over buf; bufOff is the relative cursor (the end of the last
// content match). As in Suricata, the objects are decoded from the offset until the data ends
// or one fails to decode, then checked, each with what it contains (SEQUENCE and SET members);
// decoding more top-level objects than MaxFrames while data remains voids the whole decode.
// Suricata hands the buffer's length over as 16 bits; so does this.
func (a *Asn1) match(buf []byte, bufOff uint32) bool {
	buf = buf[:len(buf)&0xffff]
	off := 0
	switch {
	case a.HasAbsolute:
		off = int(a.AbsoluteOffset)
	case a.HasRelative:
		o := int64(bufOff) + int64(a.RelativeOffset)
		if o < 0 || o > 0xffff {
			return false
		}
		off = int(o)
	}
	if off >= len(buf) {
		return false
	}
	rest := buf[off:]
	hit := false
	for frames := 0; len(rest) > 0; frames++ {
		if frames >= a.MaxFrames {
			return false
		}
		n, ok := berDecode(rest, a.MaxFrames)
		if !ok {
			break
		}
		hit = hit || a.check(rest[:n], a.MaxFrames)
		rest = rest[n:]
	}
	return hit
}

// berHeader is a BER object's identifier and length octets.
type berHeader struct {
	universal, constructed bool
	tag                    uint32
	size                   int    // identifier and length octets
	length                 uint64 // content length; 0 when indefinite
	indefinite             bool
}

// members reports whether the object's content is a list of objects the checks descend into:
// a constructed SEQUENCE or SET (Suricata's decoder keeps other constructed types whole).
func (h *berHeader) members() bool {
	return h.universal && h.constructed && (h.tag == berTagSequence || h.tag == berTagSet)
}

// readBERHeader reads the identifier (high tag numbers included) and length octets at b's start.
func readBERHeader(b []byte) (h berHeader, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.universal, h.constructed, h.tag = b[0]>>6 == berClassUniv, b[0]&berConstructed != 0, uint32(b[0]&berHighTag)
	i := 1
	if h.tag == berHighTag {
		h.tag = 0
		for {
			if i >= len(b) || i > 5 {
				return h, false
			}
			c := b[i]
			i++
			h.tag = h.tag<<7 | uint32(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return h, false
	}
	l := b[i]
	i++
	switch {
	case l < berIndefinite:
		h.length = uint64(l)
	case l == berIndefinite:
		if !h.constructed {
			return h, false
		}
		h.indefinite = true
	case l == 0xff:
		return h, false
	default:
		k := int(l & 0x7f)
		if k > 8 || i+k > len(b) {
			return h, false
		}
		for _, c := range b[i : i+k] {
			h.length = h.length<<8 | uint64(c)
		}
		i += k
	}
	h.size = i
	return h, true
}

// berDecode decodes the BER object at b's start, members included, and returns its encoded
// length; depth bounds the nesting.
func berDecode(b []byte, depth int) (int, bool) {
	h, ok := readBERHeader(b)
	if !ok || depth == 0 {
		return 0, false
	}
	if h.indefinite {
		// Members up to the end-of-contents octets.
		for rest := b[h.size:]; ; {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				return len(b) - len(rest) + 2, true
			}
			n, ok := berDecode(rest, depth-1)
			if !ok {
				return 0, false
			}
			rest = rest[n:]
		}
	}
	if h.length > uint64(len(b)-h.size) {
		return 0, false
	}
	content := b[h.size : h.size+int(h.length)]
	if h.universal && !h.constructed && !berContentValid(h.tag, content) {
		return 0, false
	}
	if h.members() {
		for rest := content; len(rest) > 0; {
			n, ok := berDecode(rest, depth-1)
			if !ok {
				return 0, false
			}
			rest = rest[n:]
		}
	}
	return h.size + int(h.length), true
}

// check reports whether b, one object berDecode accepted, or one of its members matches the
// keyword's checks.
func (a *Asn1) check(b []byte, depth int) bool {
	h, _ := readBERHeader(b)
	if depth == 0 {
		return false
	}
	var content []byte
	if !h.indefinite {
		content = b[h.size : h.size+int(h.length)]
	}
	if a.hit(h.universal && !h.constructed, h.tag, h.length, content) {
		return true
	}
	if !h.members() {
		return false
	}
	rest := content
	if h.indefinite {
		rest = b[h.size:]
	}
	for len(rest) > 0 && !(h.indefinite && rest[0] == 0 && len(rest) >= 2 && rest[1] == 0) {
		n, _ := berDecode(rest, depth-1)
		if n == 0 {
			return false
		}
		if a.check(rest[:n], depth-1) {
			return true
		}
		rest = rest[n:]
	}
	return false
}

// hit applies the checks to one object: its length as encoded, and for a universal
// primitive its content.
func (a *Asn1) hit(primitive bool, tag uint32, length uint64, content []byte) bool {
	if a.HasOversize && length > uint64(a.OversizeLength) {
		return true
	}
	if !primitive || len(content) == 0 {
		return false
	}
	switch {
	case a.BitstringOverflow && tag == berTagBitString:
		// The first content octet counts the unused bits of the last one.
		return uint64(content[0]) > length*8
	case a.DoubleOverflow && tag == berTagReal:
		// Decimal encoding (top bits clear) longer than the 256 bytes MS ASN.1 expected.
		return content[0]&0xc0 == 0 && length > 256
	}
	return false
}

// berContentValid is what the decoder Suricata uses insists on for the universal types whose
// length is fixed: a BOOLEAN is one octet, a NULL none, a BIT STRING at least its unused-bits
// octet.
func berContentValid(tag uint32, content []byte) bool {
	switch tag {
	case berTagBoolean:
		return len(content) == 1
	case berTagNull:
		return len(content) == 0
	case berTagBitString:
		return len(content) > 0
	}
	return true
}
