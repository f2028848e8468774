package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchGenCLI(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for _, out := range []string{a, b} {
		code, _, stderr := nightjar(t, "bench", "gen", "-q", "--seed", "5", "--size", "2mb", "--flows", "32", "--attack-every", "20", "-o", out)
		if code != 0 {
			t.Fatalf("bench gen: exit %d: %s", code, stderr)
		}
	}
	ra, _ := os.ReadFile(a)
	rb, _ := os.ReadFile(b)
	if len(ra) < 2<<20 || !bytes.Equal(ra, rb) {
		t.Errorf("two gens with seed 5: %d and %d bytes, equal %v", len(ra), len(rb), bytes.Equal(ra, rb))
	}
	if _, err := os.Stat(a + ".expected.json"); err != nil {
		t.Error(err)
	}
	code, stdout, stderr := nightjar(t, "bench", "run", "-q", "-r", a, "--repeat", "1", "--workers", "1", "--json", filepath.Join(dir, "r.json"))
	if code != 0 || stdout != "" {
		t.Fatalf("bench run: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err != nil {
		t.Error(err)
	}
}

func TestBenchUnusable(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "live"},
		{"bench", "gen"},
		{"bench", "gen", "-o", "x.pcap", "--bogus"},
		{"bench", "run"},
		{"bench", "nope"},
	} {
		code, _, stderr := nightjar(t, args...)
		if code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") > 20 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	_, _, stderr := nightjar(t, "bench", "live")
	if !strings.Contains(stderr, "not built yet: needs live capture (issue #5)") {
		t.Errorf("bench live: %q", stderr)
	}
}
