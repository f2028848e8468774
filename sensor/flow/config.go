package flow

import (
	"fmt"
	"unsafe"
)

// ProtoTimeouts are the idle timeouts, in seconds, of one protocol's flows by flow state.
type ProtoTimeouts struct {
	New         uint32
	Established uint32
	Closed      uint32
	// Bypassed applies once the flow is bypassed, whatever its state (Suricata's
	// flow-timeouts bypassed). A flow the capture bypass drops in the kernel sees no packets
	// here; the Table asks the bypass when it last counted one before ending the flow.
	Bypassed uint32
}

// Timeouts hold the idle timeouts per protocol family. ICMPv4 and ICMPv6 share ICMP;
// SCTP and every protocol without its own entry use Other (Suricata's "default").
type Timeouts struct {
	TCP, UDP, ICMP, Other ProtoTimeouts
}

// Config sizes and tunes a Table.
type Config struct {
	// Memcap bounds the table's memory in bytes: the flow pool and the bucket array. The number
	// of flows follows from it (MaxFlows).
	Memcap int
	// SlotExtra is what the stages after the table keep per flow slot (reassembly state, the
	// app layer's pointer, detection's flow variables): the memcap pays for it too, so the
	// number of flows is what the whole per-flow memory allows.
	SlotExtra int
	// Timeouts apply normally; EmergencyTimeouts while the table is in emergency mode.
	Timeouts          Timeouts
	EmergencyTimeouts Timeouts
	// EmergencyRecovery (percent, 1..100): emergency mode ends once this share of the pool is
	// free again, as Suricata's flow.emergency-recovery.
	EmergencyRecovery int
	// Midstream picks up TCP sessions whose first packet is not a SYN (Suricata's
	// stream.midstream, off by default): a SYN/ACK first makes its receiver the client, a
	// plain ACK starts an established session. Off, such flows are tracked without a TCP
	// session until a SYN shows up.
	Midstream bool
	// AsyncOneside establishes a session seen from one side only (Suricata's
	// stream.async-oneside, off by default): after a SYN, an ACK from the SYN's sender with
	// the next sequence number, where the SYN/ACK was never seen, completes the handshake.
	AsyncOneside bool
	// IgnoreRecursion keys flows without the tunnel depth, so a tuple seen inside and outside a
	// tunnel is one flow (Suricata's decoder.recursion-level.use-for-tracking: false).
	IgnoreRecursion bool
	// SweepInterval (nanoseconds of packet time) is how long Expire takes to visit every
	// slot of the pool once; SweepMax bounds the slots one Expire call visits.
	SweepInterval int64
	SweepMax      int
}

// DefaultConfig is Suricata's shipped configuration: a 32 MiB memcap, flow-timeouts from
// DESIGN.md (tcp 60/600/60, udp 30/300, other 30/300, icmp as other), bypassed 100, Suricata's
// emergency timeouts (tcp 5/100/10, others 10/100, bypassed 50) and 30 % emergency recovery.
func DefaultConfig() Config {
	normal := ProtoTimeouts{New: 30, Established: 300, Bypassed: 100}
	emerg := ProtoTimeouts{New: 10, Established: 100, Bypassed: 50}
	return Config{
		Memcap: 32 << 20,
		Timeouts: Timeouts{
			TCP:   ProtoTimeouts{New: 60, Established: 600, Closed: 60, Bypassed: 100},
			UDP:   normal,
			ICMP:  normal,
			Other: normal,
		},
		EmergencyTimeouts: Timeouts{
			TCP:   ProtoTimeouts{New: 5, Established: 100, Closed: 10, Bypassed: 50},
			UDP:   emerg,
			ICMP:  emerg,
			Other: emerg,
		},
		EmergencyRecovery: 30,
		SweepInterval:     1e9,
		SweepMax:          4096,
	}
}

// flowBytes is what one flow costs against the memcap: the Flow, its deadline slot and up to
// two bucket heads (the bucket array is the next power of two above the pool).
const flowBytes = int(unsafe.Sizeof(Flow{})) + 8 + 2*4

// SlotBytes is what one flow costs against the memcap, the other stages' share included.
func (c Config) SlotBytes() int { return flowBytes + max(c.SlotExtra, 0) }

// MaxFlows is the number of flows the memcap pays for.
func (c Config) MaxFlows() int {
	return max(c.Memcap/c.SlotBytes(), 1)
}

// Validate reports settings NewTable would have to correct.
func (c Config) Validate() error {
	if c.Memcap < c.SlotBytes() {
		return fmt.Errorf("flow: memcap %d bytes holds no flow (one flow costs %d bytes)", c.Memcap, c.SlotBytes())
	}
	if c.EmergencyRecovery < 1 || c.EmergencyRecovery > 100 {
		return fmt.Errorf("flow: emergency-recovery %d%% out of range 1..100", c.EmergencyRecovery)
	}
	if c.SweepInterval <= 0 || c.SweepMax <= 0 {
		return fmt.Errorf("flow: sweep interval %d ns and sweep max %d must be positive", c.SweepInterval, c.SweepMax)
	}
	return nil
}

// Reason says why a flow ended; EVE's flow.reason.
type Reason uint8

const (
	ReasonTimeout  Reason = iota // idle past its timeout, or replaced by a new TCP session on the same ports
	ReasonForced                 // evicted to make room while the pool was exhausted
	ReasonShutdown               // still open when the table was flushed
)

func (r Reason) String() string {
	switch r {
	case ReasonTimeout:
		return "timeout"
	case ReasonForced:
		return "forced"
	case ReasonShutdown:
		return "shutdown"
	}
	return "unknown"
}

// State is Suricata's flow state (EVE flow.state).
type State uint8

const (
	StateNew State = iota
	StateEstablished
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateEstablished:
		return "established"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// timeoutOf is the timeout of flow f as it stands.
func (t *Timeouts) timeoutOf(f *Flow) uint32 {
	if f.Bypassed {
		return t.protoTimeouts(f.proto).Bypassed
	}
	return t.timeoutFor(f.proto, f.state)
}

func (t *Timeouts) protoTimeouts(proto uint8) *ProtoTimeouts {
	switch proto {
	case protoTCP:
		return &t.TCP
	case protoUDP:
		return &t.UDP
	case protoICMP, protoICMPv6:
		return &t.ICMP
	}
	return &t.Other
}

// timeoutFor is the timeout of a flow of proto in state s.
func (t *Timeouts) timeoutFor(proto uint8, s State) uint32 {
	pt := t.protoTimeouts(proto)
	switch s {
	case StateEstablished:
		return pt.Established
	case StateClosed:
		return pt.Closed
	}
	return pt.New
}
