package smtp

// span locates a string in a transaction's arena.
type span struct{ off, end int32 }

// header is one message header: its name and (unfolded) value in the arena.
type header struct{ name, value span }

// FileState is where an attachment's file stands.
type FileState uint8

// File states, as Suricata's fileinfo writes them.
const (
	FileOpen FileState = iota
	FileClosed
	FileTruncated
)

// File is one attachment: a MIME part that names a filename, its content decoded.
type File struct {
	// Name is the filename (Content-Disposition filename, else Content-Type name, at most
	// 255 bytes as Suricata keeps it).
	Name []byte
	// Data is the decoded content up to Config.FileDataLimit; Size counts all of it.
	Data []byte
	Size uint64
	// State: open while the part goes on, closed at its boundary, truncated when the
	// message or the stream ended inside it.
	State FileState
	// Gaps: the stream lost bytes inside the file.
	Gaps bool
}

// Tx is one transaction as Suricata makes them: the commands from the first after the
// previous transaction ended up to the end of a mail (the end of its DATA, or its LAST BDAT
// chunk), an accepted STARTTLS or an accepted RSET. The HELO is the session's (Parser.Helo).
type Tx struct {
	ID uint64
	// Events raised while the transaction was current.
	Events Events
	// Email: a message (DATA or BDAT) was started in this transaction; its MIME headers,
	// attachments and URLs follow. HeadersDone: the message's own headers ended.
	Email, HeadersDone bool
	// Hold keeps a finished transaction from ReleaseDone: the app layer still needs it.
	// Logged and FilesLogged: the app layer wrote its events, its files' events. All three
	// are the app layer's, cleared on reuse.
	Hold, Logged, FilesLogged bool
	// BodyMD5 is the MD5 of the message body when Config.BodyMD5 asked for it and the
	// message ended (HasBodyMD5).
	BodyMD5    [16]byte
	HasBodyMD5 bool

	done        bool
	hasMailFrom bool
	mailFrom    span
	rcpt        []span
	headers     []header
	attachments []span
	urls        []span
	files       []File
	arena       []byte
	// full: the arena reached its cap; later strings were dropped.
	full bool
	// fileBytes is what the transaction's files store together (TxFileDataLimit).
	fileBytes int
}

// Done reports whether the transaction is over.
func (t *Tx) Done() bool { return t.done }

func (t *Tx) str(s span) []byte { return t.arena[s.off:s.end:s.end] }

// MailFrom is the MAIL FROM argument ("<a@b>"), nil when none was given.
func (t *Tx) MailFrom() []byte {
	if !t.hasMailFrom {
		return nil
	}
	return t.str(t.mailFrom)
}

// NumRcpt is the number of RCPT TO arguments; Rcpt returns the i-th.
func (t *Tx) NumRcpt() int      { return len(t.rcpt) }
func (t *Tx) Rcpt(i int) []byte { return t.str(t.rcpt[i]) }

// NumHeaders is the number of the message's (top-level) headers; HeaderAt returns the i-th.
func (t *Tx) NumHeaders() int { return len(t.headers) }

// HeaderAt returns the name and unfolded value of the i-th header.
func (t *Tx) HeaderAt(i int) (name, value []byte) {
	h := t.headers[i]
	return t.str(h.name), t.str(h.value)
}

// Header returns the value of the first message header named name (lower case), and
// whether there was one.
func (t *Tx) Header(name string) ([]byte, bool) {
	for _, h := range t.headers {
		if equalFold(t.str(h.name), name) {
			return t.str(h.value), true
		}
	}
	return nil, false
}

// NumAttachments is the number of attachment names; Attachment returns the i-th.
func (t *Tx) NumAttachments() int     { return len(t.attachments) }
func (t *Tx) Attachment(i int) []byte { return t.str(t.attachments[i]) }

// NumURLs is the number of URLs extracted; URL returns the i-th in the order found
// (Suricata's EVE lists them last found first).
func (t *Tx) NumURLs() int     { return len(t.urls) }
func (t *Tx) URL(i int) []byte { return t.str(t.urls[i]) }

// Files are the attachments' files in order.
func (t *Tx) Files() []File { return t.files }

// add stores b in the arena; ok is false when the arena is full.
func (t *Tx) add(b []byte, max int) (span, bool) {
	if len(t.arena)+len(b) > max {
		t.full = true
		return span{}, false
	}
	off := int32(len(t.arena))
	t.arena = append(t.arena, b...)
	return span{off, int32(len(t.arena))}, true
}

// extendLast appends b to the string s, which must end the arena (a folded header line).
func (t *Tx) extendLast(s *span, b []byte, max int) {
	if int(s.end) != len(t.arena) || len(t.arena)+len(b) > max {
		return
	}
	t.arena = append(t.arena, b...)
	s.end = int32(len(t.arena))
}

func (t *Tx) clear() {
	files := t.files[:0]
	*t = Tx{rcpt: t.rcpt[:0], headers: t.headers[:0], attachments: t.attachments[:0], urls: t.urls[:0],
		files: files, arena: t.arena[:0]}
}

// newFile starts a file named name, reusing the buffers of a file the slot held before.
func (t *Tx) newFile(name []byte) *File {
	n := len(t.files)
	if n < cap(t.files) {
		t.files = t.files[:n+1]
	} else {
		t.files = append(t.files, File{})
	}
	f := &t.files[n]
	*f = File{Name: append(f.Name[:0], name...), Data: f.Data[:0]}
	return f
}

// openFile is the file being written, nil when none is.
func (t *Tx) openFile() *File {
	if n := len(t.files); n > 0 && t.files[n-1].State == FileOpen {
		return &t.files[n-1]
	}
	return nil
}
