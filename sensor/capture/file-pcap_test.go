package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nightjar-ids/nightjar/decoders"
)

// gotFrame is a Frame with its bytes copied out of the source's buffer.
type gotFrame struct {
	Frame
	data []byte
}

// readAllFrames drains a source built over data, returning copied frames and the final error.
func readAllFrames(t *testing.T, r io.Reader) ([]gotFrame, error) {
	t.Helper()
	src, err := OpenReader("test.cap", r)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []gotFrame
	var f Frame
	for {
		err := src.Next(&f)
		if err != nil {
			// Errors are sticky: asking again must give the same answer, not more frames.
			if err2 := src.Next(&f); err2 != err {
				t.Errorf("second Next after %v returned %v", err, err2)
			}
			return out, err
		}
		out = append(out, gotFrame{Frame: f, data: append([]byte(nil), f.Data...)})
	}
}

type wantFrame struct {
	data    []byte
	wire    int
	time    int64
	link    decoders.LinkType
	offset  int64
	comment string
}

func checkFrames(t *testing.T, got []gotFrame, want []wantFrame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !bytes.Equal(g.data, w.data) {
			t.Errorf("frame %d: data %x, want %x", i+1, g.data, w.data)
		}
		if g.WireLen != w.wire || g.Time != w.time || g.LinkType != w.link || g.Offset != w.offset || g.Index != uint64(i+1) {
			t.Errorf("frame %d: wire %d time %d link %d offset %d index %d; want wire %d time %d link %d offset %d index %d",
				i+1, g.WireLen, g.Time, g.LinkType, g.Offset, g.Index, w.wire, w.time, w.link, w.offset, i+1)
		}
	}
}

func wantCorrupt(t *testing.T, err error, offset int64, reason string) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want *CorruptError", err, err)
	}
	if ce.Offset != offset || !strings.Contains(ce.Reason, reason) || ce.File == "" {
		t.Fatalf("corrupt error %q at %d, want reason containing %q at %d", ce.Reason, ce.Offset, reason, offset)
	}
}

func TestPcapFormats(t *testing.T) {
	for _, tc := range []struct {
		name   string
		big    bool
		magic  uint32
		fracNS int64
	}{
		{"usec-le", false, pcapMagicMicro, 1000},
		{"usec-be", true, pcapMagicMicro, 1000},
		{"nsec-le", false, pcapMagicNano, 1},
		{"nsec-be", true, pcapMagicNano, 1},
		{"modified-le", false, pcapMagicModified, 1000},
		{"modified-be", true, pcapMagicModified, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPcap(tc.big, tc.magic, 2, 4, 65535, 113)
			d1, d2, d3 := frameBytes(60, 1), frameBytes(1514, 2), frameBytes(0, 3)
			o1 := p.record(1700000000, 123456, d1, 60)
			o2 := p.record(1700000001, 999999, d2, 9000) // snapped: wire > captured
			o3 := p.record(0, 0, d3, 0)
			// Read one byte at a time too: the buffer logic must not depend on read sizes.
			for _, r := range []io.Reader{bytes.NewReader(p.b), iotest.OneByteReader(bytes.NewReader(p.b))} {
				got, err := readAllFrames(t, r)
				if err != io.EOF {
					t.Fatalf("final error %v, want io.EOF", err)
				}
				checkFrames(t, got, []wantFrame{
					{data: d1, wire: 60, time: 1700000000e9 + 123456*tc.fracNS, link: 113, offset: o1},
					{data: d2, wire: 9000, time: 1700000001e9 + 999999*tc.fracNS, link: 113, offset: o2},
					{data: d3, wire: 0, time: 0, link: 113, offset: o3},
				})
			}
		})
	}
}

func TestPcapLengthOrder(t *testing.T) {
	// Before version 2.3 the original length came first; 2.3 files were written both ways.
	for _, tc := range []struct {
		name         string
		major, minor uint16
		swap         bool
	}{
		{"2.2", 2, 2, true},
		{"2.3-old-order", 2, 3, true},
		{"2.3-new-order", 2, 3, false},
		{"543.0", 543, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPcap(false, pcapMagicMicro, tc.major, tc.minor, 65535, 1)
			p.swap = tc.swap
			d := frameBytes(64, 9)
			off := p.record(5, 6, d, 1500)
			got, err := readAllFrames(t, bytes.NewReader(p.b))
			if err != io.EOF {
				t.Fatalf("final error %v", err)
			}
			checkFrames(t, got, []wantFrame{{data: d, wire: 1500, time: 5e9 + 6000, link: 1, offset: off}})
		})
	}
}

func TestPcapLinkTypeFCSBits(t *testing.T) {
	// The top bits carry FCS information; the LINKTYPE_ value is the low 16 bits.
	p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 0x34000001)
	p.record(1, 2, frameBytes(20, 0), 20)
	got, err := readAllFrames(t, bytes.NewReader(p.b))
	if err != io.EOF || len(got) != 1 || got[0].LinkType != decoders.LinkEthernet {
		t.Fatalf("got %d frames, err %v, link %v", len(got), err, got[0].LinkType)
	}
}

