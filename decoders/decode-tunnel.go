package decoders

import (
	"encoding/binary"
	"slices"
)

// defaultMaxRecursion applies when a Config leaves MaxRecursion zero (Suricata's decoder.max-layers).
const defaultMaxRecursion = 16

// enterTunnel makes p ready for the decode of inner, what a tunnel of the given kind carries:
// one level deeper, the outer L3/L4 view cleared so the inner decode starts clean (also for
// inner frames that carry no IP), L2 context, VLAN ids and earlier events kept. Past the
// configured nesting limit it refuses, with Suricata's decoder.too_many_layers. It bumps the
// kind's decoder counter where Suricata counts on setting up the inner packet;
// Stats.PerTunnel counts the innermost kind once per packet.
func (d *Decoder) enterTunnel(p *Packet, kind TunnelKind, inner []byte) bool {
	limit := d.cfg.MaxRecursion
	if limit == 0 {
		limit = defaultMaxRecursion
	}
	if p.Recursion >= limit {
		p.AddEvent(EventTooManyLayers)
		return false
	}
	if p.Recursion == 0 {
		p.Outer = OuterTuple{Src: p.Src, Dst: p.Dst, SrcPort: p.SrcPort, DstPort: p.DstPort, Proto: p.IPProto}
	}
	p.Recursion++
	p.Tunnel = kind
	p.TunnelLen = len(inner)
	if c, ok := tunnelCounter(kind); ok {
		d.count(c)
	}
	p.resetL3()
	return true
}

// decodeUDPTunnel decodes b (a UDP payload) as VXLAN, Geneve, Teredo or GTP-U when the ports
// say so, and reports whether it did; the caller then leaves the packet to the inner decode.
// Teredo goes first and matches either port, as in Suricata; the others match the destination.
func (d *Decoder) decodeUDPTunnel(p *Packet, b []byte) bool {
	if (slices.Contains(d.cfg.TeredoPorts, p.SrcPort) || slices.Contains(d.cfg.TeredoPorts, p.DstPort)) && d.decodeTeredo(p, b) {
		return true
	}
	if slices.Contains(d.cfg.GenevePorts, p.DstPort) && d.decodeGeneve(p, b) {
		return true
	}
	if slices.Contains(d.cfg.VXLANPorts, p.DstPort) && d.decodeVXLAN(p, b) {
		return true
	}
	return slices.Contains(d.cfg.GTPUPorts, p.DstPort) && d.decodeGTPU(p, b)
}

// UDPTunnelPort reports whether a UDP datagram between these ports would be tried as one of the
// configured UDP encapsulations (Teredo on either port, the others on the destination).
func (d *Decoder) UDPTunnelPort(sport, dport uint16) bool {
	return slices.Contains(d.cfg.TeredoPorts, sport) || slices.Contains(d.cfg.TeredoPorts, dport) ||
		slices.Contains(d.cfg.GenevePorts, dport) || slices.Contains(d.cfg.VXLANPorts, dport) ||
		slices.Contains(d.cfg.GTPUPorts, dport)
}

// decodeIPTunnel decodes IP-in-IP (proto 4) and IPv6-in-IP (proto 41); b is the inner packet.
// Over IPv6 the inner header is checked first, with Suricata's ipv4_in_ipv6 / ipv6_in_ipv6
// events; over IPv4 Suricata hands the bytes straight to the inner decoder, and so do we.
func (d *Decoder) decodeIPTunnel(p *Packet, proto uint8, b []byte) {
	outer6 := p.Has(HasIPv6) && !p.Has(HasIPv4)
	if len(p.L3) > 0 {
		outer6 = p.L3[0]>>4 == 6
	}
	switch proto {
	case 4:
		kind := TunnelIPIP
		if outer6 {
			kind = TunnelIP4in6
			if len(b) < 20 {
				p.AddEvent(EventIPv4InIPv6TooSmall)
				return
			}
			if b[0]>>4 != 4 {
				p.AddEvent(EventIPv4InIPv6WrongIPVer)
				return
			}
		}
		if d.enterTunnel(p, kind, b) {
			d.decodeIPv4(p, b)
		}
	case 41:
		kind := TunnelIP6in4
		if outer6 {
			kind = TunnelIP6in6
			if len(b) < 40 {
				p.AddEvent(EventIPv6InIPv6TooSmall)
				return
			}
			if b[0]>>4 != 6 {
				p.AddEvent(EventIPv6InIPv6WrongIPVer)
				return
			}
		}
		if d.enterTunnel(p, kind, b) {
			d.decodeIPv6(p, b)
		}
	}
}

// decodeTunnelIP decodes a raw IP packet that a tunnel carries without naming its version.
func (d *Decoder) decodeTunnelIP(p *Packet, kind TunnelKind, b []byte) bool {
	if len(b) == 0 || (b[0]>>4 != 4 && b[0]>>4 != 6) {
		return false
	}
	if !d.enterTunnel(p, kind, b) {
		return false
	}
	if b[0]>>4 == 4 {
		d.decodeIPv4(p, b)
	} else {
		d.decodeIPv6(p, b)
	}
	return true
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
