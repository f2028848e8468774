package decoders

// decodeERSPAN2 decodes an ERSPAN type II header (version 1) and the mirrored Ethernet frame.
// The mirrored frame's original VLAN, when the header records one, joins the VLAN context as
// Suricata does, so mirrored traffic from different VLANs keeps separate flows.
func (d *Decoder) decodeERSPAN2(p *Packet, b []byte) {
	d.count(CountERSPAN)
	if len(b) < 8 {
		p.AddEvent(EventERSPANHeaderTooSmall)
		return
	}
	if b[0]>>4 != 1 {
		p.AddEvent(EventERSPANUnsupportedVersion)
		return
	}
	// Suricata's type II pseudo-packet starts at the ERSPAN header, so its length counts it.
	if d.erspanVLAN(p, be16(b)&0x0fff) && d.enterTunnel(p, TunnelERSPAN2, b) {
		d.decodeEthernet(p, b[8:])
	}
}

// decodeERSPAN3 decodes an ERSPAN type III header (version 2, 12 bytes, then an 8-byte platform
// sub-header when the O bit is set) and the frame it carries: Ethernet (frame type 0) or bare
// IP (frame type 2).
func (d *Decoder) decodeERSPAN3(p *Packet, b []byte) {
	d.count(CountERSPAN)
	if len(b) < 12 {
		p.AddEvent(EventERSPANHeaderTooSmall)
		return
	}
	if b[0]>>4 != 2 {
		p.AddEvent(EventERSPANUnsupportedVersion)
		return
	}
	hl := 12
	if b[11]&0x01 != 0 {
		hl += 8
	}
	if len(b) < hl {
		p.AddEvent(EventERSPANHeaderTooSmall)
		return
	}
	if !d.erspanVLAN(p, be16(b)&0x0fff) {
		return
	}
	switch ft := b[10] >> 2 & 0x1f; ft {
	case 0:
		if d.enterTunnel(p, TunnelERSPAN3, b[hl:]) {
			d.decodeEthernet(p, b[hl:])
		}
	case 2:
		d.decodeTunnelIP(p, TunnelERSPAN3, b[hl:])
	}
}

// erspanVLAN records the VLAN an ERSPAN header reports; false when the packet already has as
// many VLAN ids as are kept.
func (d *Decoder) erspanVLAN(p *Packet, vlan uint16) bool {
	if vlan == 0 {
		return true
	}
	if p.VLANCount >= MaxVLAN {
		p.AddEvent(EventERSPANTooManyVLANLayers)
		return false
	}
	p.VLAN[p.VLANCount] = vlan
	p.VLANCount++
	return true
}
