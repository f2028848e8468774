package stream

import (
	"math"
	"strings"
	"testing"
)

func TestInOrderDeliveredOnAck(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1000, 9000)
	x.handshake()
	x.client(0, "GET / HTTP/1.1\r\n")
	x.client(16, "Host: a\r\n")
	x.client(25, "\r\n")
	if got := x.rec.got(true); got != "" {
		t.Fatalf("delivered %q before any acknowledgement", got)
	}
	x.serverAcks(27)
	want := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	if got := x.rec.got(true); got != want {
		t.Fatalf("delivered %q, want %q", got, want)
	}
	if x.rec.chunks[0] != 1 {
		t.Fatalf("contiguous data came in %d chunks, want 1", x.rec.chunks[0])
	}
	x.server(0, "HTTP/1.1 200 OK\r\n\r\n")
	x.pkt(true, tcp(ack, 1000+1+27, 9000+1+19, ""))
	if got := x.rec.got(false); got != "HTTP/1.1 200 OK\r\n\r\n" {
		t.Fatalf("to client %q", got)
	}
	x.close()
	if x.r.MemUse() != 0 || x.s != (Stream{}) {
		t.Fatalf("after Close: memuse %d, stream %+v", x.r.MemUse(), x.s)
	}
}

func TestPartialAck(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1, 2)
	x.handshake()
	x.client(0, "abcdefghij")
	x.serverAcks(4)
	x.serverAcks(3) // old acknowledgement: nothing
	x.serverAcks(10)
	if got := x.rec.got(true); got != "abcdefghij" {
		t.Fatalf("got %q", got)
	}
	if x.rec.chunks[0] != 2 {
		t.Fatalf("%d chunks, want 2 (abcd, efghij)", x.rec.chunks[0])
	}
}

func TestOutOfOrder(t *testing.T) {
	x := newSession(t, DefaultConfig(), 7, 70)
	x.handshake()
	x.client(20, "UVWXYZ")
	x.client(10, "KLMNOPQRST")
	x.client(0, "ABCDEFGHIJ")
	x.r.checkList(t, x.s.dir(true))
	x.serverAcks(26)
	if got := x.rec.got(true); got != "ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		t.Fatalf("got %q", got)
	}
	if x.rec.chunks[0] != 1 {
		t.Fatalf("%d chunks, want one gathered chunk", x.rec.chunks[0])
	}
	if x.r.MemUse() != 0 {
		t.Fatalf("memuse %d after everything was delivered", x.r.MemUse())
	}
}

func TestDuplicatesAndRetransmissions(t *testing.T) {
	x := newSession(t, DefaultConfig(), 100, 200)
	x.handshake()
	x.client(0, "hello ")
	x.client(0, "hello ") // duplicate while queued
	x.client(6, "world")
	x.serverAcks(11)
	x.client(0, "HELLO ") // retransmission of delivered bytes: ignored
	x.client(3, "LO WORLD!")
	x.serverAcks(12)
	if got := x.rec.got(true); got != "hello world!" {
		t.Fatalf("got %q", got)
	}
	if x.r.Stats.Retransmits != 1 || x.r.Stats.Overlaps != 1 {
		t.Fatalf("retransmits %d overlaps %d, want 1 and 1", x.r.Stats.Retransmits, x.r.Stats.Overlaps)
	}
}

// A segment arriving over several queued ones and the holes between them: the policy decides
// per queued segment, the holes take the new bytes.
func TestOverlapSpanningQueued(t *testing.T) {
	for _, c := range []struct {
		policy OverlapPolicy
		want   string
	}{
		{PolicyBSD, "xxbbxxddxxffxx"},   // starts before each queued segment: new wins everywhere
		{PolicyFirst, "xxbbxxddxxffxx"}, // first: queued bytes stay, holes filled
		{PolicyLast, "xxxxxxxxxxxxxx"},
	} {
		cfg := DefaultConfig()
		cfg.Policy = c.policy
		x := newSession(t, cfg, math.MaxUint32-3, 5)
		x.handshake()
		x.client(2, "bb")
		x.client(6, "dd")
		x.client(10, "ff")
		x.client(0, strings.Repeat("x", 14))
		x.r.checkList(t, x.s.dir(true))
		x.serverAcks(14)
		want := c.want
		if c.policy == PolicyBSD {
			want = strings.Repeat("x", 14)
		}
		if got := x.rec.got(true); got != want {
			t.Errorf("%v: got %q, want %q", c.policy, got, want)
		}
		if x.r.Stats.OverlapDiff != 1 {
			t.Errorf("%v: overlap_diff_data %d, want 1", c.policy, x.r.Stats.OverlapDiff)
		}
	}
}

