package stream

import "fmt"

// Config holds a Reassembler's settings. Start from DefaultConfig.
type Config struct {
	// Depth is how many bytes of each direction are reassembled, counted from the stream's
	// start (the byte after the SYN, or the first byte seen on a midstream pick-up); 0 means no
	// limit. Suricata's stream.reassembly.depth, default 1 MiB.
	Depth int
	// Memcap bounds the memory this Reassembler holds for queued segments (byte pages and
	// segment records) across all its streams. Segments that do not fit are refused and counted;
	// nothing grows past it.
	Memcap int
	// Midstream picks up sessions whose handshake was not seen (stream.midstream): the first
	// sequence number seen in a direction, or the acknowledgement the other side sends, becomes
	// its base. Off, a session starts only with a SYN.
	Midstream bool
	// Inline delivers in-order data as soon as it arrives rather than once the receiver
	// acknowledged it (stream.inline). Holes still stop delivery: only acknowledged holes
	// become gaps.
	Inline bool
	// Policy resolves overlapping segments (stream.reassembly host-os-policy; default bsd).
	Policy OverlapPolicy
	// MaxQueued bounds the segment records one direction may hold (an out-of-order queue of
	// tiny segments would otherwise make each insert walk a long list). Refusals are counted.
	MaxQueued int
}

// Defaults.
const (
	DefaultDepth     = 1 << 20
	DefaultMemcap    = 64 << 20
	DefaultMaxQueued = 4096
)

// DefaultConfig is Suricata's default: 1 MiB depth, no midstream pick-up, bsd policy; memcap
// 64 MiB for this worker.
func DefaultConfig() Config {
	return Config{Depth: DefaultDepth, Memcap: DefaultMemcap, Policy: PolicyBSD, MaxQueued: DefaultMaxQueued}
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Depth < 0:
		return fmt.Errorf("stream: depth %d is negative", c.Depth)
	case c.Memcap < minMemcap:
		return fmt.Errorf("stream: memcap %d is below the minimum %d", c.Memcap, minMemcap)
	case c.Policy >= numPolicies:
		return fmt.Errorf("stream: unknown overlap policy %d", c.Policy)
	case c.MaxQueued < 1:
		return fmt.Errorf("stream: max queued segments %d must be at least 1", c.MaxQueued)
	}
	return nil
}
