package signatures

import (
	"fmt"
	"math"
	mathbits "math/bits"
	"time"
)

// EngineOptions tune Compile; the zero value compiles without a cache, without a bound on the
// port groups and without threshold.config.
type EngineOptions struct {
	// CacheDir holds serialized Hyperscan databases keyed by a hash of their patterns, flags
	// and windows, the database layout, the Hyperscan version and the CPU features; ""
	// disables the cache. It is created when missing; files of other keys are left alone.
	CacheDir string
	// Thresholds is a parsed threshold.config (LoadThresholdConfig), applied to the rules.
	Thresholds *ThresholdConfig
	// ToServerGroups and ToClientGroups bound the distinct port groups per transport and
	// direction, as Suricata's detect.custom-values toserver-groups / toclient-groups do
	// (0: no bound). Suricata bounds them (40 and 20 in its medium profile) because each group
	// owns a pattern matcher; here a group is a rule bit set over shared databases (ET Open:
	// 255 groups, under 1 MB), and merging the rare ports' groups made every packet to an
	// unlisted port check their rules without fast pattern (port 80 and 443 traffic checked
	// a dozen SSH, VNC and database scan rules per packet).
	ToServerGroups, ToClientGroups int
}

// EngineStats describes a compiled engine.
type EngineStats struct {
	Rules         int           // rules loaded into the engine
	Groups        int           // distinct signature groups (protocol, direction, port)
	Patterns      int           // fast patterns (distinct pattern, case, window per database) over all databases
	Databases     int           // distinct Hyperscan databases: packet and stream prefilters by class, transaction prefilters by buffer
	NoFastPattern int           // grouped rules without a fast pattern (checked on every packet of their groups)
	IPOnly        int           // IP-only rules (addresses only: checked once per flow direction)
	TxRules       int           // per-transaction rules (app-layer buffers)
	CompileTime   time.Duration // wall time of Compile
	CacheHit      bool          // every database came from CacheDir: nothing was compiled
	CachedDBs     int           // databases read from CacheDir
}

// Engine is a compiled rule set: immutable after Compile and shared by all workers, each of
// which inspects packets through its own Matcher.
type Engine struct {
	rules  []*engineRule // in Suricata's evaluation order; the index is the internal id
	groups []*group      // groups[0] is the empty group

	// Group lookup: TCP and UDP by [transport][direction][port], other IP protocols by
	// [direction][protocol number]. Direction 0 is to-server (also packets without a flow).
	ports [2][2][]uint16
	other [2][256]uint16

	ipOnly []int32      // IP-only rules, evaluated once per flow direction
	ipIdx  *ipOnlyIndex // the enabled IP-only rules by address
	// deRules are the rules with decode-event keywords, ascending: candidates only on packets
	// that carry decoder events (with or without an IP layer), so they sit in no group.
	deRules []int32

	// pfs are the prefilter databases by class and side (pfPacket, pfStream); nil when
	// empty. TCP classes keep the stream-capable rules' patterns apart, so that a packet whose
	// payload is inspected as stream data scans only the patterns of packet-only rules, and a
	// stream window only those of stream rules.
	pfs [nPFClasses][2]*prefilter

	tx         [nAppProtos][2]*txGroup // per-transaction rules by protocol and direction
	streamKeep int                     // bytes of stream data kept between chunks (StreamKeep)

	nFlowbits, nFlowints int
	// flowbitNames and flowintNames name the ids, for the metadata written with a flow's events.
	flowbitNames, flowintNames []string
	xbitNames                  []string
	maxVars, maxCaps           int
	stats                      EngineStats
}

// group is one signature group head: the rules a packet landing in it may match.
type group struct {
	fp      ruleSetBits   // rules with a fast pattern: candidates when their pattern hits
	pf      [2]*prefilter // the databases holding those patterns by side; nil when none is there
	pfClass int
	always  []int32 // rules without a fast pattern, ascending
}

