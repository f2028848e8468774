package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nightjar-ids/nightjar/decoders"
)

const (
	// readBufSize is the size of one read(2): large enough that syscall cost vanishes against
	// the copy out of the page cache, small enough to stay in L2/L3 while frames are decoded.
	readBufSize = 1 << 20
	// minBufSize is the buffer a small input starts with.
	minBufSize = 4 << 10
	// maxCapLen is the largest captured length accepted for one frame. It is the ceiling
	// libpcap and Wireshark use for ordinary link types; anything larger is a damaged length
	// field, and refusing it keeps a single record from dictating memory.
	maxCapLen = 256 << 10
	// maxBlockLen bounds a pcapng block that must be held whole (interface descriptions and
	// packet blocks with their options). Other blocks are skipped in a stream, whatever size.
	maxBlockLen = 8 << 20
	// maxEmptyReads stops a reader that keeps answering (0, nil) from spinning forever.
	maxEmptyReads = 100
)

// errShort says the input ended before the bytes asked for; callers turn it into a
// *CorruptError (or io.EOF when nothing at all was left).
var errShort = errors.New("short input")

type fileFormat uint8

const (
	formatPcap fileFormat = iota + 1
	formatPcapNano
	formatPcapModified
	formatPcapng
)

func (f fileFormat) String() string {
	switch f {
	case formatPcap:
		return "pcap"
	case formatPcapNano:
		return "pcap-ns"
	case formatPcapModified:
		return "pcap-modified"
	case formatPcapng:
		return "pcapng"
	}
	return "unknown"
}

// Stats counts what a FileSource has consumed so far.
type Stats struct {
	Frames uint64 // frames handed out by Next
	Bytes  int64  // bytes of the input consumed, headers and skipped blocks included
}

// FileSource streams frames out of a pcap or pcapng file through one reusable buffer. Open and
// OpenReader return it as a Source; callers that want Stats or LinkTypes type-assert to it.
type FileSource struct {
	name   string
	r      io.Reader
	closer io.Closer

	buf        []byte
	start, end int   // unread bytes are buf[start:end]
	off        int64 // file offset of buf[start]
	atEOF      bool  // r has reported io.EOF; no more bytes will come
	err        error // sticky terminal result: io.EOF, *CorruptError or a read error

	format    fileFormat
	frames    uint64
	linkTypes []decoders.LinkType // distinct link types seen, in order of appearance

	pcap pcapState
	ng   ngState
}

// Open opens a pcap or pcapng capture file, telling the format by its magic number.
func Open(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	hint := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		hint = fi.Size()
	}
	s, err := newFileSource(path, f, f, hint)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// OpenReader reads a pcap or pcapng stream from r; name labels errors. Close does not close r.
func OpenReader(name string, r io.Reader) (Source, error) {
	hint := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader, bytes.Buffer
		hint = int64(l.Len())
	}
	s, err := newFileSource(name, r, nil, hint)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// newFileSource reads the header. sizeHint, when not negative, is how many bytes the input
