package sensor

import (
	"os"
	"path/filepath"
	"testing"
)

// verifyTest returns a suricata-verify test folder from ../shared, skipping when absent.
func verifyTest(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "suricata-verify", "tests", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("suricata-verify test %s not available (%v): needs ../shared next to the repository", name, err)
	}
	return dir
}

// alertSIDs runs rules over the capture (checksums not checked, as the verify tests' -k none)
// and counts the alerts per sid.
func alertSIDs(t *testing.T, pcap, rules string) map[float64]int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.rules")
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, out := runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: 1, RuleFiles: []string{path}},
		"detect.cache-dir=", "pcap-file.checksum-checks=no")
	if sum.Rules != sum.RulesTotal {
		t.Fatalf("loaded %d of %d rules", sum.Rules, sum.RulesTotal)
	}
	got := map[float64]int{}
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "alert" {
			got[ev["alert"].(map[string]any)["signature_id"].(float64)]++
		}
	}
	return got
}

// A truncated IPv4 packet has no IP layer: the pkthdr decode-event rule must still see it.
func TestDetectAppDecodeEventNoIP(t *testing.T) {
	dir := verifyTest(t, "ipv4-truncated")
	got := alertSIDs(t, filepath.Join(dir, "truncated.pcap"),
		`alert pkthdr any any -> any any (msg:"trunc"; decode-event:ipv4.trunc_pkt; sid:1;)
alert pkthdr any any -> any any (msg:"other"; decode-event:ipv4.opt_invalid; sid:2;)
alert ip 10.0.0.0/8 any -> any any (msg:"needs an address"; decode-event:ipv4.trunc_pkt; sid:3;)
`)
	if got[1] != 1 || got[2] != 0 || got[3] != 0 {
		t.Errorf("alerts per sid %v, want only sid 1 once", got)
	}
}

// An HTTP request with two Content-Length headers raises the duplicate event on its
// transaction, once; an event it did not raise never matches.
func TestDetectAppLayerEventHTTP(t *testing.T) {
	dir := verifyTest(t, "http-multiple-cl")
	got := alertSIDs(t, filepath.Join(dir, "input.pcap"),
		`alert http any any -> any any (flow:established,to_server; app-layer-event:http.duplicate_content_length_field_in_request; sid:1;)
alert http any any -> any any (flow:established,to_server; app-layer-event:http.request_header_invalid; sid:2;)
`)
	if got[1] != 1 || got[2] != 0 {
		t.Errorf("alerts per sid %v, want sid 1 once and sid 2 never", got)
	}
}

// HASSH buffers are read once each side's KEXINIT was parsed.
func TestDetectAppSSHHassh(t *testing.T) {
	dir := verifyTest(t, "ssh-hassh")
	got := alertSIDs(t, filepath.Join(dir, "input.pcap"),
		`alert ssh any any -> any any (ssh.hassh; content:"2dd6531c7e89d3c925db9214711be76a"; sid:1;)
alert ssh any any -> any any (ssh.hassh.server; content:"6832f1ce43d4397c2c0a3e2f8c94334e"; sid:2;)
alert ssh any any -> any any (ssh.hassh.server.string; content:"none,zlib@openssh.com"; sid:3;)
alert ssh any any -> any any (ssh.hassh; content:"6832f1ce43d4397c2c0a3e2f8c94334e"; sid:4;)
`)
	if got[1] != 1 || got[2] != 1 || got[3] != 1 || got[4] != 0 {
		t.Errorf("alerts per sid %v, want sids 1-3 once each, 4 never", got)
	}
}
