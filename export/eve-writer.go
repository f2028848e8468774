package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// EVEWriter is the one eve.json output that all workers share. Workers never hand it single
// events: each fills its own EVEBuffer and passes whole buffers of complete lines, so the mutex is
// taken once per buffer (tens of kilobytes), lines from different workers never interleave, and
// the hot path takes no lock at all.
//
// Rotation is by reopening: an external tool (logrotate) renames eve.json and the sensor calls
// Reopen, as Suricata does on SIGHUP. Size- or time-based rotation would slot into Write.
type EVEWriter struct {
	mu   sync.Mutex
	path string   // "" when writing to a caller's io.Writer
	file *os.File // nil when writing to a caller's io.Writer
	out  io.Writer
	bw   *bufio.Writer
	err  error // first write error; sticky so that a full disk is reported, not retried per buffer
}

// eveWriterBufSize is large enough that a busy sensor writes in big chunks, small enough that a
// crash loses little.
const eveWriterBufSize = 256 << 10

// OpenEVEWriter opens (creating or appending to) the EVE file at path.
func OpenEVEWriter(path string) (*EVEWriter, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &EVEWriter{path: path, file: f, out: f, bw: bufio.NewWriterSize(f, eveWriterBufSize)}, nil
}

// NewEVEWriter writes EVE lines to w (a socket, a pipe, a test buffer). Close does not close w.
func NewEVEWriter(w io.Writer) *EVEWriter {
	return &EVEWriter{out: w, bw: bufio.NewWriterSize(w, eveWriterBufSize)}
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("export: open eve output: %w", err)
	}
	return f, nil
}

// Write takes a buffer of complete EVE lines. It is safe for concurrent use.
func (w *EVEWriter) Write(lines []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.bw == nil {
		return 0, errEVEClosed
	}
	n, err := w.bw.Write(lines)
	if err != nil {
		w.err = fmt.Errorf("export: write eve output: %w", err)
		return n, w.err
	}
	return n, nil
}

var errEVEClosed = errors.New("export: eve writer is closed")

// Flush pushes buffered lines to the file (not to stable storage).
func (w *EVEWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *EVEWriter) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if w.bw == nil {
		return nil
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("export: flush eve output: %w", err)
	}
	return w.err
}

// Reopen flushes and reopens the file at the same path, so that a file renamed away by a log
// rotator is let go and a fresh one started. Without a path (NewEVEWriter) it only flushes.
func (w *EVEWriter) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil || w.file == nil {
		return err
	}
	f, err := openAppend(w.path)
	if err != nil {
		return err
	}
	old := w.file
	w.file, w.out = f, f
	w.bw.Reset(f)
	if err := old.Close(); err != nil {
		return fmt.Errorf("export: close rotated eve output: %w", err)
	}
	return nil
}

// Close flushes and closes the file. Writes after Close fail.
func (w *EVEWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.flushLocked()
	w.bw = nil
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
