package signatures

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzTransformPool is what a fuzzed chain picks from: every keyword, with the argument
// shapes that change behaviour (pad, skip, strict, offsets at the edges, empty captures).
var fuzzTransformPool = [][2]string{
	{"dotprefix", ""}, {"to_lowercase", ""}, {"to_uppercase", ""}, {"header_lowercase", ""},
	{"strip_whitespace", ""}, {"compress_whitespace", ""}, {"strip_pseudo_headers", ""},
	{"to_md5", ""}, {"to_sha1", ""}, {"to_sha256", ""}, {"url_decode", ""},
	{"xor", `"ff"`}, {"xor", `"0d0ac8ff"`},
	{"pcrexform", `"(.*)"`}, {"pcrexform", `"=(\w*)"`}, {"pcrexform", `"x(a)?b"`}, {"pcrexform", `"^(.{0,3})"`},
	{"from_base64", ""}, {"from_base64", "mode rfc2045"}, {"from_base64", "mode strict"},
	{"from_base64", "offset 1, bytes 4"}, {"from_base64", "offset 3"},
}

// FuzzTransforms runs random chains over random input. It must never panic, never write the
// input, and give the same answer from a fresh scratch as from one dirtied by earlier runs.
func FuzzTransforms(f *testing.F) {
	f.Add([]byte("GET /a%20b HTTP/1.1"), []byte{10, 1, 0})
	f.Add([]byte("/?arg=dGhpc2lzYXRlc3QK"), []byte{14, 17, 12})
	f.Add([]byte("Host: X\r\n:method:GET\r\n"), []byte{3, 6, 4, 5, 9})
	f.Add([]byte(""), []byte{0, 7, 19, 20, 21})
	f.Add([]byte("Zm 9v Ym Fy===="), []byte{18, 19, 17, 8})

	var pool []Transform
	for _, s := range fuzzTransformPool {
		tr, err := parseTransform(s[0], s[1])
		if err != nil {
			f.Fatal(err)
		}
		pool = append(pool, tr)
	}
	var dirty transformScratch // reused across inputs, like a worker's
	f.Fuzz(func(t *testing.T, in, picks []byte) {
		if len(picks) > 16 {
			picks = picks[:16]
		}
		chain := make([]Transform, len(picks))
		for i, p := range picks {
			chain[i] = pool[int(p)%len(pool)]
		}
		orig := bytes.Clone(in)
		got, gotOK := dirty.run(chain, in)
		got = bytes.Clone(got)
		var fresh transformScratch
		want, wantOK := fresh.run(chain, in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("chain %v wrote its input", chain)
		}
		if gotOK != wantOK || !bytes.Equal(got, want) {
			t.Fatalf("chain %v on %q: reused scratch gave %q/%v, fresh %q/%v", chain, in, got, gotOK, want, wantOK)
		}
		// A result fed back in (the lead's engine may do that) must come out as from a copy.
		again, againOK := dirty.run(chain, got)
		ref, refOK := fresh.run(chain, bytes.Clone(got))
		if againOK != refOK || !bytes.Equal(again, ref) {
			t.Fatalf("chain %v on its own output %q: %q/%v, want %q/%v", chain, got, again, againOK, ref, refOK)
		}
	})
}

// FuzzParseTransform feeds arbitrary option values to the keywords that take one: parsing
// must not panic, and an accepted value must print to a form that parses back to itself.
func FuzzParseTransform(f *testing.F) {
	f.Add("from_base64", "bytes 4, offset 6, mode strict")
	f.Add("xor", `"0d0a"`)
	f.Add("pcrexform", `"a(b)c"`)
	f.Add("from_base64", ",,,")
	f.Fuzz(func(t *testing.T, name, arg string) {
		tr, err := parseTransform(name, arg)
		if err != nil {
			return
		}
		s := tr.String()
		n, a, _ := strings.Cut(s, ":")
		back, err := parseTransform(n, a)
		if err != nil || back.String() != s {
			t.Fatalf("%s:%s printed as %q, which parses to %q (%v)", name, arg, s, back.String(), err)
		}
	})
}
