//go:build hyperscan_v54

package signatures

import (
	"testing"

	"github.com/flier/gohs/hyperscan"
)

func TestZZDup2(t *testing.T) {
	long := "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	tgt := "h\x04\x0b\x00\x00\x00"
	for n := 30; n <= len(long); n += 2 {
		for _, sm := range []bool{true, false} {
			f := []fastPattern{{lit: tgt}, {lit: long[:n], nocase: true}}
			fl := hyperscan.CompileFlag(0)
			if sm {
				fl = hyperscan.SingleMatch
			}
			// literal API
			ls := hyperscan.Literals{hyperscan.NewLiteral(tgt, fl), hyperscan.NewLiteral(long[:n], fl|hyperscan.Caseless)}
			ls[0].Id, ls[1].Id = 0, 1
			ldb, err := ls.Build(hyperscan.BlockMode)
			if err != nil {
				t.Fatal(err)
			}
			ps := []*hyperscan.Pattern{hyperscan.NewPattern(hexExpr(tgt), fl), hyperscan.NewPattern(hexExpr(long[:n]), fl|hyperscan.Caseless)}
			ps[0].Id, ps[1].Id = 0, 1
			rdb, err := hyperscan.NewBlockDatabase(ps...)
			if err != nil {
				t.Fatal(err)
			}
			got := func(db hyperscan.BlockDatabase) bool {
				hit := false
				sc, _ := hyperscan.NewScratch(db)
				db.Scan([]byte(tgt), sc, func(id uint, from, to uint64, flags uint, ctx interface{}) error {
					if id == 0 {
						hit = true
					}
					return nil
				}, nil)
				return hit
			}
			_ = f
			t.Logf("len %d singlematch %v: literal %v regex %v", n, sm, got(ldb.(hyperscan.BlockDatabase)), got(rdb))
		}
	}
}

func hexExpr(s string) string {
	const hx = "0123456789abcdef"
	out := make([]byte, 0, 4*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, '\\', 'x', hx[s[i]>>4], hx[s[i]&15])
	}
	return string(out)
}
