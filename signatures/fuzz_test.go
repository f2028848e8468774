package signatures

import (
	"strings"
	"testing"
)

// FuzzParseRule feeds arbitrary rule text to the loader: it must never panic, and a rule it
// loads must be safe to match.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		`alert tcp any any -> any any (msg:"x"; content:"a|00|b"; nocase; depth:4; sid:1;)`,
		`alert udp $HOME_NET any <> ![1.1.1.1,[2.2.2.0/24,!2.2.2.2]] [80,1024:] (pcre:"/a(?=b)/Ri"; byte_test:2,>,1,0,relative; sid:2;)`,
		`drop tcp any any -> any any (byte_extract:1,0,n; content:"x"; distance:n; within:2; isdataat:!n,relative; sid:3;)`,
		`alert tcp any any -> any any (flow:established,to_server; flowbits:set,a; threshold:type limit, track by_src, count 1, seconds 60; sid:4;)`,
		`alert http any any -> any any (http.uri; content:"/x"; sid:5;)`,
		"alert tcp any any -> any any (msg:\"a\\;b\"; \\\n content:\"x\"; sid:6;)",
		`alert tcp any any -> any any (content:"="; base64_decode:bytes 8, offset 1, relative; base64_data; content:"x"; within:2; sid:7;)`,
		`alert http any any => any any (http.uri; content:"/x"; http.connection: to_client; content:"close"; sid:8;)`,
		`alert http any any -> any any (http.referer; absent: or_else; content:!"x"; file.data; absent; sid:9;)`,
		`alert tcp any any -> any any (ipv4-csum:valid; tcpv4-csum:"invalid"; tcp.flags:*AP,12; stream-event:reassembly_seq_gap; sid:10;)`,
		`alert tcp any any -> any any (content:"SMB"; asn1:double_overflow, bitstring_overflow, relative_offset 27, oversize_length 2048; sid:11;)`,
	} {
		f.Add(s)
	}
	st := newMatchState(0, 0)
	f.Fuzz(func(t *testing.T, text string) {
		rs, _ := LoadReader(strings.NewReader(text), "fuzz.rules", nil, Options{})
		for _, r := range rs.Rules {
			r.MatchPayload([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02\x03"), st)
			r.MatchPayload([]byte(text), st)
		}
	})
}

// FuzzMatchPayload runs a fixed set of rules that exercise every payload keyword over
// arbitrary payloads: no panics, and a match is deterministic.
func FuzzMatchPayload(f *testing.F) {
	rules := []string{
		`content:"a"; content:"b"; within:3; content:!"c"; distance:0;`,
		`content:"ab"; nocase; offset:1; depth:6; content:"z"; endswith;`,
		`pcre:"/(\w)\1(?=x)/"; content:"y"; distance:-2; within:4;`,
		`content:"k"; pcre:"/^[0-9]+/R"; byte_test:1,>,0x30,0,relative;`,
		`byte_extract:1,0,n; byte_jump:1,0,relative,multiplier 2,post_offset -1; isdataat:n,relative;`,
		`byte_extract:2,0,n,string,hex; content:"q"; offset:n; depth:n;`,
		`byte_math:bytes 1, offset 0, oper *, rvalue 3, result r; isdataat:!r,relative;`,
		`byte_jump:2,1,little,from_end,post_offset -3,align; byte_test:0,=,7,0,relative,string,dec;`,
		`content:"x"; startswith; bsize:<100;`,
		`content:"="; base64_decode:relative; base64_data; content:"a"; content:"b"; distance:0; within:3; pcre:"/c/R";`,
		`content:"0"; asn1:bitstring_overflow, double_overflow, oversize_length 64, relative_offset -1;`,
		`asn1:oversize_length 8, absolute_offset 1;`,
	}
	var rs []*Rule
	for _, s := range rules {
		rs = append(rs, mustRule(f, s))
	}
	for _, s := range []string{"abcz", "\x02abX", "kk123", "\x00\x05ff\x00q", "xxyxx y", "", "0\x80\x03\x01\xff\x00\x00", "\x000\x0a\x02\x01\x01\x04\x05hello"} {
		f.Add([]byte(s))
	}
	st := newMatchState(0, 0)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, r := range rs {
			a := r.MatchPayload(payload, st)
			if b := r.MatchPayload(payload, st); a != b {
				t.Fatalf("%s: not deterministic on %q", r.Raw, payload)
			}
		}
	})
}
