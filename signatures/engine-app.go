package signatures

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// Per-transaction inspection. A rule with app-layer buffers is inspected against one
// transaction of its protocol, in the directions its buffers and flow keyword give, exactly
// once per transaction and direction: when the transaction first has every buffer the rule
// reads (each buffer is there from its stage on). The sensor reports, for each inspection, the
// transaction's stages at the previous inspection of that direction and now; a rule runs when
// it is ready now and was not then.

// txRule is what the engine keeps of a per-transaction rule.
type txRule struct {
	dirs   uint8       // bufToServer, bufToClient or both: the directions it is inspected in
	need   [2][2]uint8 // [inspected direction][side] least stage of each side (index 0: to server)
	fpList int         // index in Rule.Buffers of the list holding the fast pattern; -1 none
}

// side resolves a buffer direction for a rule inspected in direction d (0 to server).
func side(dir uint8, d int) int {
	switch dir {
	case bufToServer:
		return 0
	case bufToClient:
		return 1
	}
	return d
}

func newTxRule(r *Rule) *txRule {
	t := &txRule{dirs: r.appDirs, fpList: -1}
	for d := 0; d < 2; d++ {
		t.need[d][d] = StageStart
		for _, x := range r.Buffers {
			s := side(x.dir, d)
			t.need[d][s] = max(t.need[d][s], bufferDefs[x.ID].stage)
		}
		for i := range r.AppNumbers {
			s := side(r.AppNumbers[i].Dir, d)
			t.need[d][s] = max(t.need[d][s], numberStage(r.AppNumbers[i].ID))
		}
		if len(r.AppEvents) > 0 {
			t.need[d][d] = max(t.need[d][d], appEventStage(r.App))
		}
	}
	return t
}

// inspects reports whether the rule is inspected in direction d.
func (t *txRule) inspects(d int) bool { return t.dirs&(bufToServer<<d) != 0 }

// ready reports whether a transaction at stages st has everything the rule reads in d.
func (t *txRule) ready(d int, st [2]uint8) bool {
	return st[0] >= t.need[d][0] && st[1] >= t.need[d][1]
}

// chooseTxFastPattern picks the rule's fast pattern over all its app-layer lists: an explicit
// fast_pattern wins, else the strongest pattern (the first list on ties).
func chooseTxFastPattern(r *Rule) (fastPattern, bool, int) {
	best, bestList, bestStrength := fastPattern{}, -1, -1
	for i, x := range r.Buffers {
		if x.Absent != AbsentNone {
			// A transaction without the buffer matches: its bytes cannot gate the rule.
			continue
		}
		fp, ok := fastPatternOf(x.Matchers)
		if !ok {
			continue
		}
		explicit := slices.ContainsFunc(x.Matchers, func(m Keyword) bool {
			return m.Kind == MatchContent && m.Content.FastPattern
		})
		s := patternStrength([]byte(fp.lit))
		if explicit {
			return fp, true, i
		}
		if s > bestStrength || (s == bestStrength && len(fp.lit) > len(best.lit)) {
			best, bestList, bestStrength = fp, i, s
		}
	}
	return best, bestList >= 0, bestList
}

// txGroup holds the per-transaction rules of one protocol and inspected direction.
type txGroup struct {
	pfs    []*txPrefilter
	always []int32 // rules without a fast pattern, ascending
}

// txPrefilter is the Hyperscan database over the fast patterns that live in one buffer (one
// side, one transform chain), or in buffers that hold the same bytes (sameBytesAs): those are
// scanned once. A pattern found in another member's bytes only makes an extra candidate,
// which verification against the rule's own buffer settles.
type txPrefilter struct {
	key        string
	bufs       []BufferID // the buffers its patterns live in
	side       int
	transforms []Transform
	stage      uint8
	// needs are the distinct stages its rules need ([side]) in the group's direction: a
	// rescan at a later stage is only worth it when one of them becomes ready.
	needs    [][2]uint8
	db       *hsDB
	pats     []fastPattern
	patRules [][]int32
	patIDs   map[string]int
}

func transformsKey(ts []Transform) string {
	var sb strings.Builder
	for _, t := range ts {
		sb.WriteString(t.String())
		sb.WriteByte(';')
	}
	return sb.String()
}

