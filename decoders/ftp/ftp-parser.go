package ftp

import (
	"bytes"
	"github.com/nightjar-ids/nightjar/decoders/internal/txlist"
)

// DataChannel is a data connection a transfer command announced, to be registered as an
// ftp-data expectation: the connection that goes to Port (on the server for passive mode, on
// the client for active mode) between the control connection's two hosts carries it.
type DataChannel struct {
	Port uint16
	// Active: PORT or EPRT negotiated it (the FTP server opens the data connection).
	Active  bool
	Command Command
	// FileName is the transfer command's argument (empty for LIST, NLST and STOU without
	// one); valid until the next Feed.
	FileName []byte
	// ToClient: the data flows from the data connection's responder to its initiator (a
	// passive download, an active upload), as Suricata's expectation direction says.
	ToClient bool
	// TxID is the transaction of the transfer command.
	TxID uint64
}

// Stats counts what the parser saw and refused, for the app layer's counters.
type Stats struct {
	Lines           [2]uint64 // [0] commands, [1] replies
	TruncatedLines  uint64
	UnknownCommands uint64
	Gaps            uint64
}

type half struct {
	// buf collects a line that arrived in pieces (at most MaxLineLen bytes).
	buf []byte
	// skipping: the rest of a too-long line, or a line cut by a gap, is dropped up to its LF.
	skipping bool
}

// Parser is one flow's FTP control-channel state.
type Parser struct {
	cfg    Config
	half   [2]half
	txs    []*Tx // live, in ID order
	pool   []*Tx
	nextID uint64
	// open counts the live transactions waiting for their final reply.
	open int
	// dead: past MaxTx; the flow is no longer parsed (Suricata 8 stops there too).
	dead bool
	// A multi-line reply in progress: its code and the transaction it goes to.
	multi   bool
	multiCd [3]byte
	multiTx *Tx
	// The data connection the last PORT, EPRT, PASV or EPSV exchange negotiated, waiting
	// for the transfer command that will use it.
	pending       bool
	pendingPort   uint16
	pendingActive bool
	channels      []DataChannel
	names         []byte
	tlsUpgrade    bool
	// Events raised when no transaction was there to carry them.
	Events Events
	Stats  Stats
}

// NewParser returns a parser with cfg (zero fields take the defaults).
func NewParser(cfg Config) *Parser {
	cfg.fill()
	p := &Parser{cfg: cfg}
	p.Reset()
	return p
}

// Reset readies the parser for a new flow, keeping its buffers.
func (p *Parser) Reset() {
	for d := range p.half {
		p.half[d] = half{buf: p.half[d].buf[:0]}
	}
	p.pool = append(p.pool, p.txs...)
	clear(p.txs)
	p.txs = p.txs[:0]
	*p = Parser{cfg: p.cfg, half: p.half, txs: p.txs, pool: p.pool,
		channels: p.channels[:0], names: p.names[:0]}
}

// Txs returns the live transactions in ID order; valid until the next Feed or ReleaseDone.
func (p *Parser) Txs() []*Tx { return p.txs }

// Dead reports whether the parser stopped (too many transactions).
func (p *Parser) Dead() bool { return p.dead }

// TakeDataChannels returns the data connections announced since the last call; valid until
// the next Feed.
func (p *Parser) TakeDataChannels() []DataChannel {
	c := p.channels
	p.channels = p.channels[:0]
	return c
}

// TLSUpgrade reports, once, that the server accepted AUTH TLS (234): what follows on the
// control connection is TLS.
func (p *Parser) TLSUpgrade() bool {
	u := p.tlsUpgrade
	p.tlsUpgrade = false
	return u
}

// ReleaseDone recycles the finished transactions up to (and including) the ID given, except
// those on Hold: the app layer calls it once it logged and inspected them.
func (p *Parser) ReleaseDone(upTo uint64) {
	p.txs, p.pool = txlist.Release(p.txs, p.pool, func(t *Tx) bool {
		return t.ID <= upTo && t.Done && !t.Hold && t != p.multiTx
	})
}

