package export

import "strconv"

// protoNames are the IANA "Keyword" names of the assigned IP protocol numbers 0–143, the names
// Suricata writes in EVE's "proto". Numbers IANA gives no keyword get "Any", as Suricata does;
// numbers past the table (144 and up, including the experimental 253/254) are written in decimal.
// Suricata's table stops at 143 although IANA has since assigned 144 and 145; following Suricata
// keeps proto values identical between the two sensors.
var protoNames = [...]string{
	"HOPOPT", "ICMP", "IGMP", "GGP", "IP-in-IP", "ST", "TCP", "CBT", "EGP", "IGP", // 0–9
	"BBN-RCC-MON", "NVP-II", "PUP", "ARGUS", "EMCON", "XNET", "CHAOS", "UDP", "MUX", "DCN-MEAS", // 10–19
	"HMP", "PRM", "XNS-IDP", "TRUNK-1", "TRUNK-2", "LEAF-1", "LEAF-2", "RDP", "IRTP", "ISO-TP4", // 20–29
	"NETBLT", "MFE-NSP", "MERIT-INP", "DCCP", "3PC", "IDPR", "XTP", "DDP", "IDPR-CMTP", "TP++", // 30–39
	"IL", "IPv6", "SDRP", "IPv6-Route", "IPv6-Frag", "IDRP", "RSVP", "GRE", "DSR", "BNA", // 40–49
	"ESP", "AH", "I-NLSP", "SwIPe", "NARP", "MOBILE", "TLSP", "SKIP", "IPv6-ICMP", "IPv6-NoNxt", // 50–59
	"IPv6-Opts", "Any", "CFTP", "Any", "SAT-EXPAK", "KRYPTOLAN", "RVD", "IPPC", "Any", "SAT-MON", // 60–69
	"VISA", "IPCU", "CPNX", "CPHB", "WSN", "PVP", "BR-SAT-MON", "SUN-ND", "WB-MON", "WB-EXPAK", // 70–79
	"ISO-IP", "VMTP", "SECURE-VMTP", "VINES", "TTP", "NSFNET-IGP", "DGP", "TCF", "EIGRP", "OSPF", // 80–89
	"Sprite-RPC", "LARP", "MTP", "AX.25", "OS", "MICP", "SCC-SP", "ETHERIP", "ENCAP", "Any", // 90–99
	"GMTP", "IFMP", "PNNI", "PIM", "ARIS", "SCPS", "QNX", "A/N", "IPComp", "SNP", // 100–109
	"Compaq-Peer", "IPX-in-IP", "VRRP", "PGM", "Any", "L2TP", "DDX", "IATP", "STP", "SRP", // 110–119
	"UTI", "SMP", "SM", "PTP", "IS-IS", "FIRE", "CRTP", "CRUDP", "SSCOPMCE", "IPLT", // 120–129
	"SPS", "PIPE", "SCTP", "FC", "RSVP-E2E-IGNORE", "Mobility", "UDPLite", "MPLS-in-IP", "manet", "HIP", // 130–139
	"Shim6", "WESP", "ROHC", "Ethernet", // 140–143
}

// ProtoName is the EVE "proto" text for an IP protocol number.
func ProtoName(proto uint8) string {
	if int(proto) < len(protoNames) {
		return protoNames[proto]
	}
	return strconv.Itoa(int(proto))
}

func appendProtoName(dst []byte, proto uint8) []byte {
	if int(proto) < len(protoNames) {
		return append(dst, protoNames[proto]...)
	}
	return strconv.AppendUint(dst, uint64(proto), 10)
}
