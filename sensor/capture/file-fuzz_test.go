package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// maxFuzzSeeds caps how many small sound shared captures seed each target.
const (
	maxFuzzSeeds    = 64
	maxFuzzSeedSize = 4096
)

// addCorpusSeeds seeds f with small shared captures whose index format passes keep. Without
// ../shared the hand-made seeds alone drive the target.
func addCorpusSeeds(f *testing.F, keep func(format string) bool) {
	shared, err := findShared()
	if err != nil {
		f.Logf("seeding from hand-made captures only: %v", err)
		return
	}
	dir := filepath.Join(shared, "pcaps")
	entries, err := readIndex(dir)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		// Damaged captures are the interesting ones: all of them, and a sample of the rest.
		if !keep(e.format) || e.readable() && n >= maxFuzzSeeds {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.path))
		if err != nil || len(raw) > maxFuzzSeedSize {
			continue
		}
		f.Add(raw, uint8(0))
		if e.readable() {
			n++
		}
	}
}

// chunkReader hands out at most n bytes per Read, to drive the buffer's refill paths.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

type fuzzResult struct {
	frames []gotFrame
	end    string
}

// drainForFuzz reads every frame and checks the invariants that hold for any input.
func drainForFuzz(t *testing.T, data []byte, r io.Reader) fuzzResult {
	src, err := OpenReader("fuzz", r)
	if err != nil {
		return fuzzResult{end: err.Error()}
	}
	defer src.Close()
	var res fuzzResult
	var f Frame
	prev := int64(-1)
	for {
		err := src.Next(&f)
		if err != nil {
			var ce *CorruptError
			if err != io.EOF && !errors.As(err, &ce) {
				t.Fatalf("end %v (%T): want io.EOF or *CorruptError", err, err)
			}
			if st := src.(*FileSource).Stats(); st.Bytes > int64(len(data)) || st.Frames != uint64(len(res.frames)) {
				t.Fatalf("stats %+v after %d frames of a %d-byte input", st, len(res.frames), len(data))
			}
			res.end = err.Error()
			return res
		}
		// Every frame consumes at least a 12-byte block or 16-byte record.
		if len(res.frames) > len(data)/12 {
			t.Fatalf("%d frames from %d bytes: not making progress", len(res.frames), len(data))
		}
		if f.Offset <= prev || f.Index != uint64(len(res.frames)+1) || f.WireLen < len(f.Data) ||
			len(f.Data) > maxCapLen || f.Offset+int64(len(f.Data)) > int64(len(data)) ||
			!bytes.Contains(data[f.Offset:], f.Data) {
			t.Fatalf("frame %d inconsistent: offset %d (prev %d) index %d wire %d len %d",
				len(res.frames)+1, f.Offset, prev, f.Index, f.WireLen, len(f.Data))
		}
		prev = f.Offset
		res.frames = append(res.frames, gotFrame{Frame: f, data: append([]byte(nil), f.Data...)})
	}
}

// fuzzCapture reads data whole and in chunks of chunk+1 bytes: the results must agree.
func fuzzCapture(t *testing.T, data []byte, chunk uint8) {
	whole := drainForFuzz(t, data, bytes.NewReader(data))
	parts := drainForFuzz(t, data, &chunkReader{r: bytes.NewReader(data), n: int(chunk) + 1})
	if whole.end != parts.end || len(whole.frames) != len(parts.frames) {
		t.Fatalf("whole read: %d frames, %q; chunked by %d: %d frames, %q",
			len(whole.frames), whole.end, int(chunk)+1, len(parts.frames), parts.end)
	}
	for i := range whole.frames {
		a, b := whole.frames[i], parts.frames[i]
		if !bytes.Equal(a.data, b.data) || a.Time != b.Time || a.WireLen != b.WireLen || a.Offset != b.Offset || a.LinkType != b.LinkType {
			t.Fatalf("frame %d differs between whole and chunked reads", i+1)
		}
	}
}

func FuzzPcap(f *testing.F) {
	for _, magic := range []uint32{pcapMagicMicro, pcapMagicNano, pcapMagicModified} {
		for _, big := range []bool{false, true} {
			p := newPcap(big, magic, 2, 4, 65535, 1)
			p.record(1, 2, frameBytes(60, 0), 60)
			p.record(3, 4, frameBytes(1514, 1), 1514)
			f.Add(p.b, uint8(0))
			f.Add(p.b[:len(p.b)-7], uint8(13))
		}
	}
	old := newPcap(false, pcapMagicMicro, 2, 3, 65535, 113)
	old.swap = true
	old.record(1, 2, frameBytes(30, 0), 300)
	f.Add(old.b, uint8(5))
	addCorpusSeeds(f, func(format string) bool { return format != "pcapng" })
	f.Fuzz(fuzzCapture)
}

func FuzzPcapng(f *testing.F) {
	for _, big := range []bool{false, true} {
		var n ngBuilder
		n.shb(big)
		n.idb(1, 0, optU8(ngOptTSResol, 9))
		n.idb(101, 64, optU8(ngOptTSResol, 0x80|20), optI64(n.o, ngOptTSOffset, 7))
		n.epb(0, 1, frameBytes(60, 0), 60, ngOpt{1, []byte("comment")})
		n.epb(1, 2, frameBytes(40, 1), 40)
		n.spb(frameBytes(64, 2), 100)
		n.pb(1, 3, frameBytes(20, 3), 20)
		n.block(5, make([]byte, 16))
		n.shb(!big)
		n.idb(113, 0)
		n.epb(0, 4, frameBytes(70, 4), 70)
		f.Add(n.b, uint8(0))
		f.Add(n.b[:len(n.b)-5], uint8(3))
	}
	addCorpusSeeds(f, func(format string) bool { return format == "pcapng" })
	f.Fuzz(fuzzCapture)
}
