package flow

import (
	"fmt"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
)

func TestDefaultSizing(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tb := NewTable(cfg, nil)
	if tb.Cap() != cfg.MaxFlows() || tb.Cap()*flowBytes > cfg.Memcap {
		t.Fatalf("cap %d flows × %d bytes over memcap %d", tb.Cap(), flowBytes, cfg.Memcap)
	}
	if tb.Cap() < 32<<20/1024 {
		t.Fatalf("only %d flows in 32 MiB (%d bytes per flow)", tb.Cap(), flowBytes)
	}
	t.Logf("%d bytes per flow, %d flows in 32 MiB", flowBytes, tb.Cap())
	bad := cfg
	bad.EmergencyRecovery = 0
	if bad.Validate() == nil {
		t.Fatal("emergency recovery 0 accepted")
	}
}

func TestReasonStrings(t *testing.T) {
	for r, want := range map[Reason]string{ReasonTimeout: "timeout", ReasonForced: "forced", ReasonShutdown: "shutdown"} {
		if r.String() != want {
			t.Errorf("%d: %s", r, r.String())
		}
	}
}

func TestExpireByTimeout(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	tb.Update(udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))         // new: 30 s
	tb.Update(tcpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 80, S, 1, 0, 0)) // new: 60 s
	// Suricata 8 compares full timestamps: the flow lives until last + timeout, not a
	// microsecond less (Suricata 7 kept it for the rest of that second).
	tb.Expire(base + 30*sec - 1000)
	if len(rec.recs) != 0 {
		t.Fatal("UDP flow ended before its timeout")
	}
	tb.ExpireAll(base + 30*sec) // the sweep owes nothing for a microsecond: visit every slot
	if len(rec.recs) != 1 || rec.recs[0].Proto != protoUDP || rec.reasons[0] != ReasonTimeout {
		t.Fatalf("at 30 s: %d records %v", len(rec.recs), rec.reasons)
	}
	tb.Expire(base + 61*sec)
	if len(rec.recs) != 2 || rec.recs[1].Proto != protoTCP {
		t.Fatalf("after 61 s: %d records", len(rec.recs))
	}
	if tb.Stats.Active != 0 || tb.Stats.EndedTimeout != 2 {
		t.Fatalf("stats %+v", tb.Stats)
	}
}

func TestEstablishedTimeoutLonger(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	tb.Update(udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))
	tb.Update(udpPkt(base, "10.0.0.2", "10.0.0.1", 53, 1000, 10)) // established: 300 s
	tb.Expire(base + 200*sec)
	if len(rec.recs) != 0 {
		t.Fatal("established UDP flow ended after 200 s")
	}
	tb.Expire(base + 301*sec)
	if len(rec.recs) != 1 || rec.recs[0].State != "established" {
		t.Fatalf("records %+v", rec.recs)
	}
}

func TestExpireSweepIsIncremental(t *testing.T) {
	tb, rec := newTestTable(t, func(c *Config) { c.SweepMax = 10 })
	for i := range 100 {
		tb.Update(udpPkt(base, "10.0.0.1", fmt.Sprintf("10.0.1.%d", i), 1000, 53, 10))
	}
	tb.Expire(base + 40*sec)
	if n := len(rec.recs); n == 0 || n > 10 {
		t.Fatalf("one call ended %d flows, want 1..10", n)
	}
	for i := range tb.Cap() {
		tb.Expire(base + 41*sec + int64(i+1)*sec)
	}
	if len(rec.recs) != 100 {
		t.Fatalf("%d of 100 flows ended", len(rec.recs))
	}
}

func TestUpdateEndsTimedOutFlow(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	f1, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))
	gen := f1.Gen()
	f2, ts := mustUpdate(t, tb, udpPkt(base+31*sec, "10.0.0.2", "10.0.0.1", 53, 1000, 10))
	if len(rec.recs) != 1 || rec.reasons[0] != ReasonTimeout || rec.recs[0].PktsToServer != 1 {
		t.Fatalf("old flow not ended as timeout: %+v", rec.recs)
	}
	if !ts || f2.Start() != base+31*sec || (f2 == f1 && f2.Gen() == gen) {
		t.Fatalf("new flow: toServer %v start %d", ts, f2.Start())
	}
	if c, _ := f2.Client(); c.String() != "10.0.0.2" {
		t.Fatalf("new flow's client %v, want the new first sender", c)
	}
}

