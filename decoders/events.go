package decoders

import "strings"

// Event is a decoder event: something malformed or unusual in a header. Each has the name
// Suricata 7 gives it (decoder.ipv4.trunc_pkt …) so EVE anomaly events, decode-event rules and
// stats counters read the same. The few link layers Suricata does not decode from files
// (NFLOG, Frame Relay) have Nightjar names in the same style.
type Event uint16

// Decoder events. The order is Nightjar's own; only the names are a contract.
const (
	EventNone Event = iota
	EventIPv4PktTooSmall
	EventIPv4HlenTooSmall
	EventIPv4IPLenSmallerThanHlen
	EventIPv4TruncPkt
	EventIPv4OptInvalid
	EventIPv4OptInvalidLen
	EventIPv4OptMalformed
	EventIPv4OptPadRequired
	EventIPv4OptEOLRequired
	EventIPv4OptDuplicate
	EventIPv4OptUnknown
	EventIPv4WrongIPVer
	EventIPv4WithICMPv6
	EventIPv4FragPktTooLarge
	EventIPv4FragOverlap
	EventIPv4FragIgnored
	EventICMPv4PktTooSmall
	EventICMPv4UnknownType
	EventICMPv4UnknownCode
	EventICMPv4IPv4TruncPkt
	EventICMPv4IPv4UnknownVer
	EventICMPv6UnknownType
	EventICMPv6UnknownCode
	EventICMPv6PktTooSmall
	EventICMPv6IPv6UnknownVer
	EventICMPv6IPv6TruncPkt
	EventICMPv6MLDInvalidHL
	EventICMPv6UnassignedType
	EventICMPv6ExperimentationType
	EventIPv6PktTooSmall
	EventIPv6TruncPkt
	EventIPv6TruncExthdr
	EventIPv6ExthdrDuplFH
	EventIPv6ExthdrUselessFH
	EventIPv6ExthdrDuplRH
	EventIPv6ExthdrDuplHH
	EventIPv6ExthdrDuplDH
	EventIPv6ExthdrDuplAH
	EventIPv6ExthdrDuplEH
	EventIPv6ExthdrInvalidOptlen
	EventIPv6WrongIPVer
	EventIPv6ExthdrAHResNotNull
	EventIPv6HopoptsUnknownOpt
	EventIPv6HopoptsOnlyPadding
	EventIPv6DstoptsUnknownOpt
	EventIPv6DstoptsOnlyPadding
	EventIPv6RHType0
	EventIPv6ZeroLenPadN
	EventIPv6FHNonZeroResField
	EventIPv6DataAfterNoneHeader
	EventIPv6UnknownNextHeader
	EventIPv6WithICMPv4
	EventIPv6FragPktTooLarge
	EventIPv6FragOverlap
	EventIPv6FragInvalidLength
	EventIPv6FragIgnored
	EventIPv4InIPv6TooSmall
	EventIPv4InIPv6WrongIPVer
	EventIPv6InIPv6TooSmall
	EventIPv6InIPv6WrongIPVer
	EventTCPPktTooSmall
	EventTCPHlenTooSmall
	EventTCPInvalidOptlen
	EventTCPOptInvalidLen
	EventTCPOptDuplicate
	EventUDPPktTooSmall
	EventUDPHlenTooSmall
	EventUDPHlenInvalid
	EventUDPLenInvalid
	EventSCTPPktTooSmall
	EventESPPktTooSmall
	EventSLLPktTooSmall
	EventEthernetPktTooSmall
	EventPPPPktTooSmall
	EventPPPVJUPktTooSmall
	EventPPPIPv4PktTooSmall
	EventPPPIPv6PktTooSmall
	EventPPPWrongType
	EventPPPUnsupProto
	EventPPPoEPktTooSmall
	EventPPPoEWrongCode
	EventPPPoEMalformedTags
	EventGREPktTooSmall
	EventGREWrongVersion
	EventGREVersion0Recur
	EventGREVersion0Flags
	EventGREVersion0HdrTooBig
	EventGREVersion0MalformedSREHdr
	EventGREVersion1Chksum
	EventGREVersion1Route
	EventGREVersion1SSR
	EventGREVersion1Recur
	EventGREVersion1Flags
	EventGREVersion1NoKey
	EventGREVersion1WrongProtocol
	EventGREVersion1MalformedSREHdr
	EventGREVersion1HdrTooBig
	EventVLANHeaderTooSmall
	EventVLANUnknownType
	EventVLANTooManyLayers
	EventVNTagHeaderTooSmall
	EventVNTagUnknownType
	EventNSHHeaderTooSmall
	EventNSHUnsupportedVersion
	EventNSHBadHeaderLength
	EventNSHReservedType
	EventNSHUnsupportedType
	EventNSHUnknownPayload
	EventIEEE8021ahHeaderTooSmall
	EventIPRawInvalidIPVer
	EventLTNullPktTooSmall
	EventLTNullUnsupportedType
	EventMPLSHeaderTooSmall
	EventMPLSPktTooSmall
	EventMPLSBadLabelRouterAlert
	EventMPLSBadLabelImplicitNull
	EventMPLSBadLabelReserved
	EventMPLSUnknownPayloadType
	EventVXLANUnknownPayloadType
	EventGeneveUnknownPayloadType
	EventERSPANHeaderTooSmall
	EventERSPANUnsupportedVersion
	EventERSPANTooManyVLANLayers
	EventDCEPktTooSmall
	EventCHDLCPktTooSmall
	EventNFLOGPktTooSmall
	EventFrameRelayPktTooSmall
	EventTooManyLayers
	EventIEEE80211PktTooSmall
	NumEvents
)

