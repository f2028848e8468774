package decoders

import "net/netip"

// LinkType is a pcap LINKTYPE_* value: it says how the first byte of a frame is to be read.
type LinkType uint32

// Link types Nightjar decodes. Values are the pcap LINKTYPE_* numbers.
const (
	LinkNull       LinkType = 0   // BSD loopback: 4-byte address family in host order
	LinkEthernet   LinkType = 1   // Ethernet II / 802.3
	LinkPPP        LinkType = 9   // PPP, RFC 1661 framing
	LinkRawDLT12   LinkType = 12  // DLT_RAW as most BSDs and some pcaps number it
	LinkRawDLT14   LinkType = 14  // DLT_RAW as OpenBSD numbers it
	LinkRaw        LinkType = 101 // raw IPv4 or IPv6, version nibble decides
	LinkPPPHDLC    LinkType = 50  // PPP in HDLC-like framing
	LinkCHDLC      LinkType = 104 // Cisco HDLC
	LinkFrameRelay LinkType = 107 // Frame Relay
	LinkLoop       LinkType = 108 // OpenBSD loopback: address family in network order
	LinkLinuxSLL   LinkType = 113 // Linux cooked capture v1
	LinkNFLOG      LinkType = 239 // Linux netfilter NFLOG
	LinkIPv4       LinkType = 228 // raw IPv4
	LinkIPv6       LinkType = 229 // raw IPv6
	LinkLinuxSLL2  LinkType = 276 // Linux cooked capture v2
)

// Layer flags say which headers a Packet carries.
type Layers uint32

const (
	HasEthernet Layers = 1 << iota
	HasVLAN
	HasMPLS
	HasPPPoE
	HasARP
	HasIPv4
	HasIPv6
	HasTCP
	HasUDP
	HasICMPv4
	HasICMPv6
	HasSCTP
	HasGRE
	IsFragment    // an IP fragment that has not (yet) been reassembled
	IsReassembled // the packet is the product of IPv4/IPv6 defragmentation
	HasLLC        // an IEEE 802.3 frame with an 802.2 LLC header that carries no IP (STP, CDP …)
	HasPPP        // a PPP header (PPP link types, PPPoE session)
	HasWiFi       // an IEEE 802.11 frame (monitor-mode captures)
	// InUDPTunnel: the packet came out of a UDP encapsulation (Teredo, VXLAN, Geneve, GTP-U),
	// whose outer datagram Suricata also counts in a UDP flow of its own.
	InUDPTunnel
)

// IPv4 option kinds seen, one bit each in Packet.IPv4Opts.
const (
	IPOptEOL     uint16 = 1 << iota // 0, end of option list
	IPOptNOP                        // 1
	IPOptRR                         // 7, record route
	IPOptTS                         // 68, timestamp
	IPOptQS                         // 25, quick-start
	IPOptLSRR                       // 131, loose source route
	IPOptSSRR                       // 137, strict source route
	IPOptSID                        // 136, stream id
	IPOptSEC                        // 130, security (RFC 1108)
	IPOptCIPSO                      // 134, commercial security
	IPOptRTRALT                     // 148, router alert
	IPOptUnknown                    // any other kind
)

// IPv6 extension headers seen, one bit each in Packet.IPv6Exts.
const (
	IPv6ExtHopByHop uint16 = 1 << iota // 0
	IPv6ExtRouting                     // 43
	IPv6ExtFragment                    // 44
	IPv6ExtDestOpts                    // 60
	IPv6ExtAH                          // 51
	IPv6ExtESP                         // 50; decoding stops at it
	IPv6ExtMobility                    // 135
	IPv6ExtHIP                         // 139
	IPv6ExtShim6                       // 140
	IPv6ExtNoNext                      // 59
)

// TunnelKind names an encapsulation the decoder went through to reach the inner packet.
type TunnelKind uint8

const (
	TunnelNone TunnelKind = iota
	TunnelGRE
	TunnelERSPAN1
	TunnelERSPAN2
	TunnelERSPAN3
	TunnelVXLAN
	TunnelGeneve
	TunnelTeredo
	TunnelGTPU
	TunnelIPIP   // IPv4 in IPv4
	TunnelIP6in4 // IPv6 in IPv4
	TunnelIP4in6 // IPv4 in IPv6
	TunnelIP6in6 // IPv6 in IPv6
	NumTunnelKinds
)

