package http2

import (
	"encoding/binary"
	"github.com/nightjar-ids/nightjar/decoders/internal/txlist"

	"golang.org/x/net/http2/hpack"
)

// Side is what one direction of a transaction carried: [0] of a Tx is the request (client to
// server), [1] the response.
type Side struct {
	// Frames has bit t set for each frame type t seen (unknown types: bit 31).
	Frames uint32
	// Settings, ErrorCodes (RST_STREAM and GOAWAY), Priorities (PRIORITY frames and HEADERS
	// with priority, the weight as sent) and Windows (WINDOW_UPDATE increments), in order.
	Settings   []Setting
	ErrorCodes []ErrorCode
	Priorities []uint8
	Windows    []uint32
	// Headers are the decoded fields of every header block, in order, with the dynamic table
	// size updates among them.
	Headers []Header
	// HeadersDone: a header block ended (END_HEADERS); EndStream: the side ended its stream.
	HeadersDone, EndStream bool
	// Body is the DATA content, padding removed, up to the body limit; BodyLen counts all.
	Body    []byte
	BodyLen uint64
	// BodyTruncated: Body stopped at the limit.
	BodyTruncated bool
}

// HasFrame reports whether a frame of type t was seen.
func (s *Side) HasFrame(t FrameType) bool {
	if t >= 31 {
		return s.Frames&(1<<31) != 0
	}
	return s.Frames&(1<<t) != 0
}

func (s *Side) reset() {
	*s = Side{Settings: s.Settings[:0], ErrorCodes: s.ErrorCodes[:0], Priorities: s.Priorities[:0],
		Windows: s.Windows[:0], Headers: s.Headers[:0], Body: s.Body[:0]}
}

// Tx is one transaction: a stream, or one frame of stream 0 (Global).
type Tx struct {
	ID       uint64 // tx_id, from 0 in creation order
	StreamID uint32
	Global   bool
	Side     [2]Side
	Events   Events
	// Upgraded: the request came over HTTP/1.1 (h2c upgrade) and became stream 1.
	Upgraded bool
	// Hold keeps a finished transaction from ReleaseDone: the app layer still needs it (an
	// inspection of it waits for a packet). Cleared when the transaction is recycled.
	Hold  bool
	reset bool // RST_STREAM seen
	// arena backs the header names and values of both sides.
	arena []byte
	// hdrBytes counts the stored header bytes per side, for MaxHeaderBytes.
	hdrBytes [2]int
}

// Done reports whether the transaction is over: a global one at once, a stream when both sides
// ended it or it was reset.
func (t *Tx) Done() bool {
	return t.Global || t.reset || t.Side[0].EndStream && t.Side[1].EndStream
}

func (t *Tx) clear() {
	t.Side[0].reset()
	t.Side[1].reset()
	*t = Tx{Side: t.Side, arena: t.arena[:0]}
}

// half is one direction's framing state.
type half struct {
	toServer bool
	// magic counts the preface bytes still to check (to the server only).
	magic int
	// hdr collects a frame header that arrived in pieces.
	hdr  [frameHeaderLen]byte
	nhdr int
	// The frame being read: its header, the payload bytes left, what of its fixed prefix
	// was read, the padding at its end and the buffered payload of a control frame.
	fh      frameHeader
	inFrame bool
	left    int
	prefix  [6]byte
	npre    int
	wantPre int
	pad     int
	ctl     []byte
	tx      *Tx
	// A header block in progress (HEADERS or PUSH_PROMISE without END_HEADERS): the
	// transaction its fields go to; CONTINUATION frames extend it.
	block    *Tx
	inBlock  bool
	blockErr bool
	// atStart: no byte of the block was decoded yet (where table size updates sit).
	atStart bool
	dec     *hpack.Decoder
	// dead: the framing was lost (a gap); the direction is no longer parsed.
	dead bool
}

// Parser is one flow's HTTP/2 state.
type Parser struct {
	cfg    Config
	half   [2]half
	txs    []*Tx // live, in ID order
	pool   []*Tx
	nextID uint64
	// Events raised when no transaction was there to carry them (before the first frame).
	Events Events
	// cur is the transaction and side HPACK's emit adds fields to.
	cur     *Tx
	curSide int
}

// NewParser returns a parser with cfg (zero fields take the defaults).
func NewParser(cfg Config) *Parser {
	cfg.fill()
	p := &Parser{cfg: cfg}
	for d := range p.half {
		h := &p.half[d]
		side := d
		h.dec = hpack.NewDecoder(4096, func(f hpack.HeaderField) { p.addField(side, f) })
		h.dec.SetAllowedMaxDynamicTableSize(cfg.MaxTableSize)
		h.dec.SetMaxStringLength(cfg.MaxFieldLen)
	}
	p.Reset()
	return p
}

