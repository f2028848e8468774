// Package tls parses the cleartext part of TLS 1.0–1.3 (and SSLv2-framed hellos) per flow:
// record reassembly across Feed calls, handshake messages spanning records, ClientHello,
// ServerHello and Certificate, Suricata's tls.* sticky buffers and EVE tls fields, and the
// JA3, JA3S, JA4 and JA4S fingerprints. Once both sides encrypt it says so, so the flow can be
// bypassed. It copies only what must outlive a Feed call (partial headers, split handshake
// messages, certificates) into per-flow buffers that Reset keeps for the next flow.
package tls
