package stream

import (
	"math"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Sink receives reassembled data. For each direction the calls describe the stream in order,
// every byte exactly once: Data with bytes, Gap with the count of bytes that were acknowledged
// but never seen. b is valid only during the call (it points into the Reassembler's pages or
// scratch); len(b) is at most MaxChunk. A Sink must not call back into the Reassembler, except
// for Flip of the stream being delivered.
type Sink interface {
	Data(toServer bool, b []byte)
	Gap(toServer bool, n int)
}

// MaxChunk is the largest slice Sink.Data receives: contiguous data is gathered up to it.
const MaxChunk = 64 << 10

// Stats counts what a Reassembler did. Plain integers: a Reassembler belongs to one worker.
// Suricata's counter names are given where one matches.
type Stats struct {
	Packets      uint64 // TCP packets given to Packet
	Ignored      uint64 // packets outside a reassembled session: bad checksum, before it started, after a RST
	Sessions     uint64 // sessions started
	Segments     uint64 // packets with payload taken into a direction
	Retransmits  uint64 // segments wholly before the delivery point (already delivered)
	Overlaps     uint64 // segments that overlapped queued data (tcp.overlap)
	OverlapDiff  uint64 // … with bytes that differed from the queued ones (tcp.overlap_diff_data)
	OutOfWindow  uint64 // segments starting more than 1 GiB past the delivery point
	AfterFIN     uint64 // segments (or their tails) past the direction's FIN
	BeyondDepth  uint64 // segments wholly past the reassembly depth
	DepthReached uint64 // directions that reached the depth (stream.reassembly.depth)
	Resets       uint64 // sessions ended by a RST
	Gaps         uint64 // gaps reported (tcp.reassembly_gap)
	GapBytes     uint64 // bytes they covered (Zeek's missed_bytes, summed)
	Delivered    uint64 // bytes handed to sinks
	Chunks       uint64 // Sink.Data calls

	MemcapSegments uint64 // segments refused because the memcap was reached (tcp.segment_memcap_drop)
	MemcapBytes    uint64 // their bytes
	QueueSegments  uint64 // segments refused because the direction held MaxQueued records
	QueueBytes     uint64 // their bytes
}

// Reassembler reassembles the TCP streams of one worker. It owns the pages and segment
// records all its Streams queue data in, bounded by the memcap; it is not safe for concurrent
// use.
type Reassembler struct {
	Stats Stats

	policy    OverlapPolicy
	midstream bool
	inline    bool
	depth     int64 // math.MaxInt64 when unlimited
	maxQueued int32
	pool      pool

	buf []byte // a segment's bytes while overlaps are resolved

	// Delivery state: the sink and direction of the run being gathered, a run that still lies
	// contiguously in one slab (passed on without a copy), and the copy buffer once it does not.
	sink                Sink
	toServer            bool
	direct              []byte
	dSlab, dStart, dEnd int
	chunk               []byte
	chunkLen            int
}

// NewReassembler makes a Reassembler with cfg. Settings Validate would reject are replaced by
// the nearest usable value (a memcap below the minimum by the minimum, and so on).
func NewReassembler(cfg Config) *Reassembler {
	if cfg.Memcap < minMemcap {
		cfg.Memcap = minMemcap
	}
	if cfg.MaxQueued < 1 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.Policy >= numPolicies {
		cfg.Policy = PolicyBSD
	}
	r := &Reassembler{
		policy:    cfg.Policy,
		midstream: cfg.Midstream,
		inline:    cfg.Inline,
		depth:     math.MaxInt64,
		maxQueued: int32(min(cfg.MaxQueued, math.MaxInt32)),
		pool:      newPool(cfg.Memcap),
		buf:       make([]byte, MaxChunk),
		chunk:     make([]byte, MaxChunk),
	}
	if cfg.Depth > 0 {
		r.depth = int64(cfg.Depth)
	}
	return r
}

// Flip records that the flow of s was reversed (its server turned out to be the side that
// was taken for the client: a midstream pick-up whose first data was the server's): from now
// on every direction given to or reported by s and r is in the new orientation. Queued data
// stays where it is. A Sink may call it while s is being delivered; the rest of that delivery
// is reported in the new orientation.
func (r *Reassembler) Flip(s *Stream) {
	s.state ^= stFlipped
	if r.sink != nil {
		r.toServer = !r.toServer
	}
}

// MemUse is the memory the queued data of all streams accounts for (pages plus records).
func (r *Reassembler) MemUse() int { return r.pool.memUse() }

// startsSession mirrors the flow table's rule: a SYN starts a session; with midstream pick-up
// a SYN/ACK or an ACK does too. RST and FIN start nothing.
func (r *Reassembler) startsSession(fl uint8) bool {
	switch {
	case fl&(decoders.TCPRst|decoders.TCPFin) != 0:
		return false
	case fl&(decoders.TCPSyn|decoders.TCPAck) == decoders.TCPSyn:
		return true
	default:
		return r.midstream && fl&(decoders.TCPSyn|decoders.TCPAck) != 0
	}
}

// Packet runs one TCP packet of the flow s through reassembly. toServer is the packet's
// direction as the flow table reports it. Data of the other direction that p acknowledges is
// handed to sink (Suricata's IDS mode: bytes are inspected once the receiver took them, so a
// retransmission with different bytes is resolved by the overlap policy first). sink may be
// nil to discard.
func (r *Reassembler) Packet(s *Stream, p *decoders.Packet, toServer bool, sink Sink) {
	r.Stats.Packets++
	if p.Layers&decoders.HasTCP == 0 || p.BadL4Checksum || s.state&stClosed != 0 {
		r.Stats.Ignored++
		return
	}
	fl := p.TCPFlags
	if s.state&stStarted == 0 {
		if !r.startsSession(fl) {
			r.Stats.Ignored++
			return
		}
		s.state |= stStarted
		r.Stats.Sessions++
	}
	me, peer := s.dir(toServer), s.dir(!toServer)

	seq := p.Seq
	if fl&decoders.TCPSyn != 0 {
		if me.flags&hInit == 0 {
			me.init(seq + 1)
		}
		seq++ // data on a SYN starts after it
	}
	if fl&decoders.TCPRst != 0 {
		if rstAcceptable(me, seq) {
			r.reset(s, sink)
		}
		return
	}
	if fl&decoders.TCPAck != 0 {
		if peer.flags&hInit == 0 {
			peer.init(p.Ack) // the receiver tells where the other side's data starts
		} else {
			r.ack(peer, !toServer, p.Ack, sink)
		}
	}
	if me.flags&hInit == 0 {
		if len(p.Payload) == 0 {
			return
		}
		me.init(seq)
	}
	end := me.offOf(seq) + int64(len(p.Payload))
	if end > me.seen && end-me.next <= horizon {
		me.seen = end
	}
	if len(p.Payload) > 0 {
		r.insert(me, seq, p.Payload)
		if r.inline && me.flags&hDepth == 0 {
			r.deliver(me, toServer, min(me.seen, r.depthOf(me)), false, sink)
		}
	}
	if fl&decoders.TCPFin != 0 && me.flags&hFIN == 0 && end-me.next <= horizon {
		me.flags |= hFIN
		me.fin = max(end, me.next)
	}
}

// rstAcceptable: a RST counts when its sequence number is where the sender stands (from just
// before the delivery point up to a window past what it sent), or when the sender's direction
// is unknown. A spoofed RST far out of window would otherwise end inspection while the real
// receiver ignores it.
func rstAcceptable(h *half, seq uint32) bool {
	if h.flags&hInit == 0 {
		return true
	}
	o := h.offOf(seq)
	return o >= h.next-1 && o <= h.seen+rstWindow
}

const rstWindow = 1 << 20

// ack records that the receiver acknowledged h's data up to ackSeq and delivers what that
// makes available.
func (r *Reassembler) ack(h *half, toServer bool, ackSeq uint32, sink Sink) {
	if h.flags&hDepth != 0 {
		return
	}
	a := min(h.offOf(ackSeq), h.seen)
	if h.flags&hFIN != 0 {
		a = min(a, h.fin) // the FIN takes a sequence number but carries no byte
	}
	if a <= h.acked {
		return
	}
	h.acked = a
	r.deliver(h, toServer, min(a, r.depthOf(h)), false, sink)
}

// reset ends the session on a RST: what both directions queued is delivered as at the flow's
// end, and later packets are ignored.
func (r *Reassembler) reset(s *Stream, sink Sink) {
	r.Stats.Resets++
	r.finish(s, sink)
	s.state |= stClosed
}

// finish delivers everything still deliverable in both directions and releases their memory.
func (r *Reassembler) finish(s *Stream, sink Sink) {
	for i := range s.half {
		h := &s.half[i]
		if sink != nil && h.flags&(hInit|hDepth) == hInit {
			limit := r.depthOf(h)
			if h.flags&hFIN != 0 {
				limit = min(limit, h.fin)
			}
			r.deliver(h, s.toServerOf(i), limit, true, sink)
		}
		r.release(h)
	}
}

// Close ends the flow's reassembly: data still queued is handed to sink as Suricata does at a
// flow's end (everything up to the first hole that was not acknowledged; acknowledged holes
// are gaps), then s is reset to a fresh Stream. sink may be nil to discard. It returns the
// stream's missed bytes, gaps found while flushing included (for the flow record's
// missed_bytes: s itself is reset). Call it from the flow table's end-of-flow callback,
// before the slot is reused.
func (r *Reassembler) Close(s *Stream, sink Sink) (missedBytes uint64) {
	if s.state&(stStarted|stClosed) == stStarted {
		r.finish(s, sink)
	} else {
		r.release(&s.half[0])
		r.release(&s.half[1])
	}
	missedBytes = s.MissedBytes()
	*s = Stream{}
	return missedBytes
}