// buildTxGroups sorts the per-transaction rules into groups by protocol and direction and
// compiles their prefilter databases. It returns the rules whose fast pattern Hyperscan
// refused.
func (e *Engine) buildTxGroups(dbs *dbBuilder) (map[int32]string, error) {
	for _, er := range e.rules {
		t := er.tx
		if t == nil || er.disabled {
			continue
		}
		for d := 0; d < 2; d++ {
			if !t.inspects(d) {
				continue
			}
			for _, app := range txGroupApps(er.r) {
				e.addTxRule(er, app, d)
			}
		}
	}
	return e.compileTxGroups(dbs)
}

// txGroupApps are the flow protocols whose transactions a rule is inspected on: its own,
// HTTP/2's for a generic HTTP rule, and SMB's for a DCERPC rule (DCERPC over named pipes).
func txGroupApps(r *Rule) []AppProto {
	switch {
	case r.App == AppHTTP && !r.HTTP1Only:
		return []AppProto{AppHTTP, AppHTTP2}
	case r.App == AppDCERPC:
		return []AppProto{AppDCERPC, AppSMB}
	}
	return []AppProto{r.App}
}

// addTxRule files a per-transaction rule in the group of flow protocol app and direction d.
func (e *Engine) addTxRule(er *engineRule, app AppProto, d int) {
	t := er.tx
	g := e.tx[app][d]
	if g == nil {
		g = &txGroup{}
		e.tx[app][d] = g
	}
	if !er.hasFP {
		g.always = append(g.always, er.idx)
		return
	}
	x := er.r.Buffers[t.fpList]
	s := side(x.dir, d)
	stage := bufferDefs[x.ID].stage
	key := fmt.Sprintf("%d/%d/%d/%s", sameBytesAs(x.ID), s, stage, transformsKey(x.Transforms))
	var pf *txPrefilter
	for _, q := range g.pfs {
		if q.key == key {
			pf = q
		}
	}
	if pf == nil {
		pf = &txPrefilter{key: key, side: s, transforms: x.Transforms, stage: stage, patIDs: map[string]int{}}
		g.pfs = append(g.pfs, pf)
	}
	if !slices.Contains(pf.bufs, x.ID) {
		pf.bufs = append(pf.bufs, x.ID)
	}
	k := er.fp.key()
	id, ok := pf.patIDs[k]
	if !ok {
		id = len(pf.pats)
		pf.patIDs[k] = id
		pf.pats = append(pf.pats, er.fp)
		pf.patRules = append(pf.patRules, nil)
	}
	pf.patRules[id] = append(pf.patRules[id], er.idx)
	if !slices.Contains(pf.needs, t.need[d]) {
		pf.needs = append(pf.needs, t.need[d])
	}
}

// compileTxGroups compiles the prefilter databases of the groups; it returns the rules whose
// fast pattern Hyperscan refused.
func (e *Engine) compileTxGroups(dbs *dbBuilder) (map[int32]string, error) {
	bad := map[int32]string{}
	for p := range e.tx {
		for _, g := range e.tx[p] {
			if g == nil {
				continue
			}
			for _, pf := range g.pfs {
				for {
					db, badPat, err := dbs.build(pf.pats)
					if err == nil {
						pf.db = db
						break
					}
					if badPat < 0 {
						return nil, err
					}
					for _, ri := range pf.patRules[badPat] {
						bad[ri] = fmt.Sprintf("fast pattern rejected: %v", err)
					}
					// Keep the ids stable: an impossible pattern stands in for the refused one.
					pf.pats[badPat] = fastPattern{lit: "\x00nightjar-refused\x00", minEnd: 1, maxEnd: 1}
					pf.patRules[badPat] = nil
				}
				pf.patIDs = nil
			}
		}
	}
	return bad, nil
}

// scanTxBuffer scans one buffer's bytes with the prefilter and adds the rules it wakes.
func (m *Matcher) scanTxBuffer(pf *txPrefilter, b []byte) {
	for _, id := range m.hs.scan(pf.db, b) {
		if int(id) < len(pf.patRules) {
			for _, ri := range pf.patRules[id] {
				m.addCandidate(ri)
			}
		}
	}
}

