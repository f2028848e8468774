package stream

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

const (
	syn = decoders.TCPSyn
	ack = decoders.TCPAck
	fin = decoders.TCPFin
	rst = decoders.TCPRst
	psh = decoders.TCPPsh
)

func tcp(flags uint8, seq, ackn uint32, payload string) *decoders.Packet {
	return &decoders.Packet{Layers: decoders.HasIPv4 | decoders.HasTCP, TCPFlags: flags, Seq: seq, Ack: ackn, Payload: []byte(payload)}
}

// recorder is a Sink that keeps what each direction got; a gap shows as '~' bytes in text and
// is logged in events.
type recorder struct {
	text   [2]bytes.Buffer
	chunks [2]int
	gaps   [2]int
	events []string
}

func di(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

func (c *recorder) Data(toServer bool, b []byte) {
	c.text[di(toServer)].Write(b)
	c.chunks[di(toServer)]++
	c.events = append(c.events, fmt.Sprintf("%v data %d", toServer, len(b)))
}

func (c *recorder) Gap(toServer bool, n int) {
	c.text[di(toServer)].Write(bytes.Repeat([]byte{'~'}, n))
	c.gaps[di(toServer)] += n
	c.events = append(c.events, fmt.Sprintf("%v gap %d", toServer, n))
}

func (c *recorder) got(toServer bool) string { return c.text[di(toServer)].String() }

// session drives one flow: a client at cseq and a server at sseq, both already past their SYN
// when handshake has run.
type session struct {
	t          testing.TB
	r          *Reassembler
	s          Stream
	rec        recorder
	cisn, sisn uint32
}

func newSession(t testing.TB, cfg Config, cisn, sisn uint32) *session {
	return &session{t: t, r: NewReassembler(cfg), cisn: cisn, sisn: sisn}
}

func (x *session) pkt(toServer bool, p *decoders.Packet) { x.r.Packet(&x.s, p, toServer, &x.rec) }

// handshake runs SYN, SYN/ACK, ACK.
func (x *session) handshake() {
	x.pkt(true, tcp(syn, x.cisn, 0, ""))
	x.pkt(false, tcp(syn|ack, x.sisn, x.cisn+1, ""))
	x.pkt(true, tcp(ack, x.cisn+1, x.sisn+1, ""))
}

// client sends payload at relative offset off (0 = first byte after the SYN).
func (x *session) client(off uint32, payload string) {
	x.pkt(true, tcp(ack|psh, x.cisn+1+off, x.sisn+1, payload))
}

func (x *session) server(off uint32, payload string) {
	x.pkt(false, tcp(ack|psh, x.sisn+1+off, x.cisn+1, payload))
}

// serverAcks has the server acknowledge client bytes up to relative offset upTo.
func (x *session) serverAcks(upTo uint32) {
	x.pkt(false, tcp(ack, x.sisn+1, x.cisn+1+upTo, ""))
}

func (x *session) close() { x.r.Close(&x.s, &x.rec) }

// queued renders what direction h holds from offset 0 to its right edge: '\x00' for holes,
// for comparing with Suricata's overlap vectors.
func (r *Reassembler) queued(h *half) string {
	var out []byte
	for i := h.head; i != 0; i = r.pool.seg(i).next {
		sg := r.pool.seg(i)
		for int64(len(out)) < sg.end() {
			out = append(out, 0)
		}
		copy(out[sg.off:], r.segBytes(sg))
	}
	return string(out)
}

// checkList verifies the list's links and order and the pool's books.
func (r *Reassembler) checkList(t testing.TB, h *half) {
	t.Helper()
	var prev int32
	var n int32
	lastOff := int64(-1 << 62)
	for i := h.head; i != 0; i = r.pool.seg(i).next {
		sg := r.pool.seg(i)
		if sg.prev != prev {
			t.Fatalf("record %d: prev %d, want %d", i, sg.prev, prev)
		}
		if sg.off < lastOff {
			t.Fatalf("record %d at %d after one at %d", i, sg.off, lastOff)
		}
		if sg.end() > h.maxEnd {
			t.Fatalf("record %d ends at %d past maxEnd %d", i, sg.end(), h.maxEnd)
		}
		lastOff = sg.off
		prev = i
		n++
	}
	if prev != h.tail || n != h.nrec {
		t.Fatalf("tail %d (want %d), nrec %d (want %d)", h.tail, prev, h.nrec, n)
	}
}
