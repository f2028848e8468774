package signatures

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

type transformCase struct {
	arg     string // option value as written in the rule ("" for none)
	in, out string
}

// runTransform parses name:arg and runs it alone over in.
func runTransform(t *testing.T, name, arg, in string) ([]byte, bool) {
	t.Helper()
	tr, err := parseTransform(name, arg)
	if err != nil {
		t.Fatalf("parseTransform(%q, %q): %v", name, arg, err)
	}
	var ts transformScratch
	src := []byte(in)
	orig := bytes.Clone(src)
	out, ok := ts.run([]Transform{tr}, src)
	if !bytes.Equal(src, orig) {
		t.Fatalf("%s wrote its input: %q became %q", name, orig, src)
	}
	return out, ok
}

// TestTransforms checks each transform on Suricata's documented and unit-test examples
// plus edge cases.
func TestTransforms(t *testing.T) {
	tests := map[string][]transformCase{
		"dotprefix": {
			{"", "hello.google.com", ".hello.google.com"},
			{"", "example.com", ".example.com"},
			{"", "", ""}, // Suricata leaves an empty buffer alone
		},
		"to_lowercase": {
			{"", "GET /Index.HTML HTTP/1.1", "get /index.html http/1.1"},
			{"", "\xc4\xd6@[`{", "\xc4\xd6@[`{"}, // only ASCII letters change
			{"", "", ""},
		},
		"to_uppercase": {
			{"", "get /index.html", "GET /INDEX.HTML"},
			{"", "\xe4\xf6@[`{", "\xe4\xf6@[`{"},
		},
		"header_lowercase": {
			{"", "Header1: Value1\nheader2:Value2\n", "header1: Value1\nheader2:Value2\n"},
			{"", "Host: EXAMPLE.com:80\r\nX-Forwarded-For: A\r\nUser-Agent: Mozilla\r\n",
				"host: EXAMPLE.com:80\r\nx-forwarded-for: A\r\nuser-agent: Mozilla\r\n"},
			{"", "NoColon\nNEXT: V", "nocolon\nnext: V"},
		},
		"strip_whitespace": {
			{"", " A B C D ", "ABCD"},
			{"", "I  \t J", "IJ"},
			{"", "EFGH", "EFGH"},
			{"", " \t\r\n\v\f", ""}, // all whitespace, \v included as C's isspace does
			{"", "window.navigate (", "window.navigate("},
		},
		"compress_whitespace": {
			{"", " A B C D ", " A B C D "},
			{"", "I  \t J", "I J"},
			{"", "\t\t  \n", "\t"}, // a run keeps its first byte
			{"", "a\v\fb", "a\vb"},
		},
		"strip_pseudo_headers": {
			{"", "Header1: Value1\n:method:get\nheader2:Value2\n", "Header1: Value1\nheader2:Value2\n"},
			{"", ":method:get", ""},
			{"", "Header1: Value1\n:method:get", "Header1: Value1\n"},
			{"", ":method:get\nheader2:Value2", "header2:Value2"},
			{"", "Header1: Value1\n:method:get\nheader2:Value2\n:scheme:https\nheader3:Value3\n",
				"Header1: Value1\nheader2:Value2\nheader3:Value3\n"},
			{"", "\n:a\n\n", "\n\n"},
		},
		"url_decode": {
			{"", "Suricata%20is+%27%61wesome%21%27%25%30%30%ZZ%4", "Suricata is 'awesome!'%00%ZZ%4"},
			{"", "The requested URL /evil%27sqli was", "The requested URL /evil'sqli was"},
			{"", "%%41", "%A"},       // Suricata 7: the stray '%' stays, the next escape decodes
			{"", "%4+", "%4 "},       // '+' after a broken escape is still a space
			{"", "%", "%"},           // trailing incomplete escape
			{"", "a%4", "a%4"},       // truncated escape at the end
			{"", "%g1%1g", "%g1%1g"}, // non-hex digits
			{"", "%41%4a%4A", "AJJ"}, // both cases of hex
			{"", "mail%3Dtest%40oisf.net", "mail=test@oisf.net"},
			{"", "", ""},
		},
		"xor": {
			{`"01"`, "\x01\x02\x03", "\x00\x03\x02"},
			{`"0d0ac8ff"`, "\x7d\x6b\xbb\x8c\x7a\x65\xba\x9b\x30", "password="},
			{`"AbCd"`, "\xab\xcd\xab", "\x00\x00\x00"},
			{`"ff"`, "", ""},
		},
		"pcrexform": {
			{`"[a-zA-Z]+\s+(.*)\s+HTTP"`, "GET /z4d4kWk.jpg HTTP/1.1", "/z4d4kWk.jpg"},
			{`"([a-zA-Z]+\/[0-9]\.54\.0)"`, "curl/7.54.0", "curl/7.54.0"},
			{`"/get\?data=(.*)"`, "/get?data=abc", "abc"},
			{`"[a-zA-Z]+\s+(.*)\s+HTTP"`, "no match here", "no match here"}, // Suricata 7: unchanged
			{`"x(a)?b"`, "xb", "xb"},                                        // unset group: unchanged
			{`"x()y"`, "axyb", ""},                                          // empty capture: empty buffer
			{`"^(.)"`, "", ""},
		},
		"from_base64": {
			{"", "VGhpcyBpcyBTdXJpY2F0YQ==", "This is Suricata"},
			{"", "dGhpc2lzYXRlc3QK", "thisisatest\n"},
			{"offset 6", "/?arg=dGhpc2lzYXRlc3QK", "thisisatest\n"},
			{"offset 10", "/?arg=dGhpc2lzYXRlc3QK", "sisatest\n"},
			{"bytes 6, offset 6", "/?arg=dGhpc2lzYXRlc3QK", "this"},
			{"offset 6, mode rfc2045", "/?arg=dGhpc2lzYXRlc3QK", "thisisatest\n"},
			{"offset 6, mode strict", "/?arg=dGhpc2lzYXRlc3QK", "thisisatest\n"},
			{"offset 6, mode rfc2045", "/?arg=Zm 9v Ym Fy", "foobar"},
			{"mode rfc2045", "Zm$9vYm.Fy", "foobar"},
			{"", "Zm 9v Ym Fy", "f"},                                             // rfc4648 stops at the space and pads "Zm"
			{"bytes 25", "VGhpcyBpcyBTdXJpY2F0YQ==", "VGhpcyBpcyBTdXJpY2F0YQ=="}, // past the end: unchanged
			{"bytes 24", "VGhpcyBpcyBTdXJpY2F0YQ==", "VGhpcyBpcyBTdXJpY2F0YQ=="}, // reaching the end too
			{"offset 25", "VGhpcyBpcyBTdXJpY2F0YQ==", "VGhpcyBpcyBTdXJpY2F0YQ=="},
			{"bytes 12", "VGhpcyBpcyBTdXJpY2F0YQ==", "This is S"},
			{"offset 4", "VGhpcyBpcyBTdXJpY2F0YQ==", "s is Suricata"},
			{"mode rfc2045, bytes 15", "SGVs bG8 gV29y bGQ=", "Hello Wor"},
			{"mode rfc2045", "ABCD!!!!", "\x00\x10\x83"},
			{"", "Zg==", "f"},
			{"", "Zm8=", "fo"},
			{"", "Zm9vYg", "foob"},             // missing padding is supplied
			{"", "Zg==Zm8=", "ffo"},            // padding ends a quantum, decoding goes on
			{"", "Zm9v!YmFy", "foo"},           // rfc4648 stops at garbage
			{"mode rfc2045", "Zm9vYmE", "foo"}, // rfc2045 drops a partial quantum
			{"mode strict", "Zm9vYmE=", "fooba"},
		},
	}
	for name, cases := range tests {
		for _, c := range cases {
			out, ok := runTransform(t, name, c.arg, c.in)
			if !ok || string(out) != c.out {
				t.Errorf("%s:%s(%q) = %q ok=%v, want %q", name, c.arg, c.in, out, ok, c.out)
			}
		}
	}
}