func TestWraparound(t *testing.T) {
	// The client's sequence numbers wrap within the stream; segments come in reverse.
	for _, isn := range []uint32{math.MaxUint32 - 40, math.MaxUint32, math.MaxUint32 - 1} {
		x := newSession(t, DefaultConfig(), isn, math.MaxUint32-5)
		x.handshake()
		var want strings.Builder
		for i := 0; i < 10; i++ {
			want.WriteString(strings.Repeat(string(rune('a'+i)), 10))
		}
		for i := 9; i >= 0; i-- {
			x.client(uint32(i*10), want.String()[i*10:i*10+10])
		}
		x.serverAcks(100)
		if got := x.rec.got(true); got != want.String() {
			t.Fatalf("isn %d: got %q", isn, got)
		}
		x.server(0, "pong")
		x.pkt(true, tcp(ack, isn+101, math.MaxUint32-5+1+4, ""))
		if got := x.rec.got(false); got != "pong" {
			t.Fatalf("isn %d: to client %q", isn, got)
		}
	}
}

func TestFINAndDataAfterFIN(t *testing.T) {
	x := newSession(t, DefaultConfig(), 10, 20)
	x.handshake()
	x.pkt(true, tcp(ack|psh|fin, 11, 21, "last"))
	x.client(4, "more") // after the FIN: ignored
	x.client(2, "STxx") // overlaps the FIN: tail cut
	x.serverAcks(5)     // acknowledges the FIN (4 bytes + 1)
	if got := x.rec.got(true); got != "last" {
		t.Fatalf("got %q", got)
	}
	if x.r.Stats.AfterFIN != 2 {
		t.Fatalf("after-FIN segments %d, want 2", x.r.Stats.AfterFIN)
	}
	if !x.s.Finished(true) || x.s.Finished(false) {
		t.Fatalf("finished: to server %v to client %v", x.s.Finished(true), x.s.Finished(false))
	}
}

func TestRSTFlushesAndEnds(t *testing.T) {
	x := newSession(t, DefaultConfig(), 10, 20)
	x.handshake()
	x.client(0, "unacked request")
	x.server(0, "partial")
	x.pkt(false, tcp(rst, 20+1+7, 0, "rst payload ignored"))
	if got := x.rec.got(true); got != "unacked request" {
		t.Fatalf("to server %q", got)
	}
	if got := x.rec.got(false); got != "partial" {
		t.Fatalf("to client %q", got)
	}
	if !x.s.Closed() || x.r.MemUse() != 0 {
		t.Fatalf("closed %v memuse %d", x.s.Closed(), x.r.MemUse())
	}
	ignored := x.r.Stats.Ignored
	x.client(15, "late")
	x.serverAcks(19)
	if x.r.Stats.Ignored != ignored+2 || x.rec.got(true) != "unacked request" {
		t.Fatalf("packets after RST were not ignored")
	}
	x.close()
}

func TestRSTOutOfWindowIgnored(t *testing.T) {
	x := newSession(t, DefaultConfig(), 10, 20)
	x.handshake()
	x.client(0, "data")
	x.pkt(true, tcp(rst, 10+1+4+(8<<20), 0, ""))
	if x.s.Closed() {
		t.Fatal("a RST far out of window ended the session")
	}
	x.pkt(true, tcp(rst, 10+1+4, 0, ""))
	if !x.s.Closed() || x.rec.got(true) != "data" {
		t.Fatalf("in-window RST: closed %v, got %q", x.s.Closed(), x.rec.got(true))
	}
}

