package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// EVEWriter is the one eve.json output that all workers share. Workers never hand it single
// events: each fills its own EVEBuffer and passes whole buffers of complete lines, so the mutex is
// taken once per buffer (tens of kilobytes), lines from different workers never interleave, and
// the hot path takes no lock at all.
//
// A file rotates two ways. Externally: a tool (logrotate) renames eve.json and the sensor calls
// Reopen, as Suricata does on SIGHUP. Internally, when EVEWriterOptions asks for it: once the file
// has reached RotateBytes or is RotateInterval old, it is renamed to eve.json.<UTC time> and a
// fresh one started. Rotation happens between buffers, so no line is ever split across files (a
// file may pass RotateBytes by up to one buffer).
//
// A writer made by OpenEVESocketWriter sends the lines to a unix socket instead (eve-socket.go).
type EVEWriter struct {
	mu     sync.Mutex
	path   string   // "" when writing to a caller's io.Writer or a socket
	file   *os.File // nil when writing to a caller's io.Writer or a socket
	out    io.Writer
	bw     *bufio.Writer
	sock   *eveSocket // set for unix_stream / unix_dgram outputs; bw is then unused
	closed bool
	err    error // first write error; sticky so that a full disk is reported, not retried per buffer

	opts   EVEWriterOptions
	size   int64     // bytes in the current file, buffered ones included
	opened time.Time // when the current file was started (or, when appending, opened)
}

// EVEWriterOptions configures rotation of an EVE file. The zero value rotates only on Reopen.
type EVEWriterOptions struct {
	// RotateBytes renames the file away once it holds this many bytes; 0: never.
	RotateBytes int64
	// RotateInterval renames the file away once it is this old; 0: never. Checked on Write and on
	// Flush, which the sensor calls every second, so a quiet sensor rotates on time too.
	RotateInterval time.Duration
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// eveWriterBufSize is large enough that a busy sensor writes in big chunks, small enough that a
// crash loses little.
const eveWriterBufSize = 256 << 10

// OpenEVEWriter opens (creating or appending to) the EVE file at path; it rotates only on Reopen.
func OpenEVEWriter(path string) (*EVEWriter, error) {
	return OpenEVEWriterOptions(path, EVEWriterOptions{})
}

// OpenEVEWriterOptions opens (creating or appending to) the EVE file at path, rotating it as o
// says.
func OpenEVEWriterOptions(path string, o EVEWriterOptions) (*EVEWriter, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RotateBytes < 0 || o.RotateInterval < 0 {
		return nil, fmt.Errorf("export: eve output %s: negative rotation limit", path)
	}
	f, size, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &EVEWriter{path: path, file: f, out: f, bw: bufio.NewWriterSize(f, eveWriterBufSize),
		opts: o, size: size, opened: o.Now()}, nil
}

// NewEVEWriter writes EVE lines to w (a pipe, a test buffer). Close does not close w.
func NewEVEWriter(w io.Writer) *EVEWriter {
	return &EVEWriter{out: w, bw: bufio.NewWriterSize(w, eveWriterBufSize)}
}

// openAppend opens path for appending and says how much it already holds.
func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, 0, fmt.Errorf("export: open eve output: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("export: open eve output: %w", err)
	}
	return f, st.Size(), nil
}

// Write takes a buffer of complete EVE lines. It is safe for concurrent use. On a socket output it
// never waits for the socket: lines that cannot be queued are dropped and counted, not reported.
func (w *EVEWriter) Write(lines []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errEVEClosed
	}
	if w.sock != nil {
		w.sock.enqueue(lines)
		return len(lines), nil
	}
	n, err := w.bw.Write(lines)
	w.size += int64(n)
	if err != nil {
		w.err = fmt.Errorf("export: write eve output: %w", err)
		return n, w.err
	}
	return n, w.maybeRotateLocked()
}

var errEVEClosed = errors.New("export: eve writer is closed")

// Flush pushes buffered lines to the file (not to stable storage), and rotates the file if it is
// due by age.
func (w *EVEWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		return err
	}
	return w.maybeRotateLocked()
}

func (w *EVEWriter) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if w.closed || w.sock != nil {
		return nil
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("export: flush eve output: %w", err)
	}
	return w.err
}

// maybeRotateLocked renames the file away when it has reached its size or age limit.
func (w *EVEWriter) maybeRotateLocked() error {
	if w.file == nil || w.closed {
		return nil
	}
	o := &w.opts
	bySize := o.RotateBytes > 0 && w.size >= o.RotateBytes
	byAge := o.RotateInterval > 0 && w.size > 0 && o.Now().Sub(w.opened) >= o.RotateInterval
	if !bySize && !byAge {
		return nil
	}
	return w.rotateLocked()
}

// rotateLocked moves the current file to <path>.<UTC time> (with -1, -2 … when two rotations
// fall in one second) and starts a fresh one. A failure is sticky, like a write error: the sensor
// reports it rather than silently growing one file forever.
func (w *EVEWriter) rotateLocked() error {
	if err := w.flushLocked(); err != nil {
		return err
	}
	now := w.opts.Now()
	base := w.path + "." + now.UTC().Format("20060102T150405Z")
	dst := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = base + "-" + strconv.Itoa(i)
	}
	if err := os.Rename(w.path, dst); err != nil {
		w.err = fmt.Errorf("export: rotate eve output: %w", err)
		return w.err
	}
	if err := w.swapFileLocked(); err != nil {
		w.err = err
		return err
	}
	w.opened = now
	return nil
}