// TestFromBase64Failures checks the inputs Suricata 8 flags as a buffer error.
func TestFromBase64Failures(t *testing.T) {
	for _, c := range []struct{ arg, in string }{
		{"mode strict", "This is Suricata\n"},
		{"mode strict", "Zm 9v Ym Fy"},
		{"mode strict", "Zg"},       // padding required
		{"mode strict", "Zh=="},     // non-zero trailing bits
		{"mode strict", "Zg==Zm8="}, // padding in the middle
		{"mode strict", "!!!!"},
		{"mode rfc2045", "!!!!"},
		{"", "!!!!"},
		{"", "Z"},        // one lone symbol cannot make a byte
		{"", "===="},     // padding first
		{"", "Zm9v=A=="}, // a bad later quantum fails the whole decode
	} {
		out, ok := runTransform(t, "from_base64", c.arg, c.in)
		if ok {
			t.Errorf("from_base64:%s(%q) = %q, want failure", c.arg, c.in, out)
		}
	}
	tr, _ := parseTransform("from_base64", "")
	var ts transformScratch
	if out := ts.apply([]Transform{tr}, []byte("!!!!")); out != nil {
		t.Errorf("apply on a failure = %q, want nil", out)
	}
}

// TestTransformHashes checks the digests against Suricata's unit-test vectors and the
// standard library, including the empty buffer Suricata 7 also hashes.
func TestTransformHashes(t *testing.T) {
	const in = " A B C D "
	vectors := map[string]string{
		"to_md5":    "e059f830436958b645828cc233c24713",
		"to_sha1":   "c8dc4497f7e055f86b889052082c0c7bdcc9c889",
		"to_sha256": "d6bf7d8d6953024d0d845c999bae93ccac68eaab9ac977d0fd306af59a3de43a",
	}
	for name, want := range vectors {
		out, _ := runTransform(t, name, "", in)
		if hex.EncodeToString(out) != want {
			t.Errorf("%s(%q) = %x, want %s", name, in, out, want)
		}
	}
	for _, in := range []string{"", "abc", strings.Repeat("x", 1000)} {
		m, s1, s2 := md5.Sum([]byte(in)), sha1.Sum([]byte(in)), sha256.Sum256([]byte(in))
		for name, want := range map[string][]byte{"to_md5": m[:], "to_sha1": s1[:], "to_sha256": s2[:]} {
			if out, _ := runTransform(t, name, "", in); !bytes.Equal(out, want) {
				t.Errorf("%s(%d bytes) = %x, want %x", name, len(in), out, want)
			}
		}
	}
}

