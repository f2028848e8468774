package capture

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestPcapngFormats(t *testing.T) {
	for _, big := range []bool{false, true} {
		name := map[bool]string{false: "le", true: "be"}[big]
		t.Run(name, func(t *testing.T) {
			var n ngBuilder
			n.shb(big, ngOpt{2, []byte("test hardware")})
			n.idb(1, 0) // default resolution: microseconds
			n.idb(113, 65535, optU8(ngOptTSResol, 9), ngOpt{2, []byte("eth1")})
			n.idb(101, 0, optU8(ngOptTSResol, 0x80|20), optI64(n.o, ngOptTSOffset, 100))
			n.idb(228, 0, optU8(ngOptTSResol, 3))
			n.idb(229, 0, optU8(ngOptTSResol, 12))
			n.block(4, []byte{0, 0, 0, 0}) // name resolution block: skipped
			d := [][]byte{frameBytes(60, 1), frameBytes(61, 2), frameBytes(62, 3), frameBytes(63, 4), frameBytes(64, 5), frameBytes(65, 6)}
			var want []wantFrame
			off := n.epb(0, 1700000000_123456, d[0], 60, ngOpt{1, []byte("a comment")})
			want = append(want, wantFrame{data: d[0], wire: 60, time: 1700000000_123456_000, link: 1, offset: off})
			off = n.epb(1, 1700000000_123456789, d[1], 1000)
			want = append(want, wantFrame{data: d[1], wire: 1000, time: 1700000000_123456789, link: 113, offset: off})
			// 2^-20 s units: 3.5 s plus an offset of 100 s.
			off = n.epb(2, 3<<20|1<<19, d[2], 62)
			want = append(want, wantFrame{data: d[2], wire: 62, time: 103_500_000_000, link: 101, offset: off})
			off = n.epb(3, 1700000000_123, d[3], 63)
			want = append(want, wantFrame{data: d[3], wire: 63, time: 1700000000_123_000_000, link: 228, offset: off})
			off = n.epb(4, 12_345_678_901_234_567, d[4], 64) // picoseconds; the sub-ns part is dropped
			want = append(want, wantFrame{data: d[4], wire: 64, time: 12_345_678_901_234, link: 229, offset: off})
			n.block(5, make([]byte, 20))                     // interface statistics: skipped
			n.block(0x40000bad, []byte("custom block body")) // custom: skipped
			off = n.pb(1, 1700000001_000000001, d[5], 65)
			want = append(want, wantFrame{data: d[5], wire: 65, time: 1700000001_000000001, link: 113, offset: off})
			// Simple Packet Block: interface 0, no timestamp (it inherits the last one).
			off = n.spb(d[0], 60)
			want = append(want, wantFrame{data: d[0], wire: 60, time: 1700000001_000000001, link: 1, offset: off})

			// A second section, other byte order, interfaces numbered afresh.
			n.shb(!big)
			n.idb(1, 32, optU8(ngOptTSResol, 0x80)) // whole seconds, snaplen 32
			off = n.epb(0, 42, d[1], 61)
			want = append(want, wantFrame{data: d[1], wire: 61, time: 42e9, link: 1, offset: off})
			off = n.spb(d[2][:32], 62) // SPB stores min(len, snaplen) bytes
			want = append(want, wantFrame{data: d[2][:32], wire: 62, time: 42e9, link: 1, offset: off})

			for _, r := range []io.Reader{bytes.NewReader(n.b), iotest.HalfReader(bytes.NewReader(n.b)), iotest.OneByteReader(bytes.NewReader(n.b))} {
				got, err := readAllFrames(t, r)
				if err != io.EOF {
					t.Fatalf("final error %v, want io.EOF", err)
				}
				checkFrames(t, got, want)
			}
			src, _ := OpenReader("x", bytes.NewReader(n.b))
			var f Frame
			for src.Next(&f) == nil {
			}
			if lt := src.(*FileSource).LinkTypes(); len(lt) != 5 {
				t.Errorf("link types %v, want the 5 distinct ones", lt)
			}
		})
	}
}

func TestTSConv(t *testing.T) {
	for _, tc := range []struct {
		resol  uint8
		offset int64
		ts     uint64
		want   int64
	}{
		{6, 0, 1, 1000},
		{9, 0, 7, 7},
		{0, 0, 5, 5e9},
		{1, -10, 5, 500_000_000 - 10e9},
		{19, 0, 1e19, 1e9},
		{0x80 | 10, 0, 1024 + 512, 1_500_000_000},
		{0x80 | 32, 0, 1<<32 | 1<<30, 1_250_000_000},
		{0x80 | 63, 0, 1 << 62, 500_000_000},
	} {
		c, err := newTSConv(tc.resol, tc.offset)
		if err != nil {
			t.Fatalf("resol %#x: %v", tc.resol, err)
		}
		if got := c.nanos(tc.ts); got != tc.want {
			t.Errorf("resol %#x offset %d ts %d: %d ns, want %d", tc.resol, tc.offset, tc.ts, got, tc.want)
		}
	}
	for _, bad := range []uint8{20, 0x80 | 64} {
		if _, err := newTSConv(bad, 0); err == nil {
			t.Errorf("resol %#x accepted", bad)
		}
	}
}

