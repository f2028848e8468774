package signatures

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// cacheTestRules writes a rule file big enough to be cached, with rules gonids accepts,
// rules it refuses, rules with keywords it does not know and rules stopped before it.
func cacheTestRules(t *testing.T) (string, []byte) {
	t.Helper()
	var sb strings.Builder
	for i := 1; i <= parseCacheMinRules+20; i++ {
		switch i % 7 {
		case 0:
			fmt.Fprintf(&sb, "alert tcp $HOME_NET any -> !$HOME_NET [80,8080] (msg:\"c%d \\\"q\\\"\"; content:\"|41 42|c%d\"; nocase; content:!\"zz\"; distance:0; sid:%d;)\n", i, i, i)
		case 1:
			fmt.Fprintf(&sb, "alert http any any <> any any (msg:\"p%d\"; http.uri; content:\"/x%d\"; pcre:\"/a[0-9]+%d/Ui\"; sid:%d;)\n", i, i, i, i)
		case 2:
			fmt.Fprintf(&sb, "alert udp any any -> any 53 (msg:\"bare%d\"; pcre:/b%d/i; sid:%d;)\n", i, i, i)
		case 3:
			fmt.Fprintf(&sb, "alert tcp any any -> any any (msg:\"bad%d\"; content:\"|4\"; sid:%d;)\n", i, i)
		case 4:
			fmt.Fprintf(&sb, "alert tcp any any -> any any (msg:\"unk%d\"; nosuchkeyword:1; sid:%d;)\n", i, i)
		case 5:
			fmt.Fprintf(&sb, "alert ( sid:%d; )\n", i)
		default:
			fmt.Fprintf(&sb, "alert ip [1.2.3.%d,10.0.0.0/8] any -> any any (msg:\"ip%d\"; sid:%d;)\n", i%256, i, i)
		}
	}
	path := filepath.Join(t.TempDir(), "test.rules")
	data := []byte(sb.String())
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// ruleSummary is what a test compares of two loads: every field the builder sets from the
// gonids digest and the keyword lists after it.
func ruleSummary(rs *RuleSet, errs []LoadError) string {
	var sb strings.Builder
	for _, r := range rs.Rules {
		fmt.Fprintf(&sb, "%d %d %q %v %v %s %s %v %v", r.SID, r.Line, r.Msg, r.Proto, r.Bidirectional, addrSummary(&r.Src), addrSummary(&r.Dst), r.SrcPorts, r.DstPorts)
		for _, b := range append([]*Buffer{r.Payload}, r.Buffers...) {
			if b == nil {
				continue
			}
			for _, k := range b.Matchers {
				switch {
				case k.Content != nil:
					fmt.Fprintf(&sb, " c%v:%q", k.Negated, k.Content.Pattern)
				case k.PCRE != nil:
					fmt.Fprintf(&sb, " p%v:%q/%q", k.Negated, k.PCRE.Source, k.PCRE.Flags)
				}
			}
		}
		sb.WriteByte('\n')
	}
	for _, e := range errs {
		sb.WriteString(e.Error() + "\n")
	}
	return sb.String()
}

// addrSummary stands for an address set: long reputation lists in full would make the ET Open
// comparison slow.
func addrSummary(a *AddrSet) string {
	if n := len(a.spans); n > 4 {
		return fmt.Sprintf("%d spans %v..%v", n, a.spans[0], a.spans[n-1])
	}
	return fmt.Sprint(a.spans)
}

func TestParseCacheServesIdenticalRules(t *testing.T) {
	path, data := cacheTestRules(t)
	cold, coldErrs := LoadWith([]string{path}, nil, Options{})
	if len(cold.Rules) == 0 || len(coldErrs) == 0 {
		t.Fatalf("test rules: %d loaded, %d refused; want both", len(cold.Rules), len(coldErrs))
	}
	want := ruleSummary(cold, coldErrs)
	dir := t.TempDir()
	first, firstErrs := LoadWith([]string{path}, nil, Options{CacheDir: dir})
	if got := ruleSummary(first, firstErrs); got != want {
		t.Fatalf("load that fills the cache differs from a plain load:\n%s", firstDiff(got, want))
	}
	fd := loadFileDigests(dir, data)
	if fd.cached == nil {
		t.Fatal("no digests cached after the first load")
	}
	if fd.cached[4] != nil { // sid 5: "alert ( sid:5; )"
		t.Error("a rule stopped before gonids has a digest")
	}
	second, secondErrs := LoadWith([]string{path}, nil, Options{CacheDir: dir})
	if got := ruleSummary(second, secondErrs); got != want {
		t.Fatalf("load from the cache differs from a plain load:\n%s", firstDiff(got, want))
	}

	// A damaged entry is ignored.
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules-parse"))
	if len(files) != 1 {
		t.Fatalf("%d cache files, want 1", len(files))
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)/3] ^= 0x55
	os.WriteFile(files[0], b, 0o644)
	if loadFileDigests(dir, data).cached != nil {
		t.Error("damaged cache entry accepted")
	}
	third, thirdErrs := LoadWith([]string{path}, nil, Options{CacheDir: dir})
	if got := ruleSummary(third, thirdErrs); got != want {
		t.Fatalf("load over a damaged cache differs from a plain load:\n%s", firstDiff(got, want))
	}
}

