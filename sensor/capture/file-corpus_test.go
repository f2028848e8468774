package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusEntry is one row of ../shared/pcaps/index.tsv.
type corpusEntry struct {
	path     string // relative to the pcaps folder
	format   string // pcap, nsecpcap, pcapng, rh6_1pcap, nokiapcap (as capinfos names them)
	packets  int    // -1 when the index leaves it empty
	validity string
}

func loadCorpus(tb testing.TB) (dir string, entries []corpusEntry) {
	tb.Helper()
	dir = filepath.Join(sharedDir(tb), "pcaps")
	entries, err := readIndex(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, entries
}

// readIndex parses index.tsv in dir, finding columns by their header names.
func readIndex(dir string) ([]corpusEntry, error) {
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	col := map[string]int{}
	var entries []corpusEntry
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, name := range fields {
				col[name] = i
			}
			for _, need := range []string{"path", "format", "packets", "validity"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("index.tsv lacks column %q", need)
				}
			}
			continue
		}
		get := func(name string) string {
			if i := col[name]; i < len(fields) {
				return fields[i]
			}
			return ""
		}
		e := corpusEntry{path: get("path"), format: get("format"), validity: get("validity"), packets: -1}
		if n, err := strconv.Atoi(get("packets")); err == nil {
			e.packets = n
		}
		entries = append(entries, e)
	}
	return entries, sc.Err()
}

// readable says whether the index calls the file sound: every record intact. Files whose link
// type capinfos cannot dissect are still sound captures.
func (e corpusEntry) readable() bool {
	return e.validity == "ok" || strings.HasPrefix(e.validity, "valid-")
}

// TestCorpus reads every shared capture to the end: sound files must yield exactly the
// indexed packet count and a clean io.EOF; damaged ones must end in a *CorruptError.
func TestCorpus(t *testing.T) {
	dir, entries := loadCorpus(t)
	if len(entries) == 0 {
		t.Fatal("index.tsv lists no captures")
	}
	var f Frame
	var sound, damaged, exotic int
	for _, e := range entries {
		src, err := Open(filepath.Join(dir, e.path))
		frames := 0
		if err == nil {
			prev := int64(-1)
			for err = src.Next(&f); err == nil; err = src.Next(&f) {
				frames++
				if f.Index != uint64(frames) || f.Offset <= prev || f.WireLen < len(f.Data) || len(f.Data) > maxCapLen {
					t.Errorf("%s: frame %d inconsistent: index %d offset %d (prev %d) wire %d captured %d",
						e.path, frames, f.Index, f.Offset, prev, f.WireLen, len(f.Data))
				}
				prev = f.Offset
			}
			src.Close()
		}
		var ce *CorruptError
		switch {
		case e.readable():
			sound++
			if err != io.EOF || frames != e.packets {
				t.Errorf("%s (%s, %s): %d frames, end %v; want %d frames and io.EOF", e.path, e.format, e.validity, frames, err, e.packets)
			}
		case e.format == "rh6_1pcap" || e.format == "nokiapcap":
			// capinfos picked these layouts by guessing from fuzzed bytes behind the standard
			// magic. libpcap, and so Suricata, reads standard records there, as this reader
			// does, so the counts may differ; the end must still be clean or a *CorruptError.
			exotic++
			if err != io.EOF && !errors.As(err, &ce) {
				t.Errorf("%s (%s): end %v (%T), want io.EOF or *CorruptError", e.path, e.format, err, err)
			}
		default:
			damaged++
			if !errors.As(err, &ce) {
				t.Errorf("%s (%s): end %v (%T), want *CorruptError", e.path, e.validity, err, err)
				continue
			}
			// capinfos guesses an exotic pcap variant for some fuzzed files; where it did
			// not, the frames before the damage must be exactly the ones it counted.
			if e.packets >= 0 && (e.format == "pcap" || e.format == "nsecpcap" || e.format == "pcapng") && frames != e.packets {
				t.Errorf("%s (%s): %d frames before the damage, want %d (%v)", e.path, e.validity, frames, e.packets, err)
			}
		}
	}
	t.Logf("%d sound, %d damaged and %d exotic-variant captures read", sound, damaged, exotic)
}
