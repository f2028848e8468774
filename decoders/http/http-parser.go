package http

import (
	"bytes"
	"io"
)

// state is where one direction of the stream is.
type state uint8

const (
	stStart       state = iota // expecting a request or response line
	stHeaders                  // header lines
	stBodyLength               // Content-Length body
	stChunkLen                 // chunk-size line
	stChunkData                // chunk payload
	stChunkEnd                 // CRLF after a chunk
	stTrailers                 // trailer lines after the last chunk
	stBodyClose                // body runs to the end of the stream
	stReqAfter                 // request done: next line is a new request or unexpected body
	stProbe09                  // request line had no protocol: headers or HTTP/0.9?
	stConnectWait              // CONNECT sent: hold bytes until the response decides
	stTunnel                   // CONNECT accepted or 101: opaque
	stIgnore                   // after HTTP/0.9 or the end of the stream
	stResync                   // framing lost after a gap: hunt for the next start line
	stDead                     // gave up (line past FieldLimit)
)

type coding uint8

const (
	codingGzip coding = iota + 1
	codingDeflate
)

const maxCodings = 4

// half is one direction's parser state.
type half struct {
	toServer  bool
	state     state
	tx        *Tx
	line      []byte // a line split across Feed calls
	hdr       []byte // header line being assembled; folding needs the following line
	hdrOpen   bool
	nHeaders  int
	nRepeats  int
	remaining int64
	codings   [maxCodings]coding
	ncodings  int
	zbuf      []byte // compressed body awaiting decompression
	zbroken   bool   // a gap or overflow broke the compressed stream
	held      []byte // request side: bytes held for the HTTP/0.9 probe or a CONNECT wait

	// Response status and header lines (see takeRespLine): scan is where scanning of the
	// buffered line resumes, lineEnd is the buffered line's end + 1 once found (0 while not),
	// lfcr says the previous line ended with LF CR, carry holds bytes read past a buffered line
	// as lookahead, to be parsed next.
	scan    int
	lineEnd int
	lfcr    bool
	carry   [lookMax + 2]byte
	ncarry  int
	tmp     [lookMax + 2]byte
	junk    bool // response side: in a line after a response that is more of its body
}

// Parser parses one HTTP/1.x connection. It is not safe for concurrent use; a worker owns it
// and reuses it across flows with Reset.
type Parser struct {
	cfg     Config
	req     half
	resp    half
	txs     []*Tx
	pool    []*Tx
	nextID  uint64
	stats   Stats
	br      bytes.Reader
	fl      io.ReadCloser
	scratch [2][]byte
	discard [4096]byte
	// look is what follows the line being parsed (at most lookMax bytes are needed); final is
	// set while Finish parses what is left, when no more bytes can come.
	look    []byte
	lookBuf [lookMax]byte
	final   bool
	// lastResp is the transaction whose response ended last, while nothing else came on the
	// response side and it is not released: lines that are not a status line extend its body.
	lastResp *Tx

	// OnTunnel, when set, receives the bytes of each direction once a CONNECT was accepted or
	// a 101 switched protocols (the client's bytes held while the answer was awaited first):
	// what a tunnel carries is another protocol, which the caller may detect and parse.
	OnTunnel func(toServer bool, b []byte)
}

// NewParser returns a parser with cfg (zero fields take defaults).
func NewParser(cfg Config) *Parser {
	cfg.fill()
	p := &Parser{cfg: cfg}
	p.Reset()
	return p
}

// Reset readies the parser for a new flow, keeping its buffers and counters.
func (p *Parser) Reset() {
	for _, t := range p.txs {
		p.pool = append(p.pool, t)
	}
	p.txs = p.txs[:0]
	p.nextID = 0
	p.lastResp = nil
	for _, h := range []*half{&p.req, &p.resp} {
		*h = half{line: h.line[:0], hdr: h.hdr[:0], zbuf: h.zbuf[:0], held: h.held[:0]}
	}
	p.req.toServer = true
	p.req.state = stStart
	p.resp.state = stStart
}

// Stats returns the counters accumulated since the parser was made.
func (p *Parser) Stats() *Stats { return &p.stats }

// Txs returns the live transactions, oldest first. The slice is valid until the next call
// of any other method.
func (p *Parser) Txs() []*Tx { return p.txs }

