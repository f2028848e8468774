package export

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Spool metadata keys: a spool file carries its batch's BatchMeta in its schema metadata, so the
// file alone is enough to resend it after a restart.
const (
	spoolMetaSensor = "nightjar.spool.sensor"
	spoolMetaStream = "nightjar.spool.stream"
	spoolMetaSeq    = "nightjar.spool.seq"
)

// DefaultSpoolMaxBytes bounds a spool when no size is configured.
const DefaultSpoolMaxBytes = 1 << 30

// DropCount counts what a bound refused.
type DropCount struct {
	Batches uint64
	Rows    uint64
}

// Spool is a bounded on-disk queue of record batches waiting for the Flight endpoint. Each batch
// is one Arrow IPC stream file named "<order>-<event_type>.arrows", written under a hidden
// temporary name and renamed into place, so a crash leaves either a whole file or none; the
// order number (20 digits, zero-padded) makes a directory listing the send order. A spool opened
// on a directory resumes the batches a previous run left there.
//
// When a batch does not fit, the spool evicts batches of lower priority than it, oldest first,
// and otherwise refuses it: flow records are given up before anything else and alerts last (see
// dropRank). Every refused or evicted batch is counted, rows included.
//
// A Spool is not safe for concurrent use: FlightSink serialises access.
type Spool struct {
	dir      string
	maxBytes int64
	entries  []*spoolEntry // by order
	bytes    int64
	rows     int64
	untaken  int
	Dropped  map[string]DropCount // by event type
	// Written counts the batches and rows stored since the spool was opened.
	Written DropCount
}

// spoolEntry is one batch on disk.
type spoolEntry struct {
	ord   uint64
	meta  BatchMeta
	rows  int64
	size  int64
	path  string
	taken bool // loaded by the sender and in flight: never evicted
}

// OpenSpool opens (creating if needed) a spool directory and lists the batches it holds.
// Leftover temporary files are removed; files that cannot be read are renamed to *.bad and
// skipped, so one damaged file does not stop a sensor from starting.
func OpenSpool(dir string, maxBytes int64) (*Spool, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultSpoolMaxBytes
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sp := &Spool{dir: dir, maxBytes: maxBytes, Dropped: map[string]DropCount{}}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp"):
			_ = os.Remove(path)
			continue
		case !strings.HasSuffix(name, IPCFileExt) || !de.Type().IsRegular():
			continue
		}
		e, err := readSpoolEntry(path)
		if err != nil {
			_ = os.Rename(path, path+".bad")
			continue
		}
		sp.entries = append(sp.entries, e)
		sp.untaken++
		sp.bytes += e.size
		sp.rows += e.rows
	}
	sort.Slice(sp.entries, func(i, j int) bool { return sp.entries[i].ord < sp.entries[j].ord })
	return sp, nil
}