// prefilter is the Hyperscan database of one prefilter class: a hit on pattern id makes
// patRules[id] candidates, filtered by the packet's group. Patterns that can only end in the
// first headMax bytes (content anchored by depth, the most common shape in ET Open: "GET ",
// depth 4) live apart in head, which scans only those bytes: the whole-payload database is
// then a fraction of the patterns.
type prefilter struct {
	db       *hsDB     // nil when every pattern is in head
	patRules [][]int32 // pattern id -> rules (internal ids, ascending)
	head     *prefilter
	headLen  int // bytes head scans: the greatest end of its patterns
}

// headMax bounds the end of a pattern kept in a head database.
const headMax = 64

// Stats reports what Compile built.
func (e *Engine) Stats() EngineStats { return e.stats }

// Compile builds the engine for rs: orders the rules as Suricata does, groups them, picks fast
// patterns and builds (or loads from the cache) the Hyperscan prefilter databases. Rules the
// engine cannot run come back as LoadErrors and are left out; err is for failures that stop
// the whole engine.
func Compile(rs *RuleSet, opts EngineOptions) (*Engine, []LoadError, error) {
	start := time.Now()
	if rs == nil {
		rs = &RuleSet{}
	}
	if opts.ToServerGroups <= 0 {
		opts.ToServerGroups = math.MaxInt
	}
	if opts.ToClientGroups <= 0 {
		opts.ToClientGroups = math.MaxInt
	}
	e := &Engine{maxVars: rs.maxVars, maxCaps: rs.maxCaps}
	var lerrs []LoadError
	names := newVarNames()
	var ok []*Rule
	for _, r := range rs.Rules {
		if err := checkEngineRule(r); err != nil {
			lerrs = append(lerrs, LoadError{File: r.File, Line: r.Line, SID: r.SID, Reason: err.Error()})
			continue
		}
		ok = append(ok, r)
	}
	for _, r := range orderRules(ok) {
		er := newEngineRule(r, int32(len(e.rules)), names)
		e.rules = append(e.rules, er)
	}
	e.nFlowbits, e.nFlowints, e.xbitNames = len(names.flowbits), len(names.flowints), names.xbitList
	e.flowbitNames, e.flowintNames = byID(names.flowbits), byID(names.flowints)
	if opts.Thresholds != nil {
		applyThresholdConfig(e.rules, opts.Thresholds)
	}
	e.buildGroups(opts)
	dbs := &dbBuilder{cacheDir: opts.CacheDir, stats: &e.stats}
	bad, err := e.buildDatabases(dbs)
	if err != nil {
		return nil, lerrs, err
	}
	txBad, err := e.buildTxGroups(dbs)
	if err != nil {
		return nil, lerrs, err
	}
	for ri, reason := range txBad {
		bad[ri] = reason
	}
	e.streamKeep = streamKeep(e.rules)
	if len(bad) > 0 {
		for ri, reason := range bad {
			r := e.rules[ri].r
			lerrs = append(lerrs, LoadError{File: r.File, Line: r.Line, SID: r.SID, Reason: reason})
			e.rules[ri].disabled = true
		}
	}
	e.ipIdx = e.buildIPOnlyIndex(e.ipOnly)
	for _, er := range e.rules {
		if er.disabled {
			continue
		}
		e.stats.Rules++
		if er.tx != nil {
			e.stats.TxRules++
		}
		if er.ipOnly {
			e.stats.IPOnly++
		} else if !er.hasFP {
			e.stats.NoFastPattern++
		}
	}
	e.stats.Groups = len(e.groups) - 1
	e.stats.CacheHit = e.stats.Databases > 0 && e.stats.CachedDBs == e.stats.Databases
	e.stats.CompileTime = time.Since(start)
	return e, lerrs, nil
}

// checkEngineRule refuses what the engine cannot honour yet.
func checkEngineRule(r *Rule) error {
	for _, x := range r.Xbits {
		if x.Track == "tx" {
			return fmt.Errorf("xbits track tx not supported yet")
		}
	}
	return nil
}

