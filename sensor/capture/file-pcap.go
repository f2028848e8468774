package capture

import (
	"fmt"
	"io"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Magic numbers of classic pcap as read big-endian from the first four bytes; the byte
// order that makes them read right is the file's byte order.
const (
	pcapMagicMicro    = 0xa1b2c3d4
	pcapMagicNano     = 0xa1b23c4d
	pcapMagicModified = 0xa1b2cd34 // Kuznetzov's patched libpcap (Red Hat 6.1 era)

	pcapFileHeaderLen     = 24
	pcapRecordLen         = 16
	pcapModifiedRecordLen = 24 // + ifindex(4) protocol(2) pkt_type(1) pad(1)
)

// Subfields of the pcap header's link-type word, as libpcap and the pcap draft define them:
// the low 16 bits are the LINKTYPE_ value, bits 16-25 are reserved and must be zero, and the
// top bits carry optional FCS-length information that a reader may ignore.
const (
	ltLinkTypeMask = 0x0000ffff
	ltReserved1    = 0x03ff0000
)

// lengthSwap says whether a record's captured and original lengths are stored in the pre-2.3
// order (original first).
type lengthSwap uint8

const (
	lengthsInOrder lengthSwap = iota
	lengthsSwapped
	lengthsMaybeSwapped // 2.3 files were written both ways; swap when caplen > len
)

type pcapState struct {
	order     byteOrder
	recordLen int   // bytes of record header
	fracNanos int64 // nanoseconds per unit of the fractional timestamp field
	lengths   lengthSwap
	link      decoders.LinkType
	snaplen   uint32
}

func (s *FileSource) openPcap(magic uint32) error {
	p := &s.pcap
	p.recordLen, p.fracNanos, s.format = pcapRecordLen, 1000, formatPcap
	switch magic {
	case pcapMagicMicro:
		p.order = bigEndian
	case pcapMagicNano:
		p.order, p.fracNanos, s.format = bigEndian, 1, formatPcapNano
	case pcapMagicModified:
		p.order, p.recordLen, s.format = bigEndian, pcapModifiedRecordLen, formatPcapModified
	case swap32(pcapMagicMicro):
		p.order = littleEndian
	case swap32(pcapMagicNano):
		p.order, p.fracNanos, s.format = littleEndian, 1, formatPcapNano
	case swap32(pcapMagicModified):
		p.order, p.recordLen, s.format = littleEndian, pcapModifiedRecordLen, formatPcapModified
	default:
		return fmt.Errorf("%s: not a pcap or pcapng file (magic number %08x)", s.name, magic)
	}
	if err := s.fill(pcapFileHeaderLen); err != nil {
		if err == errShort {
			return s.truncated(0, pcapFileHeaderLen, "file header")
		}
		return err
	}
	h := s.buf[s.start : s.start+pcapFileHeaderLen]
	major, minor := p.order.u16(h[4:]), p.order.u16(h[6:])
	// Versions past 2.4 are read as 2.4, as Wireshark does: fuzzed and odd writers produce
	// them, and the record layout has not changed since.
	switch {
	case major < 2:
		return s.corrupt(4, "unsupported pcap version %d.%d", major, minor)
	case major == 2 && minor < 3, major == 543 && minor == 0: // 543.0: DG/UX tcpdump
		p.lengths = lengthsSwapped
	case major == 2 && minor == 3:
		p.lengths = lengthsMaybeSwapped
	default:
		p.lengths = lengthsInOrder
	}
	p.snaplen = p.order.u32(h[16:])
	lt := p.order.u32(h[20:])
	if lt&ltReserved1 != 0 {
		return s.corrupt(20, "link-type reserved bits not zero (0x%08x)", lt)
	}
	p.link = decoders.LinkType(lt & ltLinkTypeMask)
	s.noteLinkType(p.link)
	s.advance(pcapFileHeaderLen)
	return nil
}

func (s *FileSource) nextPcap(f *Frame) error {
	p := &s.pcap
	hl := p.recordLen
	if s.avail() < hl {
		if err := s.fill(hl); err != nil {
			if err != errShort {
				return err
			}
			if s.avail() == 0 {
				return s.fail(io.EOF)
			}
			return s.truncated(s.off, int64(hl), "record")
		}
	}
	h := s.buf[s.start : s.start+hl]
	sec, frac := p.order.u32(h[0:]), p.order.u32(h[4:])
	caplen, wire := p.order.u32(h[8:]), p.order.u32(h[12:])
	if p.lengths == lengthsSwapped || p.lengths == lengthsMaybeSwapped && caplen > wire {
		caplen, wire = wire, caplen
	}
	if caplen > maxCapLen {
		return s.corrupt(s.off, "record captured length %d exceeds the %d-byte limit", caplen, maxCapLen)
	}
	need := hl + int(caplen)
	if s.avail() < need {
		if err := s.fill(need); err != nil {
			if err != errShort {
				return err
			}
			return s.truncated(s.off, int64(need), "record")
		}
	}
	s.frames++
	f.Data = s.buf[s.start+hl : s.start+need : s.start+need]
	f.WireLen = int(wire)
	if f.WireLen < int(caplen) {
		// Downstream byte counters must never see fewer wire bytes than captured ones.
		f.WireLen = int(caplen)
	}
	f.Time = int64(sec)*1e9 + int64(frac)*p.fracNanos
	f.LinkType = p.link
	f.Index = s.frames
	f.Offset = s.off
	s.advance(need)
	return nil
}

func swap32(v uint32) uint32 { return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24 }
