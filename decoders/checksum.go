package decoders

import (
	"encoding/binary"
	"math/bits"
)

// Checksum auto-detection, as Suricata does it for pcap files: the first csumSampleCount
// packets are checked; when more than one in csumInvalidRatio carries a bad checksum the capture
// was most likely taken with checksum offload, and checking stops for good.
const (
	csumSampleCount  = 1000
	csumInvalidRatio = 10
)

type csumState struct {
	seen, bad uint32
	decided   bool
	off       bool // offload concluded: checksums are no longer checked
}

// sample records one packet of the auto-detection sample.
func (c *csumState) sample(bad bool) {
	if c.decided {
		return
	}
	c.seen++
	if bad {
		c.bad++
	}
	if c.seen >= csumSampleCount {
		c.decided = true
		c.off = c.bad > c.seen/csumInvalidRatio
	}
}

// checksumsOn reports whether this packet's checksums are to be validated.
func (d *Decoder) checksumsOn() bool {
	switch d.cfg.Checksums {
	case ChecksumAll:
		return true
	case ChecksumAuto:
		return !d.csum.off
	}
	return false
}

// l4ChecksumOK validates a TCP, UDP or ICMPv6 checksum over seg (the whole L4 segment) and the
// pseudo-header of the IP header in p.L3.
func (d *Decoder) l4ChecksumOK(p *Packet, proto uint8, seg []byte) bool {
	var acc uint64
	if p.Layers&HasIPv4 != 0 {
		acc = sumWords(p.L3[12:20], 0)
	} else {
		acc = sumWords(p.L3[8:40], 0)
	}
	// The summing runs on little-endian words; protocol and length are big-endian fields of
	// the pseudo-header, so they go in byte-swapped.
	acc += uint64(bits.ReverseBytes16(uint16(proto)))
	acc += uint64(bits.ReverseBytes32(uint32(len(seg))))
	return fold(sumWords(seg, acc)) == 0xffff
}

// checksumOK reports whether b, checksum field included, sums to the ones'-complement zero, as
// an IPv4 header or an ICMPv4 message must.
func checksumOK(b []byte) bool { return fold(sumWords(b, 0)) == 0xffff }

// Checksum is the Internet checksum (RFC 1071) of b, ready to store big-endian in a header whose
// checksum field was zero while summing.
func Checksum(b []byte) uint16 { return ^bits.ReverseBytes16(fold(sumWords(b, 0))) }

// sumWords adds b to acc as little-endian 64-bit words with end-around carry. The ones'-complement
// sum is independent of word size and of byte order up to a final swap (RFC 1071), so wide
// little-endian loads compute it several bytes per instruction. A trailing odd byte is the high
// byte of a big-endian word, which is the low byte of a little-endian one.
func sumWords(b []byte, acc uint64) uint64 {
	var c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	var tail uint64
	switch {
	case len(b) >= 4:
		tail = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if len(b) >= 2 {
			tail += uint64(binary.LittleEndian.Uint16(b)) << 32
			b = b[2:]
		}
	case len(b) >= 2:
		tail = uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		tail += uint64(b[0]) << 48
	}
	acc, c = bits.Add64(acc, tail, c)
	acc, c = bits.Add64(acc, 0, c)
	return acc + c
}

// fold reduces a 64-bit ones'-complement accumulator to 16 bits.
func fold(acc uint64) uint16 {
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}
