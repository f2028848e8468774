package verify

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTemplateSubst(t *testing.T) {
	env := map[string]string{"TEST_DIR": "/t", "A_1": "x"}
	cases := map[string]string{
		"--set a=${TEST_DIR}/f": "--set a=/t/f",
		"$TEST_DIR/input.pcap":  "/t/input.pcap",
		"$A_1.b":                "x.b",
		"cost $$5":              "cost $5",
		"plain":                 "plain",
	}
	for in, want := range cases {
		got, err := templateSubst(in, env)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"$NOPE", "${TEST_DIR", "$ x", "${1x}"} {
		if _, err := templateSubst(bad, env); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestShellSplit(t *testing.T) {
	got, err := shellSplit(`a "b c" 'd e' f\ g --set x="y z" \` + "\n  h\n")
	want := []string{"a", "b c", "d e", "f g", "--set", "x=y z", "h"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q %v, want %q", got, err, want)
	}
	for _, bad := range []string{"a | b", "a; b", "a > f", "a `b`", "a \"unterminated", "a\nb", "a $X", "a *"} {
		if _, err := shellSplit(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestShellPrograms(t *testing.T) {
	got := shellPrograms(`grep "a|b" suricata.log | wc -l | xargs; FOO=1 test -e x && echo $(jq .a f) # not | this`)
	want := []string{"grep", "wc", "xargs", "test", "echo", "jq"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if m := missingPrograms("nightjar-verify-no-such-tool x | grep y"); !reflect.DeepEqual(m, []string{"nightjar-verify-no-such-tool"}) {
		t.Errorf("missing %q", m)
	}
}

func writeTest(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBuildInvocation(t *testing.T) {
	eng, _ := newEngine("8.0.0", nil)
	root := t.TempDir()
	dir := filepath.Join(root, "tests", "proto-ips-1")
	writeTest(t, dir, map[string]string{
		"test.yaml":     "args:\n  - -k none --set x=${TEST_DIR}/y\n",
		"input.pcap":    "",
		"test.rules":    "",
		"suricata.yaml": "",
	})
	spec, err := loadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := buildInvocation(spec, eng, dir, "/out")
	if err != nil || inv.skip != nil {
		t.Fatal(err, inv.skip)
	}
	want := []string{"-r", filepath.Join(dir, "input.pcap"), "-S", filepath.Join(dir, "test.rules"), "-l", "/out",
		"-c", filepath.Join(dir, "suricata.yaml"), "--init-errors-fatal", "--simulate-ips", "-k", "none", "--set", "x=" + dir + "/y"}
	if !reflect.DeepEqual(inv.args, want) {
		t.Errorf("args\n got %q\nwant %q", inv.args, want)
	}
	if inv.dir != dir || !strings.Contains(strings.Join(inv.env, " "), "TEST_DIR="+dir) {
		t.Errorf("dir %q env %q", inv.dir, inv.env)
	}

	// A pcap named in test.yaml; no rules: none passed.
	other := filepath.Join(root, "tests", "other")
	writeTest(t, other, map[string]string{"test.yaml": "pcap: ../proto-ips-1/input.pcap\n"})
	spec, _ = loadSpec(other)
	inv, err = buildInvocation(spec, eng, other, "/out")
	if err != nil || inv.skip != nil || inv.args[1] != filepath.Join(dir, "input.pcap") || len(inv.args) != 5 {
		t.Errorf("pcap key: %q %v %v", inv.args, err, inv.skip)
	}
	// Missing capture, engine-only test, two captures.
	writeTest(t, filepath.Join(root, "a"), map[string]string{"test.yaml": "pcap: nope.pcap\n"})
	writeTest(t, filepath.Join(root, "b"), map[string]string{"test.yaml": "requires:\n  pcap: false\n"})
	writeTest(t, filepath.Join(root, "c"), map[string]string{"test.yaml": "", "x.pcap": "", "y.pcapng": ""})
	writeTest(t, filepath.Join(root, "d"), map[string]string{"test.yaml": ""})
	for name, wantCat := range map[string]string{"a": "pcap missing", "b": "no pcap", "d": "no pcap"} {
		spec, _ := loadSpec(filepath.Join(root, name))
		inv, err := buildInvocation(spec, eng, filepath.Join(root, name), "/out")
		if err != nil || inv.skip == nil || inv.skip.Category != wantCat {
			t.Errorf("%s: %v %+v", name, err, inv)
		}
	}
	spec, _ = loadSpec(filepath.Join(root, "c"))
	if _, err := buildInvocation(spec, eng, filepath.Join(root, "c"), "/out"); err == nil {
		t.Error("two captures: no error")
	}
}

func TestTranslateCommand(t *testing.T) {
	tenv := templateEnv([]string{"TEST_DIR=/t", "OUTPUT_DIR=/o"})
	cases := []struct {
		cmd  string
		want []string
		skip string
	}{
		{"${SRCDIR}/src/suricata --set classification-file=\"${SRCDIR}/etc/classification.config\" -l ${OUTPUT_DIR} -c ${SRCDIR}/suricata.yaml \\\n  -r ${TEST_DIR}/input.pcap -S ${TEST_DIR}/test.rules\n",
			[]string{"-l", "/o", "-r", "/t/input.pcap", "-S", "/t/test.rules"}, ""},
		{"ASAN_OPTIONS=x ${SRCDIR}/src/suricata -r a.pcap", []string{"-r", "a.pcap", "-l", "/o"}, ""},
		{"${SRCDIR}/src/suricata -T -c ${TEST_DIR}/suricata.yaml -S x.rules", nil, "no pcap"},
		{"cat ${TEST_DIR}/input.pcap | ${SRCDIR}/src/suricata -r /dev/stdin", nil, "command"},
		{"timeout 30s ${SRCDIR}/src/suricata -r x", nil, "command"},
		{"${SRCDIR}/src/suricata -r x --set rule-path=${SRCDIR}/rules", nil, "srcdir"},
	}
	for _, c := range cases {
		inv := &invocation{}
		if err := translateCommand(inv, c.cmd, tenv, "/o"); err != nil {
			t.Errorf("%q: %v", c.cmd, err)
			continue
		}
		switch {
		case c.skip != "":
			if inv.skip == nil || inv.skip.Category != c.skip {
				t.Errorf("%q: skip %v, want %s", c.cmd, inv.skip, c.skip)
			}
		case inv.skip != nil || !reflect.DeepEqual(inv.args, c.want):
			t.Errorf("%q: %q %v, want %q", c.cmd, inv.args, inv.skip, c.want)
		}
	}
}
