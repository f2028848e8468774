package bench

import "encoding/binary"

// Frame layout of what the generator writes: Ethernet II, IPv4 without options, and TCP with
// the timestamp option on every segment (as Linux sends) or UDP.
const (
	ethLen      = 14
	ipv4Len     = 20
	tcpLen      = 20
	tcpTSOptLen = 12 // NOP NOP TS
	tcpSYNOpt   = 20 // MSS, SACK permitted, TS, NOP, window scale
	udpLen      = 8
	tcpMSS      = 1448 // 1500-byte MTU less IPv4, TCP and the timestamp option
	udpMaxData  = 1472
	maxFrame    = ethLen + ipv4Len + tcpLen + tcpSYNOpt + 1500
)

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

const (
	protoTCP = 6
	protoUDP = 17
)

// putEthernet writes an Ethernet II header whose locally administered MACs are derived from
// the IP addresses, so each host keeps one MAC through the file.
func putEthernet(b []byte, src, dst [4]byte) {
	b[0], b[1] = 0x02, 0x00
	copy(b[2:6], dst[:])
	b[6], b[7] = 0x02, 0x00
	copy(b[8:12], src[:])
	b[12], b[13] = 0x08, 0x00
}

// putIPv4 writes an IPv4 header (no options) with its checksum.
func putIPv4(b []byte, proto uint8, src, dst [4]byte, total int, id uint16, ttl uint8) {
	b[0] = 0x45
	b[1] = 0
	binary.BigEndian.PutUint16(b[2:], uint16(total))
	binary.BigEndian.PutUint16(b[4:], id)
	b[6], b[7] = 0x40, 0 // don't fragment
	b[8] = ttl
	b[9] = proto
	b[10], b[11] = 0, 0
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	binary.BigEndian.PutUint16(b[10:], ^fold(sum16(0, b[:ipv4Len])))
}

// l4Checksum is the TCP/UDP checksum of seg (whose checksum field must be zero) with the IPv4
// pseudo-header.
func l4Checksum(src, dst [4]byte, proto uint8, seg []byte) uint16 {
	s := uint64(binary.BigEndian.Uint16(src[0:])) + uint64(binary.BigEndian.Uint16(src[2:])) +
		uint64(binary.BigEndian.Uint16(dst[0:])) + uint64(binary.BigEndian.Uint16(dst[2:])) +
		uint64(proto) + uint64(len(seg))
	c := ^fold(sum16(s, seg))
	if c == 0 && proto == protoUDP {
		c = 0xffff // zero means "no checksum" in UDP
	}
	return c
}

// sum16 adds b as big-endian 16-bit words to s, eight bytes at a time: one's-complement
// addition is associative, so wide partial sums folded at the end give the same result.
func sum16(s uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s += v>>48 + v>>32&0xffff + v>>16&0xffff + v&0xffff
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
