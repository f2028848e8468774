package decoders

// GRE header flag bits (RFC 1701/2784, and RFC 2637 for PPTP's enhanced GRE, version 1).
const (
	greChecksum   = 0x80 // first byte
	greRouting    = 0x40
	greKey        = 0x20
	greSeq        = 0x10
	greStrictSR   = 0x08
	greRecurMask  = 0x07
	greAck        = 0x80 // second byte, version 1
	greFlagsMask  = 0x78 // second byte: must be zero
	greVersionMsk = 0x07

	greProtoPPP      = 0x880b
	greProtoERSPAN   = 0x88be // type II, or type I when the sequence bit is clear
	greProtoERSPAN3  = 0x22eb
	greProtoTEB      = 0x6558 // transparent Ethernet bridging
	etherTypeIPv4    = 0x0800
	etherTypeIPv6    = 0x86dd
	etherTypeARP     = 0x0806
	etherTypeVLAN    = 0x8100
	etherTypeQinQ    = 0x88a8
	etherTypeQinQOld = 0x9100
)

// decodeGRE decodes a GRE header (b starts at it) and whatever it carries. Header checks and
// their events follow Suricata's GRE decoder: version 0 with optional checksum, key, sequence
// and source-route entries; version 1 (PPTP) must carry PPP with a key and nothing else.
func (d *Decoder) decodeGRE(p *Packet, b []byte) {
	d.count(CountGRE)
	if len(b) < 4 {
		p.AddEvent(EventGREPktTooSmall)
		return
	}
	p.Layers |= HasGRE
	f0, f1, proto := b[0], b[1], be16(b[2:])
	hl := 4
	switch f1 & greVersionMsk {
	case 0:
		if f0&greRecurMask != 0 {
			p.AddEvent(EventGREVersion0Recur)
			return
		}
		if f1&greFlagsMask != 0 {
			p.AddEvent(EventGREVersion0Flags)
			return
		}
		if f0&(greChecksum|greRouting) != 0 {
			hl += 4 // checksum and offset travel together
		}
		if f0&greKey != 0 {
			hl += 4
		}
		if f0&greSeq != 0 {
			hl += 4
		}
		if hl > len(b) {
			p.AddEvent(EventGREVersion0HdrTooBig)
			return
		}
		if f0&greRouting != 0 {
			// Source route entries, ended by one with address family 0 and length 0.
			for {
				if hl+4 > len(b) {
					p.AddEvent(EventGREVersion0MalformedSREHdr)
					return
				}
				af, l := be16(b[hl:]), int(b[hl+3])
				hl += 4
				if af == 0 && l == 0 {
					break
				}
				if hl += l; hl > len(b) {
					p.AddEvent(EventGREVersion0MalformedSREHdr)
					return
				}
			}
		}
	case 1:
		var ev Event
		if hl, ev = greV1HeaderLen(f0, f1, proto, len(b)); ev != EventNone {
			p.AddEvent(ev)
			return
		}
	default:
		p.AddEvent(EventGREWrongVersion)
		return
	}
	d.decodeGREPayload(p, proto, f0&greSeq != 0, b[hl:])
}

// greV1HeaderLen checks an enhanced (PPTP) GRE header and returns its length, or the event that
// condemns it.
func greV1HeaderLen(f0, f1 byte, proto uint16, n int) (int, Event) {
	switch {
	case f0&greChecksum != 0:
		return 0, EventGREVersion1Chksum
	case f0&greRouting != 0:
		return 0, EventGREVersion1Route
	case f0&greStrictSR != 0:
		return 0, EventGREVersion1SSR
	case f0&greRecurMask != 0:
		return 0, EventGREVersion1Recur
	case f1&greFlagsMask != 0:
		return 0, EventGREVersion1Flags
	case proto != greProtoPPP:
		return 0, EventGREVersion1WrongProtocol
	case f0&greKey == 0:
		return 0, EventGREVersion1NoKey
	}
	hl := 8 // base header, then payload length and call id
	if f0&greSeq != 0 {
		hl += 4
	}
	if f1&greAck != 0 {
		hl += 4
	}
	if hl > n {
		return 0, EventGREVersion1HdrTooBig
	}
	return hl, EventNone
}

// decodeGREPayload dispatches on the GRE protocol type.
func (d *Decoder) decodeGREPayload(p *Packet, proto uint16, seq bool, b []byte) {
	switch proto {
	case etherTypeIPv4:
		if d.enterTunnel(p, TunnelGRE, b) {
			d.decodeIPv4(p, b)
		}
	case etherTypeIPv6:
		if d.enterTunnel(p, TunnelGRE, b) {
			d.decodeIPv6(p, b)
		}
	case greProtoTEB:
		if d.enterTunnel(p, TunnelGRE, b) {
			d.decodeEthernet(p, b)
		}
	case EtherTypeNSH:
		if d.enterTunnel(p, TunnelGRE, b) {
			d.decodeNSH(p, b)
		}
	case greProtoPPP:
		// PPTP control acknowledgements carry no payload at all.
		if len(b) > 0 && d.enterTunnel(p, TunnelGRE, b) {
			d.decodePPPLink(p, b)
		}
	case greProtoERSPAN:
		// Type II sets the GRE sequence bit; type I has neither it nor an ERSPAN header.
		switch {
		case seq:
			d.decodeERSPAN2(p, b)
		case d.cfg.ERSPANTypeI:
			d.count(CountERSPAN)
			if d.enterTunnel(p, TunnelERSPAN1, b) {
				d.decodeEthernet(p, b)
			}
		}
	case greProtoERSPAN3:
		d.decodeERSPAN3(p, b)
	}
}