func TestSYNDataAndISN(t *testing.T) {
	x := newSession(t, DefaultConfig(), 500, 600)
	x.pkt(true, tcp(syn, 500, 0, "tfo"))
	x.pkt(false, tcp(syn|ack, 600, 504, ""))
	x.client(3, "+more")
	x.serverAcks(8)
	if got := x.rec.got(true); got != "tfo+more" {
		t.Fatalf("got %q", got)
	}
}

func TestMidstream(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := DefaultConfig()
		cfg.Midstream = on
		x := newSession(t, cfg, 0, 0)
		// No handshake: the capture starts in the middle of a session.
		x.pkt(true, tcp(ack|psh, 77777, 5555, "in the middle"))
		x.pkt(false, tcp(ack|psh, 5555, 77777+13, "reply"))
		x.pkt(true, tcp(ack, 77777+13, 5555+5, ""))
		want, wantReply := "", ""
		if on {
			want, wantReply = "in the middle", "reply"
		}
		if got := x.rec.got(true); got != want {
			t.Errorf("midstream %v: to server %q, want %q", on, got, want)
		}
		if got := x.rec.got(false); got != wantReply {
			t.Errorf("midstream %v: to client %q, want %q", on, got, wantReply)
		}
	}
}

func TestDepth(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Depth = 100
	x := newSession(t, cfg, 1, 2)
	x.handshake()
	var want strings.Builder
	for i := 0; i < 25; i++ {
		seg := strings.Repeat(string(rune('A'+i)), 10)
		want.WriteString(seg)
		x.client(uint32(i*10), seg)
		if i%3 == 2 {
			x.serverAcks(uint32(i*10 + 10))
		}
	}
	x.serverAcks(250)
	if got := x.rec.got(true); got != want.String()[:100] {
		t.Fatalf("got %d bytes %q", len(got), got)
	}
	if !x.s.DepthReached(true) || x.s.DepthReached(false) || x.r.Stats.DepthReached != 1 {
		t.Fatalf("depth reached: %v %v, counter %d", x.s.DepthReached(true), x.s.DepthReached(false), x.r.Stats.DepthReached)
	}
	if x.r.MemUse() != 0 {
		t.Fatalf("memory held past depth: %d", x.r.MemUse())
	}
	x.close()
	if x.rec.got(true) != want.String()[:100] {
		t.Fatal("Close delivered past the depth")
	}
}

// TestStreamDepthOverride: a stream given a depth of its own (an SMB session's, unlimited by
// default) is reassembled past the reassembler's, and one given a smaller one stops there.
func TestStreamDepthOverride(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Depth = 100
	for _, c := range []struct {
		depth int64
		want  int
	}{{0, 250}, {1000, 250}, {40, 40}} {
		x := newSession(t, cfg, 1, 2)
		x.handshake()
		x.s.SetDepth(c.depth)
		var want strings.Builder
		for i := 0; i < 25; i++ {
			seg := strings.Repeat(string(rune('A'+i)), 10)
			want.WriteString(seg)
			x.client(uint32(i*10), seg)
		}
		x.serverAcks(250)
		if got := x.rec.got(true); got != want.String()[:c.want] {
			t.Errorf("depth %d: got %d bytes, want %d", c.depth, len(got), c.want)
		}
		if reached := x.s.DepthReached(true); reached != (c.want < 250) {
			t.Errorf("depth %d: depth reached %v", c.depth, reached)
		}
		x.close()
	}
}

