package export

// AppendFlowJSON appends r as one EVE "flow" line (newline included) in the default format: UTC
// timestamps, IPv6 written as Suricata 7/8 do. It does not allocate beyond growing dst.
func AppendFlowJSON(dst []byte, r *FlowRecord) []byte { return defaultEVE.AppendFlow(dst, r) }

// AppendFlow appends r as one EVE "flow" line, newline included.
//
// The field order follows Suricata's flow logger (header, metadata, community_id, app_proto, flow,
// tcp) so that diffs against Suricata's eve.json stay readable. Zeek's conn_state and history have
// no home in Suricata's schema, whose objects are closed (additionalProperties: false) except for a
// few; they ride in metadata.flowvars, the open list Suricata uses for per-flow variables, and
// missed_bytes in metadata.flowints. The line therefore still validates against eve-schema.json.
func (f *EVEFormat) AppendFlow(dst []byte, r *FlowRecord) []byte {
	dst = f.appendHeader(dst, r.Timestamp, &r.Tuple, 0, "flow")
	if isICMP(r.Proto) && r.HasResponseICMP {
		dst = appendUintField(dst, "response_icmp_type", uint64(r.ResponseICMPType))
		dst = appendUintField(dst, "response_icmp_code", uint64(r.ResponseICMPCode))
	}
	dst = appendFlowMetadata(dst, r)
	dst = appendCommunityID(dst, &r.CommunityID)
	// Suricata omits app_proto while detection has not concluded and writes "failed" when it gave
	// up; the flow table hands over the name it settled on, so empty means "not logged".
	if r.AppProto != "" {
		dst = appendStringField(dst, "app_proto", r.AppProto)
	}
	if r.AppProtoOrig != "" && r.AppProtoOrig != r.AppProto {
		dst = appendStringField(dst, "app_proto_orig", r.AppProtoOrig)
	}

	dst = appendKey(dst, "flow")
	dst = append(dst, '{')
	dst = appendUintField(dst, "pkts_toserver", r.PktsToServer)
	dst = appendUintField(dst, "pkts_toclient", r.PktsToClient)
	dst = appendUintField(dst, "bytes_toserver", r.BytesToServer)
	dst = appendUintField(dst, "bytes_toclient", r.BytesToClient)
	// Suricata 7 writes the object for every bypassed flow, with zeros where the sensor itself
	// skipped the packets (bypass "local").
	if r.Bypassed {
		dst = appendKey(dst, "bypassed")
		dst = append(dst, '{')
		dst = appendUintField(dst, "pkts_toserver", r.BypassedPktsToServer)
		dst = appendUintField(dst, "pkts_toclient", r.BypassedPktsToClient)
		dst = appendUintField(dst, "bytes_toserver", r.BypassedBytesToServer)
		dst = appendUintField(dst, "bytes_toclient", r.BypassedBytesToClient)
		dst = closeObject(dst)
	}
	dst = f.appendTimeField(dst, "start", r.Start)
	dst = f.appendTimeField(dst, "end", r.End)
	dst = appendIntField(dst, "age", r.Age)
	if r.Bypass != "" {
		dst = appendStringField(dst, "bypass", r.Bypass)
	}
	if r.State != "" {
		dst = appendStringField(dst, "state", r.State)
	}
	reason := r.Reason
	if reason == "" {
		reason = "unknown" // what Suricata writes when no end reason was recorded
	}
	dst = appendStringField(dst, "reason", reason)
	dst = appendBoolField(dst, "alerted", r.Alerted)
	if r.Action != "" {
		dst = appendStringField(dst, "action", r.Action)
	}
	dst = closeObject(dst)

	// Suricata writes the tcp object for every TCP flow, with zero flags when no session existed.
	if r.HasTCP || r.Proto == protoTCP {
		dst = appendKey(dst, "tcp")
		dst = append(dst, '{')
		dst = appendHexFlags(dst, "tcp_flags", r.TCPFlags)
		dst = appendHexFlags(dst, "tcp_flags_ts", r.TCPFlagsTS)
		dst = appendHexFlags(dst, "tcp_flags_tc", r.TCPFlagsTC)
		dst = appendTCPFlagBools(dst, r.TCPFlags)
		if r.TCPState != "" {
			dst = appendStringField(dst, "state", r.TCPState)
		}
		dst = closeObject(dst)
	}
	return endLine(dst)
}

// TCP flag bits as they sit in the header's flags byte.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// tcpFlagNames lists the booleans EVE writes for the flags seen, in Suricata's order. Only flags
// that were seen are written (as true); absent means false.
var tcpFlagNames = [...]struct {
	bit  uint8
	name string
}{
	{tcpSYN, "syn"}, {tcpFIN, "fin"}, {tcpRST, "rst"}, {tcpPSH, "psh"},
	{tcpACK, "ack"}, {tcpURG, "urg"}, {tcpECE, "ecn"}, {tcpCWR, "cwr"},
}

func appendTCPFlagBools(dst []byte, flags uint8) []byte {
	for _, f := range tcpFlagNames {
		if flags&f.bit != 0 {
			dst = appendBoolField(dst, f.name, true)
		}
	}
	return dst
}

// appendHexFlags writes a flags byte as two lower-case hex digits, as Suricata's "%02x".
func appendHexFlags(dst []byte, key string, v uint8) []byte {
	const hexDigits = "0123456789abcdef"
	dst = appendKey(dst, key)
	return append(dst, '"', hexDigits[v>>4], hexDigits[v&15], '"', ',')
}

// appendFlowMetadata writes the flow's traffic object and its metadata: the detection
// variables (flowbits, flowints) and Zeek's conn_state, history and missed_bytes when the flow
// table filled them, as {"metadata":{"flowbits":[…],"flowvars":[{"conn_state":"SF"},
// {"history":"ShADadFf"}],"flowints":{…,"missed_bytes":0}}}.
func appendFlowMetadata(dst []byte, r *FlowRecord) []byte {
	dst = appendTraffic(dst, r.Vars)
	zeek := r.ConnState != "" || r.History != ""
	if !zeek {
		return appendFlowVarsMetadata(dst, r.Vars)
	}
	dst = appendKey(dst, "metadata")
	dst = append(dst, '{')
	dst = appendFlowbitsField(dst, r.Vars)
	dst = appendKey(dst, "flowvars")
	dst = append(dst, '[')
	if r.ConnState != "" {
		dst = append(dst, '{')
		dst = appendStringField(dst, "conn_state", r.ConnState)
		dst = closeObject(dst)
	}
	if r.History != "" {
		dst = append(dst, '{')
		dst = appendStringField(dst, "history", r.History)
		dst = closeObject(dst)
	}
	dst[len(dst)-1] = ']' // replaces the comma after the last element
	dst = append(dst, ',')
	dst = appendFlowintsField(dst, r.Vars, "missed_bytes", r.MissedBytes)
	return closeObject(dst)
}
