package flow

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

const (
	S  = decoders.TCPSyn
	A  = decoders.TCPAck
	F  = decoders.TCPFin
	R  = decoders.TCPRst
	P  = decoders.TCPPsh
	SA = S | A
	FA = F | A
	RA = R | A
	PA = P | A
)

// conv plays a TCP conversation between a client (c) and a server (s), keeping sequence
// numbers right, one second apart.
type conv struct {
	t        *testing.T
	tb       *Table
	at       int64
	seq, ack [2]uint32 // next sequence number of client [0] and server [1]
	last     *Flow
	lastTS   bool
}

func newConv(t *testing.T, tb *Table) *conv {
	return &conv{t: t, tb: tb, at: base, seq: [2]uint32{1000, 5000}}
}

// send sends a segment from the client (fromClient) or server with flags and payload bytes.
func (c *conv) send(fromClient bool, flags uint8, payload int) *Flow {
	c.t.Helper()
	i := 1
	src, dst, sp, dp := "10.0.0.2", "10.0.0.1", uint16(80), uint16(40000)
	if fromClient {
		i = 0
		src, dst, sp, dp = dst, src, dp, sp
	}
	p := tcpPkt(c.at, src, dst, sp, dp, flags, c.seq[i], c.seq[1-i], payload)
	c.at += sec
	c.seq[i] += uint32(payload)
	if flags&(S|F) != 0 {
		c.seq[i]++
	}
	f, ts := c.tb.Update(p)
	if f == nil {
		c.t.Fatalf("segment %02x got no flow", flags)
	}
	c.last, c.lastTS = f, ts
	return f
}

func (c *conv) cli(flags uint8, payload int) *Flow { return c.send(true, flags, payload) }
func (c *conv) srv(flags uint8, payload int) *Flow { return c.send(false, flags, payload) }

type step struct {
	fromClient bool
	flags      uint8
	tcp        TCPState
	flow       State
}

func runSteps(t *testing.T, c *conv, steps []step) {
	t.Helper()
	for i, s := range steps {
		f := c.send(s.fromClient, s.flags, 0)
		if f.TCPState() != s.tcp || f.State() != s.flow {
			t.Fatalf("step %d (%02x from client=%v): tcp %v flow %v, want %v %v",
				i, s.flags, s.fromClient, f.TCPState(), f.State(), s.tcp, s.flow)
		}
		if c.lastTS != s.fromClient {
			t.Fatalf("step %d: toServer %v, want %v", i, c.lastTS, s.fromClient)
		}
	}
}

func TestTCPClientCloses(t *testing.T) {
	tb, _ := newTestTable(t, nil)
	runSteps(t, newConv(t, tb), []step{
		{true, S, TCPSynSent, StateNew},
		{false, SA, TCPSynRecv, StateNew},
		{true, A, TCPEstablished, StateEstablished},
		{true, PA, TCPEstablished, StateEstablished},
		{false, A, TCPEstablished, StateEstablished},
		{true, FA, TCPCloseWait, StateEstablished},
		{false, A, TCPCloseWait, StateEstablished},
		{false, FA, TCPLastAck, StateClosed},
		{true, A, TCPClosed, StateClosed},
	})
}

func TestTCPServerCloses(t *testing.T) {
	tb, _ := newTestTable(t, nil)
	runSteps(t, newConv(t, tb), []step{
		{true, S, TCPSynSent, StateNew},
		{false, SA, TCPSynRecv, StateNew},
		{true, A, TCPEstablished, StateEstablished},
		{false, FA, TCPFinWait1, StateEstablished},
		{true, A, TCPFinWait2, StateEstablished},
		{true, FA, TCPTimeWait, StateClosed},
		{false, A, TCPClosed, StateClosed},
	})
}