// Reset readies the parser for a new flow, keeping its buffers.
func (p *Parser) Reset() {
	for d := range p.half {
		h := &p.half[d]
		dec, ctl := h.dec, h.ctl[:0]
		*h = half{toServer: d == 0, dec: dec, ctl: ctl}
		if d == 0 {
			h.magic = len(Preface)
		}
		// A fresh HPACK context: a new decoder is the only way x/net offers to empty the
		// dynamic table, and it is made once per flow, not per frame.
		side := d
		h.dec = hpack.NewDecoder(4096, func(f hpack.HeaderField) { p.addField(side, f) })
		h.dec.SetAllowedMaxDynamicTableSize(p.cfg.MaxTableSize)
		h.dec.SetMaxStringLength(p.cfg.MaxFieldLen)
	}
	for _, t := range p.txs {
		p.pool = append(p.pool, t)
	}
	p.txs = p.txs[:0]
	p.nextID = 0
	p.Events = 0
	p.cur = nil
}

// Txs returns the live transactions in ID order; valid until the next Feed or ReleaseDone.
func (p *Parser) Txs() []*Tx { return p.txs }

// ReleaseDone recycles the finished transactions up to (and including) the ID given, except
// those on Hold: the app layer calls it once it logged and inspected them.
func (p *Parser) ReleaseDone(upTo uint64) {
	p.txs, p.pool = txlist.Release(p.txs, p.pool, func(t *Tx) bool {
		return t.ID <= upTo && t.Done() && !t.Hold
	})
}

func (p *Parser) newTx(stream uint32) *Tx {
	if len(p.txs) >= p.cfg.MaxStreams {
		p.evict()
	}
	var t *Tx
	if n := len(p.pool); n > 0 {
		t = p.pool[n-1]
		p.pool = p.pool[:n-1]
		t.clear()
	} else {
		t = &Tx{}
	}
	t.ID, t.StreamID, t.Global = p.nextID, stream, stream == 0
	p.nextID++
	p.txs = append(p.txs, t)
	return t
}

// evict drops the oldest finished transaction, else the oldest, to stay under MaxStreams.
func (p *Parser) evict() {
	i := 0
	for j, t := range p.txs {
		if t.Done() {
			i = j
			break
		}
	}
	p.pool = append(p.pool, p.txs[i])
	p.txs = append(p.txs[:i], p.txs[i+1:]...)
	if len(p.txs) > 0 {
		p.txs[len(p.txs)-1].Events.set(EventTooManyStreams)
	}
}

// findTx returns the live transaction of a stream, nil when there is none.
func (p *Parser) findTx(stream uint32) *Tx {
	for i := len(p.txs) - 1; i >= 0; i-- {
		if t := p.txs[i]; !t.Global && t.StreamID == stream {
			return t
		}
	}
	return nil
}

// streamTx returns the transaction of a non-zero stream, creating it; a frame that is not
// allowed after the stream closed raises http2.stream_id_reuse, as in Suricata.
func (p *Parser) streamTx(stream uint32, typ FrameType) *Tx {
	if t := p.findTx(stream); t != nil {
		if t.Done() && typ != FrameRSTStream && typ != FrameWindowUpdate && typ != FramePriority {
			t.Events.set(EventStreamIDReuse)
		}
		return t
	}
	return p.newTx(stream)
}

// event records e on t, or on the parser when no transaction is at hand.
func (p *Parser) event(t *Tx, e Event) {
	if t == nil && len(p.txs) > 0 {
		t = p.txs[len(p.txs)-1]
	}
	if t == nil {
		p.Events.set(e)
		return
	}
	t.Events.set(e)
}

