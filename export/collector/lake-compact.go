package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Compaction merges the small files of a partition into one. Its steps, each durable before the
// next, make it safe to kill at any point:
//
//  1. take the partition's lock file (.compact.lock, O_EXCL) so two collectors do not merge the
//     same files;
//  2. write an intent file (.compact-<id>-<n>.intent) naming the target and its sources;
//  3. write the target under a temporary name and rename it into place;
//  4. delete the sources, then the intent, then the lock.
//
// A collector that starts finds leftover intents: if the target exists it finishes step 4
// (otherwise the rows would be in the lake twice), else it deletes the temporary target and the
// intent (the sources are untouched). Only files whose batches are committed are merged, so a
// half-written batch is never baked into a compacted file.

// compactIntent is what step 2 writes.
type compactIntent struct {
	Target  string   `json:"target"`
	Sources []string `json:"sources"`
}

const (
	lockName     = ".compact.lock"
	staleLockAge = 10 * time.Minute
)

var compactSeq atomic.Uint64

// CompactOptions bounds compaction.
type compactOptions struct {
	minFiles    int   // merge a partition once it has this many small files
	targetBytes int64 // files at least this big are left alone
}

// compact runs one pass over the lake and returns how many files it merged away.
func (l *lake) compact(o compactOptions) (int, error) {
	var dirs []string
	err := filepath.WalkDir(l.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a partition removed under us is not an error
		}
		if d.IsDir() && d.Name() == metaDir {
			return filepath.SkipDir
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "sensor=") {
			dirs = append(dirs, path)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	merged := 0
	var errs []error
	for _, dir := range dirs {
		n, err := l.compactDir(dir, o)
		merged += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return merged, errors.Join(errs...)
}

// compactDir merges one partition's small committed files, if there are enough of them.
func (l *lake) compactDir(dir string, o compactOptions) (int, error) {
	rel, err := filepath.Rel(l.root, dir)
	if err != nil {
		return 0, err
	}
	eventType, sensor, ok := partitionKeys(rel)
	if !ok {
		return 0, nil
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, nil
	}
	var sources []string
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() || !strings.HasSuffix(name, ".parquet") || strings.HasPrefix(name, ".") {
			continue
		}
		if info, err := de.Info(); err != nil || info.Size() >= o.targetBytes {
			continue
		}
		if stream, seq, ok := parseBatchFileName(name); ok {
			l.mu.Lock()
			_, committed := l.committed[batchKey{EventType: eventType, Sensor: sensor, Stream: stream, Seq: seq}]
			l.mu.Unlock()
			if !committed {
				continue
			}
		} else if !strings.HasPrefix(name, "c-") {
			continue
		}
		sources = append(sources, name)
	}
	if len(sources) < o.minFiles {
		return 0, nil
	}
	sort.Strings(sources)
	unlock, ok := lockDir(dir)
	if !ok {
		return 0, nil
	}
	defer unlock()
	return l.merge(dir, sources)
}

// partitionKeys reads event type and sensor from a partition's relative path.
func partitionKeys(rel string) (eventType, sensor string, ok bool) {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "event_type":
			eventType = v
		case "sensor":
			s, err := unescapeName(v)
			if err != nil {
				return "", "", false
			}
			sensor = s
		}
	}
	return eventType, sensor, eventType != "" && sensor != ""
}

// lockDir takes a partition's compaction lock; a lock older than staleLockAge is a dead
// collector's and is broken.
func lockDir(dir string) (unlock func(), ok bool) {
	path := filepath.Join(dir, lockName)
	for try := 0; try < 2; try++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, true
		}
		st, serr := os.Stat(path)
		if serr != nil || time.Since(st.ModTime()) < staleLockAge {
			return nil, false
		}
		os.Remove(path)
	}
	return nil, false
}

// merge writes the sources (all of one schema: the first file's) into one file and removes them.
func (l *lake) merge(dir string, names []string) (int, error) {
	schema, err := parquetSchema(filepath.Join(dir, names[0]))
	if err != nil {
		return 0, err
	}
	var sources []string
	for _, n := range names {
		s, err := parquetSchema(filepath.Join(dir, n))
		if err == nil && s.Equal(schema) {
			sources = append(sources, n)
		}
	}
	if len(sources) < 2 {
		return 0, nil
	}
	seq := compactSeq.Add(1)
	target := fmt.Sprintf("c-%s-%s-%d.parquet", l.id, l.now().UTC().Format("20060102T150405"), seq)
	intentPath := filepath.Join(dir, fmt.Sprintf(".compact-%s-%d.intent", l.id, seq))
	intent, _ := json.Marshal(compactIntent{Target: target, Sources: sources})
	if err := writeFileAtomic(intentPath, intent, !l.noSync); err != nil {
		return 0, err
	}
	var recs []arrow.RecordBatch
	release := func() {
		for _, r := range recs {
			r.Release()
		}
		recs = nil
	}
	// Read and write file by file, so memory holds one source at a time plus a row group.
	tmp := filepath.Join(dir, "."+target+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		os.Remove(intentPath)
		return 0, fmt.Errorf("compact: %w", err)
	}
	fw, err := pqarrow.NewFileWriter(schema, &syncFile{f: f, sync: !l.noSync}, l.props, l.aprops)
	if err == nil {
		for _, n := range sources {
			if recs, err = readParquet(filepath.Join(dir, n)); err != nil {
				break
			}
			for _, r := range recs {
				if err = fw.WriteBuffered(r); err != nil {
					break
				}
			}
			release()
			if err != nil {
				break
			}
		}
		if cerr := fw.Close(); err == nil {
			err = cerr
		}
	} else {
		f.Close()
	}
	release()
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, target))
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(intentPath)
		return 0, fmt.Errorf("compact %s: %w", dir, err)
	}
	for _, n := range sources {
		os.Remove(filepath.Join(dir, n))
	}
	os.Remove(intentPath)
	return len(sources), nil
}

// recoverCompactions finishes or undoes compactions a killed collector left half done.
func (l *lake) recoverCompactions() error {
	return filepath.WalkDir(l.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		name := d.Name()
		dir := filepath.Dir(path)
		switch {
		case strings.HasPrefix(name, ".compact-") && strings.HasSuffix(name, ".intent"):
			raw, err := os.ReadFile(path)
			var in compactIntent
			if err != nil || json.Unmarshal(raw, &in) != nil || in.Target == "" {
				os.Remove(path) // a torn intent: written before anything else, so nothing to undo
				return nil
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.Base(in.Target))); err == nil {
				for _, s := range in.Sources {
					os.Remove(filepath.Join(dir, filepath.Base(s)))
				}
			} else {
				os.Remove(filepath.Join(dir, "."+filepath.Base(in.Target)+".tmp"))
			}
			os.Remove(path)
			os.Remove(filepath.Join(dir, lockName))
		case strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp"):
			// A temporary file of a killed writer; a live one's is younger than this.
			if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > staleLockAge {
				os.Remove(path)
			}
		}
		return nil
	})
}

func writeFileAtomic(path string, data []byte, sync bool) error {
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// parquetSchema reads a Parquet file's Arrow schema.
func parquetSchema(path string) (*arrow.Schema, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	return fr.Schema()
}

// readParquet reads a whole Parquet file (a small one: compaction only reads small files).
func readParquet(path string) ([]arrow.RecordBatch, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	var out []arrow.RecordBatch
	for rr.Next() {
		r := rr.RecordBatch()
		r.Retain()
		out = append(out, r)
	}
	if err := rr.Err(); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}
