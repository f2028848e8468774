package signatures

import "math/bits"

// extractAt reads op's number at pos in buf, little endian when little. It returns the value
// and the bytes consumed, or ok=false when the bytes are missing or not a number.
func extractAt(op *ByteOp, little bool, nbytes int, buf []byte, pos int) (v uint64, used int, ok bool) {
	if op.String {
		end := len(buf)
		if nbytes > 0 {
			end = pos + nbytes
		}
		if pos < 0 || end > len(buf) || pos > end {
			return 0, 0, false
		}
		return parseStrNum(buf[pos:end], op.Base)
	}
	if nbytes < 1 || nbytes > 8 || pos+nbytes > len(buf) {
		return 0, 0, false
	}
	b := buf[pos : pos+nbytes]
	for k := range b {
		if little {
			v |= uint64(b[k]) << (8 * k)
		} else {
			v = v<<8 | uint64(b[k])
		}
	}
	return v, nbytes, true
}

// parseStrNum is strtoull over a bounded byte string: leading spaces, an optional sign, an
// optional 0x for hex, then digits up to the first non-digit. No digits or overflow is no
// number. used counts the bytes up to the end of the digits.
func parseStrNum(b []byte, base int) (v uint64, used int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(b) && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X') && hexDigit(b[i+2]) >= 0 {
		i += 2
	}
	start := i
	for ; i < len(b); i++ {
		d := -1
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case base == 16:
			d = hexDigit(c)
		}
		if d < 0 || d >= base {
			break
		}
		hi, lo := bits.Mul64(v, uint64(base))
		if hi != 0 {
			return 0, 0, false
		}
		var carry uint64
		v, carry = bits.Add64(lo, uint64(d), 0)
		if carry != 0 {
			return 0, 0, false
		}
	}
	if i == start {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func applyMask(op *ByteOp, v uint64) uint64 {
	if !op.HasMask {
		return v
	}
	v &= op.Bitmask
	if v != 0 {
		v >>= bits.TrailingZeros64(op.Bitmask)
	}
	return v
}

// bytePos is the shared start computation of byte_test, byte_extract and byte_math: the
// position to read at, or ok=false when Suricata would not read (no room, before the buffer).
func (st *MatchState) bytePos(op *ByteOp, nbytes int64, buf []byte) (pos int, ok bool) {
	blen := int64(len(buf))
	if blen == 0 {
		return 0, false
	}
	p := st.value(op.Offset)
	if op.Relative {
		p += int64(st.bufOff)
		if blen-p <= 0 {
			return 0, false
		}
	}
	if p < 0 || nbytes > blen-p {
		return 0, false
	}
	return int(p), true
}

func (st *MatchState) byteTest(op *ByteOp, buf []byte) int {
	n := st.value(op.NBytes)
	pos, ok := st.bytePos(op, n, buf)
	if !ok {
		return noMatch
	}
	v, _, ok := extractAt(op, st.little(op), int(n), buf, pos)
	if !ok {
		return noMatch
	}
	v = applyMask(op, v)
	want := uint64(st.value(op.Value))
	var res bool
	switch op.Op {
	case '=':
		res = v == want
	case '<':
		res = v < want
	case '>':
		res = v > want
	case 'l':
		res = v <= want
	case 'g':
		res = v >= want
	case '&':
		res = v&want != 0
	case '^':
		res = v^want != 0
	}
	if res != op.NotOp {
		return matched
	}
	return noMatch
}

func (st *MatchState) byteJump(op *ByteOp, buf []byte) int {
	blen := int64(len(buf))
	n := st.value(op.NBytes)
	if blen == 0 || n < 0 || n > 23 {
		return noMatch
	}
	p := st.value(op.Offset)
	if op.Relative {
		p += int64(st.bufOff)
		if n != 0 && blen-p <= 0 {
			return noMatch
		}
	}
	if p < 0 || n > blen-p {
		return noMatch
	}
	var v uint64
	var used int
	ok := true
	if n != 0 || op.String {
		v, used, ok = extractAt(op, st.little(op), int(n), buf, int(p))
	}
	// A binary byte count of 0 (from a byte_extract variable) reads nothing and jumps by 0,
	// as Suricata's extraction of zero bytes succeeds with value 0.
	if !ok {
		return noMatch
	}
	v = applyMask(op, v) * op.Multiplier
	if op.Align4 && v%4 != 0 {
		v += 4 - v%4
	}
	jump := int64(v) + op.PostOffset
	switch {
	case op.FromBeginning:
	case op.FromEnd:
		jump += blen
	default:
		jump += p + int64(used)
	}
	if jump < 0 {
		jump = 0
	} else if jump > blen {
		return noMatch
	}
	st.bufOff = uint32(jump)
	return matched
}

func (st *MatchState) byteExtract(op *ByteOp, buf []byte) int {
	n := st.value(op.NBytes)
	pos, ok := st.bytePos(op, n, buf)
	if !ok {
		return noMatch
	}
	v, used, ok := extractAt(op, st.little(op), int(n), buf, pos)
	if !ok {
		return noMatch
	}
	v = applyMask(op, v) * op.Multiplier
	if op.AlignN != 0 && v%op.AlignN != 0 {
		v += op.AlignN - v%op.AlignN
	}
	st.bufOff = uint32(pos + used)
	st.vars[op.Result] = v
	return matched
}

func (st *MatchState) byteMath(op *ByteOp, buf []byte) int {
	n := st.value(op.NBytes)
	pos, ok := st.bytePos(op, n, buf)
	if !ok {
		return noMatch
	}
	v, used, ok := extractAt(op, st.little(op), int(n), buf, pos)
	if !ok {
		return noMatch
	}
	st.bufOff = uint32(pos + used)
	rv := uint64(st.value(op.RValue))
	switch op.MathOp {
	case '+':
		v += rv
	case '-':
		v -= rv
	case '*':
		v *= rv
	case '/':
		if rv == 0 {
			return noMatch
		}
		v /= rv
	case 'L':
		v <<= rv
	case 'R':
		v >>= rv
	}
	st.vars[op.Result] = applyMask(op, v)
	return matched
}

// little reports the byte order op reads in: its own, or with dce the inspected DCERPC
// stub's (Suricata's DETECT_BYTE_DCE).
func (st *MatchState) little(op *ByteOp) bool {
	return op.Little || op.DCE && st.dceLittle
}
