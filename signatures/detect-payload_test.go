package signatures

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

type payloadCase struct {
	payload string
	want    bool
}

// TestMatchPayload checks each payload keyword on hand-made payloads; every rule has a case
// that must match and one that must not.
func TestMatchPayload(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		cases []payloadCase
	}{
		{"content", `content:"abc";`, []payloadCase{{"xxabcxx", true}, {"xxabxcx", false}, {"", false}}},
		{"hex", `content:"a|00 ff|b";`, []payloadCase{{"xa\x00\xffb", true}, {"xa\x00\xfeb", false}}},
		{"nocase", `content:"ABC"; nocase;`, []payloadCase{{"xxaBc", true}, {"xxabd", false}}},
		{"case sensitive", `content:"ABC";`, []payloadCase{{"xxabc", false}, {"ABC", true}}},
		{"depth", `content:"abc"; depth:5;`, []payloadCase{{"xxabc", true}, {"xxxabc", false}}},
		{"offset", `content:"abc"; offset:2;`, []payloadCase{{"xabc", false}, {"xxabc", true}}},
		{"offset+depth", `content:"abc"; offset:2; depth:3;`, []payloadCase{{"xxabc", true}, {"xxxabc", false}, {"abcabc", false}}},
		{"distance", `content:"a"; content:"b"; distance:2;`, []payloadCase{{"axxb", true}, {"axb", false}}},
		{"within backtracks", `content:"a"; content:"b"; within:2;`, []payloadCase{{"axxbab", true}, {"axxbaxxb", false}}},
		{"distance+within", `content:"a"; content:"b"; distance:1; within:2;`, []payloadCase{{"axb", true}, {"ab", false}, {"axxxb", false}, {"axxxbaxb", true}}},
		{"negative distance", `content:"bc"; content:"ab"; distance:-3; within:2;`, []payloadCase{{"abc", true}, {"xbc", false}}},
		{"negated", `content:!"evil";`, []payloadCase{{"good", true}, {"so evil", false}}},
		{"negated relative retries", `content:"a"; content:!"b"; distance:0;`, []payloadCase{{"abxa", true}, {"ab", false}, {"abab", false}}},
		{"negated within", `content:"a"; content:!"b"; within:3;`, []payloadCase{{"axxxb", true}, {"axb", false}}},
		{"startswith", `content:"GET"; startswith;`, []payloadCase{{"GET /", true}, {" GET /", false}}},
		{"endswith", `content:"end"; endswith;`, []payloadCase{{"the end", true}, {"end.", false}, {"end end", true}}},
		{"startswith+endswith", `content:"abc"; startswith; endswith;`, []payloadCase{{"abc", true}, {"abcd", false}}},
		{"three chained", `content:"a"; content:"b"; within:1; content:"c"; within:1;`, []payloadCase{{"abxabc", true}, {"abxab", false}}},
		{"isdataat relative", `content:"a"; isdataat:2,relative;`, []payloadCase{{"axx", true}, {"ax", false}}},
		{"isdataat negated", `content:"a"; isdataat:!1,relative;`, []payloadCase{{"xa", true}, {"ab", false}, {"ab a", true}}},
		{"isdataat absolute", `isdataat:3;`, []payloadCase{{"abcd", true}, {"abc", false}}},
		{"pcre lookahead", `pcre:"/a(?=b)/";`, []payloadCase{{"ac ab", true}, {"ac", false}}},
		{"pcre backref", `pcre:"/(\w)\1/";`, []payloadCase{{"xyzz", true}, {"xyz", false}}},
		{"pcre lookbehind", `pcre:"/(?<!x)y/";`, []payloadCase{{"xy ay", true}, {"xy", false}}},
		{"pcre relative retries", `content:"k"; pcre:"/^v/R";`, []payloadCase{{"kxkv", true}, {"kxk v", false}}},
		{"pcre i", `pcre:"/ABC/i";`, []payloadCase{{"abc", true}, {"abd", false}}},
		{"pcre A", `pcre:"/b/A";`, []payloadCase{{"ba", true}, {"ab", false}}},
		{"pcre s", `pcre:"/a.b/s";`, []payloadCase{{"a\nb", true}, {"a\n\nb", false}}},
		{"pcre no s", `pcre:"/a.b/";`, []payloadCase{{"a\nb", false}, {"axb", true}}},
		{"pcre m", `pcre:"/^b/m";`, []payloadCase{{"a\nb", true}, {"a b", false}}},
		{"pcre E", `pcre:"/a$/E";`, []payloadCase{{"a\n", false}, {"xa", true}}},
		{"pcre no E", `pcre:"/a$/";`, []payloadCase{{"a\n", true}, {"ab", false}}},
		{"pcre G", `pcre:"/a.+/G"; content:"Z"; within:1;`, []payloadCase{{"abZ", true}}},
		{"pcre greedy", `pcre:"/a.+/"; content:"Z"; within:1;`, []payloadCase{{"abZ", false}}},
		{"pcre x", `pcre:"/a b # comment/x";`, []payloadCase{{"ab", true}, {"a b", false}}},
		{"pcre negated", `pcre:!"/evil/";`, []payloadCase{{"good", true}, {"evil", false}}},
		{"pcre binary", `pcre:"/\xff\x00/";`, []payloadCase{{"a\xff\x00", true}, {"a\xfe\x00", false}}},
		{"pcre then content", `pcre:"/a\d/"; content:"z"; within:1;`, []payloadCase{{"a1xa2z", true}, {"a1xa2y", false}}},
		{"byte_test big", `byte_test:2,=,0x0102,0;`, []payloadCase{{"\x01\x02", true}, {"\x02\x01", false}}},
		{"byte_test little", `byte_test:2,=,0x0201,0,little;`, []payloadCase{{"\x01\x02", true}, {"\x02\x01", false}}},
		{"byte_test string", `byte_test:3,>,100,0,string,dec;`, []payloadCase{{"200", true}, {"050", false}, {"abc", false}}},
		{"byte_test hex string", `byte_test:2,=,255,0,string,hex;`, []payloadCase{{"ff", true}, {"fe", false}}},
		{"byte_test relative", `content:"len="; byte_test:2,=,42,0,relative,string,dec;`, []payloadCase{{"len=42", true}, {"len=43", false}, {"len=", false}}},
		{"byte_test negated op", `byte_test:1,!=,5,0;`, []payloadCase{{"\x06", true}, {"\x05", false}}},
		{"byte_test le ge", `byte_test:1,<=,5,0; byte_test:1,>=,5,0;`, []payloadCase{{"\x05", true}, {"\x06", false}}},
		{"byte_test bitmask", `byte_test:1,=,3,0,bitmask 0xf0;`, []payloadCase{{"\x3a", true}, {"\x4a", false}}},
		{"byte_test and", `byte_test:1,&,0x80,0;`, []payloadCase{{"\x81", true}, {"\x01", false}}},
		{"byte_test out of range", `byte_test:4,>,0,2;`, []payloadCase{{"\x01\x01\x01", false}, {"\x01\x01\x01\x01\x01\x01", true}}},
		{"byte_test whole string", `byte_test:0,=,123,0,string,dec;`, []payloadCase{{"123abc", true}, {"124", false}}},
		{"byte_jump", `byte_jump:1,0; content:"X"; within:1;`, []payloadCase{{"\x02abX", true}, {"\x01abX", false}}},
		{"byte_jump from_beginning", `byte_jump:1,0,from_beginning; content:"X"; within:1;`, []payloadCase{{"\x03abX", true}, {"\x02abX", false}}},
		{"byte_jump post_offset", `byte_jump:1,0,post_offset -1; content:"X"; within:1;`, []payloadCase{{"\x03abXc", true}, {"\x03aXbc", false}}},
		{"byte_jump multiplier", `byte_jump:1,0,multiplier 2; content:"X"; within:1;`, []payloadCase{{"\x01abX", true}, {"\x01aXb", false}}},
		{"byte_jump align", `byte_jump:1,0,align; content:"X"; within:1;`, []payloadCase{{"\x01abcdX", true}, {"\x01aX", false}}},
		{"byte_jump past end", `byte_jump:1,0; isdataat:!1,relative;`, []payloadCase{{"\x02ab", true}, {"\x03ab", false}}},
		{"byte_jump from_end", `byte_jump:1,0,from_end,post_offset -2; content:"YZ"; within:2;`, []payloadCase{{"\x00abYZ", true}, {"\x00aYZb", false}}},
		{"byte_extract distance", `byte_extract:1,0,n; content:"X"; distance:n; within:1;`, []payloadCase{{"\x02abX", true}, {"\x01abX", false}}},
		{"byte_extract offset", `byte_extract:1,0,off; content:"X"; offset:off; depth:1;`, []payloadCase{{"\x02aX", true}, {"\x01aX", false}}},
		{"byte_extract value", `byte_extract:1,0,v; byte_test:1,=,v,1;`, []payloadCase{{"\x07\x07", true}, {"\x07\x08", false}}},
		{"byte_extract isdataat", `byte_extract:1,0,n; isdataat:n,relative;`, []payloadCase{{"\x02ab", true}, {"\x03ab", false}}},
		{"byte_extract string", `content:"L:"; byte_extract:2,0,n,relative,string,dec; content:"!"; distance:n; within:1;`, []payloadCase{{"L:03abc!", true}, {"L:02abc!", false}}},
		{"byte_math", `byte_math:bytes 1, offset 0, oper +, rvalue 2, result r; content:"X"; distance:r; within:1;`, []payloadCase{{"\x01abcX", true}, {"\x01abX", false}}},
		{"byte_math divide by zero", `byte_math:bytes 1, offset 0, oper /, rvalue 0, result r;`, []payloadCase{{"\x01", false}}},
		{"bsize", `bsize:5;`, []payloadCase{{"12345", true}, {"1234", false}}},
		{"bsize range", `content:"a"; bsize:2<>5;`, []payloadCase{{"abc", true}, {"ab", false}, {"abcde", false}}},
	}
	st := newMatchState(0, 0)
	for _, tc := range tests {
		r := mustRule(t, tc.rule)
		for _, c := range tc.cases {
			if got := r.MatchPayload([]byte(c.payload), st); got != c.want {
				t.Errorf("%s: %s on %q = %v, want %v", tc.name, tc.rule, c.payload, got, c.want)
			}
		}
	}
}