// Prefilter sides: a class's database of packet patterns and, for TCP, of stream patterns.
const (
	pfPacket = 0
	pfStream = 1
)

// pfSide is the database side of a rule in prefilter class c.
func (er *engineRule) pfSide(c int) int {
	if er.stream && (c == pfClass(6, dirToServer) || c == pfClass(6, dirToClient)) {
		return pfStream
	}
	return pfPacket
}

// buildDatabases compiles (or loads) the prefilter databases of each class and side over the
// fast patterns of their rules. It returns the rules whose fast pattern Hyperscan refused,
// with the reason; they are left out of every group.
func (e *Engine) buildDatabases(dbs *dbBuilder) (map[int32]string, error) {
	bad := map[int32]string{}
	words := (len(e.rules) + 63) / 64
	for c := range e.pfs {
		members := [2]ruleSetBits{make(ruleSetBits, words), make(ruleSetBits, words)}
		for _, g := range e.groups {
			if g.pfClass != c {
				continue
			}
			for w, bits := range g.fp {
				for ; bits != 0; bits &= bits - 1 {
					ri := int32(w*64 + mathbits.TrailingZeros64(bits))
					side := e.rules[ri].pfSide(c)
					members[side][w] |= 1 << (uint(ri) & 63)
					if side == pfStream && e.rules[ri].alsoPacket {
						members[pfPacket][w] |= 1 << (uint(ri) & 63)
					}
				}
			}
		}
		for side := range members {
			pf, err := e.buildPrefilter(dbs, members[side], bad)
			if err != nil {
				return nil, err
			}
			e.pfs[c][side] = pf
		}
	}
	if len(bad) > 0 {
		e.dropRules(bad)
	}
	for _, g := range e.groups {
		for w, bits := range g.fp {
			for ; bits != 0; bits &= bits - 1 {
				ri := int32(w*64 + mathbits.TrailingZeros64(bits))
				side := e.rules[ri].pfSide(g.pfClass)
				g.pf[side] = e.pfs[g.pfClass][side]
				if side == pfStream && e.rules[ri].alsoPacket {
					g.pf[pfPacket] = e.pfs[g.pfClass][pfPacket]
				}
			}
		}
	}
	return bad, nil
}

// buildPrefilter compiles the prefilter of the member rules: the head and whole-data
// databases. A rule whose fast pattern Hyperscan refuses is added to bad and the databases are
// built again without it. nil when no member has a fast pattern.
func (e *Engine) buildPrefilter(dbs *dbBuilder, members ruleSetBits, bad map[int32]string) (*prefilter, error) {
	for {
		pf, pats := e.collectPatterns(members, bad)
		if len(pats) == 0 {
			return nil, nil
		}
		head, headPats := splitHead(pf, &pats)
		var failed *prefilter
		var badPat int
		var err error
		if len(pats) > 0 {
			if pf.db, badPat, err = dbs.build(pats); err != nil {
				failed = pf
			}
		}
		if err == nil && head != nil {
			if head.db, badPat, err = dbs.build(headPats); err != nil {
				failed = head
			}
		}
		if err == nil {
			pf.head = head
			if head != nil {
				pf.headLen = headEnd(headPats)
			}
			return pf, nil
		}
		if badPat < 0 {
			return nil, err
		}
		// Each round drops at least one pattern, so this ends. A rule refused here may
		// already sit in an earlier database: harmless, it is disabled.
		for _, ri := range failed.patRules[badPat] {
			bad[ri] = fmt.Sprintf("fast pattern rejected: %v", err)
		}
	}
}

// splitHead moves the patterns that can only end within headMax bytes out of pf and *pats into
// a head prefilter of their own (nil when there are none); ids are renumbered on both sides.
func splitHead(pf *prefilter, pats *[]fastPattern) (*prefilter, []fastPattern) {
	var head *prefilter
	var headPats, rest []fastPattern
	var restRules [][]int32
	for id, fp := range *pats {
		if fp.maxEnd > 0 && fp.maxEnd <= headMax {
			if head == nil {
				head = &prefilter{}
			}
			headPats = append(headPats, fp)
			head.patRules = append(head.patRules, pf.patRules[id])
			continue
		}
		rest = append(rest, fp)
		restRules = append(restRules, pf.patRules[id])
	}
	*pats, pf.patRules = rest, restRules
	return head, headPats
}

