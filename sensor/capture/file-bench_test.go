package capture

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchFileSize is the size of the generated capture: big enough that the per-open cost
// (one 1 MiB buffer) vanishes and the file still sits in the page cache.
const benchFileSize = 64 << 20

// imixSizes is the classic simple IMIX (7:4:1 of 64, 576 and 1500-byte IP packets) as
// Ethernet frames, so record headers weigh in as they do on real traffic.
var imixSizes = []int{78, 78, 78, 78, 78, 78, 78, 590, 590, 590, 590, 1514}

// imixFrame returns a frame of size n shaped like Ethernet/IPv4/TCP, payload filler after.
func imixFrame(n int, seq int) []byte {
	b := frameBytes(n, byte(seq))
	copy(b, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0})
	return b
}

// writeBenchFile writes a capture of about benchFileSize bytes using emit for each record and
// returns its path, size and frame count.
func writeBenchFile(b *testing.B, name string, header []byte, record func(seq int, data []byte) []byte) (string, int64, int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(header)
	size, frames := int64(len(header)), 0
	frameset := make([][]byte, len(imixSizes))
	for i, n := range imixSizes {
		frameset[i] = imixFrame(n, i)
	}
	for size < benchFileSize {
		rec := record(frames, frameset[frames%len(frameset)])
		w.Write(rec)
		size += int64(len(rec))
		frames++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, size, frames
}

func pcapBenchFile(b *testing.B) (string, int64, int) {
	hdr := newPcap(false, pcapMagicMicro, 2, 4, 262144, 1).b
	return writeBenchFile(b, "bench.pcap", hdr, func(seq int, data []byte) []byte {
		p := &pcapBuilder{o: orderOf(false)}
		p.record(1700000000+uint32(seq/1000), uint32(seq%1000)*1000, data, uint32(len(data)))
		return p.b
	})
}

func pcapngBenchFile(b *testing.B) (string, int64, int) {
	var n ngBuilder
	n.shb(false)
	n.idb(1, 262144, optU8(ngOptTSResol, 9))
	return writeBenchFile(b, "bench.pcapng", n.b, func(seq int, data []byte) []byte {
		m := ngBuilder{o: orderOf(false)}
		m.epb(0, 1700000000_000000000+uint64(seq)*1000, data, uint32(len(data)))
		return m.b
	})
}

// benchReadFile opens and drains the file once per iteration; SetBytes makes the MB/s the
// reader's throughput from the page cache.
func benchReadFile(b *testing.B, path string, size int64, frames int) {
	b.SetBytes(size)
	b.ReportAllocs()
	var f Frame
	var sum int
	for b.Loop() {
		src, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for err = src.Next(&f); err == nil; err = src.Next(&f) {
			sum += len(f.Data)
			n++
		}
		if err != io.EOF || n != frames {
			b.Fatalf("read %d of %d frames, end %v", n, frames, err)
		}
		src.Close()
	}
	b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	_ = sum
}

func BenchmarkReadPcap(b *testing.B) {
	path, size, frames := pcapBenchFile(b)
	benchReadFile(b, path, size, frames)
}

func BenchmarkReadPcapng(b *testing.B) {
	path, size, frames := pcapngBenchFile(b)
	benchReadFile(b, path, size, frames)
}

// cycleReader serves head once, then body over and over: an endless capture for measuring
// the steady state of Next without the per-open allocations.
type cycleReader struct {
	head, body []byte
	pos        int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.body[c.pos:])
		n += k
		c.pos = (c.pos + k) % len(c.body)
	}
	return n, nil
}

// benchNext measures one Next per iteration on an endless stream: allocs/op must be 0.
func benchNext(b *testing.B, head, body []byte) {
	src, err := OpenReader("cycle", &cycleReader{head: head, body: body})
	if err != nil {
		b.Fatal(err)
	}
	var f Frame
	// Warm up past the first buffer refill so the steady state is what gets measured.
	for range 10000 {
		if err := src.Next(&f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := src.Next(&f); err != nil {
			b.Fatal(err)
		}
	}
}

func imixBody(record func(seq int, data []byte) []byte) []byte {
	var body []byte
	for i, n := range imixSizes {
		body = append(body, record(i, imixFrame(n, i))...)
	}
	return body
}

func BenchmarkNextPcap(b *testing.B) {
	head := newPcap(false, pcapMagicMicro, 2, 4, 262144, 1).b
	body := imixBody(func(seq int, data []byte) []byte {
		p := &pcapBuilder{o: orderOf(false)}
		p.record(uint32(seq), 0, data, uint32(len(data)))
		return p.b
	})
	benchNext(b, head, body)
}

func BenchmarkNextPcapng(b *testing.B) {
	var n ngBuilder
	n.shb(false)
	n.idb(1, 262144, optU8(ngOptTSResol, 0x80|24))
	body := imixBody(func(seq int, data []byte) []byte {
		m := ngBuilder{o: orderOf(false)}
		m.epb(0, uint64(seq), data, uint32(len(data)))
		return m.b
	})
	benchNext(b, n.b, body)
}
