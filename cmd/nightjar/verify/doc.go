// Package verify runs Suricata's conformance suite (suricata-verify) against Nightjar.
//
// It reads each test folder's test.yaml with the semantics of suricata-verify's run.py
// (requires, skip, args, command, pcap, exit-code and the filter, shell, stats and
// file-compare checks), judges requirements as Suricata 8 built the way Debian builds it,
// runs the sensor through an injected RunFunc (so it never imports sensor internals) and
// reports PASS, FAIL or SKIP per test. Values from YAML and EVE JSON are compared with
// Python's rules, because that is what the upstream runner does.
package verify