func TestTCPPortReuse(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.cli(S, 0)
	c.srv(SA, 0)
	c.cli(A, 0)
	c.cli(FA, 0)
	c.srv(FA, 0)
	old := c.cli(A, 0)
	if old.TCPState() != TCPClosed {
		t.Fatalf("state %v", old.TCPState())
	}
	c.seq[0] += 100000 // a new ISN
	f := c.cli(S, 0)
	if len(rec.recs) != 1 || rec.reasons[0] != ReasonTimeout || tb.Stats.TCPReuse != 1 {
		t.Fatalf("reuse: %d records, reuse count %d", len(rec.recs), tb.Stats.TCPReuse)
	}
	if f.TCPState() != TCPSynSent || f.State() != StateNew {
		t.Fatalf("new session %v/%v", f.TCPState(), f.State())
	}
	// A retransmitted SYN of the old connection on an open session is no reuse.
	c.cli(S, 0)
	if tb.Stats.TCPReuse != 1 {
		t.Fatal("SYN on a fresh session counted as reuse")
	}
}

func TestICMPFlow(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	_, ts := mustUpdate(t, tb, icmpPkt(base, "10.0.0.1", "10.0.0.2", 8, 0))
	_, tc := mustUpdate(t, tb, icmpPkt(base+sec, "10.0.0.2", "10.0.0.1", 0, 0))
	if !ts || tc {
		t.Fatalf("directions %v %v", ts, tc)
	}
	r := onlyRecord(t, tb, rec)
	if r.ICMPType != 8 || !r.HasResponseICMP || r.ResponseICMPType != 0 || r.State != "established" {
		t.Fatalf("icmp record %+v", r)
	}
	if r.SrcPort != 0 || r.DestPort != 0 || r.ConnState != "OTH" {
		t.Fatalf("icmp ports %d/%d conn_state %s", r.SrcPort, r.DestPort, r.ConnState)
	}
	want := CommunityID(0, r.SrcIP, r.DestIP, 8, 0, protoICMP)
	if r.CommunityID != want {
		t.Fatalf("community id %s, want %s", r.CommunityID.String(), want.String())
	}
}

func TestICMPErrorJoinsFlow(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	f, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 5353, 53, 10))
	g, ts := tb.Update(icmpUnreach(base+sec, "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2", protoUDP, 5353, 53, 8))
	if g != f || ts {
		t.Fatalf("unreachable: flow %p (want %p), toServer %v", g, f, ts)
	}
	if f.State() != StateNew {
		t.Fatal("an ICMP error established the flow")
	}
	// An error quoting nothing we track gets no flow and creates none.
	if g, _ := tb.Update(icmpUnreach(base, "10.0.0.9", "10.0.0.1", "10.0.0.1", "10.0.0.9", protoUDP, 1, 2, 8)); g != nil {
		t.Fatal("stray ICMP error got a flow")
	}
	r := onlyRecord(t, tb, rec)
	if r.Proto != protoUDP || r.PktsToServer != 1 || r.PktsToClient != 1 {
		t.Fatalf("record %+v", r)
	}
}

func TestFill(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	p := tcpPkt(base+500*1e6, "10.0.0.1", "10.0.0.2", 40000, 80, S, 1, 0, 0)
	p.VLAN[0], p.VLAN[1], p.VLANCount = 0, 20, 2
	f, _ := mustUpdate(t, tb, p)
	f.Alerted = true
	f.AppProto = "http"
	q := tcpPkt(base+2*sec+100*1e6, "10.0.0.2", "10.0.0.1", 80, 40000, SA, 9, 2, 0)
	q.VLAN, q.VLANCount = p.VLAN, 2
	q.Data = make([]byte, 60)
	tb.Update(q)
	id := f.ID()
	r := onlyRecord(t, tb, rec)
	want := export.FlowRecord{}
	if r.FlowID != id || id == 0 || id >= 1<<51 {
		t.Fatalf("flow id %d (flow says %d)", r.FlowID, id)
	}
	if r.SrcIP.String() != "10.0.0.1" || r.DestIP.String() != "10.0.0.2" || r.SrcPort != 40000 || r.DestPort != 80 || r.Proto != protoTCP {
		t.Fatalf("tuple %v:%d → %v:%d", r.SrcIP, r.SrcPort, r.DestIP, r.DestPort)
	}
	if r.VLANCount != 2 || r.VLAN[1] != 20 {
		t.Fatalf("vlan %v/%d", r.VLAN, r.VLANCount)
	}
	if r.PktsToServer != 1 || r.PktsToClient != 1 || r.BytesToServer != 54 || r.BytesToClient != 60 {
		t.Fatalf("counters %d/%d %d/%d", r.PktsToServer, r.PktsToClient, r.BytesToServer, r.BytesToClient)
	}
	if r.Start != p.Time || r.End != q.Time || r.Age != 2 || r.Timestamp != q.Time {
		t.Fatalf("times start %d end %d age %d", r.Start, r.End, r.Age)
	}
	if r.State != "new" || r.Reason != "shutdown" || !r.Alerted || r.AppProto != "http" || r.TCPState != "syn_recv" {
		t.Fatalf("state %s reason %s alerted %v app %s tcp %s", r.State, r.Reason, r.Alerted, r.AppProto, r.TCPState)
	}
	if r.CommunityID != CommunityID(0, r.SrcIP, r.DestIP, 40000, 80, protoTCP) || r.CommunityID == want.CommunityID {
		t.Fatalf("community id %s", r.CommunityID.String())
	}
	if r.ConnState != "S1" && r.ConnState != "OTH" {
		t.Fatalf("conn_state %s", r.ConnState)
	}
	// The same flow started at the same time gets the same id; a later start another.
	tb2, _ := newTestTable(t, nil)
	f2, _ := mustUpdate(t, tb2, p)
	if f2.ID() != id {
		t.Fatal("flow id not deterministic")
	}
	p.Time += sec
	f3, _ := mustUpdate(t, tb2, tcpPkt(p.Time, "10.0.0.3", "10.0.0.2", 40000, 80, S, 1, 0, 0))
	if f3.ID() == id {
		t.Fatal("different flows share an id")
	}
}

