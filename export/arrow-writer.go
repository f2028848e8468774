package export

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// IPCFileSinkOptions configures an IPCFileSink.
type IPCFileSinkOptions struct {
	// Dir receives the files (created if missing), e.g. <outdir>/flows.
	Dir string
	// Kind starts every file name ("flow", later "alert").
	Kind string
	// Prefix tells this sink's files from those of other sinks writing to the same Dir: the sensor
	// name and worker number, e.g. "s1-w3". Two live sinks must never share a Kind and Prefix.
	Prefix string
	// Schema of every record written.
	Schema *arrow.Schema
	// MaxBytes finalises a file once it has grown past this size. Default 256 MiB.
	MaxBytes int64
	// MaxAge finalises a file this long after it was opened (checked on Write and Tick), so that a
	// quiet sensor still delivers. Default 5 minutes.
	MaxAge time.Duration
	// Compression of record bodies: "" (none, the default: fastest to write and to read with mmap),
	// "lz4" or "zstd".
	Compression string
	// NoSync skips the fsync of each finished file before it is renamed into view. Syncing costs one
	// flush per file; skipping it risks a complete-looking but empty file after a power loss.
	NoSync bool
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Defaults for IPCFileSinkOptions.
const (
	DefaultIPCMaxBytes = 256 << 20
	DefaultIPCMaxAge   = 5 * time.Minute
)

// IPCFileExt is the extension of finished files: Arrow IPC stream format.
const IPCFileExt = ".arrows"

// IPCFileSink writes record batches into a rolling series of Arrow IPC stream files. A file is
// written as ".<name>.arrows.tmp" and renamed to "<name>.arrows" only once it is complete (end of
// stream marker written, flushed, synced), so a reader that globs *.arrows never sees half a file:
// the ".tmp" suffix hides it from globs on the extension and the leading dot from Hadoop-style
// readers (Spark, Hive) that skip hidden files. Names are <kind>-<prefix>-<UTC time>-<seq>.arrows
// (seq zero-padded to six digits), so that they sort in the order the files were opened.
//
// A sink belongs to one worker (not safe for concurrent use); workers each own one, with distinct
// prefixes, so no lock is shared. A temporary file left by a crash is not removed: it still holds
// every batch written before the crash, readable up to its torn end.
type IPCFileSink struct {
	opts IPCFileSinkOptions
	ipcO []ipc.Option
	seq  uint64

	// The open file, if any.
	file    *os.File
	bw      *bufio.Writer
	cw      countingWriter
	w       *ipc.Writer
	tmpPath string
	path    string
	opened  time.Time

	// Totals since the sink was made, for metrics.
	Files, Rows, Bytes uint64
}

// NewIPCFileSink checks the options and creates Dir; the first file is opened on the first Write.
func NewIPCFileSink(o IPCFileSinkOptions) (*IPCFileSink, error) {
	if o.Schema == nil {
		return nil, errors.New("export: ipc file sink needs a schema")
	}
	if o.Kind == "" || strings.ContainsAny(o.Kind+o.Prefix, `/\`) {
		return nil, fmt.Errorf("export: ipc file sink: bad kind %q or prefix %q", o.Kind, o.Prefix)
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultIPCMaxBytes
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultIPCMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ipcO := []ipc.Option{ipc.WithSchema(o.Schema)}
	switch o.Compression {
	case "":
	case "lz4":
		ipcO = append(ipcO, ipc.WithLZ4())
	case "zstd":
		ipcO = append(ipcO, ipc.WithZstd())
	default:
		return nil, fmt.Errorf("export: ipc file sink: unknown compression %q (want lz4 or zstd)", o.Compression)
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("export: ipc file sink: %w", err)
	}
	return &IPCFileSink{opts: o, ipcO: ipcO}, nil
}

// countingWriter counts what the IPC writer has produced, for size-based rotation.
type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Write appends rec to the current file, opening one if needed, and finalises the file when it
// has reached MaxBytes or MaxAge. The caller keeps ownership of rec.
func (s *IPCFileSink) Write(rec arrow.RecordBatch) error {
	if rec == nil || rec.NumRows() == 0 {
		return nil
	}
	if s.w == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	if err := s.w.Write(rec); err != nil {
		s.abandon()
		return fmt.Errorf("export: write %s: %w", s.tmpPath, err)
	}
	s.Rows += uint64(rec.NumRows())
	if s.cw.n >= s.opts.MaxBytes || s.opts.Now().Sub(s.opened) >= s.opts.MaxAge {
		return s.Rotate()
	}
	return nil
}

// Tick finalises the open file if it is older than MaxAge. Workers call it from their idle loop.
func (s *IPCFileSink) Tick(now time.Time) error {
	if s.w != nil && now.Sub(s.opened) >= s.opts.MaxAge {
		return s.Rotate()
	}
	return nil
}

// Rotate finalises the open file, if any: the next Write starts a new one.
func (s *IPCFileSink) Rotate() error {
	if s.w == nil {
		return nil
	}
	err := s.finish()
	s.file, s.w = nil, nil
	return err
}

// Close finalises the open file. The sink may not be used afterwards.
func (s *IPCFileSink) Close() error { return s.Rotate() }

// Path is the name the open file will have once finished; "" when none is open.
func (s *IPCFileSink) Path() string { return s.path }

func (s *IPCFileSink) open() error {
	now := s.opts.Now()
	stamp := now.UTC().Format("20060102T150405Z")
	for {
		s.seq++
		name := s.opts.Kind + "-"
		if s.opts.Prefix != "" {
			name += s.opts.Prefix + "-"
		}
		// Zero-padded so that names sort in opening order within a run.
		name += stamp + "-" + string(appendPadded(nil, int(s.seq), 6))
		path := filepath.Join(s.opts.Dir, name+IPCFileExt)
		tmp := filepath.Join(s.opts.Dir, "."+name+IPCFileExt+".tmp")
		// A finished file of that name (a restart within the same second) must not be replaced.
		if _, err := os.Lstat(path); err == nil {
			continue
		}
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("export: ipc file sink: %w", err)
		}
		s.file, s.tmpPath, s.path, s.opened = f, tmp, path, now
		break
	}
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(s.file, 1<<20)
	} else {
		s.bw.Reset(s.file)
	}
	s.cw = countingWriter{w: s.bw}
	s.w = ipc.NewWriter(&s.cw, s.ipcO...)
	return nil
}

// finish writes the end-of-stream marker, flushes, syncs, closes and renames into view.
func (s *IPCFileSink) finish() error {
	err := s.w.Close()
	if err == nil {
		err = s.bw.Flush()
	}
	if err == nil && !s.opts.NoSync {
		err = s.file.Sync()
	}
	if cerr := s.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export: finish %s: %w", s.tmpPath, err)
	}
	if err := os.Rename(s.tmpPath, s.path); err != nil {
		return fmt.Errorf("export: publish %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		syncDir(s.opts.Dir) // best effort: the rename itself is already visible to readers
	}
	s.Files++
	s.Bytes += uint64(s.cw.n)
	s.path, s.tmpPath = "", ""
	return nil
}

// abandon closes a file whose write failed; it stays under its temporary name.
func (s *IPCFileSink) abandon() {
	_ = s.file.Close()
	s.file, s.w = nil, nil
	s.path, s.tmpPath = "", ""
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
