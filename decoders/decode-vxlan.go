package decoders

// decodeVXLAN decodes a VXLAN header (RFC 7348) and its inner Ethernet frame. Like Suricata it
// wants the I flag and a zero reserved byte, and takes only frames whose EtherType an inner decode
// can use; anything else stays plain UDP with decoder.vxlan.unknown_payload_type.
func (d *Decoder) decodeVXLAN(p *Packet, b []byte) bool {
	if len(b) < 8+14 || b[0]&0x08 == 0 || b[7] != 0 {
		return false
	}
	switch be16(b[8+12:]) {
	case etherTypeIPv4, etherTypeIPv6, etherTypeARP, etherTypeVLAN, etherTypeQinQ, etherTypeQinQOld:
	default:
		p.AddEvent(EventVXLANUnknownPayloadType)
		return false
	}
	if !d.enterTunnel(p, TunnelVXLAN, b[8:]) {
		return false
	}
	d.decodeEthernet(p, b[8:])
	return true
}
