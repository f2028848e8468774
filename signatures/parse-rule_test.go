package signatures

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseRuleIR(t *testing.T) {
	r := mustRule(t, `drop tcp $EXTERNAL_NET any <> $HOME_NET $HTTP_PORTS (msg:"test \"q\""; flow:established,to_server; `+
		`content:"GET"; depth:3; content:"|0d 0a|Host|3a|"; nocase; distance:0; within:50; fast_pattern; `+
		`pcre:"/^x(?=y)/Ri"; byte_extract:2,0,len,relative; byte_test:2,>,len,0,relative; `+
		`flowbits:set,a.b; flowbits:noalert; classtype:trojan-activity; reference:cve,2020-1; `+
		`metadata:former_category MALWARE, signature_severity Major; gid:3; rev:7; sid:99;)`)
	if r.Action != ActionDrop || r.Proto != ProtoTCP || !r.Bidirectional {
		t.Errorf("header: %v %v %v", r.Action, r.Proto, r.Bidirectional)
	}
	if r.SID != 99 || r.Rev != 7 || r.GID != 3 || r.Priority != 1 || r.Class.Name != "trojan-activity" {
		t.Errorf("ids: sid %d rev %d gid %d prio %d", r.SID, r.Rev, r.GID, r.Priority)
	}
	if r.Flow != FlowEstablished|FlowToServer || !r.NoAlert || len(r.Flowbits) != 1 || r.Flowbits[0].Names[0] != "a.b" {
		t.Errorf("flow %v noalert %v flowbits %+v", r.Flow, r.NoAlert, r.Flowbits)
	}
	if len(r.References) != 1 || !strings.HasPrefix(r.References[0].URL, "https://cve.mitre.org") {
		t.Errorf("references %+v", r.References)
	}
	if len(r.Metadata) != 2 || r.Metadata[1] != (Metadata{"signature_severity", "Major"}) {
		t.Errorf("metadata %+v", r.Metadata)
	}
	ms := r.Payload.Matchers
	if len(ms) != 5 {
		t.Fatalf("want 5 payload matchers, got %d", len(ms))
	}
	c0, c1 := ms[0].Content, ms[1].Content
	if !bytes.Equal(c0.Pattern, []byte("GET")) || !c0.HasDepth || ms[0].Relative {
		t.Errorf("content 0 %+v", c0)
	}
	if !bytes.Equal(c1.Pattern, []byte("\r\nHost:")) || !c1.Nocase || !ms[1].Relative || !c1.FastPattern {
		t.Errorf("content 1 %+v", c1)
	}
	if !ms[0].RelNext {
		t.Error("content 0 must retry: the next content has within")
	}
	if !ms[1].RelNext || !ms[2].Relative || !ms[2].RelNext {
		t.Error("pcre R and byte_extract relative must chain")
	}
	if r.ByteVars[0] != "len" || ms[4].Byte.Value.Var != 0 {
		t.Errorf("byte var %v %+v", r.ByteVars, ms[4].Byte.Value)
	}
}

func TestParseRuleMultiLineAndComments(t *testing.T) {
	text := "# a comment\n\n#alert tcp any any -> any any (sid:5;)\n" +
		"alert tcp any any -> any any (msg:\"a\"; \\\n  content:\"x\"; \\\n  sid:10;)\n" +
		"alert udp any any -> any any (msg:\"b\"; sid:11;)\n"
	rs, errs := LoadReader(strings.NewReader(text), "f.rules", nil, Options{})
	if len(errs) != 0 || len(rs.Rules) != 2 || rs.Total != 2 {
		t.Fatalf("rules %d total %d errs %v", len(rs.Rules), rs.Total, errs)
	}
	if rs.Rules[0].Line != 4 || rs.Rules[1].Line != 7 {
		t.Errorf("lines %d %d", rs.Rules[0].Line, rs.Rules[1].Line)
	}
}

