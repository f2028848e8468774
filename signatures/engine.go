package signatures

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// EngineOptions tune Compile; the zero value compiles without a cache, with Suricata's default
// ("medium" profile) group limits and no threshold.config.
type EngineOptions struct {
	// CacheDir holds serialized Hyperscan databases keyed by a hash of their patterns, flags
	// and the Hyperscan version; "" disables the cache. It is created when missing.
	CacheDir string
	// Thresholds is a parsed threshold.config (LoadThresholdConfig), applied to the rules.
	Thresholds *ThresholdConfig
	// ToServerGroups and ToClientGroups bound the distinct port groups per transport and
	// direction, as Suricata's detect.custom-values toserver-groups / toclient-groups do
	// (0: 40 and 20, Suricata's medium profile).
	ToServerGroups, ToClientGroups int
	// CompileWorkers bounds parallel Hyperscan compiles (0: min(2, GOMAXPROCS)).
	CompileWorkers int
}

// EngineStats describes a compiled engine.
type EngineStats struct {
	Rules         int           // rules loaded into the engine
	Groups        int           // distinct signature groups (protocol, direction, port)
	Patterns      int           // fast patterns over all group databases
	Databases     int           // distinct Hyperscan databases
	NoFastPattern int           // grouped rules without a fast pattern (checked on every packet of their groups)
	IPOnly        int           // IP-only rules (addresses only: checked once per flow direction)
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

	ipOnly []int32 // IP-only rules, evaluated once per flow direction

	nFlowbits, nFlowints int
	xbitNames            []string
	maxPatterns          int
	maxVars, maxCaps     int
	dbs                  []*hsDB
	stats                EngineStats
}

// group is one signature group head: its prefilter database and the rules to verify.
type group struct {
	db       *hsDB
	patRules [][]int32 // pattern id -> rules (internal ids, ascending)
	always   []int32   // rules without a fast pattern, ascending
	nPats    int
}

// Stats reports what Compile built.
func (e *Engine) Stats() EngineStats { return e.stats }

// Compile builds the engine for rs: orders the rules as Suricata does, groups them, picks fast
// patterns and builds (or loads from the cache) one Hyperscan database per group. Rules the
// engine cannot run come back as LoadErrors and are left out; err is for failures that stop
// the whole engine.
func Compile(rs *RuleSet, opts EngineOptions) (*Engine, []LoadError, error) {
	start := time.Now()
	if rs == nil {
		rs = &RuleSet{}
	}
	if opts.ToServerGroups <= 0 {
		opts.ToServerGroups = 40
	}
	if opts.ToClientGroups <= 0 {
		opts.ToClientGroups = 20
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
	if opts.Thresholds != nil {
		applyThresholdConfig(e.rules, opts.Thresholds)
	}
	e.buildGroups(opts)
	bad, err := e.buildDatabases(opts)
	if err != nil {
		return nil, lerrs, err
	}
	if len(bad) > 0 {
		for ri, reason := range bad {
			r := e.rules[ri].r
			lerrs = append(lerrs, LoadError{File: r.File, Line: r.Line, SID: r.SID, Reason: reason})
			e.rules[ri].disabled = true
		}
	}
	for _, er := range e.rules {
		if er.disabled {
			continue
		}
		e.stats.Rules++
		if er.ipOnly {
			e.stats.IPOnly++
		} else if !er.hasFP {
			e.stats.NoFastPattern++
		}
	}
	e.stats.Groups = len(e.groups) - 1
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

// buildDatabases compiles (or loads) one database per distinct pattern list. It returns the
// rules whose fast pattern Hyperscan refused, with the reason.
func (e *Engine) buildDatabases(opts EngineOptions) (map[int32]string, error) {
	type job struct {
		pats []fastPattern
		key  string
		db   *hsDB
		hit  bool
		bad  int
		err  error
	}
	// The groups' pattern lists, de-duplicated by content: groups often share them.
	groupPats := make([][]fastPattern, len(e.groups))
	jobs := map[string]*job{}
	var order []*job
	for gi, g := range e.groups {
		pats := e.groupPatterns(g)
		groupPats[gi] = pats
		if len(pats) == 0 {
			continue
		}
		k := dbCacheKey(pats)
		if jobs[k] == nil {
			j := &job{pats: pats, key: k}
			jobs[k] = j
			order = append(order, j)
		}
	}
	workers := opts.CompileWorkers
	if workers <= 0 {
		workers = min(2, runtime.GOMAXPROCS(0))
	}
	bad := map[int32]string{}
	for {
		var wg sync.WaitGroup
		ch := make(chan *job)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range ch {
					j.db, j.hit, j.bad, j.err = buildDB(j.pats, opts.CacheDir)
				}
			}()
		}
		for _, j := range order {
			if j.db == nil {
				ch <- j
			}
		}
		close(ch)
		wg.Wait()
		// A pattern Hyperscan refuses takes its rules out everywhere; the affected groups are
		// rebuilt without them.
		retry := false
		for _, j := range order {
			if j.err == nil {
				continue
			}
			if j.bad < 0 {
				return nil, j.err
			}
			badKey := j.pats[j.bad].key()
			for _, er := range e.rules {
				if er.hasFP && er.fp.key() == badKey {
					bad[er.idx] = fmt.Sprintf("fast pattern rejected: %v", j.err)
				}
			}
			retry = true
		}
		if !retry {
			break
		}
		e.dropRules(bad)
		jobs = map[string]*job{}
		order = order[:0]
		for gi, g := range e.groups {
			pats := e.groupPatterns(g)
			groupPats[gi] = pats
			if len(pats) == 0 {
				continue
			}
			k := dbCacheKey(pats)
			if jobs[k] == nil {
				j := &job{pats: pats, key: k}
				jobs[k] = j
				order = append(order, j)
			}
		}
	}
	seen := map[*hsDB]bool{}
	hits := 0
	for gi, g := range e.groups {
		pats := groupPats[gi]
		if len(pats) == 0 {
			continue
		}
		j := jobs[dbCacheKey(pats)]
		g.db = j.db
		if !seen[j.db] {
			seen[j.db] = true
			e.dbs = append(e.dbs, j.db)
			if j.hit {
				hits++
			}
		}
		e.stats.Patterns += len(pats)
		e.maxPatterns = max(e.maxPatterns, len(pats))
	}
	e.stats.Databases = len(e.dbs)
	e.stats.CachedDBs = hits
	e.stats.CacheHit = len(e.dbs) > 0 && hits == len(e.dbs)
	return bad, nil
}