func TestEmergencyMode(t *testing.T) {
	tb, rec := newTestTable(t, func(c *Config) { c.Memcap = 10 * flowBytes; c.EmergencyRecovery = 30 })
	if tb.Cap() != 10 {
		t.Fatalf("cap %d", tb.Cap())
	}
	udp := func(at int64, i int) *Flow {
		f, _ := tb.Update(udpPkt(at, "10.0.0.1", fmt.Sprintf("10.0.1.%d", i), 1000, 53, 10))
		return f
	}
	for i := range 10 {
		udp(base, i)
	}
	// Pool full, every flow seen within the last second: the packet is refused.
	if udp(base, 10) != nil || tb.Stats.MemcapRefused != 1 || !tb.Emergency() || tb.Stats.EmergencyEntered != 1 {
		t.Fatalf("full pool: refused %d emergency %v", tb.Stats.MemcapRefused, tb.Emergency())
	}
	// Two seconds later new flows are old enough to be evicted (forced).
	if udp(base+2*sec, 11) == nil || tb.Stats.EndedForced != 1 || rec.reasons[0] != ReasonForced {
		t.Fatalf("eviction: forced %d, reasons %v", tb.Stats.EndedForced, rec.reasons)
	}
	// Emergency timeouts (udp new: 10 s) end flows the normal 30 s would keep.
	tb.Expire(base + 11*sec)
	if tb.Emergency() || tb.Stats.EmergencyLeft != 1 {
		t.Fatalf("still in emergency with %d active", tb.Stats.Active)
	}
	if tb.Stats.Active != 1 || tb.Stats.EndedTimeout != 9 {
		t.Fatalf("active %d timeouts %d", tb.Stats.Active, tb.Stats.EndedTimeout)
	}
}

func TestFlushAndStats(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	tb.Update(tcpPkt(base, "10.0.0.1", "10.0.0.2", 1, 2, S, 1, 0, 0))
	tb.Update(udpPkt(base, "10.0.0.1", "10.0.0.2", 1, 2, 0))
	tb.Update(icmpPkt(base, "10.0.0.1", "10.0.0.2", 8, 0))
	tb.Update(icmpPkt(base, "fe80::1", "fe80::2", 128, 0))
	tb.Update(ipPkt(base, "10.0.0.1", "10.0.0.2", 50)) // ESP: Suricata's one "other" flow protocol
	// IGMP, like every protocol Suricata's decoders set no flow up for, is not flow material.
	if f, _ := tb.Update(ipPkt(base, "10.0.0.1", "224.0.0.22", 2)); f != nil {
		t.Fatal("IGMP packet got a flow")
	}
	tb.Flush(ReasonShutdown)
	s := tb.Stats
	if s.Created != 5 || s.TCP != 1 || s.UDP != 1 || s.ICMPv4 != 1 || s.ICMPv6 != 1 || s.Other != 1 || s.NotFlow != 1 {
		t.Fatalf("stats %+v", s)
	}
	if s.Active != 0 || s.EndedShutdown != 5 || len(rec.recs) != 5 {
		t.Fatalf("after flush: %+v", s)
	}
	// The pool is whole again.
	for i := range tb.Cap() {
		if _, ok := tb.Update(udpPkt(base, "10.0.0.1", "10.0.0.2", uint16(i), 2, 0)); !ok {
			t.Fatalf("slot %d not reusable", i)
		}
	}
}

