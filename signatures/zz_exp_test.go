//go:build hyperscan_v54

package signatures

import (
	"sort"
	"testing"
	"time"

	"github.com/flier/gohs/hyperscan"
)

func TestZZExp(t *testing.T) {
	t0 := time.Now()
	rs := loadETOpen(t)
	t.Logf("load %v, %d rules", time.Since(t0), len(rs.Rules))
	e := &Engine{}
	names := newVarNames()
	for _, r := range orderRules(rs.Rules) {
		e.rules = append(e.rules, newEngineRule(r, int32(len(e.rules)), names))
	}
	t1 := time.Now()
	e.buildGroups(EngineOptions{ToServerGroups: 40, ToClientGroups: 20})
	t.Logf("groups %v: %d", time.Since(t1), len(e.groups))
	all := map[string]bool{}
	win, nocase := 0, 0
	var lens []int
	for _, er := range e.rules {
		if er.hasFP {
			if !all[er.fp.key()] {
				all[er.fp.key()] = true
				if er.fp.minEnd > 0 || er.fp.maxEnd > 0 {
					win++
				}
				if er.fp.nocase {
					nocase++
				}
				lens = append(lens, len(er.fp.lit))
			}
		}
	}
	sort.Ints(lens)
	t.Logf("distinct fps %d, windowed %d, nocase %d, len p10 %d p50 %d", len(all), win, nocase, lens[len(lens)/10], lens[len(lens)/2])
	var biggest []fastPattern
	seen := map[string]bool{}
	sizes := []int{}
	tot := 0
	for _, g := range e.groups {
		p := e.groupPatterns(g)
		k := dbCacheKey(p)
		if len(p) == 0 || seen[k] {
			continue
		}
		seen[k] = true
		sizes = append(sizes, len(p))
		tot += len(p)
		if len(p) > len(biggest) {
			biggest = p
		}
	}
	sort.Ints(sizes)
	t.Logf("dbs %d total %d sizes %v", len(sizes), tot, sizes)
	biggest = biggest[:0]
	for k := range all { _ = k }
	seenK := map[string]bool{}
	for _, er := range e.rules {
		if er.hasFP && !seenK[er.fp.key()] {
			seenK[er.fp.key()] = true
			biggest = append(biggest, er.fp)
		}
	}
	t.Logf("global %d", len(biggest))
	// compile biggest in several ways
	tm := func(name string, f func() error) {
		s := time.Now()
		err := f()
		t.Logf("%s: %v err=%v", name, time.Since(s), err)
	}
	tm("regex+ext", func() error {
		hp := make([]*hyperscan.Pattern, len(biggest))
		for i := range biggest {
			hp[i] = biggest[i].hsPattern(i)
		}
		db, err := hyperscan.NewBlockDatabase(hp...)
		if err == nil {
			db.Close()
		}
		return err
	})
	tm("regex noext", func() error {
		hp := make([]*hyperscan.Pattern, len(biggest))
		for i := range biggest {
			hp[i] = hyperscan.NewPattern(biggest[i].expression(), biggest[i].flags())
			hp[i].Id = i
		}
		db, err := hyperscan.NewBlockDatabase(hp...)
		if err == nil {
			db.Close()
		}
		return err
	})
	tm("literal", func() error {
		var ls hyperscan.Literals
		for i := range biggest {
			l := hyperscan.NewLiteral(biggest[i].lit, biggest[i].flags())
			l.Id = i
			ls = append(ls, l)
		}
		db, err := ls.Build(hyperscan.BlockMode)
		if err == nil {
			db.Close()
		}
		return err
	})
}
