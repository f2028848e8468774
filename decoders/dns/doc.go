// Package dns parses DNS messages as Suricata 7 logs and inspects them: UDP datagrams whole
// (ParseMessage) and DNS over TCP with its 2-byte length framing across Feed calls (State).
// Names are expanded through compression pointers with loop, label and length limits; A, AAAA,
// CNAME, NS, PTR, MX, TXT, SOA, SRV, SSHFP and NULL rdata are decoded, the rest kept raw.
// Results are plain structs whose fields map onto EVE dns (version 2), and the dns.query,
// dns.opcode and dns.rrtype keywords; malformed input raises Suricata's dns.* events.
package dns
