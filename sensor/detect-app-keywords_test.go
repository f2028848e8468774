package sensor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/signatures"
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
func alertSIDs(t *testing.T, pcap, rules string, overrides ...string) map[float64]int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.rules")
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, out := runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: 1, RuleFiles: []string{path}},
		append([]string{"detect.cache-dir=", "pcap-file.checksum-checks=no"}, overrides...)...)
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

// The DNS name buffers follow the direction's message; events are the message's.
func TestAppTxDNSNamesAndEvents(t *testing.T) {
	qs := []dnsQuestion{{[]string{"www", "example", "com"}, dns.TypeA}, {[]string{"x"}, dns.TypeTXT}}
	var qp, rp dns.Parser
	q, err := qp.ParseMessage(true, dnsWire(1, 0x0100|0x0040, qs...)) // Z bit set
	if err != nil {
		t.Fatal(err)
	}
	r, err := rp.ParseMessage(false, dnsWire(1, 0x8000, qs[0]))
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsTx{query: q}
	mustBuf(t, d, signatures.BufDNSQueriesRRName, true, 0, "www.example.com")
	mustBuf(t, d, signatures.BufDNSQueriesRRName, true, 1, "x")
	mustAbsent(t, d, signatures.BufDNSQueriesRRName, true, 2)
	mustAbsent(t, d, signatures.BufDNSQueriesRRName, false, 0)
	mustAbsent(t, d, signatures.BufDNSAnswersRRName, true, 0)
	if !d.Event("dns.z_flag_set") || d.Event("dns.malformed_data") || d.Event("http.request_header_invalid") {
		t.Errorf("request events: z %v malformed %v", d.Event("dns.z_flag_set"), d.Event("dns.malformed_data"))
	}
	d = &dnsTx{reply: r}
	mustBuf(t, d, signatures.BufDNSQueriesRRName, false, 0, "www.example.com")
	mustAbsent(t, d, signatures.BufDNSQueriesRRName, true, 0)
	if d.Event("dns.z_flag_set") {
		t.Error("response without Z reports dns.z_flag_set")
	}
	var none dnsTx
	if none.Event("dns.z_flag_set") {
		t.Error("empty transaction reports an event")
	}
}