// sameSlice reports whether a and b are the same bytes in memory (not merely equal ones).
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// due reports whether some rule of the prefilter becomes ready between stages prev and now:
// the others were inspected at an earlier stage or cannot run yet.
func (pf *txPrefilter) due(prev, now [2]uint8) bool {
	for _, n := range pf.needs {
		if now[0] >= n[0] && now[1] >= n[1] && (prev[0] < n[0] || prev[1] < n[1]) {
			return true
		}
	}
	return false
}

// TxInput is one inspection of a transaction in one direction.
type TxInput struct {
	// PacketInput is the packet the inspection happens on, oriented in the inspected
	// direction (the sensor passes a pseudo packet built from the flow when the packet at hand
	// goes the other way); ToServer is the inspected direction.
	PacketInput
	Tx   AppTx
	TxID uint64
	// Prev and Now are the transaction's stages ([0] to server, [1] to client) at the
	// previous inspection of this direction and now.
	Prev, Now [2]uint8
	// Stream, when HasStream, is the in-order stream data of the inspected direction that
	// moved the transaction: a rule's payload keywords inspect it instead of the packet, as
	// Suricata inspects the raw stream for the payload part of an app-layer rule.
	Stream    []byte
	HasStream bool
}

// InspectTx runs the rules of the flow's protocol that became ready on the transaction and
// appends their alerts to dst (Match.Tx set). It allocates nothing in steady state.
func (m *Matcher) InspectTx(in *TxInput, dst []Match) []Match {
	if in == nil || in.Tx == nil || in.Pkt == nil || in.App >= nAppProtos {
		return dst
	}
	d := 1
	if in.ToServer {
		d = 0
	}
	g := m.e.tx[in.App][d]
	if g == nil {
		return dst
	}
	var fs *flowState
	if in.HasFlow {
		fs = m.flow(in.FlowSlot, in.FlowGen)
		if fs != nil && fs.flags&flowPassed != 0 {
			return dst
		}
	}
	m.cand = m.cand[:0]
	if m.hs != nil {
		for _, pf := range g.pfs {
			if in.Now[pf.side] < pf.stage || pf.db == nil || !pf.due(in.Prev, in.Now) {
				continue
			}
			var scanned []byte
			for _, buf := range pf.bufs {
				for i := 0; ; i++ {
					b, ok := in.Tx.Buffer(buf, pf.side == 0, i)
					if !ok {
						break
					}
					if buf.Multi() {
						// Elements may be built in one scratch buffer in turn: no identity
						// check between them.
						m.scanTxBuffer(pf, m.st.applyTransforms(pf.transforms, b))
						continue
					}
					// Buffers that share a prefilter usually return the very same bytes (an
					// HTTP body is file.data too): scan them once.
					if !sameSlice(b, scanned) {
						scanned = b
						m.scanTxBuffer(pf, m.st.applyTransforms(pf.transforms, b))
					}
					break
				}
			}
		}
	}
	for _, ri := range g.always {
		m.addCandidate(ri)
	}
	if len(m.cand) == 0 {
		return dst
	}
	slices.Sort(m.cand)
	for _, ri := range m.cand {
		m.seen[ri>>6] = 0
	}
	m.queue = m.queue[:0]
	for _, ri := range m.cand {
		er := m.e.rules[ri]
		t := er.tx
		if er.disabled || t == nil || !t.ready(d, in.Now) || t.ready(d, in.Prev) {
			continue
		}
		if !m.matchTxRule(er, in, d, fs) {
			continue
		}
		m.postMatch(er, in.Pkt, fs)
		m.queue = append(m.queue, ri)
	}
	n := len(dst)
	dst = m.finalize(in.Pkt, fs, dst)
	for i := n; i < len(dst); i++ {
		dst[i].Tx, dst[i].TxID, dst[i].ToServer = true, in.TxID, in.ToServer
	}
	return dst
}