// headEnd is the greatest end offset of the patterns: what a head database needs to scan.
func headEnd(pats []fastPattern) int {
	n := 0
	for _, fp := range pats {
		n = max(n, int(fp.maxEnd))
	}
	return n
}

// collectPatterns returns the distinct fast patterns of the member rules not in bad, in the
// order of their first rule, and the prefilter's pattern -> rules table to match.
func (e *Engine) collectPatterns(members ruleSetBits, bad map[int32]string) (*prefilter, []fastPattern) {
	pf := &prefilter{}
	var pats []fastPattern
	ids := map[string]int{}
	for _, er := range e.rules {
		if !er.hasFP || !members.has(er.idx) {
			continue
		}
		if _, refused := bad[er.idx]; refused {
			continue
		}
		k := er.fp.key()
		id, ok := ids[k]
		if !ok {
			id = len(pats)
			ids[k] = id
			pats = append(pats, er.fp)
			pf.patRules = append(pf.patRules, nil)
		}
		pf.patRules[id] = append(pf.patRules[id], er.idx)
	}
	return pf, pats
}

// databases lists the engine's Hyperscan databases.
func (e *Engine) databases() []*hsDB {
	var dbs []*hsDB
	for _, sides := range e.pfs {
		for _, pf := range sides {
			if pf == nil {
				continue
			}
			if pf.db != nil {
				dbs = append(dbs, pf.db)
			}
			if pf.head != nil {
				dbs = append(dbs, pf.head.db)
			}
		}
	}
	for p := range e.tx {
		for _, g := range e.tx[p] {
			if g == nil {
				continue
			}
			for _, pf := range g.pfs {
				if pf.db != nil {
					dbs = append(dbs, pf.db)
				}
			}
		}
	}
	return dbs
}

// dropRules removes refused rules from every group.
func (e *Engine) dropRules(bad map[int32]string) {
	for _, g := range e.groups {
		for ri := range bad {
			if g.fp.has(ri) {
				g.fp[ri>>6] &^= 1 << (uint(ri) & 63)
			}
		}
		g.always = filterRules(g.always, bad)
	}
	e.ipOnly = filterRules(e.ipOnly, bad)
	e.deRules = filterRules(e.deRules, bad)
}

func filterRules(l []int32, bad map[int32]string) []int32 {
	out := l[:0]
	for _, ri := range l {
		if _, ok := bad[ri]; !ok {
			out = append(out, ri)
		}
	}
	return out
}

// NewMatcher returns a worker's matcher: Hyperscan scratch, verification scratch, the per-flow
// state and a HostState of its own. Not safe for concurrent use; create one per worker.
func (e *Engine) NewMatcher() *Matcher { return e.NewMatcherWith(NewHostState()) }

// NewMatcherWith is NewMatcher with the host state h, which the sensor's workers share (and
// keep across rule reloads); nil gives the matcher one of its own.
func (e *Engine) NewMatcherWith(h *HostState) *Matcher {
	if h == nil {
		h = NewHostState()
	}
	m := &Matcher{
		e:     e,
		st:    newMatchState(e.maxVars, e.maxCaps),
		seen:  make([]uint64, (len(e.rules)+63)/64),
		cand:  make([]int32, 0, len(e.rules)),
		queue: make([]int32, 0, len(e.rules)),
		hosts: h,
	}
	if dbs := e.databases(); len(dbs) > 0 {
		s, err := newHSScanner(dbs)
		if err != nil {
			// Only out-of-memory gets here; a matcher without a scanner would silently miss
			// every prefiltered rule, which is worse than stopping.
			panic(fmt.Sprintf("signatures: cannot allocate Hyperscan scratch: %v", err))
		}
		m.hs = s
	}
	return m
}