// swapFileLocked opens path afresh and closes the file written so far.
func (w *EVEWriter) swapFileLocked() error {
	f, size, err := openAppend(w.path)
	if err != nil {
		return err
	}
	old := w.file
	w.file, w.out, w.size = f, f, size
	w.bw.Reset(f)
	if err := old.Close(); err != nil {
		return fmt.Errorf("export: close rotated eve output: %w", err)
	}
	return nil
}

// Reopen flushes and reopens the file at the same path, so that a file renamed away by a log
// rotator is let go and a fresh one started. Without a path (NewEVEWriter, sockets) it only
// flushes.
func (w *EVEWriter) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil || w.file == nil || w.closed {
		return err
	}
	if err := w.swapFileLocked(); err != nil {
		return err
	}
	w.opened = w.opts.Now()
	return nil
}

// Close flushes and closes the file (or drains and closes the socket, waiting a bounded time).
// Writes after Close fail.
func (w *EVEWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	err := w.flushLocked()
	w.closed = true
	if w.sock != nil {
		w.sock.close()
	}
	if w.file != nil {
		if cerr := w.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("export: close eve output: %w", cerr)
		}
		w.file = nil
	}
	return err
}

// EVEBuffer is one worker's staging area for EVE lines. It is not safe for concurrent use: each
// worker owns one. Lines are appended in place and handed to the shared writer when the buffer
// passes its limit, so the steady state neither allocates nor locks per event.
type EVEBuffer struct {
	format *EVEFormat
	out    io.Writer
	buf    []byte
	limit  int
	err    error
}

// DefaultEVEBufferLimit is the size at which a worker's buffer is handed to the writer.
const DefaultEVEBufferLimit = 64 << 10

// NewEVEBuffer makes a worker's buffer that formats with format (nil: the default) and hands full
// buffers to out (normally the shared *EVEWriter). limit <= 0 means DefaultEVEBufferLimit.
func NewEVEBuffer(out io.Writer, format *EVEFormat, limit int) *EVEBuffer {
	if format == nil {
		format = defaultEVE
	}
	if limit <= 0 {
		limit = DefaultEVEBufferLimit
	}
	// Room for the limit plus one large line, so that crossing the limit does not regrow.
	return &EVEBuffer{format: format, out: out, buf: make([]byte, 0, limit+8<<10), limit: limit}
}

// Flow appends a flow line.
func (b *EVEBuffer) Flow(r *FlowRecord) {
	b.buf = b.format.AppendFlow(b.buf, r)
	b.maybeFlush()
}

// Alert appends an alert line.
func (b *EVEBuffer) Alert(a *Alert) {
	b.buf = b.format.AppendAlert(b.buf, a)
	b.maybeFlush()
}

// Anomaly appends an anomaly line.
func (b *EVEBuffer) Anomaly(a *Anomaly) {
	b.buf = b.format.AppendAnomaly(b.buf, a)
	b.maybeFlush()
}

// Stats appends a stats line.
func (b *EVEBuffer) Stats(s *Stats) {
	b.buf = b.format.AppendStats(b.buf, s)
	b.maybeFlush()
}

// HTTP appends an http line.
func (b *EVEBuffer) HTTP(e *HTTPEvent) {
	b.buf = b.format.AppendHTTP(b.buf, e)
	b.maybeFlush()
}

// DNS appends a dns line.
func (b *EVEBuffer) DNS(e *DNSEvent) {
	b.buf = b.format.AppendDNS(b.buf, e)
	b.maybeFlush()
}

// DHCP appends a dhcp line.
func (b *EVEBuffer) DHCP(e *DHCPEvent) {
	b.buf = b.format.AppendDHCP(b.buf, e)
	b.maybeFlush()
}

// TLS appends a tls line.
func (b *EVEBuffer) TLS(e *TLSEvent) {
	b.buf = b.format.AppendTLS(b.buf, e)
	b.maybeFlush()
}

// SSH appends an ssh line.
func (b *EVEBuffer) SSH(e *SSHEvent) {
	b.buf = b.format.AppendSSH(b.buf, e)
	b.maybeFlush()
}

// SMTP appends an smtp line.
func (b *EVEBuffer) SMTP(e *SMTPEvent) {
	b.buf = b.format.AppendSMTP(b.buf, e)
	b.maybeFlush()
}

// FTP appends an ftp line.
func (b *EVEBuffer) FTP(e *FTPEvent) {
	b.buf = b.format.AppendFTP(b.buf, e)
	b.maybeFlush()
}

// FTPData appends an ftp_data line.
func (b *EVEBuffer) FTPData(e *FTPDataEvent) {
	b.buf = b.format.AppendFTPData(b.buf, e)
	b.maybeFlush()
}

// FileInfo appends a fileinfo line.
func (b *EVEBuffer) FileInfo(e *FileInfoEvent) {
	b.buf = b.format.AppendFileInfo(b.buf, e)
	b.maybeFlush()
}

// Len is the number of bytes waiting.
func (b *EVEBuffer) Len() int { return len(b.buf) }

func (b *EVEBuffer) maybeFlush() {
	if len(b.buf) >= b.limit {
		_ = b.Flush() // the error stays in b.err and is returned by the owner's next Flush
	}
}

// Flush hands every waiting line to the writer. Workers call it when idle and before exit so that
// a quiet worker's events do not wait for the buffer to fill. It returns the first error seen since
// the previous Flush; lines that failed to write are dropped rather than retried, so that a broken
// output never stalls capture.
func (b *EVEBuffer) Flush() error {
	if len(b.buf) > 0 {
		if _, err := b.out.Write(b.buf); err != nil && b.err == nil {
			b.err = err
		}
		b.buf = b.buf[:0]
	}
	err := b.err
	b.err = nil
	return err
}