// MaxVLAN is how many VLAN tags are kept; Suricata keys flows on up to three.
const MaxVLAN = 3

// MaxEvents is how many decoder events one packet records; more are counted but not kept.
const MaxEvents = 8

// Packet is the decoded view of one frame. The byte slices point into the frame (or, for a
// reassembled fragment, into the decoder's reassembly buffer) and are valid only until the
// next packet is decoded with the same Decoder. A Packet is reused; Decode resets it.
type Packet struct {
	Data     []byte   // the frame as captured
	WireLen  int      // original length on the wire (may exceed len(Data) when snapped)
	Time     int64    // capture time, Unix nanoseconds
	LinkType LinkType // link type of Data
	Layers   Layers

	// L2 context.
	EthSrc, EthDst [6]byte
	VLAN           [MaxVLAN]uint16
	VLANCount      uint8

	// Tunnel context: how deep the inner packet sits and what carried it (innermost tunnel).
	Recursion uint8 // number of tunnel layers decoded; part of the flow key, as in Suricata
	Tunnel    TunnelKind
	// TunnelLen is how many bytes the innermost tunnel carried (its inner frame or packet to the
	// end): the size of Suricata's tunnel pseudo-packet. See FlowLen.
	TunnelLen int
	// Outer is the outermost IP header's tuple of a tunnelled packet (Suricata's root packet,
	// which EVE shows as an alert's tunnel object); zero when the packet is not tunnelled.
	Outer OuterTuple

	// L3 of the innermost IP header.
	Src, Dst netip.Addr
	IPProto  uint8  // L4 protocol number (after IPv6 extension headers)
	TTL      uint8  // TTL or hop limit
	TOS      uint8  // TOS or traffic class
	IPID     uint32 // IPv4 id, or IPv6 fragment id
	FragOff  uint16 // fragment offset in bytes
	IPFlags  uint8  // IPv4 flags: 0x4 reserved, 0x2 DF, 0x1 MF
	IPv4Opts uint16 // bit per IPv4 option kind seen (see IPOpt*)
	IPv6Exts uint16 // bit per IPv6 extension header seen (see IPv6Ext*)
	L3       []byte // innermost IP header and everything after it
	L4       []byte // L4 header and everything after it

	// L4.
	SrcPort, DstPort uint16
	TCPFlags         uint8
	Seq, Ack         uint32
	Window           uint16
	TCPOpts          TCPOptions
	ICMPType         uint8
	ICMPCode         uint8
	ICMPID, ICMPSeq  uint16
	Payload          []byte // L4 payload (TCP/UDP/SCTP data, ICMP data)

	// Checksum verdicts (only set when validation ran).
	BadIPChecksum bool
	BadL4Checksum bool
	// ChecksumsIgnored says validation did not run on this packet (-k none, or auto once
	// offload was concluded): Suricata's PKT_IGNORE_CHECKSUM, which the checksum keywords read.
	ChecksumsIgnored bool

	// Decoder events (malformed headers and the like), in the order they were found.
	Events     [MaxEvents]Event
	EventCount uint8
	EventsLost uint8 // events past MaxEvents
}

// TCPOptions holds the TCP options the flow and stream trackers use.
type TCPOptions struct {
	MSS          uint16
	WScale       uint8
	HasMSS       bool
	HasWScale    bool
	SACKOK       bool
	HasSACK      bool
	HasTS        bool
	TSVal, TSEcr uint32
}

// TCP flag bits as they sit in the header.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
	TCPUrg = 0x20
	TCPEce = 0x40
	TCPCwr = 0x80
)

// AddEvent records a decoder event on the packet.
func (p *Packet) AddEvent(e Event) {
	if p.EventCount < MaxEvents {
		p.Events[p.EventCount] = e
		p.EventCount++
		return
	}
	if p.EventsLost < 255 {
		p.EventsLost++
	}
}

// FlowLen is the length flows count for the packet, as Suricata does: the captured frame, or
// for a tunnelled packet only what the innermost tunnel carried, since there the flow sees the
// tunnel's pseudo-packet and not the outer frame.
func (p *Packet) FlowLen() int {
	if p.Recursion > 0 {
		return p.TunnelLen
	}
	return len(p.Data)
}

// Has reports whether every flag in l is set.
func (p *Packet) Has(l Layers) bool { return p.Layers&l == l }

// OuterTuple is the address, port and protocol view of a tunnel's outermost packet.
type OuterTuple struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}