// TestTransformChain checks that transforms run in rule order, each on the previous output,
// and that no-op steps in the middle do not corrupt the buffers.
func TestTransformChain(t *testing.T) {
	chain := func(specs ...[2]string) []Transform {
		var c []Transform
		for _, s := range specs {
			tr, err := parseTransform(s[0], s[1])
			if err != nil {
				t.Fatal(err)
			}
			c = append(c, tr)
		}
		return c
	}
	var ts transformScratch
	tests := []struct {
		chain   []Transform
		in, out string
	}{
		{chain([2]string{"to_lowercase", ""}, [2]string{"dotprefix", ""}), "WWW.Example.COM", ".www.example.com"},
		{chain([2]string{"dotprefix", ""}, [2]string{"to_uppercase", ""}), "a.b", ".A.B"},
		{chain([2]string{"url_decode", ""}, [2]string{"strip_whitespace", ""}, [2]string{"to_lowercase", ""}),
			"Window%2E Navigate%20(", "window.navigate("},
		// pcrexform picks the value, from_base64 decodes it, xor undoes a key.
		{chain([2]string{"pcrexform", `"arg=(.*)"`}, [2]string{"from_base64", ""}, [2]string{"xor", `"01"`}),
			"/?arg=" + "YWJj", "`cb"},
		// no-op steps (pcrexform without match, from_base64 past the end) between writers.
		{chain([2]string{"to_uppercase", ""}, [2]string{"pcrexform", `"(zzz)"`}, [2]string{"from_base64", "offset 99"},
			[2]string{"to_lowercase", ""}, [2]string{"dotprefix", ""}), "AbC", ".abc"},
		{chain([2]string{"compress_whitespace", ""}, [2]string{"to_sha256", ""}, [2]string{"to_md5", ""}), "a  b", ""},
		{nil, "unchanged", "unchanged"},
	}
	for i, tc := range tests {
		want := tc.out
		if i == 5 {
			s := sha256.Sum256([]byte("a b"))
			m := md5.Sum(s[:])
			want = string(m[:])
		}
		out := ts.apply(tc.chain, []byte(tc.in))
		if string(out) != want {
			t.Errorf("chain %d (%v) on %q = %q, want %q", i, tc.chain, tc.in, out, want)
		}
	}

	// An earlier result fed back in must survive: the scratch must not write its own input.
	c := chain([2]string{"to_uppercase", ""}, [2]string{"dotprefix", ""})
	first := ts.apply(c, []byte("abc"))
	second := ts.apply(c, first)
	if string(second) != "..ABC" {
		t.Errorf("re-applied result = %q, want %q", second, "..ABC")
	}
}