func TestUpdateNoAlloc(t *testing.T) {
	tb, _ := newTestTable(t, nil)
	pkts := mixPackets(1000, 1)
	for _, p := range pkts {
		tb.Update(p)
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		tb.Update(pkts[i%len(pkts)])
		tb.Expire(pkts[i%len(pkts)].Time)
		i++
	})
	if allocs != 0 {
		t.Fatalf("Update allocates %.2f times per packet", allocs)
	}
}

func TestPoolGrowsInChunks(t *testing.T) {
	const capFlows = 2*chunkFlows + 100
	cfg := DefaultConfig()
	cfg.Memcap = capFlows * flowBytes
	tb := NewTable(cfg, nil) // no recorder: its appends would count as the table's allocations
	if tb.Cap() != capFlows || tb.used != 0 || tb.Pressure() != 0 {
		t.Fatalf("new table: cap %d, %d slots allocated before any packet", tb.Cap(), tb.used)
	}
	udp := func(i int) *Flow {
		f, _ := tb.Update(udpPkt(base, "10.0.0.1", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), 1000, 53, 10))
		return f
	}
	first := udp(0)
	if tb.used != chunkFlows || first.Slot() != 0 {
		t.Fatalf("first flow: %d slots allocated, slot %d", tb.used, first.Slot())
	}
	seen := map[int]bool{}
	for i := range capFlows {
		f := udp(i)
		if f == nil || f.Slot() >= tb.Cap() || (i > 0 && seen[f.Slot()]) {
			t.Fatalf("flow %d: %v", i, f)
		}
		seen[f.Slot()] = true
	}
	// Growth added chunks; the flows handed out before stay where they were.
	if f := udp(0); f != first || f.Slot() != 0 {
		t.Fatal("a flow moved when the pool grew")
	}
	if tb.used != capFlows || len(tb.chunks) != 3 {
		t.Fatalf("grown to %d slots in %d chunks, want %d in 3", tb.used, len(tb.chunks), capFlows)
	}
	if udp(capFlows) != nil || !tb.Emergency() || tb.Pressure() != 100 {
		t.Fatalf("pool grew past the memcap (pressure %d%%)", tb.Pressure())
	}
	// A grown table recycles its slots without allocating.
	tb.Flush(ReasonShutdown)
	pkts := make([]*decoders.Packet, capFlows)
	for i := range pkts {
		pkts[i] = udpPkt(base+60*sec, "10.0.0.2", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), 1000, 53, 10)
	}
	allocs := testing.AllocsPerRun(3, func() {
		for _, p := range pkts {
			tb.Update(p)
		}
		tb.Flush(ReasonShutdown)
	})
	if allocs != 0 {
		t.Fatalf("refilling a grown table allocates %.1f times", allocs)
	}
}

// A tunnelled packet counts what its tunnel carried, not the outer frame: Suricata accounts the
// tunnel's pseudo-packet to the inner flow.
func TestTunnelledBytes(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	p := icmpPkt(base, "10.0.0.1", "10.0.0.2", 8, 0)
	p.Data = make([]byte, 148) // outer Ethernet, IPv4, UDP, Geneve, then the inner frame
	p.Recursion, p.Tunnel, p.TunnelLen = 1, decoders.TunnelGeneve, 98
	mustUpdate(t, tb, p)
	q := icmpPkt(base, "10.0.0.2", "10.0.0.1", 0, 0)
	q.Data = make([]byte, 160)
	q.Recursion, q.Tunnel, q.TunnelLen = 1, decoders.TunnelGeneve, 110
	mustUpdate(t, tb, q)
	r := onlyRecord(t, tb, rec)
	if r.BytesToServer != 98 || r.BytesToClient != 110 {
		t.Fatalf("bytes %d/%d, want 98/110", r.BytesToServer, r.BytesToClient)
	}
}

// With the tunnel depth left out of the key, a request outside a tunnel and its reply inside
// one are one flow; with it (the default) they are two.
func TestIgnoreRecursion(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		tb, rec := newTestTable(t, func(c *Config) { c.IgnoreRecursion = ignore })
		mustUpdate(t, tb, icmpPkt(base, "1.1.1.1", "2.2.2.2", 8, 0))
		reply := icmpPkt(base, "2.2.2.2", "1.1.1.1", 0, 0)
		reply.Recursion = 1
		mustUpdate(t, tb, reply)
		tb.Flush(ReasonShutdown)
		want := 2
		if ignore {
			want = 1
		}
		if len(rec.recs) != want {
			t.Errorf("ignore recursion %v: %d flows, want %d", ignore, len(rec.recs), want)
		}
	}
}

