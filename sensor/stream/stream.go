package stream

// Stream is the reassembly state of one TCP flow: two directions and whether the session has
// started or ended. It is a plain value (about 150 bytes) meant to live in a table indexed by
// flow slot; the zero value is a fresh stream, and Reassembler.Close returns it to that state.
// All its queued data lives in the Reassembler that fed it, so a Stream must always be fed and
// closed by the same Reassembler.
type Stream struct {
	half  [2]half // [0]: to server, [1]: to client (swapped roles once stFlipped)
	state uint8
}

const (
	stStarted = 1 << iota // a packet that starts a session was seen
	stClosed              // ended by a RST: nothing more is reassembled
	stFlipped             // the flow was reversed: half[1] is the direction to the server
)

// half is one direction.
type half struct {
	isn1  uint32 // sequence number of stream offset 0 (the byte after the SYN)
	flags uint8
	used  uint16 // bytes used in the fill page
	page  int32  // the page this direction appends to, index+1 (0: none)
	nrec  int32  // segment records queued

	// Stream offsets, counted from the first byte. Sequence numbers are turned into offsets
	// relative to next with serial arithmetic, so wraparound never reaches the comparisons.
	next   int64 // delivery point: everything before it was delivered or reported as a gap
	acked  int64 // highest acknowledged offset, capped at what the sender was seen to send
	seen   int64 // highest offset the sender's packets reached (sequence plus length, FIN)
	maxEnd int64 // no queued record ends after it
	fin    int64 // offset of the FIN, when hFIN is set

	head, tail int32 // queued records in offset order, index+1
	missed     uint64
	// depth overrides the reassembler's depth for this direction (SetDepth); 0: none.
	depth int64
}

const (
	hInit  = 1 << iota // the base sequence number is known
	hFIN               // a FIN was seen: nothing at or after fin is taken
	hDepth             // the depth was reached: nothing more is reassembled
)

// horizon bounds how far ahead of the delivery point a segment or an acknowledgement may
// point: a quarter of the sequence space, so serial comparisons stay unambiguous and a bogus
// acknowledgement cannot declare a gigantic gap.
const horizon = 1 << 30

// dir is the half of a direction. The halves never move: a reversal only changes which one
// is the direction to the server, so pointers into them stay valid across it.
func (s *Stream) dir(toServer bool) *half {
	if toServer != (s.state&stFlipped != 0) {
		return &s.half[0]
	}
	return &s.half[1]
}

// toServerOf is the direction of half i in the flow's current orientation.
func (s *Stream) toServerOf(i int) bool { return (i == 0) != (s.state&stFlipped != 0) }

// offOf turns a sequence number into a stream offset, within ±2^31 of the delivery point.
func (h *half) offOf(seq uint32) int64 {
	return h.next + int64(int32(seq-(h.isn1+uint32(h.next))))
}

func (h *half) init(isn1 uint32) {
	h.isn1 = isn1
	h.flags |= hInit
}

// MissedBytes is how many bytes both directions reported as gaps: acknowledged data that
// never showed up (Zeek's conn.log missed_bytes).
func (s *Stream) MissedBytes() uint64 { return s.half[0].missed + s.half[1].missed }

// SetDepth gives the stream a reassembly depth of its own, as Suricata's app-layer parsers do
// for their protocol (app-layer.protocols.smb.stream-depth): n bytes per direction, 0 for no
// limit. A direction that already reached the depth stays done.
func (s *Stream) SetDepth(n int64) {
	if n <= 0 {
		n = unlimitedDepth
	}
	s.half[0].depth, s.half[1].depth = n, n
}

// unlimitedDepth stands for "no depth": further than any stream offset goes.
const unlimitedDepth = 1 << 62

// depthOf is the reassembly depth of direction h.
func (r *Reassembler) depthOf(h *half) int64 {
	if h.depth != 0 {
		return h.depth
	}
	return r.depth
}

// DepthReached reports that the direction reached the reassembly depth: nothing more of it is
// reassembled, and a flow whose both directions are done can be bypassed.
func (s *Stream) DepthReached(toServer bool) bool { return s.dir(toServer).flags&hDepth != 0 }

// Delivered is how far the direction has been handed on (data plus gaps), in bytes from the
// stream's start.
func (s *Stream) Delivered(toServer bool) int64 { return s.dir(toServer).next }

// Finished reports that no more data will be delivered for the direction before Close: the
// depth was reached, a RST ended the session, or everything up to its FIN was delivered.
func (s *Stream) Finished(toServer bool) bool {
	h := s.dir(toServer)
	return s.state&stClosed != 0 || h.flags&hDepth != 0 || (h.flags&hFIN != 0 && h.next >= h.fin)
}

// Closed reports that a RST ended the session.
func (s *Stream) Closed() bool { return s.state&stClosed != 0 }

// Reassembling reports that the direction's data is being reassembled: the session started,
// no RST ended it and the depth is not reached, so the payload of its packets reaches the
// sink (detection then inspects the stream instead of the single packets).
func (s *Stream) Reassembling(toServer bool) bool {
	return s.state&stStarted != 0 && s.state&stClosed == 0 && s.dir(toServer).flags&hDepth == 0
}