func TestParseRuleRejects(t *testing.T) {
	tests := []struct{ rule, reason string }{
		{`sip.method; content:"a";`, "buffer sip.method not supported yet"},
		{`http.uri; content:"a"; dns.query; content:"b";`, "dns.query is not a http keyword"},
		{`flow:to_server; http.stat_code; content:"200";`, "flow:to_server with a to-client buffer"},
		{`app-layer-protocol:imap;`, "app-layer protocol imap not supported yet"},
		{`content:"a"; lua:x.lua;`, "keyword lua not supported yet"},
		{`dotprefix; content:".a";`, "transform dotprefix without an app-layer sticky buffer"},
		{`content:"abc"; depth:2;`, "depth 2 smaller"},
		{`content:"abc"; within:2;`, "within 2 smaller"},
		{`content:"a"; depth:5; distance:0;`, "relative (distance/within) and absolute"},
		{`classtype:nope;`, "unknown classtype"},
		{`pcre:"/a(/";`, "pcre compile error"},
		{`pcre:"/a/q";`, "unknown pcre modifier"},
		{`byte_test:4,>,x,0;`, "neither a number nor a byte_extract"},
		{`byte_test:9,>,1,0;`, "byte count 9"},
		{`byte_jump:4,0,from_beginning,from_end;`, "from_beginning and from_end"},
		{`flow:to_server,to_client;`, "contradicting"},
		{`flowbits:bogus,x;`, "flowbit"},
		{`nocase;`, "no content match"},
		{`dsize:>x;`, "not an integer"},
		{`flags:SZ;`, "unknown flag"},
		{`threshold:type limit, count 1;`, "track"},
		{`fast_pattern:2,9; content:"a";`, "no content match"},
		{`content:"ab"; fast_pattern:1,5;`, "bad fast_pattern chop"},
		{`dsize:300000;`, "bad value"},
		{`threshold:type limit, track by_src, count 1;`, "incomplete"},
		{`pcre:"/(a)/i, flow:x, bogus:y";`, "bad pcre capture scope"},
		{`pcre:"/(?P<flow_x>a)/, pkt:y";`, "mixes named capture groups"},
	}
	for _, tc := range tests {
		r, errs := loadOne(t, tc.rule)
		if r != nil || len(errs) != 1 {
			t.Errorf("%s: loaded, want %q", tc.rule, tc.reason)
			continue
		}
		if !strings.Contains(errs[0].Reason, tc.reason) {
			t.Errorf("%s: reason %q, want %q", tc.rule, errs[0].Reason, tc.reason)
		}
		if errs[0].SID != 1 || errs[0].Line != 1 || errs[0].File != "test.rules" {
			t.Errorf("%s: error position %+v", tc.rule, errs[0])
		}
	}
	for _, bad := range []string{
		"alert tcp any any -> any any (msg:\"x\")",
		"alert tcp any any -> any any msg:x;",
		"alert foo any any -> any any (sid:1;)",
		"alert tcp any any -> any any (msg:\"no sid\";)",
		"alert tcp any any -> $NOPE any (sid:1;)",
		"alert imap any any -> any any (content:\"a\"; sid:1;)",
		"alert tls any any -> any any (http.uri; content:\"a\"; sid:1;)",
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("%q loaded", bad)
		}
	}
}

