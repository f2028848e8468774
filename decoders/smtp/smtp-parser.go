package smtp

import (
	"bytes"
	"github.com/nightjar-ids/nightjar/decoders/internal/txlist"
)

// cmd is a command as the reply matching knows it (Suricata's SMTP_COMMAND_*).
type cmd uint8

const (
	cmdOther cmd = iota
	cmdStartTLS
	cmdData
	cmdBdat
	// cmdDataMode is no command: the end of a message, which the server acknowledges with a
	// reply of its own, queued so that the reply is matched to it.
	cmdDataMode
	cmdRset
)

// maxCommandLine is RFC 5321's limit on a command or reply line (512 with CRLF), past which
// Suricata raises max_command_line_len_exceeded or max_reply_line_len_exceeded.
const maxCommandLine = 510

// replyCodes are the reply codes Suricata knows; any other is an invalid reply.
var replyCodes = [...]uint16{211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 450, 451, 452, 455,
	500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555}

// lineSplitter cuts one direction's bytes into lines, keeping a line that arrives in pieces.
type lineSplitter struct {
	buf []byte
	// discard: a line was cut at the line limit; its rest up to LF is dropped.
	discard bool
}

// Parser is one flow's SMTP state: fed the in-order bytes of each direction (Feed), it
// matches replies to commands (pipelining included), makes transactions, and decodes the
// messages of DATA and BDAT with its MIME decoder. One Parser per flow, reused with Reset.
type Parser struct {
	cfg   Config
	lines [2]lineSplitter
	// bdatLines splits the content of BDAT chunks into lines for the MIME decoder.
	bdatLines lineSplitter

	// Command and reply state (Suricata's parser_state flags).
	dataMode       bool // the client sends message data (or TLS after STARTTLS)
	firstReplySeen bool
	multiline      bool
	pipelining     bool // the server announced PIPELINING
	current        cmd  // the last command the client sent
	// pieceCont: the previous DATA line was handed on in a piece without its end.
	pieceCont bool
	pending   []cmd // commands waiting for their reply
	nextReply int   // index in pending of the next reply's command
	// bdatLeft is what is left of the BDAT chunk being read; bdatLast: it is the LAST one.
	bdatLeft uint64
	bdatLast bool

	helo    []byte
	hasHelo bool

	txs    []*Tx
	pool   []*Tx
	cur    *Tx
	nextID uint64

	mime mimeState

	tlsUpgrade bool
	failed     bool
	// Events raised when no transaction was current (Suricata drops those).
	Events Events
}

// NewParser returns a parser with cfg (zero fields take the defaults).
func NewParser(cfg Config) *Parser {
	cfg.fill()
	p := &Parser{cfg: cfg}
	p.mime.init(&p.cfg)
	return p
}

// Reset readies the parser for a new flow, keeping its buffers.
func (p *Parser) Reset() {
	for _, t := range p.txs {
		p.pool = append(p.pool, t)
	}
	*p = Parser{cfg: p.cfg, lines: [2]lineSplitter{{buf: p.lines[0].buf[:0]}, {buf: p.lines[1].buf[:0]}},
		bdatLines: lineSplitter{buf: p.bdatLines.buf[:0]}, pending: p.pending[:0], helo: p.helo[:0],
		txs: p.txs[:0], pool: p.pool, mime: p.mime}
	p.mime.reset()
}

// Txs returns the live transactions in ID order; valid until the next Feed or ReleaseDone.
func (p *Parser) Txs() []*Tx { return p.txs }

// Helo is the HELO or EHLO argument of the session, nil when none was seen. Suricata logs it
// with every transaction.
func (p *Parser) Helo() []byte {
	if !p.hasHelo {
		return nil
	}
	return p.helo
}

// TLSUpgrade reports whether the server accepted STARTTLS: from its reply on the flow is TLS,
// and this parser takes no more data.
func (p *Parser) TLSUpgrade() bool { return p.tlsUpgrade }

// Failed reports whether the parser met input it cannot go on from (Suricata's parser error:
// an invalid reply, a bad BDAT, a stream gap); it takes no more data.
func (p *Parser) Failed() bool { return p.failed }

// ReleaseDone recycles the finished transactions up to (and including) the ID given, except
// those on Hold: the app layer calls it once it logged them. As in Suricata, releasing the
// current transaction leaves none current: the next command starts a new one.
func (p *Parser) ReleaseDone(upTo uint64) {
	p.txs, p.pool = txlist.Release(p.txs, p.pool, func(t *Tx) bool {
		if t.ID > upTo || !t.done || t.Hold {
			return false
		}
		if t == p.cur {
			p.cur = nil
		}
		return true
	})
}

