package signatures

import (
	"strings"
	"testing"
)

func TestZZDup(t *testing.T) {
	longs := map[string]string{
		"orig":   "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"alpha":  strings.Repeat("abcdefghij", 8),
		"runs":   "xy" + strings.Repeat("A", 74),
		"runs2":  strings.Repeat("A", 30) + "xy" + strings.Repeat("A", 44),
		"varied": "The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	}
	tgts := []string{"h\x04\x0b\x00\x00\x00", "GET", "x"}
	for ln, long := range longs {
		for _, tgt := range tgts {
			for _, n := range []int{40, 50, 60, 64, 66, 67, 68, 76} {
				pats := []fastPattern{{lit: tgt}, {lit: long[:n]}}
				db, _, _, err := compileLiterals(pats)
				if err != nil {
					t.Fatal(err)
				}
				s, _ := newHSScanner([]*hsDB{db})
				firstOK := -1
				var fails []int
				for pad := 0; pad < 80; pad++ {
					data := strings.Repeat("-", pad) + tgt
					ok := false
					for _, id := range s.scan(db, []byte(data)) {
						if id == 0 {
							ok = true
						}
					}
					if !ok {
						fails = append(fails, len(data))
					} else if firstOK < 0 {
						firstOK = len(data)
					}
				}
				if len(fails) > 0 {
					t.Logf("long %s[:%d] tgt %q: missed at buffer lengths %v", ln, n, tgt, fails)
				}
			}
		}
	}
}