// groupPatterns returns the group's de-duplicated fast patterns and fills g.patRules to match.
func (e *Engine) groupPatterns(g *group) []fastPattern {
	var members []int32
	for _, l := range g.patRules {
		members = append(members, l...)
	}
	g.patRules = g.patRules[:0]
	var pats []fastPattern
	ids := map[string]int{}
	sortInt32(members)
	for _, ri := range members {
		er := e.rules[ri]
		k := er.fp.key()
		id, ok := ids[k]
		if !ok {
			id = len(pats)
			ids[k] = id
			pats = append(pats, er.fp)
			g.patRules = append(g.patRules, nil)
		}
		g.patRules[id] = append(g.patRules[id], ri)
	}
	g.nPats = len(pats)
	return pats
}

// dropRules removes refused rules from every group.
func (e *Engine) dropRules(bad map[int32]string) {
	for _, g := range e.groups {
		for i, l := range g.patRules {
			g.patRules[i] = filterRules(l, bad)
		}
		g.always = filterRules(g.always, bad)
	}
	e.ipOnly = filterRules(e.ipOnly, bad)
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

// NewMatcher returns a worker's matcher: Hyperscan scratch, verification scratch and the
// per-flow, per-host and threshold state. Not safe for concurrent use; create one per worker.
func (e *Engine) NewMatcher() *Matcher {
	m := &Matcher{
		e:     e,
		st:    newMatchState(e.maxVars, e.maxCaps),
		seen:  make([]uint64, (len(e.rules)+63)/64),
		cand:  make([]int32, 0, len(e.rules)),
		queue: make([]int32, 0, len(e.rules)),
		xbits: map[xbitKey]int64{},
		thr:   map[thrKey]thrEntry{},
	}
	if len(e.dbs) > 0 {
		s, err := newHSScanner(e.dbs, e.maxPatterns)
		if err != nil {
			// Only out-of-memory gets here; a matcher without a scanner would silently miss
			// every prefiltered rule, which is worse than stopping.
			panic(fmt.Sprintf("signatures: cannot allocate Hyperscan scratch: %v", err))
		}
		m.hs = s
	}
	return m
}