func TestTCPSimultaneousClose(t *testing.T) {
	tb, _ := newTestTable(t, nil)
	c := newConv(t, tb)
	runSteps(t, c, []step{
		{true, S, TCPSynSent, StateNew},
		{false, SA, TCPSynRecv, StateNew},
		{true, A, TCPEstablished, StateEstablished},
		{false, FA, TCPFinWait1, StateEstablished},
	})
	// The client's FIN crosses the server's: it does not acknowledge it yet.
	p := tcpPkt(c.at, "10.0.0.1", "10.0.0.2", 40000, 80, FA, c.seq[0], c.seq[1]-1, 0)
	c.seq[0]++
	if f, _ := tb.Update(p); f.TCPState() != TCPClosing {
		t.Fatalf("crossing FINs: %v, want closing", f.TCPState())
	}
	runSteps(t, c, []step{
		{false, A, TCPTimeWait, StateClosed},
		{true, A, TCPClosed, StateClosed},
	})
}

func TestTCPResets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"refused", []step{{true, S, TCPSynSent, StateNew}, {false, RA, TCPClosed, StateClosed}}},
		{"aborted by client", []step{{true, S, TCPSynSent, StateNew}, {false, SA, TCPSynRecv, StateNew},
			{true, A, TCPEstablished, StateEstablished}, {true, R, TCPClosed, StateClosed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, _ := newTestTable(t, nil)
			runSteps(t, newConv(t, tb), tc.steps)
		})
	}
}

func TestTCPMidstreamOff(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.cli(PA, 100)
	f := c.srv(A, 0)
	if f.TCPState() != TCPNone || f.State() != StateNew {
		t.Fatalf("midstream flow: tcp %v flow %v, want none/new", f.TCPState(), f.State())
	}
	r := onlyRecord(t, tb, rec)
	if r.TCPFlags != 0 || r.TCPState != "" || !r.HasTCP {
		t.Fatalf("midstream flow record: flags %02x state %q hasTCP %v", r.TCPFlags, r.TCPState, r.HasTCP)
	}
	if r.SrcPort != 40000 || r.PktsToServer != 1 || r.PktsToClient != 1 {
		t.Fatalf("midstream flow oriented wrong: src port %d, pkts %d/%d", r.SrcPort, r.PktsToServer, r.PktsToClient)
	}
	if r.ConnState != "OTH" {
		t.Fatalf("conn_state %s, want OTH", r.ConnState)
	}
}

func TestTCPSynAckFirst(t *testing.T) {
	// Midstream off (Suricata's default): no session, the SYN/ACK sender stays the source.
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.srv(SA, 0)
	c.cli(A, 0)
	if r := onlyRecord(t, tb, rec); r.SrcPort != 80 || r.TCPState != "" {
		t.Fatalf("midstream off: src port %d, tcp state %q", r.SrcPort, r.TCPState)
	}

	// Midstream on: the SYN/ACK's receiver is the client, the session starts in syn_recv.
	tb, rec = newTestTable(t, func(c *Config) { c.Midstream = true })
	c = newConv(t, tb)
	f := c.srv(SA, 0)
	if f.TCPState() != TCPSynRecv || c.lastTS {
		t.Fatalf("SYN/ACK first: state %v toServer %v", f.TCPState(), c.lastTS)
	}
	f = c.cli(A, 0)
	if f.TCPState() != TCPEstablished || !c.lastTS {
		t.Fatalf("then ACK: state %v toServer %v", f.TCPState(), c.lastTS)
	}
	r := onlyRecord(t, tb, rec)
	if r.SrcPort != 40000 || r.PktsToServer != 1 || r.PktsToClient != 1 {
		t.Fatalf("midstream on: src port %d pkts %d/%d", r.SrcPort, r.PktsToServer, r.PktsToClient)
	}
	if r.TCPFlagsTS != A || r.TCPFlagsTC != SA {
		t.Fatalf("flags ts %02x tc %02x", r.TCPFlagsTS, r.TCPFlagsTC)
	}
	if r.History != "^hA" {
		t.Fatalf("history %q, want ^hA", r.History)
	}
}

func TestTCPLateSynFromServerSideSwaps(t *testing.T) {
	// A stray packet from B creates the flow; then A sends the SYN: A is the client.
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.srv(A, 0)
	f := c.cli(S, 0)
	if f.TCPState() != TCPSynSent || !c.lastTS {
		t.Fatalf("late SYN: state %v toServer %v", f.TCPState(), c.lastTS)
	}
	r := onlyRecord(t, tb, rec)
	if r.SrcPort != 40000 || r.PktsToServer != 1 || r.PktsToClient != 1 || r.TCPFlagsTS != S || r.TCPFlagsTC != 0 {
		t.Fatalf("late SYN record: %+v", r)
	}
}