// Feed parses in-order stream data of one direction.
func (p *Parser) Feed(toServer bool, b []byte) {
	if len(p.channels) == 0 {
		p.names = p.names[:0]
	}
	d := dirIndex(toServer)
	h := &p.half[d]
	max := p.cfg.MaxLineLen
	for len(b) > 0 && !p.dead {
		i := bytes.IndexByte(b, '\n')
		if h.skipping {
			if i < 0 {
				return
			}
			h.skipping = false
			b = b[i+1:]
			continue
		}
		if i < 0 {
			// No line end yet: keep the piece, or, once the line reaches MaxLineLen,
			// parse what fits as a truncated line and drop the rest of it.
			room := max - len(h.buf)
			if len(b) < room {
				h.buf = append(h.buf, b...)
				return
			}
			h.buf = append(h.buf, b[:room]...)
			h.skipping = true
			p.line(d, h.buf, true)
			h.buf = h.buf[:0]
			return
		}
		seg := b[:i+1]
		b = b[i+1:]
		prev := len(h.buf)
		// A line whose length with its delimiter reaches MaxLineLen is cut there, as
		// Suricata cuts it.
		truncated := prev+len(seg) >= max
		line := seg
		if prev > 0 {
			h.buf = append(h.buf, seg[:min(len(seg), max-prev)]...)
			line = h.buf
		}
		if truncated {
			line = line[:min(len(line), max)]
		} else {
			line = line[:len(line)-1]
		}
		p.line(d, line, truncated)
		h.buf = h.buf[:0]
	}
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// Gap tells the parser that n bytes of a direction were lost: the line they cut is dropped
// (up to the next line end) and parsing resumes there; a multi-line reply in progress ends.
func (p *Parser) Gap(toServer bool, n int) {
	if n <= 0 {
		return
	}
	d := dirIndex(toServer)
	p.Stats.Gaps++
	p.half[d].buf = p.half[d].buf[:0]
	p.half[d].skipping = true
	if !toServer {
		p.multi, p.multiTx = false, nil
	}
}

func (p *Parser) line(d int, line []byte, truncated bool) {
	line = bytes.TrimRight(line, " \t\r\n\v\f")
	p.Stats.Lines[d]++
	if truncated {
		p.Stats.TruncatedLines++
	}
	if d == 0 {
		p.request(line, truncated)
	} else {
		p.reply(line, truncated)
	}
}

// newTx opens a transaction. MaxTx bounds the open ones, as Suricata's max-tx bounds the
// transactions it has not freed: finished ones the app layer holds for an inspection that waits
// for a packet are gone in Suricata by then (its detection runs before the next parse), so they
// count only against a hard bound of twice MaxTx, which keeps a flood of unsolicited replies
// from growing the list while no packet goes the other way.
func (p *Parser) newTx() *Tx {
	if p.open >= p.cfg.MaxTx || len(p.txs) >= 2*p.cfg.MaxTx {
		p.tooMany()
		return nil
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
	p.open++
	p.txs = append(p.txs, t)
	return t
}

// tooMany raises ftp.too_many_transactions on the oldest open transaction, which is closed so
// it can be logged and released, and stops the flow's parsing: a peer that piles up commands
// without replies gets no more memory.
func (p *Parser) tooMany() {
	p.dead = true
	for _, t := range p.txs {
		if !t.Done {
			p.finish(t)
			t.Events.set(EventTooManyTransactions)
			return
		}
	}
	p.Events.set(EventTooManyTransactions)
}

func (p *Parser) request(line []byte, truncated bool) {
	// Telnet control sequences (IAC IP IAC DM before an ABOR) may precede the verb.
	i := 0
	for i < len(line) && !isAlpha(line[i]) {
		i++
	}
	line = line[i:]
	if len(line) == 0 {
		return
	}
	cmd, argOff := splitCommand(line)
	if cmd == CmdUnknown {
		p.Stats.UnknownCommands++
		return
	}
	t := p.newTx()
	if t == nil {
		return
	}
	t.Command, t.HasRequest = cmd, true
	t.setRequest(line, argOff)
	if truncated {
		t.RequestTruncated = true
		t.Events.set(EventRequestCommandTooLong)
	}
	arg := t.CommandData()
	switch cmd {
	case CmdPORT, CmdEPRT:
		var ep Endpoint
		var ok bool
		if cmd == CmdPORT {
			ep, ok = ParsePort(arg)
		} else {
			ep, ok = ParseEPRT(arg)
		}
		t.Active = true
		if ok {
			t.DynPort, t.Endpoint = ep.Port, ep
		}
	}
	data, needsName := cmd.transfer()
	if !data {
		return
	}
	switch {
	case needsName && len(arg) == 0:
		t.Events.set(EventFileWithoutName)
	case !p.pending:
		t.Events.set(EventFileBeforePort)
	default:
		// Download data flows from the FTP server; the data connection's initiator is the
		// FTP client in passive mode and the FTP server in active mode.
		download := !cmd.upload()
		off := len(p.names)
		p.names = append(p.names, arg...)
		p.channels = append(p.channels, DataChannel{Port: p.pendingPort, Active: p.pendingActive,
			Command: cmd, FileName: p.names[off:len(p.names):len(p.names)],
			ToClient: download != p.pendingActive, TxID: t.ID})
		p.pending = false
	}
}

func (p *Parser) reply(line []byte, truncated bool) {
	if len(line) == 0 {
		return
	}
	var r Reply
	text := line
	digits := len(line) >= 3 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2])
	sep := byte(0)
	if digits && len(line) > 3 {
		sep = line[3]
	}
	if digits && sep == ' ' {
		r.HasCode = true
		copy(r.Code[:], line[:3])
		text = line[4:]
	}
	// RFC 959 multi-line replies: "ddd-" opens one, a line "ddd " with the same code ends
	// it, and everything between belongs to it.
	final := true
	continuing := p.multi
	switch {
	case p.multi:
		if digits && (len(line) == 3 || sep == ' ') && [3]byte(line[:3]) == p.multiCd {
			p.multi = false
		} else {
			final = false
		}
	case digits && sep == '-':
		p.multi, p.multiCd = true, [3]byte(line[:3])
		final = false
	}
	var t *Tx
	if continuing && p.multiTx != nil {
		t = p.multiTx
	} else {
		t = p.oldestOpen()
		if t == nil {
			if t = p.newTx(); t == nil {
				return
			}
		}
	}
	if p.multi {
		p.multiTx = t
	} else {
		p.multiTx = nil
	}
	if truncated {
		r.Truncated = true
		t.ReplyTruncated = true
		t.Events.set(EventResponseCommandTooLong)
	}
	t.addReply(r, text, &p.cfg)
	if !final {
		return
	}
	code := r.Code
	if !r.HasCode && digits {
		code = [3]byte(line[:3])
	}
	p.negotiate(t, code, line)
	// A 1yz reply is preliminary: another reply follows before the next command.
	if code[0] != '1' || !digits {
		p.finish(t)
	}
}