func TestPcapDamage(t *testing.T) {
	good := frameBytes(100, 7)
	t.Run("reserved-link-bits", func(t *testing.T) {
		p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 0x00202020)
		_, err := readAllFrames(t, bytes.NewReader(p.b))
		wantCorrupt(t, err, 20, "reserved")
	})
	t.Run("huge-caplen", func(t *testing.T) {
		p := newPcap(true, pcapMagicMicro, 2, 4, 65535, 1)
		p.record(1, 0, good, 100)
		off := int64(len(p.b))
		p.b = p.o.AppendUint32(p.b, 2)
		p.b = p.o.AppendUint32(p.b, 0)
		p.b = p.o.AppendUint32(p.b, 0xffffffff)
		p.b = p.o.AppendUint32(p.b, 0xffffffff)
		p.b = append(p.b, good...)
		got, err := readAllFrames(t, bytes.NewReader(p.b))
		if len(got) != 1 {
			t.Fatalf("got %d frames before the damage, want 1", len(got))
		}
		wantCorrupt(t, err, off, "4294967295")
	})
	t.Run("truncated-data", func(t *testing.T) {
		p := newPcap(false, pcapMagicNano, 2, 4, 65535, 1)
		p.record(1, 0, good, 100)
		off := p.record(2, 0, good, 100)
		p.b = p.b[:len(p.b)-30]
		got, err := readAllFrames(t, bytes.NewReader(p.b))
		if len(got) != 1 {
			t.Fatalf("got %d frames, want 1", len(got))
		}
		wantCorrupt(t, err, off, "truncated record: wanted 116 bytes, have 86")
	})
	t.Run("truncated-record-header", func(t *testing.T) {
		p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 1)
		p.record(1, 0, good, 100)
		off := int64(len(p.b))
		p.b = append(p.b, 1, 2, 3, 4, 5)
		got, err := readAllFrames(t, bytes.NewReader(p.b))
		if len(got) != 1 {
			t.Fatalf("got %d frames, want 1", len(got))
		}
		wantCorrupt(t, err, off, "truncated record: wanted 16 bytes, have 5")
	})
	t.Run("truncated-file-header", func(t *testing.T) {
		p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 1)
		_, err := readAllFrames(t, bytes.NewReader(p.b[:10]))
		wantCorrupt(t, err, 0, "truncated file header: wanted 24 bytes, have 10")
	})
	t.Run("empty", func(t *testing.T) {
		_, err := readAllFrames(t, bytes.NewReader(nil))
		wantCorrupt(t, err, 0, "have 0")
	})
	t.Run("bad-version", func(t *testing.T) {
		p := newPcap(false, pcapMagicMicro, 1, 0, 65535, 1)
		_, err := readAllFrames(t, bytes.NewReader(p.b))
		wantCorrupt(t, err, 4, "version 1.0")
	})
	t.Run("unknown-magic", func(t *testing.T) {
		_, err := readAllFrames(t, strings.NewReader("GIF89a, certainly not a capture"))
		var ce *CorruptError
		if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), "test.cap") || !strings.Contains(err.Error(), "magic") {
			t.Fatalf("error %v, want a plain error naming the file and the magic", err)
		}
	})
	t.Run("read-error", func(t *testing.T) {
		p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 1)
		p.record(1, 0, good, 100)
		boom := errors.New("disk on fire")
		r := io.MultiReader(bytes.NewReader(p.b), iotest.ErrReader(boom))
		got, err := readAllFrames(t, r)
		if len(got) != 1 || !errors.Is(err, boom) {
			t.Fatalf("got %d frames, err %v; want 1 frame and the read error", len(got), err)
		}
	})
}

func TestOpenFile(t *testing.T) {
	p := newPcap(false, pcapMagicMicro, 2, 4, 65535, 1)
	p.record(1, 0, frameBytes(60, 0), 60)
	p.record(2, 0, frameBytes(70, 0), 70)
	path := filepath.Join(t.TempDir(), "two.pcap")
	if err := os.WriteFile(path, p.b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fs := src.(*FileSource)
	var f Frame
	for src.Next(&f) == nil {
	}
	if st := fs.Stats(); st.Frames != 2 || st.Bytes != int64(len(p.b)) {
		t.Errorf("stats %+v, want 2 frames and %d bytes", st, len(p.b))
	}
	if lt := fs.LinkTypes(); len(lt) != 1 || lt[0] != decoders.LinkEthernet || fs.Format() != "pcap" {
		t.Errorf("link types %v format %q", lt, fs.Format())
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Next(&f); err == nil {
		t.Fatal("Next after Close succeeded")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.pcap")); err == nil || !strings.Contains(err.Error(), "missing.pcap") {
		t.Fatalf("Open of a missing file: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.bin")
	os.WriteFile(junk, []byte("not a capture file at all"), 0o644)
	if _, err := Open(junk); err == nil || !strings.Contains(err.Error(), "junk.bin") {
		t.Fatalf("Open of junk: %v", err)
	}
}