func TestGapsAndMissedBytes(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1, 2)
	x.handshake()
	x.client(0, "0123")
	// bytes 4..9 are lost
	x.client(10, "abcdef")
	x.serverAcks(16)
	if got := x.rec.got(true); got != "0123~~~~~~abcdef" {
		t.Fatalf("got %q", got)
	}
	if x.s.MissedBytes() != 6 || x.r.Stats.Gaps != 1 {
		t.Fatalf("missed %d gaps %d", x.s.MissedBytes(), x.r.Stats.Gaps)
	}
	// The last segment is lost, then the sender goes on with a FIN past it: the acknowledged
	// tail shows up as a gap when the flow ends.
	x.pkt(true, tcp(ack|fin, 1+1+16+5, 3, ""))
	x.serverAcks(16 + 5 + 1)
	if missed := x.r.Close(&x.s, &x.rec); missed != 11 {
		t.Fatalf("Close reported %d missed bytes, want 11", missed)
	}
	if got := x.rec.got(true); got != "0123~~~~~~abcdef~~~~~" {
		t.Fatalf("after close %q", got)
	}
	if x.s.MissedBytes() != 0 { // Close reset the stream
		t.Fatal("stream not reset")
	}
	if x.r.Stats.GapBytes != 11 {
		t.Fatalf("gap bytes %d, want 11", x.r.Stats.GapBytes)
	}
}

// An acknowledgement past anything the sender was seen to send is not a gap (Suricata accepts
// ACKs liberally and only declares a gap when data beyond it was seen).
func TestAckBeyondSeenIsNoGap(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1, 2)
	x.handshake()
	x.client(0, "abc")
	x.serverAcks(5000)
	x.close()
	if got := x.rec.got(true); got != "abc" || x.r.Stats.Gaps != 0 {
		t.Fatalf("got %q, %d gaps", got, x.r.Stats.Gaps)
	}
}

// An unacknowledged hole stops delivery at the flow's end, as in Suricata: the bytes after it
// were never accepted by the receiver.
func TestCloseStopsAtUnackedHole(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1, 2)
	x.handshake()
	x.client(0, "head")
	x.client(8, "tail")
	x.close()
	if got := x.rec.got(true); got != "head" {
		t.Fatalf("got %q", got)
	}
	if x.r.MemUse() != 0 {
		t.Fatal("memory held after Close")
	}
}

func TestMemcapRefusesAndCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Memcap = minMemcap
	r := NewReassembler(cfg)
	var streams [64]Stream
	payload := strings.Repeat("z", 1400)
	send := func() {
		for i := range streams {
			s := &streams[i]
			r.Packet(s, tcp(syn, 0, 0, ""), true, nil)
			for k := 0; k < 8; k++ {
				// out of order, never acknowledged: held until the memcap says no
				r.Packet(s, tcp(ack, uint32(1+1400+k*1400*2), 0, payload), true, nil)
			}
		}
	}
	send()
	if r.Stats.MemcapSegments == 0 || r.Stats.MemcapBytes != r.Stats.MemcapSegments*1400 {
		t.Fatalf("memcap refusals %d segments %d bytes", r.Stats.MemcapSegments, r.Stats.MemcapBytes)
	}
	if r.MemUse() > cfg.Memcap {
		t.Fatalf("memuse %d over memcap %d", r.MemUse(), cfg.Memcap)
	}
	slabs, chunks := len(r.pool.slabs), len(r.pool.segChunks)
	if allocs := testing.AllocsPerRun(3, send); allocs != 0 {
		t.Fatalf("%v allocations per run once the memcap is reached", allocs)
	}
	if len(r.pool.slabs) != slabs || len(r.pool.segChunks) != chunks {
		t.Fatal("pools grew past the memcap")
	}
	for i := range streams {
		r.Close(&streams[i], nil)
	}
	if r.MemUse() != 0 {
		t.Fatalf("memuse %d after closing everything", r.MemUse())
	}
}

func TestQueueLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxQueued = 4
	x := newSession(t, cfg, 1, 2)
	x.handshake()
	for k := 0; k < 6; k++ {
		x.client(uint32(10+k*10), "q")
	}
	if x.r.Stats.QueueSegments != 2 || x.s.dir(true).nrec != 4 {
		t.Fatalf("queue refusals %d, queued %d", x.r.Stats.QueueSegments, x.s.dir(true).nrec)
	}
}

