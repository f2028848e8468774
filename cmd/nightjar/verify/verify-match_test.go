package verify

import (
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleEvent = `{"event_type":"alert","flow_id":1844674407370955161,"src_port":80,"proto":"TCP",
"alert":{"signature_id":2000,"rev":1,"metadata":{"tag":["a","b"]},"severity":3.0},
"dns":{"answers":[{"rrname":"x.example"},{"rrname":"y.example","ttl":60}]},
"big":18446744073709551616,"ok":true,"none":null,"msg":"héllo world","empty":[],"ratio":0.5}`

func mustEvent(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeJSONLine([]byte(strings.ReplaceAll(s, "\n", " ")))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// yamlTerms builds match terms the way a test.yaml would.
func yamlTerms(t *testing.T, src string) []matchTerm {
	t.Helper()
	f, err := parseFilter(mustYAML(t, "count: 1\nmatch:\n"+src))
	if err != nil {
		t.Fatal(err)
	}
	return f.terms
}

func mustYAML(t *testing.T, src string) any {
	t.Helper()
	v, err := loadYAML([]byte(src))
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return v
}

func TestMatchOperators(t *testing.T) {
	ev := mustEvent(t, sampleEvent)
	cases := []struct {
		match string
		want  bool
	}{
		{"  event_type: alert", true},
		{"  event_type: dns", false},
		{"  alert.signature_id: 2000", true},
		{"  alert.signature_id: '2000'", false}, // str never equals int
		{"  alert.signature_id: 2000.0", true},  // int equals float as in Python
		{"  alert.severity: 3", true},
		{"  src_port: 80\n  proto: TCP", true},
		{"  src_port: 80\n  proto: tcp", false},
		{"  flow_id: 1844674407370955161", true},
		{"  flow_id: 1844674407370955160", false},
		{"  big: 18446744073709551616", true},
		{"  ok: true", true},
		{"  ok: 1", true}, // True == 1
		{"  ok: 'true'", false},
		{"  none: null", true},
		{"  missing: null", true}, // a missing key reads as None, as in run.py
		{"  dns.answers[1].rrname: y.example", true},
		{"  dns.answers[1].ttl: 60", true},
		{"  dns.answers[2].rrname: z", false},
		{"  dns.answers[0]: {rrname: x.example}", true},
		{"  dns.answers[1]: {rrname: y.example}", false}, // dicts compare whole
		{"  alert.metadata.tag: [a, b]", true},
		{"  alert.metadata.tag: [b, a]", false},
		{"  alert.metadata.tag[1]: b", true},
		{"  msg[1]: é", true}, // indexing a string gives a character
		{"  dns.answers.__len: 2", true},
		{"  msg.__len: 11", true},
		{"  empty.__len: 0", true},
		{"  src_port.__len: -1", true},
		{"  alert.__len: 4", true},
		{"  msg.__contains: world", true},
		{"  msg.__contains: planet", false},
		{"  alert.metadata.tag.__contains: b", true},
		{"  alert.metadata.tag.__contains: c", false},
		{"  alert.metadata.__contains: tag", true},
		{"  msg.__find: llo", true},
		{"  msg.__startswith: hé", true},
		{"  msg.__startswith: world", false},
		{"  msg.__endswith: world", true},
		{"  src_port.__gt: 79", true},
		{"  src_port.__gt: 80", false},
		{"  src_port.__gte: 80", true},
		{"  src_port.__lt: 80.5", true},
		{"  src_port.__lte: 79", false},
		{"  ratio.__lt: 1", true},
		{"  has-key: alert.metadata", true},
		{"  has-key: alert.nothing", false},
		{"  has-key: none", false}, // null counts as absent in run.py
		{"  not-has-key: alert.nothing", true},
		{"  not-has-key: [alert.nothing, 'dns.answers[5]']", true},
		{"  not-has-key: [alert.nothing, 'dns.answers[1]']", false},
		{"  has-key: [alert.rev, 'dns.answers[1].ttl']", true},
		{"  event_type: dns\n  msg.__startswith: 5", false}, // short-circuits before the type error
	}
	for _, c := range cases {
		got, err := matchEvent(yamlTerms(t, c.match), ev)
		if err != nil {
			t.Errorf("%q: %v", c.match, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %v, want %v", c.match, got, c.want)
		}
	}
}

// Where Python raises, run.py fails the check; so must we.
func TestMatchTypeErrors(t *testing.T) {
	ev := mustEvent(t, sampleEvent)
	for _, m := range []string{
		"  src_port.__startswith: '8'",
		"  msg.__startswith: 5",
		"  src_port.__contains: 8",
		"  msg.__contains: 5",
		"  alert.metadata.__contains: [1]",
		"  msg.__gt: 5",
		"  none.x: 1",         // membership test on None
		"  src_port.x: 1",     // on an int
		"  msg.world: 1",      // a key that is a substring of a string value
		"  missing.__find: x", // None has no find
	} {
		if _, err := matchEvent(yamlTerms(t, m), ev); err == nil {
			t.Errorf("%q: no error", m)
		}
	}
	// A key that is not a substring of a string value just reads as missing.
	if ok, err := matchEvent(yamlTerms(t, "  msg.zzz: null"), ev); err != nil || !ok {
		t.Errorf("msg.zzz: %v %v", ok, err)
	}
}

func TestPyEqualStrictness(t *testing.T) {
	b := new(big.Int).Lsh(big.NewInt(1), 64)
	cases := []struct {
		a, b any
		want bool
	}{
		{int64(1), 1.0, true},
		{int64(1), true, true},
		{int64(2), true, false},
		{int64(1), "1", false},
		{nil, false, false},
		{nil, nil, true},
		{b, 18446744073709551616.0, true},
		{new(big.Int).Add(b, big.NewInt(1)), 18446744073709551616.0, false},
		{[]any{int64(1)}, []any{1.0}, true},
		{map[string]any{"a": int64(1)}, map[string]any{"a": int64(1), "b": nil}, false},
		{pyTimestamp("2024-01-02"), "2024-01-02", false},
	}
	for _, c := range cases {
		if got := pyEqual(c.a, c.b); got != c.want {
			t.Errorf("%s == %s: got %v", pyRepr(c.a), pyRepr(c.b), got)
		}
		if got := pyEqual(c.b, c.a); got != c.want {
			t.Errorf("%s == %s: got %v (reversed)", pyRepr(c.b), pyRepr(c.a), got)
		}
	}
}

func TestPyStr(t *testing.T) {
	cases := map[string]any{"1": int64(1), "True": true, "None": nil, "7.0": 7.0, "0.1": 0.1, "1e+16": 1e16, "abc": "abc", "['a', 1]": []any{"a", int64(1)}}
	for want, v := range cases {
		if got := pyStr(v); got != want {
			t.Errorf("pyStr(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestJSONDecodingMatchesJSONLoads(t *testing.T) {
	v := mustEvent(t, `{"i":1,"f":1.0,"e":1e2,"n":-0,"big":123456789012345678901234567890}`)
	m := v.(map[string]any)
	if pyTypeName(m["i"]) != "int" || pyTypeName(m["f"]) != "float" || pyTypeName(m["e"]) != "float" || pyTypeName(m["n"]) != "int" || pyTypeName(m["big"]) != "int" {
		t.Errorf("types: %s", pyRepr(m))
	}
	for _, bad := range []string{"", "{", `{"a":1} {"b":2}`, "{} x"} {
		if _, err := decodeJSONLine([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Counts are compared exactly; a wrong count, a missing file or a bad line fails.
func TestFilterCounts(t *testing.T) {
	dir := t.TempDir()
	eve := `{"event_type":"alert","alert":{"signature_id":1}}
{"event_type":"alert","alert":{"signature_id":1}}
{"event_type":"alert","alert":{"signature_id":2}}
{"event_type":"flow"}
`
	if err := os.WriteFile(filepath.Join(dir, "eve.json"), []byte(eve), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{}\n\n{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, _ := newEngine("8.0.0", nil)
	cr := &checkRun{eng: eng, outDir: dir, events: map[string]eventsOrErr{}}
	cases := []struct {
		body string
		pass bool
	}{
		{"count: 2\nmatch: {alert.signature_id: 1}", true},
		{"count: 2.0\nmatch: {alert.signature_id: 1}", true},
		{"count: 1\nmatch: {alert.signature_id: 1}", false},
		{"count: 3\nmatch: {event_type: alert}", true},
		{"count: 0\nmatch: {event_type: dns}", true},
		{"count: 4\nmatch: {}", true},
		{"count: 1\nmatch: {event_type: flow}\nfilename: eve.json", true},
		{"count: 0\nmatch: {event_type: flow}\nfilename: other.json", false},
		{"count: 0\nmatch: {event_type: flow}\nfilename: bad.json", false},
		{"match: {event_type: flow}", false},
		{"count: 1", false},
	}
	for i, c := range cases {
		f := cr.runFilter(checkSpec{Index: i + 1, Type: "filter", Body: mustYAML(t, c.body)})
		if (f == nil) != c.pass {
			t.Errorf("%q: pass=%v, want %v (%+v)", c.body, f == nil, c.pass, f)
		}
	}
	f := cr.runFilter(checkSpec{Index: 3, Type: "filter", Body: mustYAML(t, "count: 1\nmatch: {alert.signature_id: 1}")})
	if f == nil || f.Matched == nil || *f.Matched != 2 || f.Want == nil || *f.Want != 1 || f.Index != 3 {
		t.Fatalf("failure detail: %+v", f)
	}
}