// finish marks t's final reply received.
func (p *Parser) finish(t *Tx) {
	if !t.Done {
		t.Done = true
		p.open--
	}
}

// negotiate follows the data-connection and TLS negotiation a final reply concludes.
func (p *Parser) negotiate(t *Tx, code [3]byte, line []byte) {
	switch t.Command {
	case CmdPORT, CmdEPRT:
		if code[0] == '2' && t.DynPort != 0 {
			p.pending, p.pendingPort, p.pendingActive = true, t.DynPort, true
		}
	case CmdPASV:
		if string(code[:]) == "227" {
			if ep, ok := ParsePASVReply(line); ok {
				t.DynPort, t.Endpoint = ep.Port, ep
				p.pending, p.pendingPort, p.pendingActive = true, ep.Port, false
			}
		}
	case CmdEPSV:
		if string(code[:]) == "229" {
			if port, ok := ParseEPSVReply(line); ok {
				t.DynPort, t.Endpoint = port, Endpoint{Port: port}
				p.pending, p.pendingPort, p.pendingActive = true, port, false
			}
		}
	case CmdAUTHTLS:
		if string(code[:]) == "234" {
			p.tlsUpgrade = true
		}
	}
}

func (p *Parser) oldestOpen() *Tx {
	for _, t := range p.txs {
		if !t.Done {
			return t
		}
	}
	return nil
}

func isAlpha(c byte) bool { u := c &^ 0x20; return 'A' <= u && u <= 'Z' }
