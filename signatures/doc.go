// Package signatures is Nightjar's rule front end and exact verifier: it reads Suricata rule
// files into a compact rule IR (Load), reports the rules it could not load (CheckReport), and
// verifies a rule's packet-payload keywords and header keywords against one packet
// (Rule.MatchPayload, Rule.MatchHeader) with Suricata's semantics, including the backtracking
// of relative content chains.
//
// The detection engine (engine*.go, detect-*.go) runs a rule set: Compile orders the rules as
// Suricata does (action, flowbits/flowint/xbits use, priority, sid), groups them like
// Suricata's signature group heads (direction, transport, server port or IP protocol) and
// builds Hyperscan databases over the rules' fast patterns, per transport and direction
// (split into packet and stream patterns for TCP) shared by that class's groups, and per
// app-layer buffer for transaction rules, cached on disk by pattern hash; IP-only rules are
// found through an address index (engine-iponly.go). Each worker inspects packets through its
// own Matcher: prefilter scan, exact verification, flowbits/flowint (per flow slot), xbits and
// hostbits (per host, per Matcher: not shared between workers), the packet-header buffers
// (ipv4.hdr, tcp.hdr …), stream_size and flow.age (from the flow's packets as the matcher
// sees them), thresholds and threshold.config, pass/noalert semantics.
//
// Parsing goes through github.com/google/gonids (header, content decoding, structured
// options); its gaps (keyword order, gid, buffers it does not know, value validation) are
// filled from our own ordered option scan. A keyword that cannot be honoured keeps the rule out
// with a reason; it is never loaded without it. What the builder reads of gonids's output is
// cached per large rule file beside the Hyperscan databases (parse-cache.go), so a restart
// with unchanged rules skips gonids, three quarters of a cold load.
//
// pcre runs on libpcre2 through cgo (pcre-pcre2.go), not on regexp2: Suricata itself uses
// PCRE2, so verdicts are the same by construction (byte-oriented subjects, lookaround,
// back-references, match limits, A/E/G flags map to PCRE2 options); the match data is
// preallocated per worker so a match allocates nothing, and JIT (done at an expression's
// first match) keeps it fast. regexp2
// works on runes, allocates per match and differs in corner cases.
package signatures