func TestParseTransformErrors(t *testing.T) {
	for _, c := range []struct{ name, arg, want string }{
		{"nonesuch", "", "unknown transform"},
		{"dotprefix", "x", "takes no argument"},
		{"to_md5", `"a"`, "takes no argument"},
		{"xor", "0d0a", "double quotes"},
		{"xor", `""`, "empty key"},
		{"xor", `"abc"`, "odd number"},
		{"xor", `"zz"`, "not hexadecimal"},
		{"xor", `"` + strings.Repeat("00", 256) + `"`, "longer than 255"},
		{"pcrexform", "", "double quotes"},
		{"pcrexform", `[a-z]+(.*)`, "double quotes"},
		{"pcrexform", `""`, "empty"},
		{"pcrexform", `"abc"`, "exactly one capture group, found 0"},
		{"pcrexform", `"(a)(b)"`, "exactly one capture group, found 2"},
		{"pcrexform", `"(a"`, "compile"},
		{"from_base64", "bytes 4, offset 70000", "between 0 and 65535"},
		{"from_base64", "bytes 4, offset 3933, mode unknown", "mode"},
		{"from_base64", "mode strict, mode rfc2045", "twice"},
		{"from_base64", "bytes 1, offset 1, mode strict, bytes 2", "at most 3"},
		{"from_base64", "bytes var", "must be a number"},
		{"from_base64", "bytes -1", "must be a number"},
		{"from_base64", "bytes", "needs a value"},
		{"from_base64", "bytes 4,", "needs a value"},
		{"from_base64", "size 4", "unknown option"},
		{"from_base64", `"bytes 4"`, "must not be quoted"},
	} {
		_, err := parseTransform(c.name, c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseTransform(%q, %q) error = %v, want one containing %q", c.name, c.arg, err, c.want)
		}
	}
}

// TestTransformString checks the canonical form: equal transforms print the same, and the
// printed form parses back to the same transform.
func TestTransformString(t *testing.T) {
	for _, c := range []struct{ name, arg, want string }{
		{"dotprefix", "", "dotprefix"},
		{"xor", `"0D0Ac8ff"`, `xor:"0d0ac8ff"`},
		{"pcrexform", `"a(b)c"`, `pcrexform:"a(b)c"`},
		{"from_base64", "", "from_base64"},
		{"from_base64", "offset 0, mode rfc4648", "from_base64"},
		{"from_base64", "mode strict , offset 6,bytes 4", "from_base64:bytes 4, offset 6, mode strict"},
	} {
		tr, err := parseTransform(c.name, c.arg)
		if err != nil {
			t.Fatalf("parseTransform(%q, %q): %v", c.name, c.arg, err)
		}
		if got := tr.String(); got != c.want {
			t.Errorf("String(%s:%s) = %q, want %q", c.name, c.arg, got, c.want)
		}
		name, arg, _ := strings.Cut(tr.String(), ":")
		back, err := parseTransform(name, arg)
		if err != nil || back.String() != tr.String() {
			t.Errorf("%q does not parse back: %v, %q", tr.String(), err, back.String())
		}
	}
}

// benchChain is every transform in one chain, arranged so each step has work to do.
func benchChain(tb testing.TB) []Transform {
	specs := [][2]string{
		{"header_lowercase", ""}, {"strip_pseudo_headers", ""}, {"url_decode", ""}, {"compress_whitespace", ""},
		{"pcrexform", `"(?s)data=(.*)"`}, {"from_base64", "mode rfc2045"}, {"xor", `"0d0ac8ff"`},
		{"to_uppercase", ""}, {"to_lowercase", ""}, {"strip_whitespace", ""}, {"dotprefix", ""},
		{"to_md5", ""}, {"to_sha1", ""}, {"to_sha256", ""},
	}
	var c []Transform
	for _, s := range specs {
		tr, err := parseTransform(s[0], s[1])
		if err != nil {
			tb.Fatal(err)
		}
		c = append(c, tr)
	}
	return c
}

func benchInput() []byte {
	return []byte("Host: Example.COM\r\n:path:/x\r\nUser-Agent: Mozilla/5.0  (X11)\r\nX: data=" +
		strings.Repeat("VGhpcyBpcyBTdXJpY2F0YQ%3D%3D+", 30) + "\r\n")
}

// TestTransformsNoAlloc proves the steady state allocates nothing.
func TestTransformsNoAlloc(t *testing.T) {
	chain, in := benchChain(t), benchInput()
	var ts transformScratch
	// The chain must run to its end, or the measurement would skip the later steps.
	if out, ok := ts.run(chain, in); !ok || len(out) != 32 {
		t.Fatalf("bench chain stopped early: ok=%v, %d bytes", ok, len(out))
	}
	if n := testing.AllocsPerRun(100, func() { ts.apply(chain, in) }); n != 0 {
		t.Fatalf("apply allocates %.1f times per run, want 0", n)
	}
}

// BenchmarkTransforms measures the whole chain and each transform alone on the same input.
func BenchmarkTransforms(b *testing.B) {
	chain, in := benchChain(b), benchInput()
	bench := func(b *testing.B, c []Transform) {
		var ts transformScratch
		ts.apply(c, in)
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			ts.apply(c, in)
		}
	}
	b.Run("chain", func(b *testing.B) { bench(b, chain) })
	for i := range chain {
		b.Run(chain[i].name, func(b *testing.B) { bench(b, chain[i:i+1]) })
	}
}
