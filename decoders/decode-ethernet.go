package decoders

import "encoding/binary"

// EtherType values the decoders dispatch on.
const (
	EtherTypeIPv4      = 0x0800
	EtherTypeARP       = 0x0806
	EtherTypeTEB       = 0x6558 // transparent Ethernet bridging: an Ethernet frame follows
	EtherTypeRARP      = 0x8035
	EtherTypeVLAN      = 0x8100 // 802.1Q
	EtherTypeIPv6      = 0x86dd
	EtherTypeMPLS      = 0x8847
	EtherTypeMPLSMcast = 0x8848
	EtherTypePPPoEDisc = 0x8863
	EtherTypePPPoESess = 0x8864
	EtherTypeQinQ      = 0x88a8 // 802.1ad service tag
	EtherType8021AH    = 0x88e7 // 802.1ah provider backbone bridging (MAC-in-MAC)
	EtherTypeVNTag     = 0x8926
	EtherTypeDCE       = 0x8903 // Cisco data center Ethernet: a 2-byte header, then an Ethernet frame
	EtherTypeQinQ9100  = 0x9100 // pre-standard QinQ, still common on Cisco and Juniper gear
	EtherTypeQinQ9200  = 0x9200
)

const (
	ethernetHeaderLen = 14
	vlanHeaderLen     = 4
	ieee8021ahLen     = 18 // I-TAG (4) + customer destination and source MACs (12) + EtherType (2)
	vntagHeaderLen    = 6  // tag (4) + EtherType (2)
	dceHeaderLen      = 2
	maxEthernetLength = 1500
)

// decodeEthernet decodes an Ethernet II or IEEE 802.3 frame. Tunnels (VXLAN, Geneve, GRE TEB,
// ERSPAN) call it for their inner frame; the inner MACs then replace the outer ones.
func (d *Decoder) decodeEthernet(p *Packet, b []byte) {
	d.count(CountEthernet)
	if len(b) < ethernetHeaderLen {
		p.AddEvent(EventEthernetPktTooSmall)
		return
	}
	if d.depth++; d.depth > maxLinkDepth {
		p.AddEvent(EventTooManyLayers)
		return
	}
	p.Layers |= HasEthernet
	copy(p.EthDst[:], b[0:6])
	copy(p.EthSrc[:], b[6:12])
	d.decodeEtherType(p, binary.BigEndian.Uint16(b[12:]), b[ethernetHeaderLen:], EventNone)
}

// decodeEtherType hands b to the decoder for et. unknown is the event to raise when no decoder
// takes et (VLAN and VNTag have one; a bare Ethernet frame only counts it, as Suricata does).
func (d *Decoder) decodeEtherType(p *Packet, et uint16, b []byte, unknown Event) {
	switch et {
	case EtherTypeIPv4:
		d.decodeIPv4(p, b)
	case EtherTypeIPv6:
		d.decodeIPv6(p, b)
	case EtherTypeVLAN, EtherTypeQinQ, EtherTypeQinQ9100, EtherTypeQinQ9200:
		d.decodeVLAN(p, b)
	case EtherTypeMPLS, EtherTypeMPLSMcast:
		d.decodeMPLS(p, b)
	case EtherTypePPPoESess:
		d.decodePPPoESession(p, b)
	case EtherTypePPPoEDisc:
		d.decodePPPoEDiscovery(p, b)
	case EtherTypeARP, EtherTypeRARP:
		d.count(CountARP)
		p.Layers |= HasARP
	case EtherType8021AH:
		d.decode8021AH(p, b)
	case EtherTypeVNTag:
		d.decodeVNTag(p, b)
	case EtherTypeNSH:
		d.decodeNSH(p, b)
	case EtherTypeDCE:
		// Suricata wants room for the inner Ethernet header before it looks inside.
		if len(b) < dceHeaderLen+ethernetHeaderLen {
			p.AddEvent(EventDCEPktTooSmall)
			return
		}
		d.decodeEthernet(p, b[dceHeaderLen:])
	case EtherTypeTEB:
		d.decodeEthernet(p, b)
	default:
		if et <= maxEthernetLength {
			// An 802.3 length field: LLC follows.
			if int(et) < len(b) {
				b = b[:et]
			}
			d.decodeLLC(p, b)
			return
		}
		d.Stats.UnknownEtherType++
		if unknown != EventNone {
			p.AddEvent(unknown)
		}
	}
}

// decodeLLC looks into an 802.2 LLC header. SNAP with the Ethernet OUI carries an EtherType
// (IP over 802.3, as some routers and FDDI bridges send it); everything else (STP, CDP, NetBIOS,
// IPX) is recognised and counted, and is not an error.
func (d *Decoder) decodeLLC(p *Packet, b []byte) {
	if len(b) >= 8 && b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03 &&
		b[3] == 0 && (b[4] == 0 && (b[5] == 0 || b[5] == 0xf8)) {
		if et := binary.BigEndian.Uint16(b[6:]); et > maxEthernetLength {
			d.decodeEtherType(p, et, b[8:], EventNone)
			return
		}
	}
	p.Layers |= HasLLC
}

// decodeVLAN decodes one 802.1Q / 802.1ad tag; stacked tags come back here through
// decodeEtherType, so QinQ needs nothing special.
func (d *Decoder) decodeVLAN(p *Packet, b []byte) {
	if p.VLANCount < 3 {
		d.count(CountVLAN + Counter(p.VLANCount)) // vlan, vlan_qinq, vlan_qinqinq by depth
	}
	if len(b) < vlanHeaderLen {
		p.AddEvent(EventVLANHeaderTooSmall)
		return
	}
	if p.VLANCount >= MaxVLAN {
		// Suricata keys flows on three ids and refuses deeper stacks as invalid.
		p.AddEvent(EventVLANTooManyLayers)
		return
	}
	p.Layers |= HasVLAN
	p.VLAN[p.VLANCount] = binary.BigEndian.Uint16(b) & 0x0fff
	p.VLANCount++
	d.decodeEtherType(p, binary.BigEndian.Uint16(b[2:]), b[vlanHeaderLen:], EventVLANUnknownType)
}

// decode8021AH skips a provider backbone I-TAG and the customer MAC addresses behind it.
func (d *Decoder) decode8021AH(p *Packet, b []byte) {
	d.count(CountIEEE8021ah)
	if len(b) < ieee8021ahLen {
		p.AddEvent(EventIEEE8021ahHeaderTooSmall)
		return
	}
	d.decodeEtherType(p, binary.BigEndian.Uint16(b[16:]), b[ieee8021ahLen:], EventNone)
}

// decodeVNTag skips a Cisco VN-Tag.
func (d *Decoder) decodeVNTag(p *Packet, b []byte) {
	d.count(CountVNTag)
	if len(b) < vntagHeaderLen {
		p.AddEvent(EventVNTagHeaderTooSmall)
		return
	}
	d.decodeEtherType(p, binary.BigEndian.Uint16(b[4:]), b[vntagHeaderLen:], EventVNTagUnknownType)
}
