package decoders

import "strconv"

var linkTypeNames = map[LinkType]string{
	LinkNull:              "null",
	LinkEthernet:          "ethernet",
	LinkPPP:               "ppp",
	LinkRaw:               "raw",
	LinkRawDLT12:          "raw",
	LinkRawDLT14:          "raw",
	LinkPPPHDLC:           "ppp-hdlc",
	LinkCHDLC:             "chdlc",
	LinkFrameRelay:        "frelay",
	LinkLoop:              "loop",
	LinkLinuxSLL:          "linux-sll",
	LinkNFLOG:             "nflog",
	LinkIPv4:              "ipv4",
	LinkIPv6:              "ipv6",
	LinkLinuxSLL2:         "linux-sll2",
	LinkIEEE80211Radiotap: "ieee802.11-radiotap",
	LinkIEEE80211:         "ieee802.11",
}

// LinkTypeName is a short name for a link type ("ethernet", "linux-sll" …), or
// "linktype-N" for one without a name.
func LinkTypeName(lt LinkType) string {
	if n, ok := linkTypeNames[lt]; ok {
		return n
	}
	return "linktype-" + strconv.FormatUint(uint64(lt), 10)
}

var tunnelNames = [NumTunnelKinds]string{
	TunnelNone:    "none",
	TunnelGRE:     "gre",
	TunnelERSPAN1: "erspan1",
	TunnelERSPAN2: "erspan2",
	TunnelERSPAN3: "erspan3",
	TunnelVXLAN:   "vxlan",
	TunnelGeneve:  "geneve",
	TunnelTeredo:  "teredo",
	TunnelGTPU:    "gtpu",
	TunnelIPIP:    "ipv4_in_ipv4",
	TunnelIP6in4:  "ipv6_in_ipv4",
	TunnelIP4in6:  "ipv4_in_ipv6",
	TunnelIP6in6:  "ipv6_in_ipv6",
}

// String names the tunnel kind as the decoder counters do.
func (k TunnelKind) String() string {
	if k < NumTunnelKinds {
		return tunnelNames[k]
	}
	return "tunnel-" + strconv.Itoa(int(k))
}
