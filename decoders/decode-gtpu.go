package decoders

// decodeGTPU decodes a GTPv1-U G-PDU (3GPP TS 29.281): the 8-byte header, the optional
// sequence / N-PDU / next-extension word, the chain of extension headers (each sized in 4-byte
// units and naming the next type in its last byte), then the user's IPv4 or IPv6 packet.
// Signalling messages (echo, error indication, end marker) carry no user packet and stay UDP.
func (d *Decoder) decodeGTPU(p *Packet, b []byte) bool {
	const gpdu = 255
	if len(b) < 8 || b[0]>>5 != 1 || b[0]&0x10 == 0 || b[1] != gpdu {
		return false
	}
	end := 8 + int(be16(b[2:]))
	if end > len(b) {
		return false
	}
	b = b[:end]
	off := 8
	if b[0]&0x07 != 0 {
		if len(b) < 12 {
			return false
		}
		next := b[11]
		off = 12
		for next != 0 {
			if off >= len(b) {
				return false
			}
			l := int(b[off]) * 4
			if l == 0 || off+l > len(b) {
				return false
			}
			next = b[off+l-1]
			off += l
		}
	}
	return d.decodeTunnelIP(p, TunnelGTPU, b[off:])
}
