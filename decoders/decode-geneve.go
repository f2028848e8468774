package decoders

// decodeGeneve decodes a Geneve header (RFC 8926): version 0, options skipped by their declared
// length, then Ethernet (0x6558) or bare IPv4/IPv6 by the protocol type.
func (d *Decoder) decodeGeneve(p *Packet, b []byte) bool {
	if len(b) < 8 || b[0]>>6 != 0 {
		return false
	}
	hl := 8 + int(b[0]&0x3f)*4
	if len(b) < hl {
		return false
	}
	inner := b[hl:]
	switch be16(b[2:]) {
	case greProtoTEB:
		if len(inner) < 14 || !d.enterTunnel(p, TunnelGeneve, inner) {
			return false
		}
		d.decodeEthernet(p, inner)
	case etherTypeIPv4:
		if !d.enterTunnel(p, TunnelGeneve, inner) {
			return false
		}
		d.decodeIPv4(p, inner)
	case etherTypeIPv6:
		if !d.enterTunnel(p, TunnelGeneve, inner) {
			return false
		}
		d.decodeIPv6(p, inner)
	default:
		p.AddEvent(EventGeneveUnknownPayloadType)
		return false
	}
	return true
}