// ReleaseDone hands finished transactions at the head of the list back to the pool and
// returns how many it released. Their slices become invalid.
func (p *Parser) ReleaseDone() int {
	n := 0
	for n < len(p.txs) && p.txs[n].Done() && p.txs[n] != p.resp.tx {
		t := p.txs[n]
		if p.req.tx == t {
			if p.req.state != stReqAfter && p.req.state != stIgnore && p.req.state != stTunnel {
				break
			}
			p.req.tx = nil
		}
		if p.lastResp == t {
			p.lastResp = nil
		}
		p.pool = append(p.pool, t)
		n++
	}
	if n > 0 {
		k := copy(p.txs, p.txs[n:])
		clear(p.txs[k:])
		p.txs = p.txs[:k]
	}
	return n
}

func (p *Parser) newTx() *Tx {
	if len(p.txs) >= p.cfg.MaxTx {
		for i, t := range p.txs {
			if t != p.req.tx && t != p.resp.tx {
				if p.lastResp == t {
					p.lastResp = nil
				}
				copy(p.txs[i:], p.txs[i+1:])
				p.txs = p.txs[:len(p.txs)-1]
				p.pool = append(p.pool, t)
				p.stats.TxEvicted++
				break
			}
		}
	}
	var t *Tx
	if n := len(p.pool); n > 0 {
		t = p.pool[n-1]
		p.pool = p.pool[:n-1]
	} else {
		t = new(Tx)
	}
	t.reset()
	t.ID = p.nextID
	p.nextID++
	p.stats.Txs++
	p.txs = append(p.txs, t)
	return t
}

func (p *Parser) event(t *Tx, e Event) {
	if t == nil || t.Events.add(e) {
		p.stats.Events[e]++
	}
}

func (p *Parser) half(toServer bool) *half {
	if toServer {
		return &p.req
	}
	return &p.resp
}

// Feed parses the next in-order bytes of one direction.
func (p *Parser) Feed(toServer bool, data []byte) { p.run(p.half(toServer), data) }

func (p *Parser) run(h *half, data []byte) {
	for len(data) > 0 || h.ncarry > 0 {
		if h.ncarry > 0 {
			p.runCarry(h)
			continue
		}
		switch h.state {
		case stBodyLength, stChunkData:
			n := len(data)
			if int64(n) > h.remaining {
				n = int(h.remaining)
			}
			p.bodyData(h, data[:n])
			data = data[n:]
			h.remaining -= int64(n)
			if h.remaining == 0 {
				if h.state == stBodyLength {
					p.messageEnd(h)
				} else {
					h.state = stChunkEnd
				}
			}
		case stBodyClose:
			p.bodyData(h, data)
			return
		case stTunnel:
			p.stats.TunnelBytes += uint64(len(data))
			p.tunnel(h.toServer, data)
			return
		case stIgnore, stDead:
			p.stats.IgnoredBytes += uint64(len(data))
			return
		case stProbe09:
			data = p.probe09(h, data, false)
		case stConnectWait:
			if len(h.held)+len(data) > p.cfg.ConnectBuffer {
				// The answer is late; a client that keeps talking is almost surely tunnelling.
				p.stats.ConnectOverflow++
				p.stats.TunnelBytes += uint64(len(h.held) + len(data))
				h.state = stTunnel
				p.tunnel(h.toServer, h.held)
				p.tunnel(h.toServer, data)
				h.held = h.held[:0]
				return
			}
			h.held = append(h.held, data...)
			return
		default:
			if h.state == stStart && !h.toServer && h.tx == nil {
				if p.rawAnswerDue() {
					p.beginResponse(h)
					continue
				}
				if h.junk || p.lastResp != nil && statusVerdict(h.line, data) == 0 {
					data = p.extraBody(h, data)
					continue
				}
			}
			if h.state == stChunkLen && bytes.IndexByte(data, '\n') < 0 && !chunkLenPlausible(h.line, data) {
				p.chunkLenInvalid(h, data)
				return
			}
			var line, rest []byte
			var ok bool
			if h.respLines() {
				line, rest, ok = p.takeRespLine(h, data)
			} else {
				line, rest, ok = p.takeLine(h, data)
			}
			data = rest
			if !ok {
				continue
			}
			p.onLine(h, line)
			p.look = nil
			h.clearLine()
		}
	}
}

// runCarry parses the bytes read past a buffered response line, before any newer data.
func (p *Parser) runCarry(h *half) {
	n := copy(h.tmp[:], h.carry[:h.ncarry])
	h.ncarry = 0
	p.run(h, h.tmp[:n])
}

