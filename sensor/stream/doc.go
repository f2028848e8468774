// Package stream reassembles TCP streams per flow and direction, with Suricata's semantics:
// segments are queued and ordered by sequence number (serial arithmetic, so the 2^32 wrap is a
// non-event), overlaps are resolved by the configured target-based policy (bsd by default, as
// stream.reassembly's host-os-policy), data is handed on once the receiver has acknowledged it
// (Suricata's IDS mode) or when the flow ends, acknowledged data that was never seen is reported
// as a gap (Suricata's tcp.reassembly_gap, Zeek's missed_bytes), and reassembly stops at the
// configured depth so the sensor can bypass the flow.
//
// A Reassembler belongs to one worker: it owns the segment records and the byte pages every
// stream of that worker stores data in, grown in chunks up to the memcap and then reused, so the
// steady state allocates nothing. A Stream is the per-flow state, a plain value the caller keeps
// in a table indexed by flow slot; its zero value is a fresh stream and Close makes it one again.
//
// Reassembled bytes reach the caller through a Sink, per direction, in order, exactly once, in
// chunks as large as the contiguous acknowledged data allows (up to MaxChunk). Window and Tail
// let a scanner find patterns that straddle two chunks exactly once.
package stream