func TestPcapngDamage(t *testing.T) {
	base := func() *ngBuilder {
		var n ngBuilder
		n.shb(false)
		n.idb(1, 0)
		n.epb(0, 1, frameBytes(40, 0), 40)
		return &n
	}
	for _, tc := range []struct {
		name   string
		damage func(n *ngBuilder) int64 // returns the offset the error must name
		reason string
		atEOF  bool // the damage is the end of the file
	}{
		{"epb-length-too-small-for-data", func(n *ngBuilder) int64 {
			off := n.epb(0, 2, make([]byte, 4), 4)
			n.o.PutUint32(n.b[off+20:], 65536) // captured length beyond the block
			return off
		}, "total block length 36 of enhanced packet block is too small for 65536 bytes", false},
		{"length-not-multiple-of-4", func(n *ngBuilder) int64 {
			off := n.epb(0, 2, make([]byte, 4), 4)
			n.o.PutUint32(n.b[off+4:], 37)
			return off
		}, "not a multiple of 4", false},
		{"length-below-minimum", func(n *ngBuilder) int64 {
			off := n.block(ngEPBType, make([]byte, 8))
			return off
		}, "less than its minimum", false},
		{"unknown-block-length-below-minimum", func(n *ngBuilder) int64 {
			off := int64(len(n.b))
			n.b = n.o.AppendUint32(n.b, 0x99)
			n.b = n.o.AppendUint32(n.b, 8)
			n.b = append(n.b, make([]byte, 8)...)
			return off
		}, "less than its minimum", false},
		{"length-too-large", func(n *ngBuilder) int64 {
			off := n.epb(0, 2, make([]byte, 4), 4)
			n.o.PutUint32(n.b[off+4:], 0xfffffff0)
			return off
		}, "exceeds", false},
		{"trailing-length-mismatch", func(n *ngBuilder) int64 {
			off := n.epb(0, 2, make([]byte, 4), 4)
			n.o.PutUint32(n.b[len(n.b)-4:], 40)
			return off
		}, "trailing length 40 differs from leading length 36", false},
		{"skipped-block-trailing-mismatch", func(n *ngBuilder) int64 {
			off := n.block(0x77, make([]byte, 4))
			n.o.PutUint32(n.b[len(n.b)-4:], 99)
			return off
		}, "trailing length 99", false},
		{"unknown-interface", func(n *ngBuilder) int64 {
			return n.epb(3, 2, make([]byte, 4), 4)
		}, "interface 3", false},
		{"truncated-block", func(n *ngBuilder) int64 {
			off := n.epb(0, 2, make([]byte, 100), 100)
			n.b = n.b[:len(n.b)-10]
			return off
		}, "truncated record: wanted 132 bytes, have 122", true},
		{"truncated-skipped-block", func(n *ngBuilder) int64 {
			off := n.block(0x77, make([]byte, 100))
			n.b = n.b[:len(n.b)-50]
			return off
		}, "truncated record: wanted 112 bytes, have 62", true},
		{"truncated-block-header", func(n *ngBuilder) int64 {
			off := int64(len(n.b))
			n.b = append(n.b, 6, 0, 0)
			return off
		}, "truncated record: wanted 8 bytes, have 3", true},
		{"bad-byte-order-magic", func(n *ngBuilder) int64 {
			off := n.shb(false)
			n.b[off+8] = 0x55
			return off
		}, "byte-order magic", false},
		{"bad-version", func(n *ngBuilder) int64 {
			off := n.shb(true)
			n.o.PutUint16(n.b[off+12:], 2)
			return off
		}, "version 2.0", false},
		{"bad-tsresol", func(n *ngBuilder) int64 {
			return n.idb(1, 0, optU8(ngOptTSResol, 42))
		}, "if_tsresol", false},
		{"snapped-spb-too-short", func(n *ngBuilder) int64 {
			off := n.spb(make([]byte, 8), 8)
			n.o.PutUint32(n.b[off+8:], 100) // original length 100, no snaplen: wants 100 bytes
			return off
		}, "too small for 100 bytes", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := base()
			off := tc.damage(n)
			if !tc.atEOF {
				n.epb(0, 3, frameBytes(40, 1), 40) // after the damage: must never be returned
			}
			got, err := readAllFrames(t, bytes.NewReader(n.b))
			if len(got) != 1 {
				t.Fatalf("got %d frames, want the 1 before the damage (err %v)", len(got), err)
			}
			wantCorrupt(t, err, off, tc.reason)
		})
	}
}

// onlyReader hides Len and other methods, so the source cannot size its buffer from them.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestPcapngLargeBlocks(t *testing.T) {
	var n ngBuilder
	n.shb(false)
	n.idb(1, 0)
	// 20 MiB of a block nobody parses: streamed past, never buffered whole.
	n.block(0x0bad, make([]byte, 20<<20))
	// 3 MiB of options on one packet: the buffer must grow to hold the block.
	var opts []ngOpt
	for range 48 {
		opts = append(opts, ngOpt{1, make([]byte, 65532)})
	}
	d := frameBytes(1000, 5)
	off := n.epb(0, 9, d, 1000, opts...)
	for _, r := range []io.Reader{bytes.NewReader(n.b), onlyReader{bytes.NewReader(n.b)}} {
		src, err := OpenReader("big", r)
		if err != nil {
			t.Fatal(err)
		}
		var f Frame
		if err := src.Next(&f); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Data, d) || f.Offset != off {
			t.Fatalf("frame at %d with %d bytes, want %d and %d", f.Offset, len(f.Data), off, len(d))
		}
		if err := src.Next(&f); err != io.EOF {
			t.Fatalf("end %v", err)
		}
		if got := len(src.(*FileSource).buf); got > 8<<20 {
			t.Fatalf("buffer grew to %d bytes", got)
		}
	}
}
