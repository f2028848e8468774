package bench

import "encoding/binary"

// A looped capture replays the same flows again: from the second pass on, the sensor would see
// every TCP segment as a retransmission of data it already reassembled, and the rate measured
// would be the rate at which it skips old data. Each pass after the first therefore moves the
// addresses of its frames to fresh ones (tcpreplay's --unique-ip): the pass number is XORed into
// the last two bytes of both IPv4 addresses (bytes 2–3 of IPv6 ones), the same way in
// both directions, so every flow stays whole and each pass is a new set of flows. Checksums are
// patched incrementally (RFC 1624). Plain Ethernet with IPv4 or IPv6 is moved; other frames go
// as they are.

// uniqueLoop moves frame's addresses for pass loop (0: unchanged).
func uniqueLoop(frame []byte, loop int) {
	if loop == 0 || len(frame) < 14 {
		return
	}
	key := uint16(loop)
	ip := frame[14:]
	switch binary.BigEndian.Uint16(frame[12:]) {
	case 0x0800:
		if len(ip) < 20 || ip[0]>>4 != 4 {
			return
		}
		hl := int(ip[0]&0x0f) * 4
		if hl < 20 || len(ip) < hl {
			return
		}
		// Checksums sum aligned 16-bit words: the moved word must be one of them.
		delta := xorWord(ip[14:16], key) // src bytes 2–3 (offset 12+2)
		delta += xorWord(ip[18:20], key) // dst bytes 2–3
		patchChecksum(ip[10:12], delta)
		fragmented := binary.BigEndian.Uint16(ip[6:])&0x1fff != 0
		if !fragmented {
			patchL4(ip[9], ip[hl:], delta)
		}
	case 0x86dd:
		if len(ip) < 40 || ip[0]>>4 != 6 {
			return
		}
		delta := xorWord(ip[10:12], key) // src bytes 2–3 (offset 8+2)
		delta += xorWord(ip[26:28], key) // dst bytes 2–3 (offset 24+2)
		patchL4(ip[6], ip[40:], delta)
	}
}

// xorWord XORs key into the 16-bit word at b and returns the one's-complement difference the
// checksums covering it must absorb: new - old.
func xorWord(b []byte, key uint16) uint32 {
	old := binary.BigEndian.Uint16(b)
	nw := old ^ key
	binary.BigEndian.PutUint16(b, nw)
	return uint32(^old) + uint32(nw)
}

// patchChecksum applies delta to the checksum at c: HC' = ~(~HC + delta) (RFC 1624, eqn. 3).
func patchChecksum(c []byte, delta uint32) {
	sum := uint32(^binary.BigEndian.Uint16(c)) + delta
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(c, ^uint16(sum))
}

// patchL4 applies delta to the TCP or UDP checksum of l4, whose pseudo-header holds the
// addresses. A UDP checksum of zero means none and stays zero.
func patchL4(proto byte, l4 []byte, delta uint32) {
	switch {
	case proto == 6 && len(l4) >= 18:
		patchChecksum(l4[16:18], delta)
	case proto == 17 && len(l4) >= 8 && binary.BigEndian.Uint16(l4[6:]) != 0:
		patchChecksum(l4[6:8], delta)
		if binary.BigEndian.Uint16(l4[6:]) == 0 {
			binary.BigEndian.PutUint16(l4[6:], 0xffff) // 0 means "no checksum" in UDP
		}
	}
}
