package decoders

// Counter is one of Suricata's per-header decoder counters (its stats decoder.ipv4,
// decoder.vlan …). Each counts the headers of its kind the decoder entered, so a tunnelled
// packet counts its outer and its inner headers both, as Suricata's tunnel pseudo-packets do:
// 42 GRE packets carrying IPv4 make decoder.ipv4 84.
type Counter uint8

// Decoder counters. The order is Nightjar's own; only the names are a contract.
const (
	CountEthernet Counter = iota
	CountARP
	CountVLAN        // first VLAN tag of a packet
	CountVLANQinQ    // second
	CountVLANQinQinQ // third
	CountIEEE8021ah
	CountVNTag
	CountNSH
	CountMPLS
	CountPPP
	CountPPPoE
	CountCHDLC
	CountRaw
	CountNull
	CountSLL
	CountSLL2
	CountIPv4
	CountIPv6
	CountTCP
	CountUDP
	CountSCTP
	CountICMPv4
	CountICMPv6
	CountGRE
	CountERSPAN
	CountVXLAN
	CountGeneve
	CountTeredo
	CountGTPU
	CountIPv4InIPv4
	CountIPv6InIPv4
	CountIPv4InIPv6
	CountIPv6InIPv6
	NumCounters
)

// counterNames are the stats names below "decoder.".
var counterNames = [NumCounters]string{
	CountEthernet:    "ethernet",
	CountARP:         "arp",
	CountVLAN:        "vlan",
	CountVLANQinQ:    "vlan_qinq",
	CountVLANQinQinQ: "vlan_qinqinq",
	CountIEEE8021ah:  "ieee8021ah",
	CountVNTag:       "vntag",
	CountNSH:         "nsh",
	CountMPLS:        "mpls",
	CountPPP:         "ppp",
	CountPPPoE:       "pppoe",
	CountCHDLC:       "chdlc",
	CountRaw:         "raw",
	CountNull:        "null",
	CountSLL:         "sll",
	CountSLL2:        "sll2",
	CountIPv4:        "ipv4",
	CountIPv6:        "ipv6",
	CountTCP:         "tcp",
	CountUDP:         "udp",
	CountSCTP:        "sctp",
	CountICMPv4:      "icmpv4",
	CountICMPv6:      "icmpv6",
	CountGRE:         "gre",
	CountERSPAN:      "erspan",
	CountVXLAN:       "vxlan",
	CountGeneve:      "geneve",
	CountTeredo:      "teredo",
	CountGTPU:        "gtpu",
	CountIPv4InIPv4:  "ipv4_in_ipv4",
	CountIPv6InIPv4:  "ipv6_in_ipv4",
	CountIPv4InIPv6:  "ipv4_in_ipv6",
	CountIPv6InIPv6:  "ipv6_in_ipv6",
}

// String is the counter's stats name without the "decoder." prefix ("ipv4", "vlan_qinq" …).
func (c Counter) String() string {
	if c < NumCounters {
		return counterNames[c]
	}
	return "unknown"
}

// tunnelCounter is the counter a tunnel kind bumps when its inner packet is set up. GRE and
// ERSPAN count in their own decoders, when their header is met, as Suricata's do.
func tunnelCounter(k TunnelKind) (Counter, bool) {
	switch k {
	case TunnelVXLAN:
		return CountVXLAN, true
	case TunnelGeneve:
		return CountGeneve, true
	case TunnelTeredo:
		return CountTeredo, true
	case TunnelGTPU:
		return CountGTPU, true
	case TunnelIPIP:
		return CountIPv4InIPv4, true
	case TunnelIP6in4:
		return CountIPv6InIPv4, true
	case TunnelIP4in6:
		return CountIPv4InIPv6, true
	case TunnelIP6in6:
		return CountIPv6InIPv6, true
	}
	return 0, false
}

// count bumps one decoder counter.
func (d *Decoder) count(c Counter) { d.Stats.PerCounter[c]++ }
