package decoders

import (
	"encoding/binary"
	"net/netip"
)

// Frame builders for the table tests. Checksums come from refChecksum, a plain word-by-word
// RFC 1071 sum independent of checksum.go, so the decoder's checksum code is checked against it.

func refChecksum(chunks ...[]byte) uint16 {
	var sum uint32
	for _, b := range chunks {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	macA = []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = []byte{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	ip4A = netip.MustParseAddr("192.168.1.10")
	ip4B = netip.MustParseAddr("10.0.0.1")
	ip6A = netip.MustParseAddr("2001:db8::1")
	ip6B = netip.MustParseAddr("2001:db8::2")
)

func be16b(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func eth(et uint16, payload []byte) []byte {
	return cat(macB, macA, be16b(et), payload)
}

func vlanTag(id, et uint16) []byte { return cat(be16b(id), be16b(et)) }

// ip4 builds an IPv4 packet with options opts around l4, fixing the header checksum and the L4
// checksum of TCP, UDP and ICMP.
func ip4(proto uint8, opts, l4 []byte) []byte {
	return ip4Frag(proto, opts, l4, 0, 0x1234)
}

func ip4Frag(proto uint8, opts, l4 []byte, flagsOff uint16, id uint16) []byte {
	hlen := 20 + len(opts)
	h := make([]byte, 20, hlen)
	h[0] = 0x40 | byte(hlen/4)
	binary.BigEndian.PutUint16(h[2:], uint16(hlen+len(l4)))
	binary.BigEndian.PutUint16(h[4:], id)
	binary.BigEndian.PutUint16(h[6:], flagsOff)
	h[8] = 64
	h[9] = proto
	src, dst := ip4A.As4(), ip4B.As4()
	copy(h[12:], src[:])
	copy(h[16:], dst[:])
	h = append(h, opts...)
	binary.BigEndian.PutUint16(h[10:], refChecksum(h))
	l4 = append([]byte(nil), l4...)
	if flagsOff&0x3fff == 0 {
		pseudo := cat(h[12:20], []byte{0, proto}, be16b(uint16(len(l4))))
		fixL4(proto, pseudo, l4)
	}
	return cat(h, l4)
}

func ip6(nh uint8, exts, l4 []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(exts)+len(l4)))
	h[6] = nh
	h[7] = 64
	src, dst := ip6A.As16(), ip6B.As16()
	copy(h[8:], src[:])
	copy(h[24:], dst[:])
	l4 = append([]byte(nil), l4...)
	proto := nh
	if len(exts) > 0 {
		proto = lastNextHeader(nh, exts)
	}
	pseudo := cat(h[8:40], []byte{0, 0, byte(len(l4) >> 8), byte(len(l4)), 0, 0, 0, proto})
	fixL4(proto, pseudo, l4)
	return cat(h, exts, l4)
}

// lastNextHeader follows simple 8-byte-unit extension headers to the upper-layer protocol.
func lastNextHeader(nh uint8, exts []byte) uint8 {
	for len(exts) >= 2 {
		n := (int(exts[1]) + 1) * 8
		if nh == nhFragment {
			n = 8
		}
		nh = exts[0]
		if n > len(exts) {
			break
		}
		exts = exts[n:]
	}
	return nh
}

func fixL4(proto uint8, pseudo, l4 []byte) {
	off := -1
	switch proto {
	case IPProtoTCP:
		off = 16
	case IPProtoUDP:
		off = 6
	case IPProtoICMPv4:
		off = 2
		pseudo = nil
	case IPProtoICMPv6:
		off = 2
	}
	if off < 0 || len(l4) < off+2 {
		return
	}
	l4[off], l4[off+1] = 0, 0
	binary.BigEndian.PutUint16(l4[off:], refChecksum(pseudo, l4))
}

func tcpSeg(sport, dport uint16, seq, ack uint32, flags uint8, opts, payload []byte) []byte {
	hlen := 20 + len(opts)
	h := make([]byte, 20, hlen)
	binary.BigEndian.PutUint16(h, sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], ack)
	h[12] = byte(hlen/4) << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 65535)
	return cat(h, opts, payload)
}

func udpDgram(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h, sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return cat(h, payload)
}

// synOpts is a typical SYN's option block: MSS, SACK-permitted, timestamps, NOP, wscale.
var synOpts = []byte{
	2, 4, 0x05, 0xb4,
	4, 2,
	8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
	1,
	3, 3, 7,
}