var eventNames = [NumEvents]string{
	EventNone:                       "none",
	EventIPv4PktTooSmall:            "decoder.ipv4.pkt_too_small",
	EventIPv4HlenTooSmall:           "decoder.ipv4.hlen_too_small",
	EventIPv4IPLenSmallerThanHlen:   "decoder.ipv4.iplen_smaller_than_hlen",
	EventIPv4TruncPkt:               "decoder.ipv4.trunc_pkt",
	EventIPv4OptInvalid:             "decoder.ipv4.opt_invalid",
	EventIPv4OptInvalidLen:          "decoder.ipv4.opt_invalid_len",
	EventIPv4OptMalformed:           "decoder.ipv4.opt_malformed",
	EventIPv4OptPadRequired:         "decoder.ipv4.opt_pad_required",
	EventIPv4OptEOLRequired:         "decoder.ipv4.opt_eol_required",
	EventIPv4OptDuplicate:           "decoder.ipv4.opt_duplicate",
	EventIPv4OptUnknown:             "decoder.ipv4.opt_unknown",
	EventIPv4WrongIPVer:             "decoder.ipv4.wrong_ip_version",
	EventIPv4WithICMPv6:             "decoder.ipv4.icmpv6",
	EventIPv4FragPktTooLarge:        "decoder.ipv4.frag_pkt_too_large",
	EventIPv4FragOverlap:            "decoder.ipv4.frag_overlap",
	EventIPv4FragIgnored:            "decoder.ipv4.frag_ignored",
	EventICMPv4PktTooSmall:          "decoder.icmpv4.pkt_too_small",
	EventICMPv4UnknownType:          "decoder.icmpv4.unknown_type",
	EventICMPv4UnknownCode:          "decoder.icmpv4.unknown_code",
	EventICMPv4IPv4TruncPkt:         "decoder.icmpv4.ipv4_trunc_pkt",
	EventICMPv4IPv4UnknownVer:       "decoder.icmpv4.ipv4_unknown_ver",
	EventICMPv6UnknownType:          "decoder.icmpv6.unknown_type",
	EventICMPv6UnknownCode:          "decoder.icmpv6.unknown_code",
	EventICMPv6PktTooSmall:          "decoder.icmpv6.pkt_too_small",
	EventICMPv6IPv6UnknownVer:       "decoder.icmpv6.ipv6_unknown_version",
	EventICMPv6IPv6TruncPkt:         "decoder.icmpv6.ipv6_trunc_pkt",
	EventICMPv6MLDInvalidHL:         "decoder.icmpv6.mld_message_with_invalid_hl",
	EventICMPv6UnassignedType:       "decoder.icmpv6.unassigned_type",
	EventICMPv6ExperimentationType:  "decoder.icmpv6.experimentation_type",
	EventIPv6PktTooSmall:            "decoder.ipv6.pkt_too_small",
	EventIPv6TruncPkt:               "decoder.ipv6.trunc_pkt",
	EventIPv6TruncExthdr:            "decoder.ipv6.trunc_exthdr",
	EventIPv6ExthdrDuplFH:           "decoder.ipv6.exthdr_dupl_fh",
	EventIPv6ExthdrUselessFH:        "decoder.ipv6.exthdr_useless_fh",
	EventIPv6ExthdrDuplRH:           "decoder.ipv6.exthdr_dupl_rh",
	EventIPv6ExthdrDuplHH:           "decoder.ipv6.exthdr_dupl_hh",
	EventIPv6ExthdrDuplDH:           "decoder.ipv6.exthdr_dupl_dh",
	EventIPv6ExthdrDuplAH:           "decoder.ipv6.exthdr_dupl_ah",
	EventIPv6ExthdrDuplEH:           "decoder.ipv6.exthdr_dupl_eh",
	EventIPv6ExthdrInvalidOptlen:    "decoder.ipv6.exthdr_invalid_optlen",
	EventIPv6WrongIPVer:             "decoder.ipv6.wrong_ip_version",
	EventIPv6ExthdrAHResNotNull:     "decoder.ipv6.exthdr_ah_res_not_null",
	EventIPv6HopoptsUnknownOpt:      "decoder.ipv6.hopopts_unknown_opt",
	EventIPv6HopoptsOnlyPadding:     "decoder.ipv6.hopopts_only_padding",
	EventIPv6DstoptsUnknownOpt:      "decoder.ipv6.dstopts_unknown_opt",
	EventIPv6DstoptsOnlyPadding:     "decoder.ipv6.dstopts_only_padding",
	EventIPv6RHType0:                "decoder.ipv6.rh_type_0",
	EventIPv6ZeroLenPadN:            "decoder.ipv6.zero_len_padn",
	EventIPv6FHNonZeroResField:      "decoder.ipv6.fh_non_zero_reserved_field",
	EventIPv6DataAfterNoneHeader:    "decoder.ipv6.data_after_none_header",
	EventIPv6UnknownNextHeader:      "decoder.ipv6.unknown_next_header",
	EventIPv6WithICMPv4:             "decoder.ipv6.icmpv4",
	EventIPv6FragPktTooLarge:        "decoder.ipv6.frag_pkt_too_large",
	EventIPv6FragOverlap:            "decoder.ipv6.frag_overlap",
	EventIPv6FragInvalidLength:      "decoder.ipv6.frag_invalid_length",
	EventIPv6FragIgnored:            "decoder.ipv6.frag_ignored",
	EventIPv4InIPv6TooSmall:         "decoder.ipv6.ipv4_in_ipv6_too_small",
	EventIPv4InIPv6WrongIPVer:       "decoder.ipv6.ipv4_in_ipv6_wrong_version",
	EventIPv6InIPv6TooSmall:         "decoder.ipv6.ipv6_in_ipv6_too_small",
	EventIPv6InIPv6WrongIPVer:       "decoder.ipv6.ipv6_in_ipv6_wrong_version",
	EventTCPPktTooSmall:             "decoder.tcp.pkt_too_small",
	EventTCPHlenTooSmall:            "decoder.tcp.hlen_too_small",
	EventTCPInvalidOptlen:           "decoder.tcp.invalid_optlen",
	EventTCPOptInvalidLen:           "decoder.tcp.opt_invalid_len",
	EventTCPOptDuplicate:            "decoder.tcp.opt_duplicate",
	EventUDPPktTooSmall:             "decoder.udp.pkt_too_small",
	EventUDPHlenTooSmall:            "decoder.udp.hlen_too_small",
	EventUDPHlenInvalid:             "decoder.udp.hlen_invalid",
	EventUDPLenInvalid:              "decoder.udp.len_invalid",
	EventSCTPPktTooSmall:            "decoder.sctp.pkt_too_small",
	EventESPPktTooSmall:             "decoder.esp.pkt_too_small",
	EventSLLPktTooSmall:             "decoder.sll.pkt_too_small",
	EventEthernetPktTooSmall:        "decoder.ethernet.pkt_too_small",
	EventPPPPktTooSmall:             "decoder.ppp.pkt_too_small",
	EventPPPVJUPktTooSmall:          "decoder.ppp.vju_pkt_too_small",
	EventPPPIPv4PktTooSmall:         "decoder.ppp.ip4_pkt_too_small",
	EventPPPIPv6PktTooSmall:         "decoder.ppp.ip6_pkt_too_small",
	EventPPPWrongType:               "decoder.ppp.wrong_type",
	EventPPPUnsupProto:              "decoder.ppp.unsup_proto",
	EventPPPoEPktTooSmall:           "decoder.pppoe.pkt_too_small",
	EventPPPoEWrongCode:             "decoder.pppoe.wrong_code",
	EventPPPoEMalformedTags:         "decoder.pppoe.malformed_tags",
	EventGREPktTooSmall:             "decoder.gre.pkt_too_small",
	EventGREWrongVersion:            "decoder.gre.wrong_version",
	EventGREVersion0Recur:           "decoder.gre.version0_recur",
	EventGREVersion0Flags:           "decoder.gre.version0_flags",
	EventGREVersion0HdrTooBig:       "decoder.gre.version0_hdr_too_big",
	EventGREVersion0MalformedSREHdr: "decoder.gre.version0_malformed_sre_hdr",
	EventGREVersion1Chksum:          "decoder.gre.version1_chksum",
	EventGREVersion1Route:           "decoder.gre.version1_route",
	EventGREVersion1SSR:             "decoder.gre.version1_ssr",
	EventGREVersion1Recur:           "decoder.gre.version1_recur",
	EventGREVersion1Flags:           "decoder.gre.version1_flags",
	EventGREVersion1NoKey:           "decoder.gre.version1_no_key",
	EventGREVersion1WrongProtocol:   "decoder.gre.version1_wrong_protocol",
	EventGREVersion1MalformedSREHdr: "decoder.gre.version1_malformed_sre_hdr",
	EventGREVersion1HdrTooBig:       "decoder.gre.version1_hdr_too_big",
	EventVLANHeaderTooSmall:         "decoder.vlan.header_too_small",
	EventVLANUnknownType:            "decoder.vlan.unknown_type",
	EventVLANTooManyLayers:          "decoder.vlan.too_many_layers",
	EventVNTagHeaderTooSmall:        "decoder.vntag.header_too_small",
	EventVNTagUnknownType:           "decoder.vntag.unknown_type",
	EventNSHHeaderTooSmall:          "decoder.nsh.header_too_small",
	EventNSHUnsupportedVersion:      "decoder.nsh.unsupported_version",
	EventNSHBadHeaderLength:         "decoder.nsh.bad_header_length",
	EventNSHReservedType:            "decoder.nsh.reserved_type",
	EventNSHUnsupportedType:         "decoder.nsh.unsupported_type",
	EventNSHUnknownPayload:          "decoder.nsh.unknown_payload",
	EventIEEE8021ahHeaderTooSmall:   "decoder.ieee8021ah.header_too_small",
	EventIPRawInvalidIPVer:          "decoder.ipraw.invalid_ip_version",
	EventLTNullPktTooSmall:          "decoder.ltnull.pkt_too_small",
	EventLTNullUnsupportedType:      "decoder.ltnull.unsupported_type",
	EventMPLSHeaderTooSmall:         "decoder.mpls.header_too_small",
	EventMPLSPktTooSmall:            "decoder.mpls.pkt_too_small",
	EventMPLSBadLabelRouterAlert:    "decoder.mpls.bad_label_router_alert",
	EventMPLSBadLabelImplicitNull:   "decoder.mpls.bad_label_implicit_null",
	EventMPLSBadLabelReserved:       "decoder.mpls.bad_label_reserved",
	EventMPLSUnknownPayloadType:     "decoder.mpls.unknown_payload_type",
	EventVXLANUnknownPayloadType:    "decoder.vxlan.unknown_payload_type",
	EventGeneveUnknownPayloadType:   "decoder.geneve.unknown_payload_type",
	EventERSPANHeaderTooSmall:       "decoder.erspan.header_too_small",
	EventERSPANUnsupportedVersion:   "decoder.erspan.unsupported_version",
	EventERSPANTooManyVLANLayers:    "decoder.erspan.too_many_vlan_layers",
	EventDCEPktTooSmall:             "decoder.dce.pkt_too_small",
	EventCHDLCPktTooSmall:           "decoder.chdlc.pkt_too_small",
	EventNFLOGPktTooSmall:           "decoder.nflog.pkt_too_small",
	EventFrameRelayPktTooSmall:      "decoder.framerelay.pkt_too_small",
	EventTooManyLayers:              "decoder.too_many_layers",
	// Suricata has no 802.11 decoder; the name follows its pattern.
	EventIEEE80211PktTooSmall: "decoder.ieee802.11.pkt_too_small",
}

