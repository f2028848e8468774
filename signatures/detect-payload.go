package signatures

import "bytes"

// Inspection results, as Suricata's content inspection returns them: a no-match either lets an
// earlier keyword retry at its next occurrence (noMatch) or ends the list (discontinue).
const (
	discontinue = -1
	noMatch     = 0
	matched     = 1
)

// MatchPayload verifies the rule's packet-payload keywords (content, pcre, isdataat,
// byte_*, bsize) against payload with Suricata's semantics. A rule without payload keywords
// matches. st must come from NewMatchState for the rule's RuleSet; the call allocates nothing.
func (r *Rule) MatchPayload(payload []byte, st *MatchState) bool {
	if r.Payload == nil || len(r.Payload.Matchers) == 0 {
		return true
	}
	if len(payload) == 0 {
		// Suricata runs no payload inspection on a packet without payload.
		return false
	}
	if !st.fits(r) {
		// A state from a smaller rule set: grow once rather than index out of range.
		*st = *newMatchState(max(len(r.ByteVars), len(st.vars)), max(r.maxCaps, st.pcreCaps))
	}
	return st.InspectBuffer(r.Payload, payload)
}

// InspectBuffer runs one inspection list over buf from a fresh cursor. A nil buf is an absent
// buffer, which no list matches; an empty non-nil one is a present empty buffer, which Suricata
// inspects (bsize:0 and a negated content match it).
func (st *MatchState) InspectBuffer(l *Buffer, buf []byte) bool {
	if len(l.Matchers) == 0 {
		return true
	}
	if buf == nil || len(buf) > 1<<31-1 {
		return false
	}
	st.bufOff, st.pcreStart, st.recursion, st.maxEnd = 0, 0, 0, 0
	return st.inspect(l.Matchers, 0, buf) == matched
}

// inspect evaluates ms[i:] against buf, recursing for relative chains exactly as Suricata's
// DetectEngineContentInspection does, including its retries of earlier anchors.
func (st *MatchState) inspect(ms []Keyword, i int, buf []byte) int {
	st.recursion++
	if st.recursion >= inspectionRecursionLimit {
		return discontinue
	}
	m := &ms[i]
	var r int
	switch m.Kind {
	case MatchContent:
		return st.inspectContent(ms, i, buf)
	case MatchPCRE:
		return st.inspectPCRE(ms, i, buf)
	case MatchIsdataat:
		r = st.isdataat(m, buf)
	case MatchByteTest:
		r = st.byteTest(m.Byte, buf)
	case MatchByteJump:
		r = st.byteJump(m.Byte, buf)
	case MatchByteExtract:
		r = st.byteExtract(m.Byte, buf)
	case MatchByteMath:
		r = st.byteMath(m.Byte, buf)
	case MatchBase64Decode:
		// Terminal: the base64_data list's verdict is the list's.
		return st.base64Decode(m, buf)
	case MatchDataset:
		// The whole buffer is tested; a miss ends the list, as in Suricata.
		r = discontinue
		if m.Dataset.Match(buf) {
			r = matched
		}
	case MatchAsn1:
		// A miss lets an earlier anchor retry, as Suricata's content inspection does.
		r = noMatch
		if m.Asn1.match(buf, st.bufOff) {
			r = matched
		}
	case MatchBsize:
		r = noMatch
		if m.Bsize.Match(uint64(len(buf))) {
			r = matched
		} else {
			r = discontinue
		}
	}
	if r != matched {
		return r
	}
	return st.next(ms, i, buf)
}

// next continues with the keyword after i, or reports the list matched.
func (st *MatchState) next(ms []Keyword, i int, buf []byte) int {
	if i+1 >= len(ms) {
		return matched
	}
	return st.inspect(ms, i+1, buf)
}

func (st *MatchState) inspectContent(ms []Keyword, i int, buf []byte) int {
	m := &ms[i]
	c := m.Content
	blen := uint32(len(buf))
	plen := uint32(len(c.Pattern))
	prevBufOff := st.bufOff
	var prevOffset uint32
	for {
		depth, offset := blen, uint32(0)
		if m.Relative {
			offset = prevBufOff
			var distance int32
			if c.HasDistance {
				distance = int32(st.value(c.Distance))
				if distance < 0 && uint32(-distance) > offset {
					offset = 0
				} else {
					offset += uint32(distance)
				}
			}
			if c.HasWithin {
				lim := int32(prevBufOff) + int32(st.value(c.Within)) + distance
				if int32(depth) > lim {
					depth = uint32(lim)
				}
			}
		} else {
			offset = uint32(st.value(c.Offset))
			if c.HasDepth {
				// depth counts from offset (Suricata stores offset+depth).
				depth = uint32(st.value(c.Depth)) + offset
			}
			prevBufOff = 0
		}
		if prevOffset != 0 {
			offset = prevOffset
		}
		if depth > blen {
			depth = blen
		}
		if offset > depth || depth == 0 {
			if m.Negated {
				return st.next(ms, i, buf)
			}
			return noMatch
		}
		found := -1
		if !(c.EndsWith && depth < blen) && plen <= depth-offset {
			found = c.index(buf[offset:depth])
		}
		if found < 0 {
			if m.Negated {
				return st.next(ms, i, buf)
			}
			if !m.Relative {
				return discontinue
			}
			return noMatch
		}
		matchOff := offset + uint32(found) + plen
		if m.Negated {
			if c.EndsWith && depth-offset != matchOff {
				return st.next(ms, i, buf)
			}
			if !m.Relative && !m.chained && !c.HasDepth && !c.HasOffset {
				return discontinue
			}
			return noMatch
		}
		st.bufOff = matchOff
		st.maxEnd = max(st.maxEnd, matchOff)
		if !c.EndsWith || matchOff == blen {
			if i+1 >= len(ms) {
				return matched
			}
			switch st.inspect(ms, i+1, buf) {
			case matched:
				return matched
			case discontinue:
				return discontinue
			}
			if !m.RelNext {
				return discontinue
			}
		}
		prevOffset = matchOff - (plen - 1)
	}
}

