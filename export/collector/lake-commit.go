package collector

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// commitLog is a collector's append-only record of the batches it has stored, one line per batch:
// event_type TAB sensor TAB stream TAB seq ';', names escaped as in file names. A line is written,
// and synced, only after the batch's files are in place, so every key in a log names a batch
// wholly in the lake. A torn last line (a crash mid-write) lacks the closing ';' and is ignored when the log is read.
type commitLog struct {
	mu     sync.Mutex
	f      *os.File
	noSync bool
	buf    []byte
}

func openCommitLog(path string, noSync bool) (*commitLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("commit log: %w", err)
	}
	// A log ending mid-line (its writer was killed) gets a newline, so the torn line stays
	// separate from the next one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("commit log: %w", err)
			}
		}
	}
	return &commitLog{f: f, noSync: noSync}, nil
}

func (c *commitLog) append(k batchKey) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf[:0], k.EventType...)
	c.buf = append(c.buf, '\t')
	c.buf = append(c.buf, escapeName(k.Sensor)...)
	c.buf = append(c.buf, '\t')
	c.buf = append(c.buf, escapeName(k.Stream)...)
	c.buf = append(c.buf, '\t')
	c.buf = strconv.AppendUint(c.buf, k.Seq, 10)
	c.buf = append(c.buf, ';', '\n')
	if _, err := c.f.Write(c.buf); err != nil {
		return fmt.Errorf("commit log: %w", err)
	}
	if !c.noSync {
		if err := c.f.Sync(); err != nil {
			return fmt.Errorf("commit log: %w", err)
		}
	}
	return nil
}

func (c *commitLog) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f.Close()
}

// loadCommits reads every collector's commit log in dir into set.
func loadCommits(dir string, set map[batchKey]struct{}) error {
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return err
	}
	for _, p := range logs {
		if err := loadCommitLog(p, set); err != nil {
			return err
		}
	}
	return nil
}

func loadCommitLog(path string, set map[batchKey]struct{}) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("commit log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if k, ok := parseCommitLine(sc.Text()); ok {
			set[k] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("commit log %s: %w", path, err)
	}
	return nil
}

func parseCommitLine(line string) (batchKey, bool) {
	line, whole := strings.CutSuffix(line, ";")
	if !whole {
		return batchKey{}, false
	}
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		return batchKey{}, false
	}
	seq, err := strconv.ParseUint(f[3], 10, 64)
	if err != nil {
		return batchKey{}, false
	}
	sensor, err1 := unescapeName(f[1])
	stream, err2 := unescapeName(f[2])
	if err1 != nil || err2 != nil || sensor == "" || stream == "" {
		return batchKey{}, false
	}
	return batchKey{EventType: f[0], Sensor: sensor, Stream: stream, Seq: seq}, true
}