// eventWarnOnly marks the events Suricata raises without declaring the packet invalid
// (ENGINE_SET_EVENT rather than ENGINE_SET_INVALID_EVENT): odd but decodable headers.
var eventWarnOnly = [NumEvents]bool{
	EventIPv4OptInvalid:            true,
	EventIPv4OptPadRequired:        true,
	EventIPv4OptEOLRequired:        true,
	EventIPv4OptDuplicate:          true,
	EventIPv4FragOverlap:           true,
	EventIPv4FragIgnored:           true,
	EventICMPv4UnknownType:         true,
	EventICMPv4UnknownCode:         true,
	EventICMPv4IPv4TruncPkt:        true,
	EventICMPv4IPv4UnknownVer:      true,
	EventICMPv6UnknownType:         true,
	EventICMPv6UnknownCode:         true,
	EventICMPv6IPv6UnknownVer:      true,
	EventICMPv6IPv6TruncPkt:        true,
	EventICMPv6MLDInvalidHL:        true,
	EventICMPv6UnassignedType:      true,
	EventICMPv6ExperimentationType: true,
	EventIPv6ExthdrUselessFH:       true,
	EventIPv6ExthdrDuplRH:          true,
	EventIPv6ExthdrDuplHH:          true,
	EventIPv6ExthdrDuplDH:          true,
	EventIPv6ExthdrDuplAH:          true,
	EventIPv6ExthdrDuplEH:          true,
	EventIPv6ExthdrAHResNotNull:    true,
	EventIPv6HopoptsUnknownOpt:     true,
	EventIPv6HopoptsOnlyPadding:    true,
	EventIPv6DstoptsUnknownOpt:     true,
	EventIPv6DstoptsOnlyPadding:    true,
	EventIPv6RHType0:               true,
	EventIPv6ZeroLenPadN:           true,
	EventIPv6FHNonZeroResField:     true,
	EventIPv6DataAfterNoneHeader:   true,
	EventIPv6UnknownNextHeader:     true,
	EventIPv6FragOverlap:           true,
	EventIPv6FragIgnored:           true,
	EventTCPOptDuplicate:           true,
	EventPPPUnsupProto:             true,
	EventVLANUnknownType:           true,
	EventVNTagUnknownType:          true,
	EventNSHUnsupportedVersion:     true,
	EventNSHReservedType:           true,
	EventNSHUnsupportedType:        true,
	EventNSHUnknownPayload:         true,
	EventMPLSBadLabelRouterAlert:   true,
	EventMPLSBadLabelImplicitNull:  true,
	EventMPLSBadLabelReserved:      true,
	EventVXLANUnknownPayloadType:   true,
	EventGeneveUnknownPayloadType:  true,
}

