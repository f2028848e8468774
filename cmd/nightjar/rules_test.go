package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cliRules = `alert tcp any any -> any any (msg:"HTTP GET"; flow:to_server,established; content:"GET "; depth:4; fast_pattern; sid:101; rev:2;)
alert tcp any any -> $HOME_NET any (msg:"HTTP reply"; flow:to_client; content:"HTTP/1."; depth:7; classtype:bad-unknown; sid:102;)
alert tcp any any -> any any (msg:"broken"; nosuchkeyword; sid:103;)
`

func writeCLIRules(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.rules")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRulesCheck(t *testing.T) {
	bad := writeCLIRules(t, cliRules)
	code, stdout, _ := nightjar(t, "rules", "check", "--set", "detect.cache-dir=", bad)
	if code == 0 {
		t.Errorf("check of a file with a broken rule exited 0")
	}
	if !strings.Contains(stdout, bad+":3 sid 103: ") || !strings.HasSuffix(stdout, "loaded 2 of 3 rules\n") {
		t.Errorf("check output:\n%s", stdout)
	}
	good := writeCLIRules(t, cliRules[:strings.LastIndex(strings.TrimSpace(cliRules), "\n")+1])
	code, stdout, stderr := nightjar(t, "rules", "check", "--set", "detect.cache-dir=", good)
	if code != 0 || stdout != "loaded 2 of 2 rules\n" {
		t.Errorf("check of good rules: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A variable the configuration does not define fails the rule that uses it.
	code, stdout, _ = nightjar(t, "rules", "check", "--set", "detect.cache-dir=", "--set", "vars.address-groups.HOME_NET=", good)
	if code == 0 || !strings.Contains(stdout, "sid 102") {
		t.Errorf("check with HOME_NET unset: exit %d, stdout %q", code, stdout)
	}
	if code, _, _ := nightjar(t, "rules", "check"); code != 2 {
		t.Errorf("check without files: exit %d, want 2", code)
	}
}

func TestRulesListAndExplain(t *testing.T) {
	path := writeCLIRules(t, cliRules)
	code, stdout, stderr := nightjar(t, "rules", "list", "--set", "detect.cache-dir=", path)
	if code != 0 {
		t.Fatalf("list: exit %d, stderr %s", code, stderr)
	}
	want := "101\talert\ttcp\tHTTP GET\n102\talert\ttcp\tHTTP reply\n"
	if stdout != want {
		t.Errorf("list:\n%s\nwant\n%s", stdout, want)
	}
	code, stdout, stderr = nightjar(t, "rules", "explain", "--set", "detect.cache-dir=", "101", path)
	if code != 0 || !strings.Contains(stdout, path+":1  sid 101 gid 1 rev 2") ||
		!strings.Contains(stdout, `fast pattern: "GET " (fast_pattern`) || !strings.Contains(stdout, "flow: to_server,established") {
		t.Errorf("explain 101: exit %d stderr %q\n%s", code, stderr, stdout)
	}
	code, stdout, _ = nightjar(t, "rules", "explain", "--set", "detect.cache-dir=", "103", path)
	if code != 0 || !strings.Contains(stdout, "not loaded: "+path+":3 sid 103") {
		t.Errorf("explain of a broken rule: exit %d\n%s", code, stdout)
	}
	if code, _, _ := nightjar(t, "rules", "explain", "--set", "detect.cache-dir=", "999", path); code == 0 {
		t.Errorf("explain of a missing sid exited 0")
	}
}

func TestReadWithRules(t *testing.T) {
	good := writeCLIRules(t, cliRules[:strings.LastIndex(strings.TrimSpace(cliRules), "\n")+1])
	out := t.TempDir()
	code, stdout, stderr := nightjar(t, "read", "-r", "../../testdata/demo/http-methods.pcap", "-S", good, "-l", out, "--set", "detect.cache-dir=")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	types := eventTypes(t, filepath.Join(out, "eve.json"))
	if types["alert"] == 0 || !strings.Contains(stdout, "alerts: ") {
		t.Errorf("no alerts: %v\n%s", types, stdout)
	}
	fast, err := os.ReadFile(filepath.Join(out, "fast.log"))
	if err != nil || strings.Count(string(fast), "\n") != types["alert"] {
		t.Errorf("fast.log has %d lines for %d alerts (%v)", strings.Count(string(fast), "\n"), types["alert"], err)
	}

	// A broken rule is a warning, unless --init-errors-fatal.
	bad := writeCLIRules(t, cliRules)
	code, _, stderr = nightjar(t, "read", "-r", "../../testdata/demo/http-methods.pcap", "-S", bad, "-l", t.TempDir(), "--set", "detect.cache-dir=")
	if code != 0 || !strings.Contains(stderr, bad+":3 sid 103") {
		t.Errorf("broken rule without --init-errors-fatal: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = nightjar(t, "read", "-r", "../../testdata/demo/http-methods.pcap", "-S", bad, "-l", t.TempDir(), "--set", "detect.cache-dir=", "--init-errors-fatal")
	if code != exitUnusable || !strings.Contains(stderr, "init-errors-fatal") {
		t.Errorf("broken rule with --init-errors-fatal: exit %d, stderr %q", code, stderr)
	}
}