// Feed parses in-order stream data of one direction.
func (p *Parser) Feed(toServer bool, b []byte) {
	h := &p.half[dirIndex(toServer)]
	if h.dead {
		return
	}
	if h.magic > 0 {
		b = p.checkMagic(h, b)
	}
	for len(b) > 0 && !h.dead {
		if !h.inFrame {
			b = p.readHeader(h, b)
			continue
		}
		b = p.readPayload(h, b)
	}
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// checkMagic consumes the client preface. A client that does not send it is reported
// (http2.invalid_client_magic) and its bytes are read as frames, as Suricata does.
func (p *Parser) checkMagic(h *half, b []byte) []byte {
	off := len(Preface) - h.magic
	n := min(len(b), h.magic)
	if string(b[:n]) != Preface[off:off+n] {
		p.event(nil, EventInvalidClientMagic)
		h.magic = 0
		return b
	}
	h.magic -= n
	return b[n:]
}

// readHeader collects a frame header and starts the frame.
func (p *Parser) readHeader(h *half, b []byte) []byte {
	var raw []byte
	if h.nhdr == 0 && len(b) >= frameHeaderLen {
		raw, b = b[:frameHeaderLen], b[frameHeaderLen:]
	} else {
		n := copy(h.hdr[h.nhdr:], b)
		h.nhdr += n
		b = b[n:]
		if h.nhdr < frameHeaderLen {
			return b
		}
		raw = h.hdr[:]
		h.nhdr = 0
	}
	p.startFrame(h, parseFrameHeader(raw))
	return b
}

// startFrame sets up the payload reading of a frame and files it under its transaction.
func (p *Parser) startFrame(h *half, fh frameHeader) {
	h.fh, h.inFrame, h.left = fh, true, int(fh.length)
	h.npre, h.wantPre, h.pad, h.ctl, h.tx = 0, prefixLen(fh), 0, h.ctl[:0], nil
	d := dirIndex(h.toServer)
	if h.inBlock && fh.typ != FrameContinuation {
		// RFC 9113 6.10: nothing may interleave a header block; the block is lost.
		p.endBlock(h, true)
	}
	switch {
	case fh.typ == FrameSettings && fh.length == 0:
		// An acknowledgement carries nothing: Suricata makes no transaction of it.
	case fh.typ == FramePushPromise:
		// Its transaction is the promised stream's, known once the prefix is read.
	case fh.typ == FrameContinuation && h.inBlock:
		h.tx = h.block
	case fh.stream == 0:
		h.tx = p.newTx(0)
	default:
		h.tx = p.streamTx(fh.stream, fh.typ)
	}
	if h.tx != nil {
		h.tx.Side[d].markFrame(fh.typ)
	}
	if fh.length >= maxHandledFrame {
		p.event(h.tx, EventLongFrameData)
	}
	if h.wantPre > int(fh.length) {
		p.event(h.tx, EventInvalidFrameData)
		h.wantPre = 0
		h.pad = int(fh.length) // nothing of it is usable
	}
	if !streamed(fh.typ) || h.wantPre > 0 {
		p.maybeEnd(h)
		return
	}
	p.beginContent(h)
	p.maybeEnd(h)
}

func (s *Side) markFrame(t FrameType) {
	if t >= 31 {
		s.Frames |= 1 << 31
		return
	}
	s.Frames |= 1 << t
}

// readPayload consumes payload bytes of the current frame.
func (p *Parser) readPayload(h *half, b []byte) []byte {
	n := min(len(b), h.left)
	chunk := b[:n]
	b = b[n:]
	for len(chunk) > 0 {
		switch {
		case h.npre < h.wantPre:
			k := copy(h.prefix[h.npre:h.wantPre], chunk)
			h.npre += k
			h.left -= k
			chunk = chunk[k:]
			if h.npre == h.wantPre {
				p.prefixDone(h)
			}
		case !streamed(h.fh.typ):
			if room := controlFrameMax - len(h.ctl); room > 0 {
				h.ctl = append(h.ctl, chunk[:min(room, len(chunk))]...)
			}
			h.left -= len(chunk)
			chunk = nil
		default:
			content := max(h.left-h.pad, 0)
			k := min(len(chunk), content)
			if k > 0 {
				p.content(h, chunk[:k])
			}
			// What follows the content is padding.
			h.left -= len(chunk)
			chunk = nil
		}
	}
	p.maybeEnd(h)
	return b
}

// prefixDone reads the pad length, priority and promised stream id of a streamed frame.
func (p *Parser) prefixDone(h *half) {
	pre := h.prefix[:h.wantPre]
	d := dirIndex(h.toServer)
	if h.fh.flags&FlagPadded != 0 && (h.fh.typ == FrameData || h.fh.typ == FrameHeaders || h.fh.typ == FramePushPromise) {
		h.pad = int(pre[0])
		pre = pre[1:]
	}
	switch h.fh.typ {
	case FrameHeaders:
		if h.fh.flags&FlagPriority != 0 && h.tx != nil {
			h.tx.Side[d].Priorities = append(h.tx.Side[d].Priorities, pre[4])
		}
	case FramePushPromise:
		promised := binary.BigEndian.Uint32(pre) & 0x7fffffff
		// Suricata files a promise under the promised stream: its request comes from the
		// server in this frame, its response later on that stream.
		h.tx = p.streamTx(promised, FramePushPromise)
		h.tx.Side[d].markFrame(FramePushPromise)
	}
	if h.pad > h.left {
		p.event(h.tx, EventInvalidFrameData)
		h.pad = h.left
	}
	p.beginContent(h)
}

// beginContent starts what a streamed frame's content feeds: a header block or a body.
func (p *Parser) beginContent(h *half) {
	switch h.fh.typ {
	case FrameHeaders, FramePushPromise:
		h.block, h.inBlock, h.blockErr, h.atStart = h.tx, true, false, true
	case FrameContinuation:
		if !h.inBlock {
			// A CONTINUATION with no block open: decode it on its own stream, as Suricata does.
			h.block, h.inBlock, h.blockErr, h.atStart = h.tx, true, false, true
		}
	}
}

// content handles a piece of a streamed frame's content.
func (p *Parser) content(h *half, b []byte) {
	d := dirIndex(h.toServer)
	switch h.fh.typ {
	case FrameData:
		if h.tx != nil {
			p.body(h.tx, d, b)
		}
	default:
		p.blockData(h, b)
	}
}

// body stores DATA content up to the direction's body limit.
func (p *Parser) body(t *Tx, d int, b []byte) {
	s := &t.Side[d]
	s.BodyLen += uint64(len(b))
	limit := p.cfg.ResponseBodyLimit
	if d == 0 {
		limit = p.cfg.RequestBodyLimit
	}
	room := limit - len(s.Body)
	if room < len(b) {
		s.BodyTruncated = true
		b = b[:max(room, 0)]
	}
	s.Body = append(s.Body, b...)
}

// maybeEnd finishes the frame once its payload is in.
func (p *Parser) maybeEnd(h *half) {
	if !h.inFrame || h.left > 0 {
		return
	}
	h.inFrame = false
	fh := &h.fh
	d := dirIndex(h.toServer)
	t := h.tx
	if h.npre < h.wantPre {
		p.event(t, EventInvalidFrameData)
	}
	switch fh.typ {
	case FrameData, FrameHeaders:
		if fh.typ == FrameHeaders && fh.flags&FlagEndHeaders != 0 {
			p.endBlock(h, false)
		}
		if fh.flags&FlagEndStream != 0 && t != nil {
			t.Side[d].EndStream = true
		}
	case FramePushPromise, FrameContinuation:
		if fh.flags&FlagEndHeaders != 0 {
			p.endBlock(h, false)
		}
	default:
		if t != nil {
			p.control(h, t, d)
		}
	}
}

// control interprets a buffered frame.
func (p *Parser) control(h *half, t *Tx, d int) {
	b, n := h.ctl, int(h.fh.length)
	s := &t.Side[d]
	switch h.fh.typ {
	case FrameSettings:
		if n%6 != 0 {
			p.event(t, EventInvalidFrameData)
		}
		for ; len(b) >= 6; b = b[6:] {
			st := Setting{ID: binary.BigEndian.Uint16(b), Value: binary.BigEndian.Uint32(b[2:])}
			s.Settings = append(s.Settings, st)
			if st.ID == 1 {
				// The peer's decoder may now use a table this large: the encoder of the
				// other direction may grow its table to it.
				p.half[1-d].dec.SetAllowedMaxDynamicTableSize(min(st.Value, p.cfg.MaxTableSize))
			}
		}
	case FrameRSTStream:
		if n != 4 {
			p.event(t, EventInvalidFrameLength)
			return
		}
		s.ErrorCodes = append(s.ErrorCodes, ErrorCode(binary.BigEndian.Uint32(b)))
		t.reset = true
	case FrameGoAway:
		if n < 8 {
			p.event(t, EventInvalidFrameLength)
			return
		}
		s.ErrorCodes = append(s.ErrorCodes, ErrorCode(binary.BigEndian.Uint32(b[4:])))
	case FramePriority:
		if n != 5 {
			p.event(t, EventInvalidFrameLength)
			return
		}
		s.Priorities = append(s.Priorities, b[4])
	case FrameWindowUpdate:
		if n != 4 {
			p.event(t, EventInvalidFrameLength)
			return
		}
		s.Windows = append(s.Windows, binary.BigEndian.Uint32(b)&0x7fffffff)
	}
}

// Gap tells the parser that n bytes of a direction were lost: its framing cannot be recovered.
func (p *Parser) Gap(toServer bool, n int) {
	if n > 0 {
		p.half[dirIndex(toServer)].dead = true
	}
}