// String is Suricata's name for the event.
func (e Event) String() string {
	if e < NumEvents {
		return eventNames[e]
	}
	return "decoder.unknown"
}

// StatsName is the event's counter name in Suricata's stats, where its decoder-events-prefix
// replaces "decoder.": decoder.ipv4.trunc_pkt counts as decoder.event.ipv4.trunc_pkt. The
// exception, decoder.too_many_layers, is Suricata's too: its table ends the per-packet events
// with that one and renames only the events before the end.
func (e Event) StatsName() string {
	n := e.String()
	if rest, ok := strings.CutPrefix(n, "decoder."); ok && e != EventTooManyLayers {
		return "decoder.event." + rest
	}
	return n
}

// Invalid reports whether the event makes the packet invalid in Suricata's sense (counted in
// Stats.Invalid); the others are warnings about headers that still decoded.
func (e Event) Invalid() bool { return e != EventNone && e < NumEvents && !eventWarnOnly[e] }

// eventByName indexes events by their full and their short (rule keyword) names.
var eventByName = func() map[string]Event {
	m := make(map[string]Event, 2*int(NumEvents))
	for e := EventNone + 1; e < NumEvents; e++ {
		name := eventNames[e]
		m[name] = e
		m[name[len("decoder."):]] = e
	}
	return m
}()

// EventByName finds an event by Suricata's name, with or without the "decoder." prefix, as the
// decode-event rule keyword writes it (decode-event:ipv4.trunc_pkt).
func EventByName(name string) (Event, bool) {
	e, ok := eventByName[name]
	return e, ok
}