func TestCheckReport(t *testing.T) {
	text := "alert tcp any any -> any any (sid:1;)\n" +
		"alert tcp any any -> any any (content:\"a\"; sip.method; sid:2;)\n" +
		"alert tcp any any -> any any (bogus_kw; sid:3;)\n"
	rs, errs := LoadReader(strings.NewReader(text), "x.rules", nil, Options{})
	var out bytes.Buffer
	n, err := CheckReport(&out, rs, errs)
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	want := "x.rules:2 sid 2: buffer sip.method not supported yet\n" +
		"x.rules:3 sid 3: keyword bogus_kw not supported yet\n" +
		"loaded 1 of 3 rules\n"
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestFastPattern(t *testing.T) {
	r := mustRule(t, `content:"ab"; content:!"longest"; content:"abcd";`)
	if fp := r.FastPattern(); fp == nil || string(fp.Pattern) != "abcd" {
		t.Errorf("fast pattern %v", fp)
	}
	r = mustRule(t, `content:"abcdef"; content:"xy"; fast_pattern; content:"zzzzzzzz";`)
	if fp := r.FastPattern(); fp == nil || string(fp.Pattern) != "xy" {
		t.Errorf("explicit fast pattern %v", fp)
	}
	r = mustRule(t, `content:"abcdef"; fast_pattern:1,3;`)
	if got := string(r.FastPattern().FastPatternBytes()); got != "bcd" {
		t.Errorf("chop = %q", got)
	}
	if r := mustRule(t, `pcre:"/x/";`); r.FastPattern() != nil {
		t.Error("pcre-only rule has no fast pattern")
	}
}

// bypass marks the rule; it takes no value and leaves the rule's alerting alone.
func TestParseBypassKeyword(t *testing.T) {
	r := mustRule(t, `alert tcp any any -> any any (msg:"m"; content:"GET "; bypass; sid:1;)`)
	if !r.Bypass || r.NoAlert {
		t.Errorf("bypass %v noalert %v; want true, false", r.Bypass, r.NoAlert)
	}
	if r := mustRule(t, `alert tcp any any -> any any (msg:"m"; content:"GET "; sid:2;)`); r.Bypass {
		t.Error("bypass set on a rule without the keyword")
	}
	_, errs := LoadReader(strings.NewReader(`alert tcp any any -> any any (msg:"m"; bypass:yes; sid:3;)`+"\n"), "f.rules", nil, Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "bypass") {
		t.Errorf("bypass with a value: errors %v, want one naming bypass", errs)
	}
}

// A relative isdataat or byte_* outside a sticky buffer joins the list of the keyword it is
// relative to, as in Suricata: after uricontent that is the URI, not the packet payload.
func TestParseRelativeJoinsLastContentList(t *testing.T) {
	r := mustRule(t, `alert tcp any any -> any any (uricontent:"this"; byte_extract:1,2,one,string,dec,relative; `+
		`uricontent:"ring"; distance:one; isdataat:4,relative; sid:1;)`)
	if r.Payload != nil {
		t.Fatalf("nothing belongs to the payload, got %d matchers", len(r.Payload.Matchers))
	}
	if len(r.Buffers) != 1 || r.Buffers[0].Name != "http.uri" {
		t.Fatalf("want one http.uri buffer, got %d", len(r.Buffers))
	}
	ms := r.Buffers[0].Matchers
	if len(ms) != 4 || ms[1].Kind != MatchByteExtract || ms[3].Kind != MatchIsdataat {
		t.Fatalf("http.uri matchers %+v", ms)
	}
	if ms[2].Content.Distance.Var != 0 {
		t.Errorf("distance must read the byte_extract variable, got %+v", ms[2].Content.Distance)
	}
	// Not relative: the keyword stays on the payload.
	r = mustRule(t, `alert tcp any any -> any any (uricontent:"this"; isdataat:4; sid:2;)`)
	if r.Payload == nil || len(r.Payload.Matchers) != 1 || r.Payload.Matchers[0].Kind != MatchIsdataat {
		t.Errorf("a non-relative isdataat belongs to the payload")
	}
	// Inside a sticky buffer the sticky buffer wins.
	r = mustRule(t, `alert http any any -> any any (http.uri; content:"a"; byte_test:1,=,1,0,relative; sid:3;)`)
	if len(r.Buffers) != 1 || len(r.Buffers[0].Matchers) != 2 {
		t.Errorf("sticky buffer keeps the byte_test")
	}
}

func TestParsePCRECaptureVars(t *testing.T) {
	r := mustRule(t, `alert http any any -> any any (http.user_agent; pcre:"/^(.*)\/(\d+)/G, flow:key, pkt:value"; sid:1;)`)
	p := r.Buffers[0].Matchers[0].PCRE
	if p.Flags != "G" || len(p.Captures) != 2 || p.Captures[0] != (CaptureVar{"flow", "key"}) || p.Captures[1] != (CaptureVar{"pkt", "value"}) {
		t.Errorf("flags %q captures %+v", p.Flags, p.Captures)
	}
	r = mustRule(t, `alert tcp any any -> any any (pcre:"/(?P<flow_ua>a+)(?<alert_b>b)/"; sid:2;)`)
	p = r.Payload.Matchers[0].PCRE
	if len(p.Captures) != 2 || p.Captures[0] != (CaptureVar{"flow", "ua"}) || p.Captures[1] != (CaptureVar{"alert", "b"}) {
		t.Errorf("captures %+v", p.Captures)
	}
}