func TestSegmentsAcrossPages(t *testing.T) {
	// Big segments span pages and arrive out of order; a late one overlaps all of them.
	x := newSession(t, DefaultConfig(), 3, 4)
	x.handshake()
	var want []byte
	for i := 0; i < 5000*4; i++ {
		want = append(want, byte('a'+i%26))
	}
	x.client(10000, string(want[10000:20000]))
	x.client(5000, string(want[5000:10000]))
	x.client(100, string(want[100:5000]))
	x.client(0, strings.Repeat("!", 15000)) // bsd: starts before the queued ones, so it wins
	x.r.checkList(t, x.s.dir(true))
	copy(want, strings.Repeat("!", 15000))
	x.serverAcks(20000)
	if got := x.rec.got(true); got != string(want) {
		t.Fatalf("got %d bytes, differ from want", len(got))
	}
	x.close()
	if x.r.MemUse() != 0 {
		t.Fatal("memory held after Close")
	}
}

func TestBadChecksumIgnored(t *testing.T) {
	x := newSession(t, DefaultConfig(), 1, 2)
	x.handshake()
	p := tcp(ack, 2, 3, "forged")
	p.BadL4Checksum = true
	x.pkt(true, p)
	x.client(0, "real")
	x.serverAcks(4)
	if got := x.rec.got(true); got != "real" {
		t.Fatalf("got %q", got)
	}
}

func TestSteadyStateNoAllocs(t *testing.T) {
	r := NewReassembler(DefaultConfig())
	var s Stream
	var sink countSink
	payload := make([]byte, 1460)
	r.Packet(&s, tcp(syn, 0, 0, ""), true, &sink)
	r.Packet(&s, tcp(syn|ack, 0, 1, ""), false, &sink)
	seq := uint32(1)
	data := tcp(ack|psh, 0, 1, "")
	data.Payload = payload
	ackp := tcp(ack, 1, 0, "")
	step := func() {
		data.Seq = seq
		r.Packet(&s, data, true, &sink)
		seq += uint32(len(payload))
		ackp.Ack = seq
		r.Packet(&s, ackp, false, &sink)
	}
	for i := 0; i < 100; i++ {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a != 0 {
		t.Fatalf("%v allocations per packet pair", a)
	}
}

type countSink struct{ data, gaps int }

func (c *countSink) Data(_ bool, b []byte) { c.data += len(b) }
func (c *countSink) Gap(_ bool, n int)     { c.gaps += n }

// flipSink flips its stream on the first data it gets, as the app layer does when detection
// finds a midstream flow was taken the wrong way round.
type flipSink struct {
	recorder
	r       *Reassembler
	s       *Stream
	flipped bool
}

func (f *flipSink) Data(toServer bool, b []byte) {
	if !f.flipped {
		f.flipped = true
		f.r.Flip(f.s)
		toServer = !toServer
	}
	f.recorder.Data(toServer, b)
}

// TestFlipDuringDelivery: a reversal decided on the first chunk of a delivery relabels the
// rest of it and every later call, while the queued data stays with its sender.
func TestFlipDuringDelivery(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Midstream = true
	r := NewReassembler(cfg)
	var s Stream
	sink := &flipSink{r: r, s: &s}
	// Picked up from the server's data, taken for the client's: more than one chunk of it.
	big := strings.Repeat("x", MaxChunk+100)
	r.Packet(&s, tcp(ack|psh, 1000, 5000, big), true, sink)
	r.Packet(&s, tcp(ack, 5000, 1000+uint32(len(big)), ""), false, sink)
	if sink.chunks[1] != 2 || sink.chunks[0] != 0 {
		t.Fatalf("chunks to server/client %d/%d, want 0/2 (all relabelled)", sink.chunks[0], sink.chunks[1])
	}
	if got := s.Delivered(false); got != int64(len(big)) {
		t.Fatalf("delivered to client %d, want %d", got, len(big))
	}
	// After the flip the true client's data goes to the server in the caller's terms.
	r.Packet(&s, tcp(ack|psh, 5000, 1000+uint32(len(big)), "GET"), true, sink)
	r.Packet(&s, tcp(ack|fin, 1000+uint32(len(big)), 5003, ""), false, sink)
	if got := sink.got(true); got != "GET" {
		t.Fatalf("to server %q, want GET", got)
	}
	if !s.Finished(false) || s.Finished(true) {
		t.Fatalf("finished to client %v to server %v, want true/false", s.Finished(false), s.Finished(true))
	}
	r.Close(&s, sink)
}
