package flow

import (
	"encoding/binary"
	"math/bits"

	"github.com/nightjar-ids/nightjar/decoders"
)

// IP protocol numbers the flow table treats specially.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoESP    = 50
	protoICMPv6 = 58
	protoSCTP   = 132
)

// Key identifies a flow regardless of direction: the two endpoints are stored in a fixed order
// (the numerically lower address:port first), so a packet and its reply build the same Key.
// It is a plain value; compare with ==.
//
// For TCP, UDP and SCTP the ports are the transport ports. For ICMP queries (echo, timestamp …)
// the "ports" are the message type of the sender and its counterpart type, which is how Suricata
// pairs a request with its reply while keeping unrelated ICMP exchanges between the same hosts
// apart. ICMPv4 destination-unreachable errors are keyed on the packet they quote, so they land
// in the flow that caused them. Other protocols carry no ports.
type Key struct {
	Addr      [2][16]byte // endpoint addresses; IPv4 in IPv4-mapped form
	Port      [2]uint16   // port (or ICMP type equivalent) of the endpoint with the same index
	VLAN      [decoders.MaxVLAN]uint16
	Proto     uint8
	Recursion uint8 // tunnel depth: the same tuple inside and outside a tunnel are different flows
	IPv6      bool
}

// Hash is a fast, direction-independent hash of k (the Key is already normalised). It packs the
// key into six words and mixes them multiplicatively; no allocation, no interface.
func (k *Key) Hash() uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	h = mix(h, binary.LittleEndian.Uint64(k.Addr[0][0:8]))
	h = mix(h, binary.LittleEndian.Uint64(k.Addr[0][8:16]))
	h = mix(h, binary.LittleEndian.Uint64(k.Addr[1][0:8]))
	h = mix(h, binary.LittleEndian.Uint64(k.Addr[1][8:16]))
	h = mix(h, uint64(k.Port[0])|uint64(k.Port[1])<<16|uint64(k.VLAN[0])<<32|uint64(k.VLAN[1])<<48)
	var v6 uint64
	if k.IPv6 {
		v6 = 1
	}
	h = mix(h, uint64(k.VLAN[2])|uint64(k.Proto)<<16|uint64(k.Recursion)<<24|v6<<32)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

func mix(h, w uint64) uint64 {
	h ^= w * 0x87c37b91114253d5
	h = bits.RotateLeft64(h, 31)
	return h * 0x4cf5ad432745937f
}

// keyInfo is a packet's key plus where the packet sits in it.
type keyInfo struct {
	key Key
	// from is the endpoint index (0 or 1) the packet was sent by; 2 when the sender is neither
	// endpoint (an ICMP error from a router on the path).
	from uint8
	// icmpError: an ICMPv4 destination-unreachable keyed on the packet it quotes. It may join an
	// existing flow but never creates one, as in Suricata.
	icmpError bool
	icmpType  uint8
	icmpCode  uint8
}

// keyFromPacket builds the flow key of p. It reports false for packets that are not flow
// material: no IP layer, an un-reassembled fragment, a protocol Suricata makes no flow for,
// or an ICMPv4 error with nothing to join.
func keyFromPacket(p *decoders.Packet, ki *keyInfo) bool {
	if p.Layers&decoders.IsFragment != 0 || p.Layers&(decoders.HasIPv4|decoders.HasIPv6) == 0 {
		return false
	}
	if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4() {
		return false
	}
	k := &ki.key
	k.IPv6 = !p.Src.Is4()
	k.Proto = p.IPProto
	k.Recursion = p.Recursion
	n := min(int(p.VLANCount), decoders.MaxVLAN)
	copy(k.VLAN[:n], p.VLAN[:n])
	src, dst := p.Src.As16(), p.Dst.As16()
	var sp, dp uint16
	switch p.IPProto {
	default:
		// Suricata's decoders set a flow up only for TCP, UDP, ICMP, ICMPv6, SCTP and ESP:
		// IGMP, OSPF, PIM, AH … packets are inspected on their own and never logged as flows.
		return false
	case protoESP:
	case protoTCP:
		if p.Layers&decoders.HasTCP != 0 {
			sp, dp = p.SrcPort, p.DstPort
		}
	case protoUDP:
		if p.Layers&decoders.HasUDP != 0 {
			sp, dp = p.SrcPort, p.DstPort
		}
	case protoSCTP:
		if p.Layers&decoders.HasSCTP != 0 {
			sp, dp = p.SrcPort, p.DstPort
		}
	case protoICMP:
		if p.Layers&decoders.HasICMPv4 == 0 || k.IPv6 {
			break
		}
		ki.icmpType, ki.icmpCode = p.ICMPType, p.ICMPCode
		if icmp4IsError(p.ICMPType) {
			return keyFromICMPError(p, src, ki)
		}
		// Suricata compares ICMPv4 flows on the types only (CmpFlowICMPPacket).
		sp = uint16(p.ICMPType) << 8
		if c, ok := icmp4Counterpart(p.ICMPType); ok {
			dp = uint16(c) << 8
		}
	case protoICMPv6:
		if p.Layers&decoders.HasICMPv6 == 0 || !k.IPv6 {
			break
		}
		ki.icmpType, ki.icmpCode = p.ICMPType, p.ICMPCode
		// Suricata's ICMPv6 flows compare the (type, code) union that overlays the source port
		// and the counterpart type that overlays the destination port.
		sp = uint16(p.ICMPType)<<8 | uint16(p.ICMPCode)
		if c, ok := icmp6Counterpart(p.ICMPType); ok {
			dp = uint16(c) << 8
		}
	}
	ki.from = orderEndpoints(k, &src, &dst, sp, dp)
	return true
}

// orderEndpoints stores the endpoints in k lower first and returns the index the source got.
func orderEndpoints(k *Key, src, dst *[16]byte, sp, dp uint16) uint8 {
	if endpointLess(src, sp, dst, dp) {
		k.Addr[0], k.Addr[1] = *src, *dst
		k.Port[0], k.Port[1] = sp, dp
		return 0
	}
	k.Addr[0], k.Addr[1] = *dst, *src
	k.Port[0], k.Port[1] = dp, sp
	if *src == *dst && sp == dp {
		return 0 // both ends identical: every packet is "from" endpoint 0
	}
	return 1
}

// endpointLess orders (address, port) pairs; equal pairs compare as less so that a packet whose
// two ends are identical keeps its orientation.
func endpointLess(a *[16]byte, ap uint16, b *[16]byte, bp uint16) bool {
	a0, b0 := binary.BigEndian.Uint64(a[0:8]), binary.BigEndian.Uint64(b[0:8])
	if a0 != b0 {
		return a0 < b0
	}
	a1, b1 := binary.BigEndian.Uint64(a[8:16]), binary.BigEndian.Uint64(b[8:16])
	if a1 != b1 {
		return a1 < b1
	}
	return ap <= bp
}

// KeyOf is the flow key of p, and false when p is not flow material (see Table.Update).
func KeyOf(p *decoders.Packet) (Key, bool) {
	var ki keyInfo
	ok := keyFromPacket(p, &ki)
	return ki.key, ok
}