// TestRecursionLimit feeds a payload that makes a relative chain retry a quadratic number of
// times; the limit must end it.
func TestRecursionLimit(t *testing.T) {
	r := mustRule(t, `content:"a"; content:"a"; distance:0; content:"b"; within:1;`)
	st := NewMatchState(nil)
	if r.MatchPayload([]byte(strings.Repeat("a", 5000)), st) {
		t.Error("matched without a b")
	}
	if st.recursion < inspectionRecursionLimit {
		t.Logf("stopped after %d steps", st.recursion)
	}
}

func BenchmarkMatchPayload(b *testing.B) {
	r := mustRule(b, `content:"GET"; depth:3; content:"|0d 0a|Host|3a|"; nocase; distance:0; pcre:"/^\s*[a-z]+\.example/Ri"; byte_test:1,>,0x20,0,relative;`)
	payload := []byte("GET /index.html HTTP/1.1\r\nUser-Agent: x\r\nhost: www.example.com\r\n\r\n")
	st := NewMatchState(nil)
	if !r.MatchPayload(payload, st) {
		b.Fatal("benchmark rule does not match")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.MatchPayload(payload, st)
	}
}

func TestMatchPayloadAllocs(t *testing.T) {
	r := mustRule(t, `content:"a"; content:"b"; within:2; pcre:"/c(?=d)/R"; byte_extract:1,1,n,relative; isdataat:n,relative;`)
	st := NewMatchState(nil)
	payload := []byte("axxbab cd\x01zz")
	if !r.MatchPayload(payload, st) {
		t.Fatal("rule does not match")
	}
	if n := testing.AllocsPerRun(100, func() { r.MatchPayload(payload, st) }); n != 0 {
		t.Errorf("MatchPayload allocates %.0f times per call", n)
	}
}

