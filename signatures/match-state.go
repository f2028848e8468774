package signatures

// inspectionRecursionLimit is Suricata's default detect.inspection-recursion-limit: a rule
// whose relative chain needs more steps than this on one buffer is a no-match, so crafted
// payloads cannot make backtracking explode.
const inspectionRecursionLimit = 3000

// MatchState is one worker's scratch for verifying rules: byte variables, the relative
// cursor and PCRE match data. Create one per worker with NewMatchState and reuse it; it is not
// safe for concurrent use.
type MatchState struct {
	vars      []uint64
	bufOff    uint32 // Suricata's det_ctx->buffer_offset: end of the last relative anchor
	pcreStart uint32 // start+1 of the last pcre match, for retrying later occurrences
	recursion int
	maxEnd    uint32 // furthest end of a content or pcre match in the current list
	pcre      *pcreScratch
	pcreCaps  int
	xf        transformScratch
	b64       []byte // base64_decode's output
	// dceLittle: the DCERPC stub being inspected is little endian (the byte keywords' dce
	// option reads it so).
	dceLittle bool
}

// applyTransforms runs a buffer's transforms; without any it returns src itself.
func (st *MatchState) applyTransforms(chain []Transform, src []byte) []byte {
	if len(chain) == 0 {
		return src
	}
	return st.xf.apply(chain, src)
}

// NewMatchState returns scratch big enough for every rule of rs.
func NewMatchState(rs *RuleSet) *MatchState {
	vars, caps := 0, 0
	if rs != nil {
		vars, caps = rs.maxVars, rs.maxCaps
	}
	return newMatchState(vars, caps)
}

func newMatchState(vars, caps int) *MatchState {
	if vars < maxByteVars {
		vars = maxByteVars
	}
	if caps < 16 {
		caps = 16
	}
	return &MatchState{vars: make([]uint64, vars), pcre: newPCREScratch(caps), pcreCaps: caps}
}

// fits reports whether the state can serve rule r (a rule from another rule set may need more).
func (st *MatchState) fits(r *Rule) bool {
	return len(st.vars) >= len(r.ByteVars) && st.pcreCaps >= r.maxCaps
}

func (st *MatchState) value(o Operand) int64 {
	if o.Var >= 0 {
		return int64(st.vars[o.Var])
	}
	return o.Value
}