// A cached digest serves only the text it was made from, even when the file matched.
func TestParseCacheChecksInput(t *testing.T) {
	d := runGonids(`alert tcp any any -> any any (msg:"a"; content:"x"; sid:1;)`)
	fd := &fileDigests{cached: []*gonidsDigest{d}}
	got := fd.next(`alert tcp any any -> any any (msg:"b"; content:"y"; sid:1;)`)
	if got == d || got.description != "b" {
		t.Errorf("digest of another text served: %+v", got)
	}
}

func TestParseCacheDigestRoundTrip(t *testing.T) {
	_, data := cacheTestRules(t)
	fd := &fileDigests{}
	rs := &RuleSet{}
	opt := Options{Classifications: DefaultClassifications(), References: DefaultReferences()}
	loadReader(rs, nil, strings.NewReader(string(data)), "x", DefaultVars(), &opt, fd)
	back, err := decodeDigests(encodeDigests(fd.made))
	if err != nil {
		t.Fatal(err)
	}
	norm := func(ds []*gonidsDigest) string {
		var sb strings.Builder
		for _, d := range ds {
			if d == nil {
				sb.WriteString("nil\n")
				continue
			}
			c := *d
			fmt.Fprintf(&sb, "%d %q %q %q %v %v %v %q", c.input, c.err, c.unknown, c.protocol, c.bidir, c.src, c.dst, c.description)
			for _, x := range c.contents {
				fmt.Fprintf(&sb, " %q %v", x.pattern, x.negate)
			}
			for _, x := range c.pcres {
				fmt.Fprintf(&sb, " %q %q %v", x.pattern, x.options, x.negate)
			}
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	if a, b := norm(fd.made), norm(back); a != b {
		t.Fatalf("digests changed through encoding:\n%s", firstDiff(b, a))
	}
	// Every truncation is an error, never a panic or a short list.
	enc := encodeDigests(fd.made)
	for n := 0; n < len(enc); n += 1 + n/50 {
		if ds, err := decodeDigests(enc[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: decoded %d digests without error", n, len(enc), len(ds))
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, a, b)
		}
	}
	return "(equal)"
}

// ET Open through the cache loads exactly as without it.
func TestParseCacheETOpen(t *testing.T) {
	cold := loadETOpen(t)
	files, _ := filepath.Glob(filepath.Join(etOpen.dir, "*.rules"))
	_, coldErrs := Load(files, DefaultVars())
	want := ruleSummary(cold, coldErrs)
	dir := t.TempDir()
	for round := 0; round < 2; round++ {
		rs, errs := LoadWith(files, DefaultVars(), Options{CacheDir: dir})
		if got := ruleSummary(rs, errs); got != want {
			t.Fatalf("round %d: load with the cache differs:\n%s", round, firstDiff(got, want))
		}
	}
	if n, _ := filepath.Glob(filepath.Join(dir, "*.rules-parse")); len(n) == 0 {
		t.Error("no ET Open file cached")
	}
}

// The collector setting comes back after overlapping loads, whatever their order.
func TestGonidsGCReliefRestores(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	a := gonidsGCRelief()
	b := gonidsGCRelief()
	if got := debug.SetGCPercent(gonidsGCReliefPercent); got != gonidsGCReliefPercent {
		t.Errorf("during loads: GOGC %d, want %d", got, gonidsGCReliefPercent)
	}
	a()
	b()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after loads: GOGC %d, want 100", got)
	}
	// A higher setting is left alone.
	debug.SetGCPercent(800)
	gonidsGCRelief()()
	if got := debug.SetGCPercent(100); got != 800 {
		t.Errorf("GOGC 800 changed to %d", got)
	}
}