// Once a later stage marks a flow bypassed, its further packets count as locally bypassed; the
// packet that decided it does not.
func TestBypassedCounters(t *testing.T) {
	tb, _ := newTestTable(t, nil)
	f, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))
	tb.Bypass(f, false)
	mustUpdate(t, tb, udpPkt(base, "10.0.0.2", "10.0.0.1", 53, 1000, 20))
	mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 30))
	if tb.Stats.BypassedPkts != 2 || tb.Stats.BypassedBytes != 42+20+42+30 {
		t.Fatalf("bypassed %d packets %d bytes, want 2 and %d", tb.Stats.BypassedPkts, tb.Stats.BypassedBytes, 42+20+42+30)
	}
	// A flow the capture drops counts what still reaches the table apart.
	g, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.3", "10.0.0.2", 1000, 53, 10))
	tb.Bypass(g, true)
	mustUpdate(t, tb, udpPkt(base, "10.0.0.2", "10.0.0.3", 53, 1000, 20))
	if tb.Stats.BypassedPkts != 2 || tb.Stats.CaptureBypassedPkts != 1 || tb.Stats.CaptureBypassedBytes != 42+20 {
		t.Fatalf("local %d, capture %d packets %d bytes; want 2, 1 and %d", tb.Stats.BypassedPkts,
			tb.Stats.CaptureBypassedPkts, tb.Stats.CaptureBypassedBytes, 42+20)
	}
}

// A bypassed flow times out on the bypassed timeout, not its state's, and its record says
// bypassed and how.
func TestBypassedTimeout(t *testing.T) {
	for _, capture := range []bool{false, true} {
		tb, rec := newTestTable(t, func(c *Config) { c.Timeouts.UDP.Bypassed = 10 })
		f, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))
		mustUpdate(t, tb, udpPkt(base, "10.0.0.2", "10.0.0.1", 53, 1000, 10))
		tb.Bypass(f, capture)
		tb.ExpireAll(base + 10*sec - 1000)
		if len(rec.recs) != 0 {
			t.Fatalf("capture %v: ended before the bypassed timeout", capture)
		}
		tb.ExpireAll(base + 10*sec)
		if len(rec.recs) != 1 {
			t.Fatalf("capture %v: %d records after the bypassed timeout (10 s, established is 300), want 1", capture, len(rec.recs))
		}
		r := rec.recs[0]
		want := map[bool]string{false: "local", true: "capture"}[capture]
		if r.State != "bypassed" || r.Bypass != want || !r.Bypassed {
			t.Errorf("capture %v: state %q bypass %q bypassed %v; want bypassed, %s", capture, r.State, r.Bypass, r.Bypassed, want)
		}
	}
}

// A flow the capture bypass still drops packets of is kept past its timeout, its last packet
// time moved to what the bypass saw; once the bypass stops seeing it, it ends. Flows not
// capture-bypassed never ask.
func TestBypassLastSeenKeepsFlow(t *testing.T) {
	tb, rec := newTestTable(t, func(c *Config) { c.Timeouts.UDP.Bypassed = 10 })
	var bypassLast int64
	asked := 0
	tb.SetBypassLastSeen(func(f *Flow) int64 { asked++; return bypassLast })
	plain, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.9", "10.0.0.2", 1000, 53, 10))
	tb.Bypass(plain, false)
	f, _ := mustUpdate(t, tb, udpPkt(base, "10.0.0.1", "10.0.0.2", 1000, 53, 10))
	tb.Bypass(f, true)
	bypassLast = base + 8*sec
	tb.ExpireAll(base + 11*sec)
	if len(rec.recs) != 1 || rec.recs[0].SrcIP.String() != "10.0.0.9" || asked != 1 {
		t.Fatalf("%d records, asked %d times; want only the locally bypassed flow ended, asked once", len(rec.recs), asked)
	}
	if f.Last() != base+8*sec || tb.Stats.BypassRevived != 1 {
		t.Fatalf("last %d, revived %d; want %d, 1", f.Last(), tb.Stats.BypassRevived, base+8*sec)
	}
	tb.ExpireAll(base + 19*sec)
	if len(rec.recs) != 2 || rec.recs[1].End != base+8*sec {
		t.Fatalf("%d records (end %v); want the capture-bypassed flow ended at its last bypassed packet", len(rec.recs), rec.recs)
	}
}