// Finish ends the flow: a file still open is truncated, as Suricata closes open files when a
// flow ends.
func (p *Parser) Finish() {
	p.truncateFiles(false)
}

// Gap tells the parser n bytes of a direction were lost. SMTP does not resume after a gap (as
// in Suricata, which does not accept gaps for it): open files are truncated, and the parser
// stops.
func (p *Parser) Gap(toServer bool, n int) {
	if p.failed || p.tlsUpgrade || n <= 0 {
		return
	}
	p.truncateFiles(toServer)
	p.fail()
}

func (p *Parser) truncateFiles(gap bool) {
	for _, t := range p.txs {
		if f := t.openFile(); f != nil {
			f.State = FileTruncated
			f.Gaps = f.Gaps || gap
		}
	}
}

func (p *Parser) fail() { p.failed = true }

func (p *Parser) event(e Event) {
	if p.cur != nil {
		p.cur.Events.set(e)
		return
	}
	p.Events.set(e)
}

func (p *Parser) newTx() *Tx {
	if len(p.txs) >= p.cfg.MaxTxs {
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
	t.ID = p.nextID
	p.nextID++
	p.txs = append(p.txs, t)
	p.cur = t
	return t
}

// evict drops the oldest finished transaction, else the oldest, to stay under MaxTxs.
func (p *Parser) evict() {
	i := 0
	for j, t := range p.txs {
		if t.done && !t.Hold {
			i = j
			break
		}
	}
	t := p.txs[i]
	if t == p.cur {
		p.cur = nil
	}
	copy(p.txs[i:], p.txs[i+1:])
	p.txs[len(p.txs)-1] = nil
	p.txs = p.txs[:len(p.txs)-1]
	p.pool = append(p.pool, t)
}

// Feed parses the next in-order bytes of a direction.
func (p *Parser) Feed(toServer bool, b []byte) {
	d := 1
	if toServer {
		d = 0
	}
	for len(b) > 0 && !p.failed && !p.tlsUpgrade {
		if toServer && p.bdatLeft > 0 {
			n := uint64(len(b))
			if n > p.bdatLeft {
				n = p.bdatLeft
			}
			p.bdatData(b[:n])
			b = b[n:]
			continue
		}
		// In a message, a line past the limit goes on in pieces; elsewhere it is cut.
		pieces := toServer && p.dataMode && p.current == cmdData
		line, delim, rest, ok := p.lines[d].next(b, p.cfg.MaxLine, pieces)
		b = rest
		if !ok {
			continue
		}
		// A line cut at the limit (delim < 0) is handled as if it ended there.
		cut := delim < 0
		delim = max(delim, 0)
		if toServer {
			p.request(line, delim, cut && !pieces)
		} else {
			p.reply(line[:len(line)-delim], delim, cut)
		}
	}
}

// next takes the next line from b (with what an earlier call kept): line includes its
// delimiter, delim is its length (1 or 2), or -1 for a line cut at max. As Suricata's, a line
// is cut when max bytes came without its LF (the cut line may end in the CR of its CRLF);
// with pieces the rest follows as further lines, otherwise it is discarded up to the LF. ok
// is false when b ended inside a line (kept for the next call) or was discarded.
func (s *lineSplitter) next(b []byte, max int, pieces bool) (line []byte, delim int, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if s.discard {
		if i < 0 {
			return nil, 0, nil, false
		}
		s.discard = false
		return nil, 0, b[i+1:], false
	}
	// n is what of b belongs to the line before its LF.
	n := i
	if i < 0 {
		n = len(b)
	}
	if len(s.buf)+n >= max {
		take := max - len(s.buf)
		if len(s.buf) == 0 {
			line = b[:take]
		} else {
			s.buf = append(s.buf, b[:take]...)
			line = s.buf
			s.buf = s.buf[:0]
		}
		if pieces {
			return line, -1, b[take:], true
		}
		if i >= 0 {
			return line, -1, b[i+1:], true
		}
		s.discard = true
		return line, -1, nil, true
	}
	if i < 0 {
		s.buf = append(s.buf, b...)
		return nil, 0, nil, false
	}
	if len(s.buf) == 0 {
		line = b[:i+1]
	} else {
		s.buf = append(s.buf, b[:i+1]...)
		line = s.buf
		s.buf = s.buf[:0]
	}
	delim = 1
	if len(line) >= 2 && line[len(line)-2] == '\r' {
		delim = 2
	}
	return line, delim, b[i+1:], true
}

// request handles one client line: line includes its delimiter of delim bytes; cut: it was
// cut at the line limit (smtp.truncated_line, raised on the transaction it goes to).
func (p *Parser) request(full []byte, delim int, cut bool) {
	line := full[:len(full)-delim]
	if p.dataMode {
		if p.current == cmdData {
			p.dataLine(full, delim)
		}
		// After an accepted STARTTLS the client speaks TLS: nothing to parse.
		return
	}
	if p.cur == nil || (p.cur.done && !hasPrefixFold(line, "rset")) {
		p.newTx()
	}
	tx := p.cur
	if cut {
		p.event(EventTruncatedLine)
	}
	if !p.firstReplySeen {
		p.event(EventNoServerWelcomeMessage)
	}
	if len(line) > maxCommandLine {
		p.event(EventMaxCommandLineLenExceeded)
	}
	c := cmdOther
	switch {
	case hasPrefixFold(line, "starttls"):
		c = cmdStartTLS
	case hasPrefixFold(line, "data"):
		c = cmdData
		if tx.Email {
			// A second message in the transaction: the end of the first was missed. It is
			// left as it is and the new message gets a transaction of its own.
			p.event(EventUnparsableContent)
			tx = p.newTx()
		}
		p.startMessage(tx)
		// A server that announced PIPELINING lets the client send the message at once.
		if p.pipelining {
			p.dataMode = true
		}
	case hasPrefixFold(line, "bdat"):
		size, last, ok := parseBdat(line)
		if !ok {
			p.fail()
			return
		}
		c = cmdBdat
		if !tx.Email {
			p.startMessage(tx)
		}
		p.bdatLeft, p.bdatLast = size, last
		if size == 0 {
			p.bdatEnd()
		}
	case hasPrefixFold(line, "helo"), hasPrefixFold(line, "ehlo"):
		if p.hasHelo {
			p.event(EventDuplicateFields)
			break
		}
		p.helo = append(p.helo[:0], param(line, 4)...)
		p.hasHelo = true
	case hasPrefixFold(line, "mail from"):
		if tx.hasMailFrom {
			p.event(EventDuplicateFields)
			break
		}
		if s, ok := tx.add(param(line, 9), p.cfg.MaxArena); ok {
			tx.mailFrom, tx.hasMailFrom = s, true
		}
	case hasPrefixFold(line, "rcpt to"):
		if len(tx.rcpt) < p.cfg.MaxRcpt {
			if s, ok := tx.add(param(line, 7), p.cfg.MaxArena); ok {
				tx.rcpt = append(tx.rcpt, s)
			}
		}
	case hasPrefixFold(line, "rset"):
		c = cmdRset
		p.bdatLeft, p.bdatLast = 0, false
	}
	p.current = c
	p.queue(c)
}

// param is a command's argument as Suricata takes it: after the command word (n bytes) and
// one separator, spaces skipped, up to the next space (RFC 1870 parameters such as SIZE= follow
// that space).
func param(line []byte, n int) []byte {
	i := n + 1
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i >= len(line) {
		return nil
	}
	v := line[i:]
	if j := bytes.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return v
}

// parseBdat reads "BDAT size [LAST]".
func parseBdat(line []byte) (size uint64, last bool, ok bool) {
	i := 4
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == 4 || i == len(line) {
		return 0, false, false
	}
	j := i
	for j < len(line) && line[j] >= '0' && line[j] <= '9' && j-i < 19 {
		size = size*10 + uint64(line[j]-'0')
		j++
	}
	if j == i {
		return 0, false, false
	}
	rest := bytes.TrimLeft(line[j:], " ")
	return size, hasPrefixFold(rest, "last"), true
}

// queue adds a command to those waiting for a reply.
func (p *Parser) queue(c cmd) {
	if n := len(p.pending); n > 0 && (p.pending[n-1] == cmdStartTLS || p.pending[n-1] == cmdData) {
		// STARTTLS and DATA must end a pipelined group: the client has to wait for their
		// reply before it goes on.
		p.event(EventInvalidPipelinedSequence)
	}
	if len(p.pending) >= p.cfg.MaxPending {
		return
	}
	p.pending = append(p.pending, c)
}

// reply handles one server line, without its delimiter; cut: it was cut at the line limit.
func (p *Parser) reply(line []byte, delim int, cut bool) {
	if cut {
		p.event(EventTruncatedLine)
	}
	if len(line) == 0 && delim == 1 {
		return // a bare LF
	}
	if len(line) < 3 {
		p.event(EventInvalidReply)
		p.fail()
		return
	}
	// "250-" continues a reply, "250 " (or a bare code) ends it.
	p.multiline = len(line) >= 4 && line[3] == '-'
	code, ok := replyCode(line)
	if !ok {
		p.event(EventInvalidReply)
		p.fail()
		return
	}
	if len(line) > maxCommandLine {
		p.event(EventMaxReplyLineLenExceeded)
	}
	if p.nextReply >= len(p.pending) {
		if !p.firstReplySeen {
			// The greeting may span lines: it is seen once its last line is.
			if !p.multiline {
				p.firstReplySeen = true
			}
			if code != 220 {
				p.event(EventInvalidReply)
			}
		}
		return
	}
	switch p.pending[p.nextReply] {
	case cmdStartTLS:
		if code == 220 {
			p.dataMode = true
			p.tlsUpgrade = true
			if p.cur != nil {
				p.cur.done = true
			}
		} else {
			p.event(EventTLSRejected)
		}
	case cmdData:
		if code == 354 {
			p.dataMode = true
		} else {
			p.event(EventDataCommandRejected)
		}
	case cmdRset:
		if code == 250 && p.cur != nil && !p.multiline {
			p.cur.done = true
		}
	}
	if !p.multiline {
		p.nextReply++
	} else if p.firstReplySeen && code == 250 && len(line) == 14 && equalFold(line[4:], "pipelining") {
		p.pipelining = true
	}
	if p.nextReply >= len(p.pending) {
		p.pending = p.pending[:0]
		p.nextReply = 0
	}
}

func replyCode(line []byte) (uint16, bool) {
	var c uint16
	for _, d := range line[:3] {
		if d < '0' || d > '9' {
			return 0, false
		}
		c = c*10 + uint16(d-'0')
	}
	for _, k := range replyCodes {
		if k == c {
			return c, true
		}
	}
	return 0, false
}

// startMessage begins the MIME decoding of a message in tx.
func (p *Parser) startMessage(tx *Tx) {
	tx.Email = true
	p.pieceCont = false
	p.mime.start()
}

// dataLine handles a line of a DATA message (full includes its delimiter of delim bytes, 0
// for a piece of a longer line).
func (p *Parser) dataLine(full []byte, delim int) {
	tx := p.cur
	cont := p.pieceCont
	p.pieceCont = delim == 0
	if !cont && delim > 0 && len(full)-delim == 1 && full[0] == '.' {
		p.dataMode = false
		p.queue(cmdDataMode)
		p.endMessage(tx)
		return
	}
	// Dot-stuffing (RFC 5321 4.5.2): a line the client began with a dot had one added.
	if !cont && len(full) > delim && full[0] == '.' {
		full = full[1:]
	}
	p.mime.line(tx, full, delim)
}

// endMessage completes the message of tx and the transaction.
func (p *Parser) endMessage(tx *Tx) {
	p.mime.complete(tx)
	tx.done = true
}

// bdatData handles bytes of a BDAT chunk: they are the message's, cut into lines for the
// MIME decoder; the LAST chunk ends the message and the transaction.
func (p *Parser) bdatData(b []byte) {
	p.bdatLeft -= uint64(len(b))
	for len(b) > 0 {
		line, delim, rest, ok := p.bdatLines.next(b, p.cfg.MaxLine, true)
		b = rest
		if ok && p.cur != nil {
			if delim < 0 {
				delim = 0
			}
			p.mime.line(p.cur, line, delim)
		}
	}
	if p.bdatLeft == 0 {
		p.bdatEnd()
	}
}

// bdatEnd ends a BDAT chunk. A chunk that ends inside a line is what Suricata flags as
// bdat_chunk_len_exceeded (it reads chunks by lines); the line goes on in the next chunk.
func (p *Parser) bdatEnd() {
	if len(p.bdatLines.buf) > 0 && !p.bdatLast {
		p.event(EventBdatChunkLenExceeded)
	}
	if !p.bdatLast {
		return
	}
	p.bdatLast = false
	if tx := p.cur; tx != nil {
		if rest := p.bdatLines.buf; len(rest) > 0 {
			p.mime.line(tx, rest, 0)
			p.bdatLines.buf = rest[:0]
		}
		p.endMessage(tx)
	}
}
