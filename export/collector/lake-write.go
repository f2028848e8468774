package collector

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/nightjar-ids/nightjar/export"
)

// batchKey names a batch for de-duplication.
type batchKey struct {
	EventType, Sensor, Stream string
	Seq                       uint64
}

func keyOf(m export.BatchMeta) batchKey {
	return batchKey{EventType: m.EventType, Sensor: m.Sensor, Stream: m.Stream, Seq: m.Seq}
}

// lake writes batches into the Parquet lake and remembers which batches it holds.
type lake struct {
	root   string
	id     string
	noSync bool
	now    func() time.Time
	props  *parquet.WriterProperties
	aprops pqarrow.ArrowWriterProperties

	mu         sync.Mutex
	committed  map[batchKey]struct{}
	inProgress map[batchKey]chan struct{} // closed when the write ends, either way
	log        *commitLog
}

// row groups up to 256 Ki rows keep compaction's memory bounded.
const maxRowGroupRows = 256 << 10

// writerProps are the Parquet settings: zstd at its fastest level and no dictionary pages.
// Measured on flow batches, arrow-go's dictionary encoder allocates once per string value (93% of
// the collector's allocations) and made files larger, not smaller, than plain pages under zstd,
// which already folds the repeats (addresses, protocol names, states).
func writerProps() *parquet.WriterProperties {
	return parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(maxRowGroupRows),
		parquet.WithAllocator(memory.DefaultAllocator),
	)
}

func openLake(root, id string, noSync bool, now func() time.Time) (*lake, error) {
	if err := os.MkdirAll(filepath.Join(root, metaDir, "commits"), 0o755); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	l := &lake{
		root: root, id: id, noSync: noSync, now: now, props: writerProps(),
		aprops:     pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()),
		committed:  map[batchKey]struct{}{},
		inProgress: map[batchKey]chan struct{}{},
	}
	if err := l.recoverCompactions(); err != nil {
		return nil, err
	}
	if err := loadCommits(filepath.Join(root, metaDir, "commits"), l.committed); err != nil {
		return nil, err
	}
	log, err := openCommitLog(filepath.Join(root, metaDir, "commits", id+".log"), noSync)
	if err != nil {
		return nil, err
	}
	l.log = log
	return l, nil
}

func (l *lake) close() error { return l.log.close() }

// metaDir holds the collectors' own state; it is not a partition, so lake globs skip it.
const metaDir = "_nightjar"

// store writes one batch unless the lake already holds it, and reports whether it did.
// Concurrent deliveries of one batch (a sensor that reconnected while its old stream is still
// being read) wait for each other, so the batch is written once.
func (l *lake) store(meta export.BatchMeta, rec arrow.RecordBatch) (dup bool, files int, bytes int64, err error) {
	k := keyOf(meta)
	for {
		l.mu.Lock()
		if _, ok := l.committed[k]; ok {
			l.mu.Unlock()
			return true, 0, 0, nil
		}
		wait, busy := l.inProgress[k]
		if !busy {
			done := make(chan struct{})
			l.inProgress[k] = done
			l.mu.Unlock()
			defer func() {
				l.mu.Lock()
				delete(l.inProgress, k)
				l.mu.Unlock()
				close(done)
			}()
			break
		}
		l.mu.Unlock()
		<-wait
	}
	files, bytes, err = l.writeBatch(meta, rec)
	if err != nil {
		return false, files, bytes, err
	}
	if err := l.log.append(k); err != nil {
		return false, files, bytes, err
	}
	l.mu.Lock()
	l.committed[k] = struct{}{}
	l.mu.Unlock()
	return false, files, bytes, nil
}

// writeBatch writes rec's rows into one file per hour partition they fall in. The file name is
// the batch's key, so writing the same batch again replaces the same files.
func (l *lake) writeBatch(meta export.BatchMeta, rec arrow.RecordBatch) (files int, bytes int64, err error) {
	parts := splitByHour(rec, l.now())
	name := batchFileName(meta.Stream, meta.Seq)
	for _, p := range parts {
		dir := filepath.Join(l.root, partitionDir(meta.EventType, p.hour, meta.Sensor))
		n, err := l.writeParquet(dir, name, rec.Schema(), p.slices(rec))
		if err != nil {
			return files, bytes, err
		}
		files++
		bytes += n
	}
	return files, bytes, nil
}

