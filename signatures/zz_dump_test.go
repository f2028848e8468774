package signatures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestZZDump(t *testing.T) {
	out := os.Getenv("ZZDUMP")
	if out == "" {
		t.Skip()
	}
	rs := loadETOpen(t)
	e, _, err := Compile(rs, EngineOptions{CacheDir: benchCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	m := e.NewMatcher()
	dir := filepath.Join(sharedDir(t), "pcaps")
	f, _ := os.Open(filepath.Join(dir, "index.tsv"))
	sc := bufio.NewScanner(f)
	w, _ := os.Create(out)
	bw := bufio.NewWriter(w)
	rep := newReplayer()
	var a []Match
	n, al := 0, 0
	var el time.Duration
	reps := 3
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 17 || col[0] == "path" || !strings.HasPrefix(col[16], "ok") {
			continue
		}
		rep.replayFile(filepath.Join(dir, col[0]), func(in *PacketInput) {
			n++
			t0 := time.Now()
			a = m.Inspect(in, a[:0])
			for k := 1; k < reps; k++ {
				a = m.Inspect(in, a[:0])
			}
			el += time.Since(t0)
			if len(a) > 0 {
				al += len(a)
				fmt.Fprintf(bw, "%s %d %v\n", col[0], in.PktNum, sids(a))
			}
		})
	}
	bw.Flush()
	w.Close()
	t.Logf("%d packets %d alerts; Inspect %.0f ns/packet", n, al, float64(el.Nanoseconds())/float64(n*reps))
}
