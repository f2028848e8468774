package ftp

// Reply is one reply line of a transaction. Code is set when the line starts with a 3-digit
// code and a space (Suricata 8's completion_code); the text is what follows it, or the whole
// line when it has no code (the inner lines of a multi-line reply, "211-Features:" included).
type Reply struct {
	Code    [3]byte
	HasCode bool
	// Truncated: the line passed MaxLineLen.
	Truncated bool
	off, n    int32
}

// Tx is one transaction: a command and the replies to it, or a reply no command asked for
// (the banner).
type Tx struct {
	ID      uint64 // tx_id, from 0 in creation order
	Command Command
	// HasRequest: a command opened the transaction (false for a reply-only one).
	HasRequest bool
	// RequestTruncated and ReplyTruncated: a line of that side passed MaxLineLen.
	RequestTruncated, ReplyTruncated bool
	// Done: the final (non-1yz) reply came; EVE's reply_received.
	Done bool
	// DynPort is the data-connection port a PORT or EPRT argument, or a 227 or 229 reply,
	// named (0: none); Endpoint is the whole endpoint (its Addr invalid for EPSV).
	DynPort  uint16
	Endpoint Endpoint
	// Active: PORT or EPRT (the server connects); meaningful where HasMode.
	Active bool
	Events Events
	// RepliesDropped counts reply lines past MaxReplyLines or MaxReplyBytes.
	RepliesDropped int
	// Hold keeps a finished transaction from ReleaseDone: the app layer still needs it.
	Hold bool

	replies []Reply
	// arena holds the request line, then the reply texts.
	arena  []byte
	reqLen int
	argOff int
}

// Request is the command line as sent, trailing white space removed.
func (t *Tx) Request() []byte { return t.arena[:t.reqLen] }

// CommandData is the command's argument (Suricata's ftp.command_data).
func (t *Tx) CommandData() []byte { return t.arena[t.argOff:t.reqLen] }

// HasMode reports whether the command negotiates a data connection (PORT, EPRT, PASV, EPSV),
// which is when EVE writes ftp.mode and ftp.mode matches.
func (t *Tx) HasMode() bool {
	switch t.Command {
	case CmdPORT, CmdEPRT, CmdPASV, CmdEPSV:
		return true
	}
	return false
}

// NumReplies is the number of reply lines kept.
func (t *Tx) NumReplies() int { return len(t.replies) }

// Reply returns reply line i and its text (valid until the transaction is recycled).
func (t *Tx) Reply(i int) (Reply, []byte) {
	r := t.replies[i]
	return r, t.arena[r.off : r.off+r.n]
}

// ReplyCode is reply line i's code (meaningful where its HasCode), valid as Reply's text.
func (t *Tx) ReplyCode(i int) []byte { return t.replies[i].Code[:] }

func (t *Tx) clear() {
	*t = Tx{replies: t.replies[:0], arena: t.arena[:0]}
}

func (t *Tx) setRequest(line []byte, argOff int) {
	t.arena = append(t.arena[:0], line...)
	t.reqLen, t.argOff = len(line), argOff
}

// addReply keeps a reply line within the transaction's bounds.
func (t *Tx) addReply(r Reply, text []byte, cfg *Config) {
	if len(t.replies) >= cfg.MaxReplyLines || len(t.arena)-t.reqLen+len(text) > cfg.MaxReplyBytes {
		t.RepliesDropped++
		return
	}
	r.off, r.n = int32(len(t.arena)), int32(len(text))
	t.arena = append(t.arena, text...)
	t.replies = append(t.replies, r)
}