// writeParquet writes the records as one Parquet file dir/name, under a temporary name first.
func (l *lake) writeParquet(dir, name string, schema *arrow.Schema, recs []arrow.RecordBatch) (int64, error) {
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("lake: %w", err)
	}
	tmp := filepath.Join(dir, "."+name+"."+l.id+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("lake: %w", err)
	}
	sf := &syncFile{f: f, sync: !l.noSync}
	fw, err := pqarrow.NewFileWriter(schema, sf, l.props, l.aprops)
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return 0, fmt.Errorf("lake: %s: %w", tmp, err)
	}
	for _, r := range recs {
		if err = fw.WriteBuffered(r); err != nil {
			break
		}
	}
	if cerr := fw.Close(); err == nil {
		err = cerr // Close also syncs and closes the file
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return 0, fmt.Errorf("lake: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("lake: %w", err)
	}
	return sf.n, nil
}

// syncFile is the Parquet writer's sink: it counts bytes and syncs before closing, since the
// writer closes its sink itself.
type syncFile struct {
	f    *os.File
	n    int64
	sync bool
}

func (s *syncFile) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

func (s *syncFile) Close() error {
	var err error
	if s.sync {
		err = s.f.Sync()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// hourPart is the rows of a batch that fall in one UTC hour.
type hourPart struct {
	hour int64      // hours since the Unix epoch
	runs [][2]int64 // [offset, length] runs of rows
}

func (p hourPart) slices(rec arrow.RecordBatch) []arrow.RecordBatch {
	out := make([]arrow.RecordBatch, len(p.runs))
	for i, r := range p.runs {
		out[i] = rec.NewSlice(r[0], r[0]+r[1])
	}
	return out
}

// splitByHour groups a batch's rows by the UTC hour of their "timestamp" column, in runs of
// consecutive rows so no row is copied. Rows without a timestamp (no such column, or null) go to
// the hour the batch arrived in.
func splitByHour(rec arrow.RecordBatch, arrived time.Time) []hourPart {
	n := rec.NumRows()
	fallback := arrived.Unix() / 3600
	var col *array.Timestamp
	var perSec int64
	if idx := rec.Schema().FieldIndices("timestamp"); len(idx) > 0 {
		if tt, ok := rec.Schema().Field(idx[0]).Type.(*arrow.TimestampType); ok {
			col, _ = rec.Column(idx[0]).(*array.Timestamp)
			perSec = unitsPerSecond(tt.Unit)
		}
	}
	hourOf := func(i int64) int64 {
		if col == nil || col.IsNull(int(i)) {
			return fallback
		}
		return floorDiv(floorDiv(int64(col.Value(int(i))), perSec), 3600)
	}
	byHour := map[int64]*hourPart{}
	var order []int64
	for i := int64(0); i < n; {
		h := hourOf(i)
		j := i + 1
		for j < n && hourOf(j) == h {
			j++
		}
		p := byHour[h]
		if p == nil {
			p = &hourPart{hour: h}
			byHour[h] = p
			order = append(order, h)
		}
		p.runs = append(p.runs, [2]int64{i, j - i})
		i = j
	}
	sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
	parts := make([]hourPart, len(order))
	for i, h := range order {
		parts[i] = *byHour[h]
	}
	return parts
}

func unitsPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	}
	return 1e9
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// partitionDir is the Hive-style partition of an event type, hour and sensor.
func partitionDir(eventType string, hour int64, sensor string) string {
	t := time.Unix(hour*3600, 0).UTC()
	return filepath.Join("event_type="+eventType, "date="+t.Format("2006-01-02"),
		"hour="+t.Format("15"), "sensor="+escapeName(sensor))
}

// batchFileName is the name of a batch's file in each partition it touches.
func batchFileName(stream string, seq uint64) string {
	return "b-" + escapeName(stream) + "-" + strconv.FormatUint(seq, 10) + ".parquet"
}

// parseBatchFileName inverts batchFileName.
func parseBatchFileName(name string) (stream string, seq uint64, ok bool) {
	base, found := strings.CutSuffix(name, ".parquet")
	if !found || !strings.HasPrefix(base, "b-") {
		return "", 0, false
	}
	base = base[2:]
	i := strings.LastIndexByte(base, '-')
	if i <= 0 {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(base[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	stream, err = unescapeName(base[:i])
	return stream, seq, err == nil
}

// escapeName makes a sensor or stream name safe as a path component the way Hive escapes
// partition values: bytes outside [A-Za-z0-9._-] become %XX. A leading '.' is escaped too, so no
// name is hidden or "..".
func escapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func unescapeName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}