func TestTCPFlagsPerDirection(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.cli(S, 0)
	c.srv(SA, 0)
	c.cli(A, 0)
	c.cli(PA, 10)
	c.srv(FA, 0)
	c.cli(RA, 0)
	r := onlyRecord(t, tb, rec)
	if r.TCPFlagsTS != S|A|P|R || r.TCPFlagsTC != S|A|F || r.TCPFlags != S|A|P|R|F {
		t.Fatalf("flags %02x ts %02x tc %02x", r.TCPFlags, r.TCPFlagsTS, r.TCPFlagsTC)
	}
	if r.TCPState != "closed" || r.State != "closed" {
		t.Fatalf("state %s/%s", r.TCPState, r.State)
	}
}

// TestTCPAsyncOneside: with only the client's side on the wire, its ACK after the SYN
// establishes the session when stream.async-oneside is on, and leaves it in syn_sent when off
// or when the ACK does not carry the next sequence number.
func TestTCPAsyncOneside(t *testing.T) {
	for _, tc := range []struct {
		name  string
		async bool
		skew  uint32
		want  TCPState
	}{
		{"off", false, 0, TCPSynSent},
		{"on", true, 0, TCPEstablished},
		{"on, wrong seq", true, 7, TCPSynSent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, _ := newTestTable(t, func(c *Config) { c.AsyncOneside = tc.async })
			c := newConv(t, tb)
			c.cli(S, 0)
			c.seq[0] += tc.skew
			f := c.cli(A, 0)
			if f.TCPState() != tc.want {
				t.Fatalf("state %v, want %v", f.TCPState(), tc.want)
			}
			if tc.want == TCPEstablished && f.State() != StateEstablished {
				t.Fatalf("flow state %v, want established", f.State())
			}
		})
	}
}

// TestTCPReverseMidstream: a session picked up from the server's data is oriented by its first
// sender until the app layer finds out and reverses it; then every packet counted so far
// stands in its true direction, and the teardown is read from the right ends.
func TestTCPReverseMidstream(t *testing.T) {
	tb, rec := newTestTable(t, func(c *Config) { c.Midstream = true })
	c := newConv(t, tb)
	f := c.srv(PA, 259)
	if !f.MidstreamPickup() {
		t.Fatal("session picked up from data: MidstreamPickup false")
	}
	if _, p := f.Client(); p != 80 {
		t.Fatalf("before reversal the first sender is the client, got port %d", p)
	}
	c.cli(A, 0)
	f.Reverse()
	if _, p := f.Client(); p != 40000 {
		t.Fatalf("after reversal client port %d, want 40000", p)
	}
	c.cli(FA, 0)
	c.srv(FA, 0)
	f = c.cli(A, 0)
	if !c.lastTS || f.TCPState() != TCPClosed {
		t.Fatalf("after reversal: toServer %v state %v, want true/closed", c.lastTS, f.TCPState())
	}
	r := onlyRecord(t, tb, rec)
	if r.SrcPort != 40000 || r.PktsToServer != 3 || r.PktsToClient != 2 {
		t.Fatalf("reversed record: src port %d pkts %d/%d, want 40000 3/2", r.SrcPort, r.PktsToServer, r.PktsToClient)
	}
	if r.TCPFlagsTS != FA || r.TCPFlagsTC != PA|FA {
		t.Fatalf("flags ts %02x tc %02x, want %02x %02x", r.TCPFlagsTS, r.TCPFlagsTC, FA, PA|FA)
	}

	// A SYN/ACK pick-up was oriented by the SYN/ACK itself: nothing left to correct.
	tb, _ = newTestTable(t, func(c *Config) { c.Midstream = true })
	c = newConv(t, tb)
	if f := c.srv(SA, 0); f.MidstreamPickup() {
		t.Fatal("SYN/ACK pick-up reported as correctable")
	}
}