// holds: small inputs get a buffer their size rather than a full read buffer.
func newFileSource(name string, r io.Reader, c io.Closer, sizeHint int64) (*FileSource, error) {
	size := readBufSize
	if sizeHint >= 0 && sizeHint < readBufSize {
		size = max(minBufSize, int(sizeHint)+1) // +1: the read that reports EOF needs room
	}
	s := &FileSource{name: name, r: r, closer: c, buf: make([]byte, size)}
	if err := s.fill(4); err != nil {
		if err == errShort {
			return nil, s.truncated(0, 4, "file header")
		}
		return nil, err
	}
	magic := binary.BigEndian.Uint32(s.buf[s.start:])
	var err error
	switch magic {
	case ngSHBType:
		err = s.openPcapng()
	default:
		err = s.openPcap(magic)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Next hands out the next frame. f.Data aliases the source's buffer until the next call.
func (s *FileSource) Next(f *Frame) error {
	if s.err != nil {
		return s.err
	}
	if s.format == formatPcapng {
		return s.nextPcapng(f)
	}
	return s.nextPcap(f)
}

// Close releases the file; the source yields nothing afterwards.
func (s *FileSource) Close() error {
	if s.err == nil {
		s.err = fmt.Errorf("%s: %w", s.name, os.ErrClosed)
	}
	s.buf = nil
	s.start, s.end = 0, 0
	if s.closer == nil {
		return nil
	}
	c := s.closer
	s.closer = nil
	return c.Close()
}

// Stats reports what has been consumed so far.
func (s *FileSource) Stats() Stats { return Stats{Frames: s.frames, Bytes: s.off} }

// LinkTypes lists the distinct link types seen so far, in order of first appearance: the
// header's for pcap, the interface descriptions read so far for pcapng.
func (s *FileSource) LinkTypes() []decoders.LinkType {
	return append([]decoders.LinkType(nil), s.linkTypes...)
}

// Format names the file format: "pcap", "pcap-ns", "pcap-modified" or "pcapng".
func (s *FileSource) Format() string { return s.format.String() }

func (s *FileSource) noteLinkType(lt decoders.LinkType) {
	for _, have := range s.linkTypes {
		if have == lt {
			return
		}
	}
	s.linkTypes = append(s.linkTypes, lt)
}

// avail is the number of buffered, unread bytes.
func (s *FileSource) avail() int { return s.end - s.start }

// advance consumes n buffered bytes.
func (s *FileSource) advance(n int) {
	s.start += n
	s.off += int64(n)
}

// fill makes at least n unread bytes available at buf[start:]; callers bound n by
// maxBlockLen. It returns errShort when the input ends first (whatever did arrive stays
// buffered), or a wrapped read error.
func (s *FileSource) fill(n int) error {
	empty := 0
	for s.avail() < n {
		if s.atEOF {
			return errShort
		}
		if len(s.buf)-s.start < n || s.end == len(s.buf) {
			s.compact()
			if s.end == len(s.buf) {
				s.grow()
			}
		}
		m, err := s.r.Read(s.buf[s.end:])
		if m < 0 || m > len(s.buf)-s.end {
			return s.fail(fmt.Errorf("%s: reader returned invalid count %d", s.name, m))
		}
		s.end += m
		switch {
		case err == io.EOF:
			s.atEOF = true
		case err != nil:
			return s.fail(fmt.Errorf("%s: read at byte offset %d: %w", s.name, s.off+int64(s.avail()), err))
		case m == 0:
			if empty++; empty >= maxEmptyReads {
				return s.fail(fmt.Errorf("%s: %w", s.name, io.ErrNoProgress))
			}
		}
	}
	return nil
}

// compact moves the unread bytes to the front of the buffer. Frames handed out earlier
// become invalid here, which the Frame contract allows: this only runs inside Next.
func (s *FileSource) compact() {
	if s.start == 0 {
		return
	}
	s.end = copy(s.buf, s.buf[s.start:s.end])
	s.start = 0
}

// grow doubles the buffer, never past what a single legitimate record or block can need.
// Doubling only when the buffer is full of unread input keeps the memory a lying length
// field can claim proportional to the bytes that actually arrived.
func (s *FileSource) grow() {
	size := min(2*len(s.buf), maxBlockLen+readBufSize)
	nb := make([]byte, size)
	s.end = copy(nb, s.buf[s.start:s.end])
	s.start = 0
	s.buf = nb
}

// discard consumes n bytes whether or not they fit in the buffer. It returns how many it
// could not consume because the input ended, or a read error.
func (s *FileSource) discard(n int64) (missing int64, err error) {
	for n > 0 {
		if s.avail() == 0 {
			if err := s.fill(1); err != nil {
				if err == errShort {
					return n, nil
				}
				return n, err
			}
		}
		k := int64(s.avail())
		if k > n {
			k = n
		}
		s.advance(int(k))
		n -= k
	}
	return 0, nil
}

// fail records a terminal error so every later Next returns it too.
func (s *FileSource) fail(err error) error {
	s.err = err
	return err
}

func (s *FileSource) corrupt(offset int64, format string, args ...any) error {
	return s.fail(&CorruptError{File: s.name, Offset: offset, Reason: fmt.Sprintf(format, args...)})
}

// truncated reports a record (or header) at offset that wanted more bytes than the input had.
func (s *FileSource) truncated(offset int64, wanted int64, what string) error {
	have := s.off + int64(s.avail()) - offset
	return s.corrupt(offset, "truncated %s: wanted %d bytes, have %d", what, wanted, have)
}

// byteOrder is the byte order of a pcap file or a pcapng section: true for big endian. A
// bool, not binary.ByteOrder, so the per-frame reads inline instead of calling an interface.
type byteOrder bool

const (
	littleEndian byteOrder = false
	bigEndian    byteOrder = true
)

func (o byteOrder) u16(b []byte) uint16 {
	if o {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (o byteOrder) u32(b []byte) uint32 {
	if o {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (o byteOrder) u64(b []byte) uint64 {
	if o {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}
