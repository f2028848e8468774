package bench

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// pcapWriter streams classic microsecond pcap (the format every tool reads) through a fixed
// buffer, so memory stays flat whatever the file size.
type pcapWriter struct {
	w       *bufio.Writer
	written int64
	rec     [16]byte
}

func newPcapWriter(w io.Writer, linkType uint32) (*pcapWriter, error) {
	p := &pcapWriter{w: bufio.NewWriterSize(w, 1<<20)}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(h[20:], linkType)
	if _, err := p.w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	p.written = 24
	return p, nil
}

func (p *pcapWriter) write(tsNanos int64, frame []byte) error {
	binary.LittleEndian.PutUint32(p.rec[0:], uint32(tsNanos/1e9))
	binary.LittleEndian.PutUint32(p.rec[4:], uint32(tsNanos%1e9/1e3))
	binary.LittleEndian.PutUint32(p.rec[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(p.rec[12:], uint32(len(frame)))
	if _, err := p.w.Write(p.rec[:]); err != nil {
		return fmt.Errorf("pcap write: %w", err)
	}
	if _, err := p.w.Write(frame); err != nil {
		return fmt.Errorf("pcap write: %w", err)
	}
	p.written += int64(len(p.rec) + len(frame))
	return nil
}

func (p *pcapWriter) flush() error {
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("pcap flush: %w", err)
	}
	return nil
}
