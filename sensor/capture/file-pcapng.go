package capture

import (
	"encoding/binary"
	"io"

	"github.com/nightjar-ids/nightjar/decoders"
)

// pcapng block types and fixed sizes (draft-ietf-opsawg-pcapng). Minimum lengths count the
// block's type, both length words and its fixed body fields.
const (
	ngSHBType = 0x0a0d0d0a // palindromic, so it reads the same in either byte order
	ngIDBType = 0x00000001
	ngPBType  = 0x00000002 // obsolete Packet Block
	ngSPBType = 0x00000003
	ngEPBType = 0x00000006
	ngBOM     = 0x1a2b3c4d

	ngSHBMinLen = 28
	ngIDBMinLen = 20
	ngPBMinLen  = 32
	ngEPBMinLen = 32
	ngSPBMinLen = 16
	ngBlockMin  = 12

	ngOptEnd      = 0
	ngOptTSResol  = 9
	ngOptTSOffset = 14

	// ngMaxInterfaces bounds the interface table of one section.
	ngMaxInterfaces = 1 << 16
)

type ngInterface struct {
	link    decoders.LinkType
	snaplen uint32
	ts      tsConv
}

type ngState struct {
	order    byteOrder
	ifaces   []ngInterface // of the current section; reset at each section header
	lastTime int64         // timestamp for Simple Packet Blocks, which carry none
}

func (s *FileSource) openPcapng() error {
	s.format = formatPcapng
	return s.readSHB()
}

// need makes n bytes of the block starting at offset at available, reporting a block of
// wanted bytes as truncated when the input ends first.
func (s *FileSource) need(at int64, n int, wanted int64) error {
	if s.avail() >= n {
		return nil
	}
	if err := s.fill(n); err != nil {
		if err == errShort {
			return s.truncated(at, wanted, "record")
		}
		return err
	}
	return nil
}

// readSHB starts a new section: its byte order may differ from the last one, and interface
// numbering restarts.
func (s *FileSource) readSHB() error {
	at := s.off
	if err := s.need(at, 12, ngSHBMinLen); err != nil {
		return err
	}
	b := s.buf[s.start:]
	var o byteOrder
	switch bom := binary.BigEndian.Uint32(b[8:]); bom {
	case ngBOM:
		o = bigEndian
	case swap32(ngBOM):
		o = littleEndian
	default:
		return s.corrupt(at, "section header byte-order magic %08x is neither %08x nor %08x", bom, uint32(ngBOM), swap32(ngBOM))
	}
	blen := o.u32(b[4:])
	if err := s.checkBlockLen(at, "section header", blen, ngSHBMinLen, 1<<32-1); err != nil {
		return err
	}
	if err := s.need(at, 16, int64(blen)); err != nil {
		return err
	}
	b = s.buf[s.start:]
	if major, minor := o.u16(b[12:]), o.u16(b[14:]); major != 1 {
		return s.corrupt(at, "unsupported pcapng version %d.%d", major, minor)
	}
	s.ng.order = o
	s.ng.ifaces = s.ng.ifaces[:0]
	return s.skipBlock(at, blen)
}

// checkBlockLen applies the length rules every block shares: at least its fixed part, a
// multiple of 4, and no more than this reader will hold at once.
func (s *FileSource) checkBlockLen(at int64, kind string, blen, min, max uint32) error {
	switch {
	case blen < min:
		return s.corrupt(at, "%s block total length %d is less than its minimum %d", kind, blen, min)
	case blen%4 != 0:
		return s.corrupt(at, "%s block total length %d is not a multiple of 4", kind, blen)
	case blen > max:
		return s.corrupt(at, "%s block total length %d exceeds the %d-byte limit", kind, blen, max)
	}
	return nil
}

// skipBlock consumes the rest of the block that starts at offset at, streaming it through the
// buffer so its size costs no memory, and checks the trailing copy of the length.
func (s *FileSource) skipBlock(at int64, blen uint32) error {
	rest := int64(blen) - 4 - (s.off - at)
	missing, err := s.discard(rest)
	if err != nil {
		return err
	}
	if missing > 0 {
		return s.truncated(at, int64(blen), "record")
	}
	if err := s.need(at, 4, int64(blen)); err != nil {
		return err
	}
	if tl := s.ng.order.u32(s.buf[s.start:]); tl != blen {
		return s.corrupt(at, "block trailing length %d differs from leading length %d", tl, blen)
	}
	s.advance(4)
	return nil
}

