package verify

import (
	"math"
	"math/big"
	"testing"
)

func TestYAMLScalarsResolveLikePyYAML(t *testing.T) {
	big1 := new(big.Int)
	big1.SetString("18446744073709551616", 10)
	cases := []struct {
		src  string
		want any
	}{
		{"1", int64(1)},
		{"-7", int64(-7)},
		{"1_000", int64(1000)},
		{"0x1f", int64(31)},
		{"0b101", int64(5)},
		{"010", int64(8)}, // YAML 1.1 octal
		{"1:30", int64(90)},
		{"18446744073709551616", big1},
		{"1.5", 1.5},
		{"1.", 1.0},
		{"1.0e+3", 1000.0},
		{"1e5", "1e5"},     // PyYAML needs a dot for a float
		{"1.0e5", "1.0e5"}, // and a signed exponent
		{".inf", math.Inf(1)},
		{"yes", true},
		{"Off", false},
		{"TRUE", true},
		{"y", "y"},
		{"null", nil},
		{"~", nil},
		{"", nil},
		{"2024-01-02", pyTimestamp("2024-01-02")},
		{"00:11:22:33:44:55", "00:11:22:33:44:55"},
		{"10.0.0.1", "10.0.0.1"},
		{"'1'", "1"},
		{`"yes"`, "yes"},
		{"!!str 12", "12"},
		{"!!int '12'", int64(12)},
	}
	for _, c := range cases {
		v, err := loadYAML([]byte("k: " + c.src + "\n"))
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		got, _ := v.(*ymap).get("k")
		if pyTypeName(got) != pyTypeName(c.want) || !pyEqual(got, c.want) {
			if f, ok := c.want.(float64); !ok || !math.IsInf(f, 1) || got != c.want {
				t.Errorf("%q: got %s %s, want %s %s", c.src, pyTypeName(got), pyRepr(got), pyTypeName(c.want), pyRepr(c.want))
			}
		}
	}
}

func TestYAMLMappingsKeepOrderAndLastDuplicate(t *testing.T) {
	v, err := loadYAML([]byte("b: 1\na: 2\nb: 3\nbase: &x {p: 1, q: 2}\nm:\n  <<: *x\n  q: 9\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*ymap)
	if len(m.keys) != 4 || m.keys[0] != "b" || m.keys[1] != "a" {
		t.Fatalf("keys %v", m.keys)
	}
	if b, _ := m.get("b"); b != int64(3) {
		t.Errorf("duplicate key: got %v, want the last value 3", b)
	}
	mm, _ := m.get("m")
	want := map[string]any{"p": int64(1), "q": int64(9)}
	if !pyEqual(plain(mm), want) {
		t.Errorf("merge: got %s", pyRepr(plain(mm)))
	}
}

func TestYAMLRejectsUnknownTagsAndBadDocuments(t *testing.T) {
	for _, src := range []string{"k: !custom 1\n", "k: [1, 2\n", "k: {a: 1\n"} {
		if _, err := loadYAML([]byte(src)); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
	if v, err := loadYAML(nil); err != nil || v != nil {
		t.Errorf("empty document: %v %v", v, err)
	}
}

func TestParseSpecDefaultsAndTypes(t *testing.T) {
	s, err := parseSpec([]byte("args:\n  - -k none --runmode=single\n  - --set a.b=c\nexit-code: 1\npcap: false\nenv:\n  X: 2\nchecks:\n  - filter: {count: 1, match: {event_type: alert}}\n    shell: {args: 'true'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"-k", "none", "--runmode=single", "--set", "a.b=c"}
	if len(s.args) != len(wantArgs) {
		t.Fatalf("args %q", s.args)
	}
	for i := range wantArgs {
		if s.args[i] != wantArgs[i] {
			t.Errorf("arg %d: %q, want %q", i, s.args[i], wantArgs[i])
		}
	}
	if s.exitCode != 1 || !s.pcapOff || s.count != 1 || s.retry != 1 {
		t.Errorf("spec %+v", s)
	}
	if len(s.env) != 1 || s.env[0] != [2]string{"X", "2"} {
		t.Errorf("env %v", s.env)
	}
	if len(s.checks) != 2 || s.checks[0].Index != 1 || s.checks[1].Index != 1 || s.checks[1].Type != "shell" {
		t.Errorf("checks %+v", s.checks)
	}
	for _, bad := range []string{"- a\n", "args: -k none\n", "count: x\n", "exit-code: 1.5\n", "checks: {a: 1}\n"} {
		if _, err := parseSpec([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