// readSpoolEntry reads a spool file's name and schema (not its batch).
func readSpoolEntry(path string) (*spoolEntry, error) {
	base := strings.TrimSuffix(filepath.Base(path), IPCFileExt)
	ordS, et, ok := strings.Cut(base, "-")
	ord, err := strconv.ParseUint(ordS, 10, 64)
	if !ok || err != nil || !ValidEventType(et) {
		return nil, fmt.Errorf("spool: %s: not a spool file name", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r, err := ipc.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", path, err)
	}
	defer r.Release()
	md := r.Schema().Metadata()
	e := &spoolEntry{ord: ord, path: path, size: st.Size()}
	e.meta.EventType = et
	e.meta.Sensor, _ = md.GetValue(spoolMetaSensor)
	e.meta.Stream, _ = md.GetValue(spoolMetaStream)
	seqS, _ := md.GetValue(spoolMetaSeq)
	if e.meta.Seq, err = strconv.ParseUint(seqS, 10, 64); err != nil || e.meta.Sensor == "" || e.meta.Stream == "" {
		return nil, fmt.Errorf("spool: %s: batch metadata missing", path)
	}
	// The row count is in the batch header; reading it also proves the file is whole.
	for r.Next() {
		e.rows += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("spool: %s: %w", path, err)
	}
	return e, nil
}

// Len, Bytes and Rows describe what the spool holds now.
func (sp *Spool) Len() int     { return len(sp.entries) }
func (sp *Spool) Bytes() int64 { return sp.bytes }
func (sp *Spool) Rows() int64  { return sp.rows }

// Dir is the spool's directory.
func (sp *Spool) Dir() string { return sp.dir }

// MaxOrder is the highest order number held; 0 when empty.
func (sp *Spool) MaxOrder() uint64 {
	if len(sp.entries) == 0 {
		return 0
	}
	return sp.entries[len(sp.entries)-1].ord
}

// dropRank orders event types by how readily they are given up: flows first, alerts last,
// anything else between.
func dropRank(eventType string) int {
	switch eventType {
	case "flow":
		return 0
	case "alert":
		return 2
	}
	return 1
}

// Put stores rec under order number ord, evicting lower-priority batches if that makes room.
// It reports false, with the batch counted as dropped, when the batch does not fit. The caller
// keeps ownership of rec.
func (sp *Spool) Put(ord uint64, meta BatchMeta, rec arrow.RecordBatch) (bool, error) {
	rows := rec.NumRows()
	name := fmt.Sprintf("%020d-%s%s", ord, meta.EventType, IPCFileExt)
	path := filepath.Join(sp.dir, name)
	tmp := filepath.Join(sp.dir, "."+name+".tmp")
	size, err := writeSpoolFile(tmp, meta, rec)
	if err != nil {
		_ = os.Remove(tmp)
		return false, err
	}
	if !sp.makeRoom(size, dropRank(meta.EventType)) {
		_ = os.Remove(tmp)
		sp.countDrop(meta.EventType, rows)
		return false, nil
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("spool: %w", err)
	}
	e := &spoolEntry{ord: ord, meta: meta, rows: rows, size: size, path: path}
	// Orders are handed out increasing, except for batches spilled from memory at shutdown,
	// which are older than what is on disk: insert in place.
	i := sort.Search(len(sp.entries), func(i int) bool { return sp.entries[i].ord > ord })
	sp.entries = append(sp.entries, nil)
	copy(sp.entries[i+1:], sp.entries[i:])
	sp.entries[i] = e
	sp.untaken++
	sp.bytes += size
	sp.rows += rows
	sp.Written.Batches++
	sp.Written.Rows += uint64(rows)
	return true, nil
}

// makeRoom evicts untaken batches ranked below rank, oldest first, until size more bytes fit.
// It evicts nothing unless that is enough.
func (sp *Spool) makeRoom(size int64, rank int) bool {
	if sp.bytes+size <= sp.maxBytes {
		return true
	}
	need := sp.bytes + size - sp.maxBytes
	var free int64
	for r := 0; r < rank && free < need; r++ {
		for _, e := range sp.entries {
			if !e.taken && dropRank(e.meta.EventType) == r {
				free += e.size
				if free >= need {
					break
				}
			}
		}
	}
	if free < need {
		return false
	}
	for r := 0; r < rank && need > 0; r++ {
		for i := 0; i < len(sp.entries) && need > 0; {
			e := sp.entries[i]
			if e.taken || dropRank(e.meta.EventType) != r {
				i++
				continue
			}
			sp.removeAt(i)
			need -= e.size
			sp.countDrop(e.meta.EventType, e.rows)
		}
	}
	return true
}

func (sp *Spool) countDrop(eventType string, rows int64) {
	d := sp.Dropped[eventType]
	d.Batches++
	d.Rows += uint64(rows)
	sp.Dropped[eventType] = d
}

func (sp *Spool) removeAt(i int) {
	e := sp.entries[i]
	_ = os.Remove(e.path)
	if !e.taken {
		sp.untaken--
	}
	sp.bytes -= e.size
	sp.rows -= e.rows
	sp.entries = append(sp.entries[:i], sp.entries[i+1:]...)
}

// pending reports whether some batch waits that the sender has not taken.
func (sp *Spool) pending() bool { return sp.untaken > 0 }

// take marks the oldest untaken batch as in flight and returns it; nil when there is none.
func (sp *Spool) take() *spoolEntry {
	for _, e := range sp.entries {
		if !e.taken {
			e.taken = true
			sp.untaken--
			return e
		}
	}
	return nil
}

// untake makes a taken batch evictable and sendable again (its send was abandoned).
func (sp *Spool) untake(e *spoolEntry) {
	if e.taken {
		e.taken = false
		sp.untaken++
	}
}

// remove deletes a batch the collector acknowledged. Removing one already gone is a no-op.
func (sp *Spool) remove(e *spoolEntry) {
	for i, x := range sp.entries {
		if x == e {
			sp.removeAt(i)
			return
		}
	}
}

// load reads a batch back. The caller owns the record.
func (sp *Spool) load(e *spoolEntry) (arrow.RecordBatch, error) {
	f, err := os.Open(e.path)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	defer f.Close()
	r, err := ipc.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", e.path, err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("spool: %s: %w", e.path, err)
		}
		return nil, fmt.Errorf("spool: %s: no batch", e.path)
	}
	rec := r.RecordBatch()
	// Strip the spool's own keys, so the batch goes out with its event type's schema.
	out := array.NewRecordBatch(stripSpoolMeta(rec.Schema()), rec.Columns(), rec.NumRows())
	return out, nil
}

// writeSpoolFile writes rec with meta in its schema metadata, synced, and returns its size.
func writeSpoolFile(path string, meta BatchMeta, rec arrow.RecordBatch) (int64, error) {
	schema := withSpoolMeta(rec.Schema(), meta)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	cw := &countWriter{w: f}
	w := ipc.NewWriter(cw, ipc.WithSchema(schema), ipc.WithLZ4())
	err = w.Write(array.NewRecordBatch(schema, rec.Columns(), rec.NumRows()))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("spool: write %s: %w", path, err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func withSpoolMeta(s *arrow.Schema, m BatchMeta) *arrow.Schema {
	md := s.Metadata()
	keys := append(append([]string(nil), md.Keys()...), spoolMetaSensor, spoolMetaStream, spoolMetaSeq)
	vals := append(append([]string(nil), md.Values()...), m.Sensor, m.Stream, strconv.FormatUint(m.Seq, 10))
	nmd := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(s.Fields(), &nmd)
}

func stripSpoolMeta(s *arrow.Schema) *arrow.Schema {
	md := s.Metadata()
	var keys, vals []string
	for i, k := range md.Keys() {
		if strings.HasPrefix(k, "nightjar.spool.") {
			continue
		}
		keys, vals = append(keys, k), append(vals, md.Values()[i])
	}
	nmd := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(s.Fields(), &nmd)
}
