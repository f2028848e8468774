package signatures

import (
	"strings"
	"testing"
)

// x690A3 is the example record of X.690 (07/2002) annex A.3: an application-tagged personnel
// record of 133 content bytes, with SEQUENCE-free nesting (application and context tags).
const x690A3 = "\x60\x81\x85\x61\x10\x1A\x04John\x1A\x01P\x1A\x05Smith\xA0\x0A\x1A\x08Director" +
	"\x42\x01\x33\xA1\x0A\x43\x0819710917\xA2\x12\x61\x10\x1A\x04Mary\x1A\x01T\x1A\x05Smith" +
	"\xA3\x42\x31\x1F\x61\x11\x1A\x05Ralph\x1A\x01T\x1A\x05Smith\xA0\x0A\x43\x0819571111" +
	"\x31\x1F\x61\x11\x1A\x05Susan\x1A\x01B\x1A\x05Jones\xA0\x0A\x43\x0819590717"

// realOf is a universal REAL of n content bytes, decimal encoded (first content byte 0x05).
func realOf(n int) string {
	return "\x09\x82" + string([]byte{byte(n >> 8), byte(n)}) + strings.Repeat("\x05", n)
}

func TestAsn1(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		cases []payloadCase
	}{
		{"oversize_length", `asn1:oversize_length 132 absolute_offset 0;`, []payloadCase{{x690A3, true}}},
		{"oversize_length, not over", `asn1:oversize_length 133, absolute_offset 0;`, []payloadCase{{x690A3, false}}},
		{"bitstring_overflow", `asn1:bitstring_overflow, absolute_offset 0;`, []payloadCase{
			{"\x03\x01\xff", true},  // 255 unused bits of 8
			{"\x03\x01\x07", false}, // 7 of 8
			{"\x03\x00", false},     // no unused-bits octet: not decodable
		}},
		{"double_overflow", `asn1:double_overflow;`, []payloadCase{{realOf(257), true}, {realOf(256), false}}},
		{"inside a sequence", `asn1:bitstring_overflow;`, []payloadCase{
			{"\x30\x06\x02\x01\x05\x03\x01\xff", true},
			{"\x30\x80\x02\x01\x05\x03\x01\xff\x00\x00", true}, // indefinite length
			{"\x30\x06\x02\x01\x05\x03\x01\x01", false},
			// A member that fails to decode voids the sequence; nothing of it is checked.
			{"\x30\x07\x01\x02\x00\x00\x03\x01\xff", false},
		}},
		{"not inside an application tag", `asn1:bitstring_overflow;`, []payloadCase{{"\x61\x03\x03\x01\xff", false}}},
		{"second top-level object", `asn1:bitstring_overflow;`, []payloadCase{{"\x05\x00\x03\x01\xff", true}}},
		{"decoding stops at the first bad object", `asn1:bitstring_overflow;`, []payloadCase{{"\x05\x01\x00\x03\x01\xff", false}}},
		{"truncated", `asn1:oversize_length 2;`, []payloadCase{{"\x04\x05abc", false}, {"\x04\x03abc", true}}},
		{"relative to the last content", `content:"HDR"; asn1:oversize_length 4, relative_offset 1;`, []payloadCase{
			{"xxHDR-\x04\x05hello", true},
			{"xxHDR\x04\x05hello", false}, // one byte off: the decoder starts inside the object
		}},
		{"negative relative offset", `content:"Q"; asn1:oversize_length 4, relative_offset -3;`, []payloadCase{{"Q\x05\x00", false}, {"\x04\x05Q0000", true}}},
		{"offset past the end", `asn1:oversize_length 0, absolute_offset 9;`, []payloadCase{{"\x04\x01a", false}}},
		// More top-level objects than asn1-max-frames (30) voids the decode, hits included.
		{"max frames", `asn1:bitstring_overflow;`, []payloadCase{
			{"\x03\x01\xff" + strings.Repeat("\x05\x00", 29), true},
			{"\x03\x01\xff" + strings.Repeat("\x05\x00", 30), false},
		}},
		{"nesting deeper than max frames", `asn1:oversize_length 0;`, []payloadCase{
			{strings.Repeat("\x30\x80", 29) + "\x04\x01a" + strings.Repeat("\x00\x00", 29), true},
			{strings.Repeat("\x30\x80", 31) + "\x04\x01a" + strings.Repeat("\x00\x00", 31), false},
		}},
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

func TestAsn1Parse(t *testing.T) {
	for _, bad := range []string{
		`asn1:;`, `asn1:oversize_length;`, `asn1:oversize_length -1;`, `asn1:oversize_length 4294967296;`,
		`asn1:absolute_offset 65536;`, `asn1:relative_offset 65536;`, `asn1:relative_offset -65536;`,
		`asn1:bitstring_overflow, some_other 3;`,
	} {
		if r, _ := loadOne(t, `alert tcp any any -> any any (`+bad+` sid:1;)`); r != nil {
			t.Errorf("%s loaded", bad)
		}
	}
	r := mustRule(t, "http.uri; content:\"x\"; asn1:\t double_overflow, oversize_length 1024 relative_offset -10,  bitstring_overflow;")
	ms := r.Payload.Matchers
	if len(ms) != 1 || ms[0].Kind != MatchAsn1 {
		t.Fatalf("asn1 not in the payload list: %+v", r.Payload)
	}
	want := Asn1{BitstringOverflow: true, DoubleOverflow: true, HasOversize: true, OversizeLength: 1024,
		HasRelative: true, RelativeOffset: -10, MaxFrames: asn1DefaultMaxFrames}
	if *ms[0].Asn1 != want {
		t.Errorf("parsed %+v, want %+v", *ms[0].Asn1, want)
	}
}

func TestAsn1Allocs(t *testing.T) {
	r := mustRule(t, `content:"H"; asn1:bitstring_overflow, oversize_length 100, relative_offset 0;`)
	payload := []byte("H\x30\x80\x30\x06\x02\x01\x05\x03\x01\x01\x00\x00\x03\x01\xff")
	st := NewMatchState(nil)
	if !r.MatchPayload(payload, st) {
		t.Fatal("rule does not match")
	}
	if n := testing.AllocsPerRun(100, func() { r.MatchPayload(payload, st) }); n != 0 {
		t.Errorf("asn1 allocates %.0f times per call", n)
	}
}