func (h *half) clearLine() {
	h.line = h.line[:0]
	h.scan, h.lineEnd = 0, 0
}

// takeLine returns the next complete line (with its LF) and the bytes after it, buffering a
// partial line. A line longer than FieldLimit makes the direction give up, as libhtp does.
func (p *Parser) takeLine(h *half, data []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return p.bufferLine(h, data)
	}
	if len(h.line)+i+1 > p.cfg.FieldLimit {
		p.fieldTooLong(h)
		return nil, data[i+1:], false
	}
	if len(h.line) == 0 {
		return data[:i+1], data[i+1:], true
	}
	h.line = append(h.line, data[:i+1]...)
	return h.line, data[i+1:], true
}

// bufferLine keeps data as the start of a line that is not complete yet.
func (p *Parser) bufferLine(h *half, data []byte) (line, rest []byte, ok bool) {
	if len(h.line)+len(data) > p.cfg.FieldLimit {
		p.fieldTooLong(h)
		return nil, nil, false
	}
	h.line = append(h.line, data...)
	return nil, nil, false
}

func (p *Parser) fieldTooLong(h *half) {
	if h.state == stResync {
		p.stats.IgnoredBytes += uint64(len(h.line))
		h.clearLine()
		return
	}
	e := EventResponseFieldTooLong
	if h.toServer {
		e = EventRequestFieldTooLong
	}
	t := h.tx
	if h.toServer && (h.state == stStart || h.state == stReqAfter) {
		// libhtp has opened the transaction by the time a request line overflows.
		t = p.newTx()
		h.tx = t
	}
	p.event(t, e)
	p.stats.GaveUp++
	h.clearLine()
	p.abandon(h)
	h.state = stDead
}

// abandon closes the current message of h as far as it got.
func (p *Parser) abandon(h *half) {
	t := h.tx
	if t == nil {
		return
	}
	if inBodyFraming(h.state) {
		h.file().Truncated = true
	}
	if h.toServer {
		if !t.RequestComplete {
			t.RequestComplete = true
			t.RequestBodyCut = t.RequestBodyCut || h.state >= stBodyLength && h.state <= stBodyClose
		}
	} else {
		t.ResponseComplete = true
		h.tx = nil
	}
	h.hdrOpen = false
	h.zbuf = h.zbuf[:0]
}

// chomp strips trailing CR/LF bytes as libhtp's htp_chomp does.
func chomp(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return charClass[c]&classSpace != 0 }

// Character classes, looked up rather than compared: header parsing tests every byte.
const (
	classSpace = 1 << iota // libhtp's htp_is_space: SP HT CR LF FF VT
	classToken             // RFC 2616 token character (libhtp's htp_is_token)
)

var charClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t\r\n\f\v") {
		t[c] |= classSpace
	}
	for c := 33; c < 127; c++ {
		switch c {
		case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		default:
			t[c] |= classToken
		}
	}
	return t
}()

func isLWS(c byte) bool { return c == ' ' || c == '\t' }

func (p *Parser) onLine(h *half, line []byte) {
	switch h.state {
	case stStart:
		if h.toServer && len(chomp(line)) == 0 {
			return // libhtp ignores empty lines before a message
		}
		if h.toServer {
			p.startRequest(h, line)
		} else {
			p.responseLine(h, line)
		}
	case stReqAfter:
		p.afterRequest(h, line)
	case stHeaders, stTrailers:
		p.headerLine(h, line)
	case stChunkLen:
		p.chunkLen(h, line)
	case stChunkEnd:
		h.state = stChunkLen
	case stResync:
		if p.looksLikeStart(h, line) {
			h.state = stStart
			p.stats.Resyncs++
			if !h.toServer && h.tx == nil && p.beginResponse(h) {
				p.bodyData(h, line)
				return
			}
			p.onLine(h, line)
			return
		}
		p.stats.IgnoredBytes += uint64(len(line))
	}
}