func (s *FileSource) nextPcapng(f *Frame) error {
	o := &s.ng.order
	for {
		at := s.off
		if s.avail() < 8 {
			if err := s.fill(8); err != nil {
				if err != errShort {
					return err
				}
				if s.avail() == 0 {
					return s.fail(io.EOF)
				}
				return s.truncated(at, 8, "record")
			}
		}
		b := s.buf[s.start:]
		btype, blen := o.u32(b), o.u32(b[4:])
		var min uint32
		switch btype {
		case ngSHBType:
			if err := s.readSHB(); err != nil {
				return err
			}
			continue
		case ngEPBType:
			min = ngEPBMinLen
		case ngPBType:
			min = ngPBMinLen
		case ngSPBType:
			min = ngSPBMinLen
		case ngIDBType:
			min = ngIDBMinLen
		default:
			if err := s.checkBlockLen(at, "unknown", blen, ngBlockMin, 1<<32-1); err != nil {
				return err
			}
			if err := s.skipBlock(at, blen); err != nil {
				return err
			}
			continue
		}
		if err := s.checkBlockLen(at, ngBlockName(btype), blen, min, maxBlockLen); err != nil {
			return err
		}
		n := int(blen)
		if err := s.need(at, n, int64(blen)); err != nil {
			return err
		}
		body := s.buf[s.start : s.start+n : s.start+n]
		if tl := o.u32(body[n-4:]); tl != blen {
			return s.corrupt(at, "block trailing length %d differs from leading length %d", tl, blen)
		}
		if btype == ngIDBType {
			if err := s.readIDB(at, body); err != nil {
				return err
			}
			s.advance(n)
			continue
		}
		if err := s.readPacketBlock(at, btype, body, f); err != nil {
			return err
		}
		s.advance(n)
		return nil
	}
}

func ngBlockName(btype uint32) string {
	switch btype {
	case ngIDBType:
		return "interface description"
	case ngPBType:
		return "packet"
	case ngSPBType:
		return "simple packet"
	case ngEPBType:
		return "enhanced packet"
	}
	return "unknown"
}

// readIDB appends an interface to the section's table. Malformed options end option parsing
// rather than the file: they describe the interface, the frames do not depend on them, with
// the exception of the time-stamp options, whose absence means pcapng's defaults.
func (s *FileSource) readIDB(at int64, body []byte) error {
	o := s.ng.order
	if len(s.ng.ifaces) >= ngMaxInterfaces {
		return s.corrupt(at, "more than %d interfaces in one section", ngMaxInterfaces)
	}
	iface := ngInterface{
		link:    decoders.LinkType(o.u16(body[8:])),
		snaplen: o.u32(body[12:]),
		ts:      defaultTSConv,
	}
	resol, haveResol, offset := uint8(6), false, int64(0)
	opts := body[16 : len(body)-4]
	for len(opts) >= 4 {
		code, olen := o.u16(opts), int(o.u16(opts[2:]))
		if code == ngOptEnd {
			break
		}
		padded := (olen + 3) &^ 3
		if padded > len(opts)-4 {
			break
		}
		v := opts[4 : 4+olen]
		switch {
		case code == ngOptTSResol && olen >= 1:
			resol, haveResol = v[0], true
		case code == ngOptTSOffset && olen >= 8:
			offset = int64(o.u64(v))
		}
		opts = opts[4+padded:]
	}
	if haveResol || offset != 0 {
		c, err := newTSConv(resol, offset)
		if err != nil {
			return s.corrupt(at, "interface %d: %v", len(s.ng.ifaces), err)
		}
		iface.ts = c
	}
	s.ng.ifaces = append(s.ng.ifaces, iface)
	s.noteLinkType(iface.link)
	return nil
}

// readPacketBlock fills f from an Enhanced, Simple or obsolete Packet Block held whole in
// body.
func (s *FileSource) readPacketBlock(at int64, btype uint32, body []byte, f *Frame) error {
	o := s.ng.order
	blen := uint32(len(body))
	var ifIndex, caplen, wire uint32
	var ts uint64
	var data uint32 // offset of the packet bytes in body
	switch btype {
	case ngEPBType, ngPBType:
		if btype == ngEPBType {
			ifIndex = o.u32(body[8:])
		} else {
			ifIndex = uint32(o.u16(body[8:]))
		}
		ts = uint64(o.u32(body[12:]))<<32 | uint64(o.u32(body[16:]))
		caplen, wire, data = o.u32(body[20:]), o.u32(body[24:]), 28
		if caplen > blen-ngEPBMinLen {
			return s.corrupt(at, "total block length %d of %s block is too small for %d bytes of packet data",
				blen, ngBlockName(btype), caplen)
		}
	case ngSPBType:
		// A Simple Packet Block belongs to interface 0 and stores min(original length,
		// snaplen) bytes.
		wire, data = o.u32(body[8:]), 12
		caplen = wire
		if len(s.ng.ifaces) > 0 {
			if sl := s.ng.ifaces[0].snaplen; sl != 0 && caplen > sl {
				caplen = sl
			}
		}
		if caplen > blen-ngSPBMinLen {
			return s.corrupt(at, "total block length %d of simple packet block is too small for %d bytes of packet data",
				blen, caplen)
		}
	}
	if int(ifIndex) >= len(s.ng.ifaces) {
		return s.corrupt(at, "%s block refers to interface %d, but the section describes %d",
			ngBlockName(btype), ifIndex, len(s.ng.ifaces))
	}
	if caplen > maxCapLen {
		return s.corrupt(at, "captured length %d exceeds the %d-byte limit", caplen, maxCapLen)
	}
	iface := &s.ng.ifaces[ifIndex]
	if btype != ngSPBType {
		s.ng.lastTime = iface.ts.nanos(ts)
	}
	s.frames++
	f.Data = body[data : data+caplen : data+caplen]
	f.WireLen = int(wire)
	if f.WireLen < int(caplen) {
		f.WireLen = int(caplen)
	}
	f.Time = s.ng.lastTime
	f.LinkType = iface.link
	f.Index = s.frames
	f.Offset = at
	return nil
}
