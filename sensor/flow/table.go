package flow

import (
	"math"
	"math/bits"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Stats counts what the table did. Plain integers: a Table belongs to one worker.
type Stats struct {
	Active  uint64 // flows in the table now
	Created uint64 // flows started, all protocols
	// Created per protocol, as Suricata's flow.tcp, flow.udp, flow.icmpv4, flow.icmpv6 counters.
	TCP, UDP, ICMPv4, ICMPv6, Other uint64

	EndedTimeout, EndedForced, EndedShutdown uint64
	TCPReuse                                 uint64 // flows ended by a new SYN on their ports

	MemcapRefused    uint64 // packets that got no flow because the pool was exhausted
	EmergencyEntered uint64
	EmergencyLeft    uint64
	NotFlow          uint64 // packets that are no flow material (no IP, fragment, stray ICMP error)

	// Packets, and their bytes, that arrived on a flow already marked Bypassed: Suricata's
	// flow_bypassed.local_pkts and local_bytes. Those of flows the capture bypass drops in the
	// kernel (CaptureBypassed), which reach the table only while the kernel catches up, are
	// flow_bypassed.local_capture_pkts and local_capture_bytes instead.
	BypassedPkts, BypassedBytes               uint64
	CaptureBypassedPkts, CaptureBypassedBytes uint64
	// BypassRevived counts the times a bypassed flow idle past its timeout was kept because
	// the capture bypass had counted a packet of it since.
	BypassRevived uint64
}

// freeDeadline marks a free pool slot in Table.deadline.
const freeDeadline = math.MinInt64

// evictTries is how many slots an eviction looks at for a victim (Suricata tries 5 buckets).
const evictTries = 8

// The pool grows in chunks of 1<<chunkShift flows (about 330 KiB) as the table fills, so a
// short run pays for the flows it sees, not for the whole memcap.
const (
	chunkShift = 10
	chunkFlows = 1 << chunkShift
	chunkMask  = chunkFlows - 1
)

// Table is a worker's flow table: a bucket array of chains over a pool of flows that grows in
// chunks up to the memcap's flows. A chunk never moves once allocated, so a *Flow stays put for
// the table's life; growth happens only while the free list is empty, so a table that has
// filled allocates nothing more. It is used by one goroutine and never locks.
type Table struct {
	cfg   Config
	onEnd func(f *Flow, reason Reason)

	chunks  [][]Flow // slot s is chunks[s>>chunkShift][s&chunkMask]
	used    int      // slots allocated so far, the pool's current size
	max     int      // slots the memcap pays for
	buckets []int32  // chain heads, slot+1; sized for max up front (its untouched pages cost nothing)
	mask    uint64
	free    int32 // free list head, slot+1, linked through Flow.next

	emergency   bool
	sweepCursor int
	evictCursor int
	lastSweep   int64 // packet time of the previous Expire
	sweepDebt   int64 // slot·ns owed to the sweep

	// bypassLast, when set, says when the capture bypass last counted a packet of a flow
	// (Unix ns, 0 for never): such a flow's packets do not reach the table.
	bypassLast func(f *Flow) int64

	Stats Stats
}

// NewTable makes a table whose pool the memcap pays for. onEnd is called for every flow that
// ends, before its slot is reused; it must not keep the *Flow nor call back into the table.
// Settings Validate would reject are corrected to their defaults.
func NewTable(cfg Config, onEnd func(f *Flow, reason Reason)) *Table {
	def := DefaultConfig()
	if cfg.EmergencyRecovery < 1 || cfg.EmergencyRecovery > 100 {
		cfg.EmergencyRecovery = def.EmergencyRecovery
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = def.SweepInterval
	}
	if cfg.SweepMax <= 0 {
		cfg.SweepMax = def.SweepMax
	}
	if onEnd == nil {
		onEnd = func(*Flow, Reason) {}
	}
	n := cfg.MaxFlows()
	if n > math.MaxInt32-1 {
		n = math.MaxInt32 - 1
	}
	nb := 1 << bits.Len(uint(n-1)) // next power of two ≥ n
	return &Table{
		cfg:     cfg,
		onEnd:   onEnd,
		chunks:  make([][]Flow, 0, (n+chunkMask)>>chunkShift),
		max:     n,
		buckets: make([]int32, nb),
		mask:    uint64(nb - 1),
	}
}

// Cap is the number of flows the table holds at most; Slot is below it.
func (t *Table) Cap() int { return t.max }

// at is the flow in slot s.
func (t *Table) at(s int32) *Flow { return &t.chunks[s>>chunkShift][s&chunkMask] }

// grow adds a chunk of free slots, the lowest first on the free list; false when the pool has
// reached the memcap. Called only with an empty free list.
func (t *Table) grow() bool {
	n := min(chunkFlows, t.max-t.used)
	if n <= 0 {
		return false
	}
	c := make([]Flow, n)
	for i := n - 1; i >= 0; i-- {
		c[i].slot = int32(t.used + i)
		c[i].next = t.free
		c[i].deadline = freeDeadline
		t.free = c[i].slot + 1
	}
	t.chunks = append(t.chunks, c)
	t.used += n
	return true
}

// Pressure is the share of the memcap the pool has grown to, in percent: Suricata's memcap
// pressure for the flow memcap. The pool does not shrink, so it is also the peak.
func (t *Table) Pressure() int { return t.used * 100 / t.max }

// Emergency reports whether the table is in emergency mode.
func (t *Table) Emergency() bool { return t.emergency }

func unixSec(ns int64) int64 {
	if ns < 0 {
		return (ns - 1e9 + 1) / 1e9
	}
	return ns / 1e9
}

// Update finds or creates the flow of p and accounts the packet to it. toServer is the packet's
// direction (client to server). It returns nil for packets that are not flow material (no IP,
// an un-reassembled fragment, an ICMP error that matches no flow) and when the table is full and
// nothing can be evicted.
//
// A flow found idle past its timeout is ended (timeout) and a new one started, as is a TCP flow
// in a closing state that sees a new SYN (port reuse).
func (t *Table) Update(p *decoders.Packet) (f *Flow, toServer bool) {
	var ki keyInfo
	if !keyFromPacket(p, &ki) {
		t.Stats.NotFlow++
		return nil, false
	}
	if t.cfg.IgnoreRecursion {
		ki.key.Recursion = 0
	}
	now, sec := p.Time, unixSec(p.Time)
	h := ki.key.Hash()
	b := &t.buckets[h&t.mask]
	for i := *b; i != 0; {
		c := t.at(i - 1)
		if c.hash != h || c.key != ki.key {
			i = c.next
			continue
		}
		if t.expired(c, now) {
			t.end(c, ReasonTimeout)
			break
		}
		if ki.from != 2 && c.proto == protoTCP && p.IPProto == protoTCP &&
			c.tcp.reuse(p, ki.from == c.client) {
			t.Stats.TCPReuse++
			t.end(c, ReasonTimeout)
			break
		}
		return c, t.account(c, p, &ki, sec)
	}
	if ki.icmpError {
		t.Stats.NotFlow++
		return nil, false
	}
	if t.emergency && !t.midstreamCreateOK(p) {
		t.Stats.MemcapRefused++
		return nil, false
	}
	f = t.alloc(sec)
	if f == nil {
		t.Stats.MemcapRefused++
		return nil, false
	}
	t.start(f, p, &ki, h)
	f.next = *b
	*b = f.slot + 1
	return f, t.account(f, p, &ki, sec)
}

// midstreamCreateOK is Suricata's FlowCreateCheck in emergency: with midstream pickup on, only
// a SYN may start a TCP flow.
func (t *Table) midstreamCreateOK(p *decoders.Packet) bool {
	if !t.cfg.Midstream || p.IPProto != protoTCP || p.Layers&decoders.HasTCP == 0 {
		return true
	}
	return p.TCPFlags&(decoders.TCPSyn|decoders.TCPAck|decoders.TCPRst|decoders.TCPFin) == decoders.TCPSyn
}

// alloc takes a free slot, growing the pool if it can, or in an exhausted pool enters emergency
// mode and evicts an idle flow.
func (t *Table) alloc(sec int64) *Flow {
	if t.free == 0 && !t.grow() {
		if !t.emergency {
			t.emergency = true
			t.Stats.EmergencyEntered++
		}
		if !t.evict(sec) {
			return nil
		}
	}
	f := t.at(t.free - 1)
	t.free = f.next
	return f
}

// evict ends the longest idle of a few flows from a rotating cursor, unless all of them saw a
// packet very recently (Suricata's FlowGetUsedFlow and StillAlive).
func (t *Table) evict(sec int64) bool {
	victim := -1
	var oldest int64 = math.MaxInt64
	n := t.used
	for range min(evictTries, n) {
		i := t.evictCursor
		t.evictCursor++
		if t.evictCursor == n {
			t.evictCursor = 0
		}
		f := t.at(int32(i))
		if f.deadline == freeDeadline || stillAlive(f, sec) {
			continue
		}
		if f.last < oldest {
			oldest, victim = f.last, i
		}
	}
	if victim < 0 {
		return false
	}
	t.end(t.at(int32(victim)), ReasonForced)
	return true
}

// stillAlive: a flow seen within a second (new), five (established) or three (closed) is not
// evicted.
func stillAlive(f *Flow, sec int64) bool {
	idle := sec - unixSec(f.last)
	switch f.state {
	case StateNew:
		return idle <= 1
	case StateEstablished:
		return idle <= 5
	}
	return idle <= 3
}

// SetBypassLastSeen installs the capture bypass's report of when it last counted a packet of a
// flow (Unix ns, 0 for never). The table asks it, for a CaptureBypassed flow only, before
// ending the flow as idle: a flow the kernel is still dropping is kept, and its last packet time
// moves to what the bypass saw (Suricata's bypassed-flow timeout check).
func (t *Table) SetBypassLastSeen(fn func(f *Flow) int64) { t.bypassLast = fn }

// Bypass marks f bypassed: its later packets are counted but not inspected, and it times out
// on the bypassed timeout from its last packet. capture says the capture bypass drops its
// packets in the kernel from now on (see SetBypassLastSeen).
func (t *Table) Bypass(f *Flow, capture bool) {
	f.Bypassed = true
	f.CaptureBypassed = f.CaptureBypassed || capture
	f.deadline = f.last + int64(t.cfg.Timeouts.timeoutOf(f))*1e9
}

// expired: as Suricata 8 does, a flow times out once packet time reaches its last packet's
// time plus the timeout, to the microsecond (Suricata 7 compared whole seconds); in emergency
// the shorter emergency timeout applies. A flow the capture bypass still drops packets of is
// not expired: its last packet time moves on.
func (t *Table) expired(f *Flow, now int64) bool {
	if !t.idle(f, now) {
		return false
	}
	if !f.CaptureBypassed || t.bypassLast == nil {
		return true
	}
	last := t.bypassLast(f)
	if last <= f.last {
		return true
	}
	f.last = last
	f.deadline = f.last + int64(t.cfg.Timeouts.timeoutOf(f))*1e9
	if t.idle(f, now) {
		return true
	}
	t.Stats.BypassRevived++
	return false
}

func (t *Table) idle(f *Flow, now int64) bool {
	if now >= f.deadline {
		return true
	}
	if t.emergency {
		return now >= f.last+int64(t.cfg.EmergencyTimeouts.timeoutOf(f))*1e9
	}
	return false
}

// start initialises a fresh flow from its first packet.
func (t *Table) start(f *Flow, p *decoders.Packet, ki *keyInfo, h uint64) {
	gen, slot := f.gen+1, f.slot
	*f = Flow{key: ki.key, hash: h, gen: gen, slot: slot, deadline: freeDeadline}
	f.proto = ki.key.Proto
	f.client = ki.from
	f.vlanCount = min(p.VLANCount, decoders.MaxVLAN)
	f.start, f.last = p.Time, p.Time
	f.icmp = f.proto == protoICMP || f.proto == protoICMPv6
	f.icmpType, f.icmpCode = ki.icmpType, ki.icmpCode
	t.Stats.Created++
	t.Stats.Active++
	switch f.proto {
	case protoTCP:
		t.Stats.TCP++
	case protoUDP:
		t.Stats.UDP++
	case protoICMP:
		t.Stats.ICMPv4++
	case protoICMPv6:
		t.Stats.ICMPv6++
	default:
		t.Stats.Other++
	}
}

// account adds p to f and runs the state machines; it returns the packet's direction.
func (t *Table) account(f *Flow, p *decoders.Packet, ki *keyInfo, sec int64) bool {
	toServer := ki.from == f.client
	if p.Time > f.last {
		f.last = p.Time
	}
	switch {
	case ki.icmpError:
		// An error joins its flow's counters but not its state (Suricata's FlowUpdateSeenFlag).
	case f.proto == protoTCP:
		if p.Layers&decoders.HasTCP == 0 {
			break
		}
		if !p.BadL4Checksum && f.tcp.packet(p, toServer, t.cfg.Midstream, t.cfg.AsyncOneside) {
			f.swapSides()
			toServer = !toServer
		}
		f.zeek.tcp(p, toServer)
		if f.tcp.active {
			f.state = f.tcp.state.flowState()
		}
	default:
		if toServer {
			f.seenTS = true
		} else {
			f.seenTC = true
			if f.icmp && !f.hasICMPResp {
				f.hasICMPResp = true
				f.respICMPType, f.respICMPCode = p.ICMPType, p.ICMPCode
			}
		}
		if f.seenTS && f.seenTC {
			f.state = StateEstablished
		}
		if f.proto == protoUDP && p.Layers&decoders.HasUDP != 0 {
			f.zeek.udp(p, toServer)
		}
	}
	n := uint64(p.FlowLen())
	if toServer {
		f.pktsTS++
		f.bytesTS += n
	} else {
		f.pktsTC++
		f.bytesTC += n
	}
	switch {
	case f.CaptureBypassed:
		t.Stats.CaptureBypassedPkts++
		t.Stats.CaptureBypassedBytes += n
	case f.Bypassed:
		t.Stats.BypassedPkts++
		t.Stats.BypassedBytes += n
	}
	f.deadline = f.last + int64(t.cfg.Timeouts.timeoutOf(f))*1e9
	return toServer
}

// swapSides makes the server the client, before the current packet is counted.
func (f *Flow) swapSides() {
	f.client = 1 - f.client
	f.pktsTS, f.pktsTC = f.pktsTC, f.pktsTS
	f.bytesTS, f.bytesTC = f.bytesTC, f.bytesTS
	f.seenTS, f.seenTC = f.seenTC, f.seenTS
	f.zeek.flip()
}

// Reverse makes the server the client after packets were counted (Suricata's FlowSwap): the
// counters, the TCP session's per-side records and Zeek's view follow, so that every packet
// counted so far stands in the direction it has in the new orientation. The app layer calls it
// when protocol detection finds that a flow picked up midstream was seen from its server side
// first (see MidstreamPickup).
func (f *Flow) Reverse() {
	f.swapSides()
	f.tcp.swapSides()
}

// MidstreamPickup reports that the flow's TCP session started from a packet without SYN (stream
// midstream pick-up): which side is the client was a guess (the first sender), that app-layer
// detection may correct with Reverse. A session picked up from a SYN/ACK was oriented by it.
func (f *Flow) MidstreamPickup() bool { return f.tcp.active && f.tcp.pickup == pickupOther }

// end reports f to onEnd and returns its slot to the free list.
func (t *Table) end(f *Flow, reason Reason) {
	t.unlink(f)
	t.onEnd(f, reason)
	switch reason {
	case ReasonTimeout:
		t.Stats.EndedTimeout++
	case ReasonForced:
		t.Stats.EndedForced++
	default:
		t.Stats.EndedShutdown++
	}
	t.Stats.Active--
	f.AppProto, f.AppProtoOrig = "", "" // drop the references; the rest is reset when the slot is reused
	f.deadline = freeDeadline
	f.next = t.free
	t.free = f.slot + 1
}

// unlink takes f out of its bucket chain.
func (t *Table) unlink(f *Flow) {
	p := &t.buckets[f.hash&t.mask]
	for *p != 0 {
		c := t.at(*p - 1)
		if c == f {
			*p = f.next
			f.next = 0
			return
		}
		p = &c.next
	}
}

// Expire ends the flows idle past their timeout at packet time now (reason timeout). Each call
// visits a bounded share of the pool grown so far, so that every slot is visited once per
// SweepInterval of packet time; calling it per packet or per batch costs little. It also leaves emergency mode
// once enough of the pool is free.
func (t *Table) Expire(now int64) {
	elapsed := now - t.lastSweep
	if t.lastSweep == 0 || elapsed >= t.cfg.SweepInterval {
		elapsed = t.cfg.SweepInterval
	}
	t.lastSweep = now
	if elapsed <= 0 {
		return
	}
	n := t.used
	if t.Stats.Active == 0 {
		t.sweepDebt = 0
		t.checkRecovery()
		return
	}
	t.sweepDebt += elapsed * int64(n)
	if t.sweepDebt < t.cfg.SweepInterval {
		return // less than one slot owed: the common case when called per packet
	}
	visit := t.sweepDebt / t.cfg.SweepInterval
	t.sweepDebt -= visit * t.cfg.SweepInterval
	visit = min(visit, int64(t.cfg.SweepMax), int64(n))
	for range visit {
		i := t.sweepCursor
		t.sweepCursor++
		if t.sweepCursor == n {
			t.sweepCursor = 0
		}
		f := t.at(int32(i))
		if f.deadline != freeDeadline && t.expired(f, now) {
			t.end(f, ReasonTimeout)
		}
	}
	t.checkRecovery()
}

// ExpireAll ends every flow idle past its timeout at packet time now, visiting the whole pool.
// The sensor calls it once at the end of input, before Flush: which flows end as "timeout"
// rather than "shutdown" must not depend on how far the incremental sweep had got, or output
// would change with the number of workers.
func (t *Table) ExpireAll(now int64) {
	for _, c := range t.chunks {
		for i := range c {
			if f := &c[i]; f.deadline != freeDeadline && t.expired(f, now) {
				t.end(f, ReasonTimeout)
			}
		}
	}
	t.checkRecovery()
}

// checkRecovery leaves emergency mode once EmergencyRecovery percent of the pool is free (the
// pool is whole: emergency starts only once it cannot grow).
func (t *Table) checkRecovery() {
	if !t.emergency {
		return
	}
	free := uint64(t.max) - t.Stats.Active
	if free*100 >= uint64(t.max)*uint64(t.cfg.EmergencyRecovery) {
		t.emergency = false
		t.Stats.EmergencyLeft++
	}
}

// Flush ends every flow with reason (shutdown, normally).
func (t *Table) Flush(reason Reason) {
	for _, c := range t.chunks {
		for i := range c {
			if c[i].deadline != freeDeadline {
				t.end(&c[i], reason)
			}
		}
	}
	t.checkRecovery()
}