// Gap reports n bytes missing from one direction. Inside a body of known length the parser
// skips them and marks the body cut; elsewhere it drops the message in progress and hunts
// for the next start line.
func (p *Parser) Gap(toServer bool, n int) {
	if n <= 0 {
		return
	}
	h := p.half(toServer)
	if !toServer {
		p.lastResp = nil
		h.junk = false
	}
	p.stats.Gaps++
	p.stats.GapBytes += uint64(n)
	if f := h.file(); f != nil && (h.state == stBodyClose || inBodyFraming(h.state)) {
		// Suricata's file takes the hole as missing data and closes the file truncated.
		f.Gaps, f.Truncated = true, true
		switch h.state {
		case stBodyClose:
			f.GapBytes += int64(n)
		case stBodyLength, stChunkData:
			f.GapBytes += min(int64(n), h.remaining)
		}
	}
	switch h.state {
	case stTunnel, stIgnore, stDead, stResync:
		return
	case stBodyClose:
		p.markCut(h)
		return
	case stBodyLength, stChunkData:
		p.markCut(h)
		if int64(n) < h.remaining {
			h.remaining -= int64(n)
			return
		}
		if int64(n) == h.remaining && h.state == stBodyLength {
			h.remaining = 0
			p.messageEnd(h)
			return
		}
	}
	p.abandon(h)
	if h.toServer && h.state == stConnectWait {
		return
	}
	h.clearLine()
	h.ncarry = 0
	h.held = h.held[:0]
	h.state = stResync
}

func (p *Parser) markCut(h *half) {
	if h.tx == nil {
		return
	}
	if h.toServer {
		h.tx.RequestBodyCut = true
	} else {
		h.tx.ResponseBodyCut = true
	}
	h.zbroken = true
}

// Finish reports the end of one direction (FIN/RST or flow end): bodies that run to the end
// of the stream complete, a pending HTTP/0.9 decision is taken, partial messages close.
func (p *Parser) Finish(toServer bool) {
	h := p.half(toServer)
	if !toServer {
		p.finishRespLines(h)
	}
	switch h.state {
	case stBodyClose, stBodyLength, stChunkLen, stChunkData, stChunkEnd, stTrailers:
		if h.state == stChunkLen && len(h.line) > 0 && !chunkLenPlausible(h.line, nil) {
			// Unterminated text where a chunk size was due is body, as libhtp takes it.
			p.chunkLenInvalid(h, nil)
		}
		if h.state == stBodyClose {
			p.bodyData(h, h.line) // what an HTTP/0.9 answer had buffered as a line
		}
		if h.state != stBodyClose {
			p.markCut(h)
		}
		if f := h.file(); f != nil && inBodyFraming(h.state) {
			f.Truncated = true
		}
		if h.state == stTrailers {
			p.flushHeader(h)
		}
		p.messageEnd(h)
	case stProbe09:
		p.probe09(h, nil, true)
	case stStart, stReqAfter:
		if len(h.line) > 0 && h.toServer {
			line := h.line
			p.startRequest(h, line)
			p.event(h.tx, EventRequestLineIncomplete)
			p.abandon(h)
		}
	case stHeaders:
		p.flushHeader(h)
		p.abandon(h)
	}
	h.clearLine()
	h.ncarry = 0
	if h.state != stTunnel {
		h.state = stIgnore
	}
	if !toServer {
		// No response can come any more: let waiting transactions be released.
		for _, t := range p.txs {
			t.ResponseComplete = true
		}
		p.resp.tx = nil
	}
}

// finishRespLines parses what the response side holds of its lines once no more bytes can
// come: the last line ends where the stream does, and nothing follows it.
func (p *Parser) finishRespLines(h *half) {
	p.final = true
	for guard := 0; guard < 64; guard++ {
		if h.ncarry > 0 {
			p.runCarry(h)
			continue
		}
		if len(h.line) == 0 {
			break
		}
		if h.state == stStart && h.tx == nil && p.rawAnswerDue() {
			p.beginResponse(h)
		}
		if !h.respLines() {
			break
		}
		line, _, ok := p.takeRespLine(h, nil)
		if !ok {
			break
		}
		p.onLine(h, line)
		p.look = nil
		h.clearLine()
	}
	p.final = false
}

// looksLikeStart tells whether a line can begin a message after framing was lost.
func (p *Parser) looksLikeStart(h *half, line []byte) bool {
	if !h.toServer {
		return len(line) >= 5 && string(line[:5]) == "HTTP/"
	}
	i := 0
	for i < len(line) && line[i] != ' ' {
		i++
	}
	return i < len(line) && knownMethod(line[:i])
}

// tunnel hands tunnel bytes to OnTunnel.
func (p *Parser) tunnel(toServer bool, b []byte) {
	if p.OnTunnel != nil && len(b) > 0 {
		p.OnTunnel(toServer, b)
	}
}