// index finds the pattern in b, folding ASCII case for nocase.
func (c *Content) index(b []byte) int {
	if !c.Nocase {
		if c.anchorLen == 0 {
			return bytes.Index(b, c.Pattern)
		}
		return c.indexByAnchor(b)
	}
	p := c.folded
	n := len(p)
	for i := 0; i+n <= len(b); i++ {
		if lower(b[i]) != p[0] {
			continue
		}
		j := 1
		for j < n && lower(b[i+j]) == p[j] {
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}

// anchorMin is the pattern length from which index searches a part first: bytes.Index
// searches patterns up to 63 bytes with SIMD, longer ones with Rabin-Karp (several
// instructions per byte) once the first byte has matched in vain a few times, which a long
// pattern of common bytes in a large body does.
const (
	anchorMin = 64
	anchorLen = 32
)

// searchAnchor picks the part of a long pattern to search first: the anchorLen bytes with the
// most distinct bytes (the first such), which occur least often by chance.
func searchAnchor(p []byte) (off, n int) {
	if len(p) < anchorMin {
		return 0, 0
	}
	best := -1
	for k := 0; k+anchorLen <= len(p); k++ {
		if s := patternStrength(p[k : k+anchorLen]); s > best {
			best, off = s, k
		}
	}
	return off, anchorLen
}

// indexByAnchor is bytes.Index for a pattern with an anchor: each occurrence of the anchor,
// left to right, is checked for the whole pattern around it, so the first match is found.
func (c *Content) indexByAnchor(b []byte) int {
	p := c.Pattern
	a := p[c.anchorOff : c.anchorOff+c.anchorLen]
	// The anchor can sit from anchorOff to where the pattern's rest still fits.
	end := len(b) - (len(p) - c.anchorOff - c.anchorLen)
	for from := c.anchorOff; from < end; {
		j := bytes.Index(b[from:end], a)
		if j < 0 {
			return -1
		}
		start := from + j - c.anchorOff
		if bytes.Equal(b[start:start+len(p)], p) {
			return start
		}
		from += j + 1
	}
	return -1
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func (st *MatchState) inspectPCRE(ms []Keyword, i int, buf []byte) int {
	m := &ms[i]
	prevBufOff := st.bufOff
	st.pcreStart = 0
	for {
		if !st.pcreMatch(m, buf) {
			return noMatch
		}
		if !m.RelNext {
			return st.next(ms, i, buf)
		}
		prevOffset := st.pcreStart
		switch st.inspect(ms, i+1, buf) {
		case matched:
			return matched
		case discontinue:
			return discontinue
		}
		if prevOffset == 0 {
			return noMatch
		}
		st.bufOff = prevBufOff
		st.pcreStart = prevOffset
	}
}

// pcreMatch is DetectPcrePayloadMatch: a relative pcre sees the buffer from the cursor on, and
// a retry resumes one byte after the previous match's start.
func (st *MatchState) pcreMatch(m *Keyword, buf []byte) bool {
	p := m.PCRE
	base := 0
	if p.Relative {
		base = int(st.bufOff)
		if base > len(buf) {
			return false
		}
	}
	subj := buf[base:]
	start := 0
	if st.pcreStart != 0 {
		start = int(st.pcreStart) - base
		if start < 0 || start > len(subj) {
			return false
		}
	}
	from, to, ok, failed := st.pcre.match(p.code, subj, start, !p.NoLimit)
	if !ok {
		return m.Negated && !failed
	}
	if m.Negated {
		return false
	}
	st.bufOff = uint32(base + to)
	st.maxEnd = max(st.maxEnd, st.bufOff)
	st.pcreStart = uint32(base + from + 1)
	return true
}

func (st *MatchState) isdataat(m *Keyword, buf []byte) int {
	d := m.Isdataat
	isVar := d.Offset.Var >= 0
	v := uint64(st.value(d.Offset))
	if isVar && v >= 100000000 {
		if m.Negated {
			return matched
		}
		return noMatch
	}
	fail := discontinue
	if isVar {
		fail = noMatch
	}
	blen := uint64(len(buf))
	if d.Relative {
		if uint64(st.bufOff)+v > blen {
			if m.Negated {
				return matched
			}
			return fail
		}
		if m.Negated {
			return noMatch
		}
		return matched
	}
	if v < blen {
		if m.Negated {
			return fail
		}
		return matched
	}
	if m.Negated {
		return matched
	}
	return fail
}