// matchTxRule is a per-transaction rule's full check on in, inspected in direction d.
func (m *Matcher) matchTxRule(er *engineRule, in *TxInput, d int, fs *flowState) bool {
	r, p := er.r, in.Pkt
	if r.Transactional && !in.ToServer {
		// The header names the transaction's client and server; the packet goes to the client.
		if !r.matchAddrs(p.Dst, p.Src, p.DstPort, p.SrcPort) {
			return false
		}
	} else if !r.matchTuple(p) {
		return false
	}
	if !r.matchFlow(p, FlowInfo{HasFlow: in.HasFlow, ToServer: in.ToServer, Established: in.Established}) {
		return false
	}
	if !r.matchPacketKeywords(p) || !r.matchAppLayer(&in.PacketInput) {
		return false
	}
	if !m.matchVarTests(er, p, fs) {
		return false
	}
	if len(r.AppEvents) > 0 && !r.matchAppEvents(in.Tx) {
		return false
	}
	for i := range r.AppNumbers {
		n := &r.AppNumbers[i]
		s := side(n.Dir, d)
		ok := false
		for k := 0; k < 64 && !ok; k++ {
			v, has := in.Tx.Number(n.ID, s == 0, k)
			if !has {
				break
			}
			ok = n.Cmp.Match(v)
		}
		if !ok {
			return false
		}
	}
	if len(r.DCE) > 0 && !r.matchDCE(in.Tx, d == 0) {
		return false
	}
	for _, x := range r.Buffers {
		if !m.matchTxBuffer(x, in.Tx, side(x.dir, d) == 0) {
			return false
		}
	}
	if r.Payload != nil {
		payload := p.Payload
		if in.HasStream {
			payload = in.Stream
		}
		if !r.MatchPayload(payload, m.st) {
			return false
		}
	}
	return true
}

// matchTxBuffer runs one list over the buffer (any instance of a multi-buffer may match). A
// transaction without the buffer (no instance at all) matches only a list marked absent; one
// with it never matches a plain absent.
func (m *Matcher) matchTxBuffer(x *Buffer, tx AppTx, toServer bool) bool {
	for i := 0; ; i++ {
		b, ok := tx.Buffer(x.ID, toServer, i)
		if !ok {
			return i == 0 && x.Absent != AbsentNone
		}
		if x.Absent == AbsentOnly {
			return false
		}
		b = m.st.applyTransforms(x.Transforms, b)
		if x.ID == BufDCERPCStubData {
			v, _ := tx.Number(NumDCERPCLittleEndian, toServer, 0)
			m.st.dceLittle = v == 1
		}
		if m.st.InspectBuffer(x, b) {
			return true
		}
		if !x.ID.Multi() {
			return false
		}
	}
}

// matchAppLayer checks the flow's protocol against the rule's header protocol and its
// app-layer-protocol keywords, each against the protocol its mode names.
func (r *Rule) matchAppLayer(in *PacketInput) bool {
	if r.App != AppUnknown && r.App != AppFailed && !(r.App.Covers(in.App) && !(r.HTTP1Only && in.App == AppHTTP2)) {
		return false
	}
	for _, a := range r.AppLayer {
		if !a.match(in) {
			return false
		}
	}
	return true
}

// match is one app-layer-protocol keyword (Suricata's DetectAppLayerProtocolPacketMatch).
func (a *AppLayerMatch) match(in *PacketInput) bool {
	var hit, known bool
	switch a.Mode {
	case AppModeDirection:
		p := in.AppTC
		if in.ToServer {
			p = in.AppTS
		}
		hit, known = p == a.Proto, p != AppUnknown
	case AppModeToServer:
		hit, known = in.AppTS == a.Proto, in.AppTS != AppUnknown
	case AppModeToClient:
		hit, known = in.AppTC == a.Proto, in.AppTC != AppUnknown
	case AppModeEither:
		hit = in.AppTS == a.Proto || in.AppTC == a.Proto
		known = in.AppTS != AppUnknown || in.AppTC != AppUnknown
	case AppModeOriginal:
		// No flow changes its protocol here, so none has an original one.
	default: // AppModeFinal
		hit, known = in.App == a.Proto, in.App != AppUnknown
	}
	if a.Negated {
		// "not http" needs a detected protocol: it is not yet known while detection runs.
		return known && !hit
	}
	return hit
}
