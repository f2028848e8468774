package verify

import (
	"strings"
	"testing"
)

func reqMap(t *testing.T, src string) *ymap {
	t.Helper()
	m, ok := mustYAML(t, src).(*ymap)
	if !ok {
		t.Fatalf("%q is not a mapping", src)
	}
	return m
}

func TestRequiresVersions(t *testing.T) {
	eng, err := newEngine("8.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		src  string
		skip string // expected category, "" when the test applies
	}{
		{"min-version: 8", ""},
		{"min-version: 8.0.0", ""},
		{"min-version: '7.0'", ""},
		{"min-version: 7.0", ""},
		{"min-version: 8.0.1", "min-version"},
		{"min-version: 9", "min-version"},
		{"lt-version: 9", ""},
		{"lt-version: 8.0.5", ""},
		{"lt-version: 8", "lt-version"},
		{"lt-version: 7.0.3", "lt-version"},
		{"gt-version: 6.0.11", ""},
		{"gt-version: 8", "gt-version"},
		{"version: 8", ""},
		{"version: 8.0", ""},
		{"version: 7", "version"},
		{"version: 8.1", "version"},
		{"min-version: 7\nlt-version: 8", "lt-version"},
		{"features: [HAVE_LUA, HAVE_JA3]", ""},
		{"features: [HAVE_LUA, QA_SIMULATION]", "feature QA_SIMULATION"},
		{"pcap: false", ""},
		{"os: linux", ""},
		{"os: windows", "os"},
		{"lambda: 'sys.platform != \"win32\"'", ""},
		{"lambda: 'sys.platform == \"win32\"'", "lambda"},
		{"lambda: 'suricata.version > 3'", "unevaluable"},
		{"script: ['grep X src/foo.c']", "unevaluable"},
		{"files: [src/foo.c]", "unevaluable"},
		{"env: [NIGHTJAR_VERIFY_SURELY_UNSET]", "env"},
		{"config: {a: b}", "unevaluable"},
		{"min-version: banana", "unevaluable"},
	}
	for _, c := range cases {
		sk := eng.evalRequires(reqMap(t, c.src))
		got := ""
		if sk != nil {
			got = sk.Category
		}
		if got != c.skip {
			t.Errorf("%q: skip %q (%v), want %q", c.src, got, sk, c.skip)
		}
	}
	// The judged version is a parameter, not a constant.
	eng7, _ := newEngine("7.0.10", nil)
	if sk := eng7.evalRequires(reqMap(t, "lt-version: 8")); sk != nil {
		t.Errorf("7.0.10 < 8: %v", sk)
	}
	if sk := eng7.evalRequires(reqMap(t, "min-version: 7.0.11")); sk == nil {
		t.Error("7.0.10 >= 7.0.11")
	}
}

func TestRequiresOrderGivesFirstReason(t *testing.T) {
	eng, _ := newEngine("", nil)
	sk := eng.evalRequires(reqMap(t, "features: [DEBUG]\nmin-version: 99"))
	if sk == nil || !strings.Contains(sk.Text, "DEBUG") {
		t.Errorf("got %v, want the features reason first", sk)
	}
}

func TestSkipList(t *testing.T) {
	eng, _ := newEngine("8.0.0", []string{"HAVE_JA4"})
	eng.uid = 0
	cases := []struct {
		src  string
		skip bool
	}{
		{"skip: [{uid: 0, msg: needs non-root}]", true},
		{"skip: [{uid: 1000}]", false},
		{"skip: [{feature: HAVE_JA4}]", true},
		{"skip: [{feature: HAVE_JA3}]", false},
		{"skip: true", true},
		{"skip: false", false},
	}
	for _, c := range cases {
		v, _ := reqMap(t, c.src).get("skip")
		if sk := eng.evalSkip(v); (sk != nil) != c.skip {
			t.Errorf("%q: %v", c.src, sk)
		}
	}
}

func TestCheckRequiresFoldsShorthands(t *testing.T) {
	eng, _ := newEngine("8.0.0", nil)
	body := mustYAML(t, "lt-version: 8\ncount: 1\nmatch: {}")
	req, err := checkRequires(checkSpec{Type: "filter", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if sk := eng.evalRequires(req); sk == nil || sk.Category != "lt-version" {
		t.Errorf("lt-version shorthand: %v", sk)
	}
	body = mustYAML(t, "requires: {min-version: 9}\nargs: 'true'")
	req, _ = checkRequires(checkSpec{Type: "shell", Body: body})
	if sk := eng.evalRequires(req); sk == nil {
		t.Error("shell requires block ignored")
	}
	body = mustYAML(t, "feature: NOPE\ncount: 1\nmatch: {}")
	req, _ = checkRequires(checkSpec{Type: "filter", Body: body})
	if sk := eng.evalRequires(req); sk == nil {
		t.Error("filter feature ignored")
	}
}
