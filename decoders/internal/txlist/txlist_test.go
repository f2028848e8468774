package txlist

import (
	"slices"
	"testing"
)

func TestRelease(t *testing.T) {
	a, b, c, d := new(int), new(int), new(int), new(int)
	*a, *b, *c, *d = 1, 2, 3, 4
	backing := []*int{a, b, c, d}
	txs, pool := Release(backing, nil, func(p *int) bool { return *p%2 == 0 })
	if !slices.Equal(txs, []*int{a, c}) || !slices.Equal(pool, []*int{b, d}) {
		t.Fatalf("kept %v, pooled %v", txs, pool)
	}
	if backing[2] != nil || backing[3] != nil {
		t.Errorf("the freed tail still references transactions: %v", backing)
	}
	seen := 0
	if n := testing.AllocsPerRun(100, func() {
		txs = append(txs[:0], a, b)
		pool = pool[:0]
		txs, pool = Release(txs, pool, func(p *int) bool { seen++; return p == b })
	}); n != 0 {
		t.Errorf("Release allocates %.0f times", n)
	}
	if seen == 0 || !slices.Equal(txs, []*int{a}) {
		t.Errorf("kept %v after %d calls", txs, seen)
	}
}
