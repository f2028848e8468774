package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var nightjarBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nightjar-bin")
	if err != nil {
		panic(err)
	}
	nightjarBin = filepath.Join(dir, "nightjar")
	build := exec.Command("go", "build", "-o", nightjarBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building nightjar: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func nightjar(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(nightjarBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running nightjar: %v", err)
	}
	return code, out.String(), errb.String()
}

func eventTypes(t *testing.T, path string) map[string]int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var ev struct {
			EventType string `json:"event_type"`
			Proto     string `json:"proto"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad EVE line %q: %v", line, err)
		}
		types[ev.EventType]++
		if ev.EventType == "flow" {
			types["flow/"+ev.Proto]++
		}
	}
	return types
}

func TestReadWritesOutputs(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := nightjar(t, "read", "-r", "../../testdata/demo/http-methods.pcap", "-l", out)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "read ") || !strings.Contains(stdout, out) {
		t.Errorf("summary does not say what was read and where output went:\n%s", stdout)
	}
	if n := eventTypes(t, filepath.Join(out, "eve.json"))["flow"]; n == 0 {
		t.Errorf("no flow events in eve.json")
	}
}

func TestReadBPFFilter(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := nightjar(t, "read", "-r", "../../testdata/demo/arkime_synthetic.pcap", "-l", out, "udp")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	types := eventTypes(t, filepath.Join(out, "eve.json"))
	if types["flow/UDP"] == 0 || types["flow/TCP"] != 0 {
		t.Errorf("filter 'udp' let through: %v", types)
	}
	code, _, stderr = nightjar(t, "read", "-r", "../../testdata/demo/arkime_synthetic.pcap", "-l", t.TempDir(), "not", "a", "filter(")
	if code != exitUnusable || !strings.Contains(stderr, "filter") {
		t.Errorf("bad filter: exit %d, stderr %q", code, stderr)
	}
}

func TestReadCorruptCapture(t *testing.T) {
	// A real capture cut in the middle of a record: everything before the cut is processed,
	// the cut is reported with file and offset, and the exit code says the input was damaged.
	raw, err := os.ReadFile("../../testdata/demo/http-methods.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, raw[:len(raw)/2+7], 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := nightjar(t, "read", "-r", cut, "-l", out)
	if code != exitDamaged {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitDamaged, stderr)
	}
	if !strings.Contains(stderr, cut) || !strings.Contains(stderr, "offset") {
		t.Errorf("stderr does not name the file and offset: %q", stderr)
	}
	if n := eventTypes(t, filepath.Join(out, "eve.json"))["flow"]; n == 0 {
		t.Errorf("the packets before the damage made no flows")
	}
}

func TestReadUnusableInput(t *testing.T) {
	code, _, stderr := nightjar(t, "read", "-l", t.TempDir())
	if code != exitUnusable || stderr == "" {
		t.Errorf("no -r: exit %d stderr %q", code, stderr)
	}
	notPcap := filepath.Join(t.TempDir(), "x.pcap")
	os.WriteFile(notPcap, []byte("this is not a capture file at all"), 0o644)
	code, _, stderr = nightjar(t, "read", "-r", notPcap, "-l", t.TempDir())
	if code == 0 || !strings.Contains(stderr, notPcap) {
		t.Errorf("not a pcap: exit %d stderr %q", code, stderr)
	}
}
