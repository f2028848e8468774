package export

// AppendAnomalyJSON appends a as one EVE "anomaly" line (newline included) in the default format.
func AppendAnomalyJSON(dst []byte, a *Anomaly) []byte { return defaultEVE.AppendAnomaly(dst, a) }

// AppendAnomaly appends a as one EVE "anomaly" line:
// {"timestamp":…,"pcap_cnt":7,"event_type":"anomaly",<tuple when known>,"anomaly":{"type":"decode",
// "event":"decoder.ipv4.trunc_pkt"}}. The event name is written whole, prefix included, as Suricata
// does; "layer" and "app_proto" appear for app-layer anomalies.
func (f *EVEFormat) AppendAnomaly(dst []byte, a *Anomaly) []byte {
	dst = f.appendHeader(dst, a.Timestamp, &a.Tuple, a.PcapCnt, "anomaly")
	if a.PktSrc != "" {
		dst = appendStringField(dst, "pkt_src", a.PktSrc)
	}
	dst = appendFlowVars(dst, a.Vars)
	dst = appendCommunityID(dst, &a.CommunityID)
	if a.HasTxID {
		dst = appendUintField(dst, "tx_id", a.TxID)
	}
	dst = appendKey(dst, "anomaly")
	dst = append(dst, '{')
	if a.AppProto != "" {
		dst = appendStringField(dst, "app_proto", a.AppProto)
	}
	if a.Type != "" {
		dst = appendStringField(dst, "type", a.Type)
	}
	if a.Event != "" {
		dst = appendStringField(dst, "event", a.Event)
	}
	if a.Layer != "" {
		dst = appendStringField(dst, "layer", a.Layer)
	}
	dst = closeObject(dst)
	return endLine(dst)
}