// A present empty buffer is inspected (bsize:0 and negated contents match it); an absent
// (nil) one and an empty packet payload are not.
func TestInspectEmptyBuffer(t *testing.T) {
	r := mustRule(t, `alert http any any -> any any (http.user_agent; bsize:0; sid:1;)`)
	neg := mustRule(t, `alert http any any -> any any (http.user_agent; content:!"u"; sid:2;)`)
	st := NewMatchState(&RuleSet{Rules: []*Rule{r, neg}})
	for _, x := range []*Rule{r, neg} {
		if !st.InspectBuffer(x.Buffers[0], []byte{}) {
			t.Errorf("sid %d: present empty buffer must match", x.SID)
		}
		if st.InspectBuffer(x.Buffers[0], nil) {
			t.Errorf("sid %d: absent buffer must not match", x.SID)
		}
	}
	if st.InspectBuffer(r.Buffers[0], []byte("x")) {
		t.Error("bsize:0 matched a 1-byte buffer")
	}
	p := mustRule(t, `alert tcp any any -> any any (content:!"u"; sid:3;)`)
	if p.MatchPayload([]byte{}, st) {
		t.Error("a packet without payload is not payload-inspected")
	}
}

// TestContentIndexLongPattern checks the anchored search of long patterns against
// bytes.Index, on data of a two-letter alphabet so that anchors and partial matches abound.
func TestContentIndexLongPattern(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab"[rng.IntN(2)]
		}
		return b
	}
	found := 0
	for round := 0; round < 3000; round++ {
		p := fill(anchorMin + rng.IntN(40))
		c := &Content{Pattern: p}
		c.anchorOff, c.anchorLen = searchAnchor(p)
		if c.anchorLen == 0 {
			t.Fatalf("pattern of %d bytes got no anchor", len(p))
		}
		b := fill(rng.IntN(400))
		if rng.IntN(2) == 0 && len(b) >= len(p) {
			copy(b[rng.IntN(len(b)-len(p)+1):], p) // plant one
		}
		want := bytes.Index(b, p)
		if got := c.index(b); got != want {
			t.Fatalf("round %d: index = %d, bytes.Index = %d (pattern %q, data %q)", round, got, want, p, b)
		}
		if want >= 0 {
			found++
		}
	}
	if found == 0 {
		t.Fatal("no round had a match: the test proves nothing")
	}
}
