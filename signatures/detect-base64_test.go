package signatures

import (
	"encoding/base64"
	"testing"
)

func TestDecodeBase64RFC4648(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Zg==", "f"},
		{"Zg", "f"},
		{"Zm8", "fo"},
		{"Zm9v", "foo"},
		{"Zm9vYmFy", "foobar"},
		{"Zm9vYmFy'tail", "foobar"}, // stops at the first byte outside the alphabet
		{"Zm9vY'x", "foo"},          // a lone trailing character decodes to nothing
		{"Zm9v YmFy", "foo"},        // RFC 4648 mode: whitespace ends the data too
		{"Zg==Zm8=", "ffo"},         // padding ends a group, not the decode
		{"!", ""},
	} {
		if got := string(decodeBase64RFC4648(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("decode %q = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Round trip with the standard library on binary data of every length mod 3.
	for n := range 40 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		enc := base64.StdEncoding.EncodeToString(b)
		if got := decodeBase64RFC4648(nil, []byte(enc)); string(got) != string(b) {
			t.Fatalf("round trip of %d bytes: %x, want %x", n, got, b)
		}
	}
}

func TestBase64DecodeMatch(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name  string
		rule  string
		cases []payloadCase
	}{
		{"whole payload", `base64_decode; base64_data; content:"secret";`,
			[]payloadCase{{enc("a secret here"), true}, {enc("nothing"), false}, {"!!!", false}}},
		{"relative to a content", `content:"x="; base64_decode:relative; base64_data; content:"secret"; startswith;`,
			[]payloadCase{{"junk x=" + enc("secret!"), true}, {enc("secret!") + " x=" + enc("other"), false}}},
		{"offset", `base64_decode:offset 3; base64_data; content:"abc"; depth:3;`,
			[]payloadCase{{"xxx" + enc("abcdef"), true}, {"xx" + enc("abcdef"), false}}},
		{"bytes", `base64_decode:bytes 4; base64_data; content:"abc";`,
			[]payloadCase{{enc("abcdef"), true}, {enc("xabcdef"), false}}},
		// The decoded data starts its own cursor: within on its first content counts from 0
		// (Suricata bug 7842), not from where the outer content matched.
		{"fresh cursor", `content:"'"; base64_decode:relative; base64_data; content:"|ff ff|"; within:4;`,
			[]payloadCase{{"test='" + enc("\x00\x01\xff\xff\x02") + "'", true}, {"test='" + enc("\x00\x01\x02\x03\xff\xff") + "'", false}}},
		{"relative chain in decoded", `base64_decode; base64_data; content:"a"; content:"b"; distance:0; within:1;`,
			[]payloadCase{{enc("xaxab"), true}, {enc("xaxa b"), false}}},
		{"pcre in decoded", `base64_decode; base64_data; pcre:"/^he.lo$/";`,
			[]payloadCase{{enc("hello"), true}, {enc("hello!"), false}}},
		// Without base64_data nothing is inspected, so the keyword never matches.
		{"no data list", `content:"a"; base64_decode:relative;`, []payloadCase{{"a" + enc("xyz"), false}}},
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

	r := mustRule(t, `content:"="; base64_decode:relative; base64_data; content:"needle"; distance:1;`)
	payload := []byte("k=" + enc("a needle in the hay"))
	if !r.MatchPayload(payload, st) {
		t.Fatal("no match")
	}
	if n := testing.AllocsPerRun(100, func() { r.MatchPayload(payload, st) }); n != 0 {
		t.Errorf("base64_decode allocates %.0f times per match", n)
	}
}

func TestBase64Refused(t *testing.T) {
	for _, bad := range []string{
		`base64_data; content:"x";`,                        // no base64_decode before it
		`base64_decode:bytes x; base64_data; content:"x";`, // bad number
		`base64_decode:relatve; base64_data; content:"x";`, // misspelled
		`base64_decode:bytes 70000; base64_data; content:"x";`,
		`base64_decode; base64_data; base64_decode; content:"x";`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%s: loaded, want refused", bad)
		}
	}
}
