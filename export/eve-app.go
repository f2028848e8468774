package export

// appendAppHeader opens an app-layer event: the common header, tx_id when the protocol has
// transactions, then community_id, in the order Suricata 7's app-layer loggers write them.
func (f *EVEFormat) appendAppHeader(dst []byte, h *AppHeader, eventType string) []byte {
	dst = f.appendHeader(dst, h.Timestamp, &h.Tuple, h.PcapCnt, eventType)
	if h.PktSrc != "" {
		dst = appendStringField(dst, "pkt_src", h.PktSrc)
	}
	dst = appendFlowVars(dst, h.Vars)
	if h.HasTxID {
		dst = appendUintField(dst, "tx_id", h.TxID)
	}
	return appendCommunityID(dst, &h.CommunityID)
}

// appendBytesField writes `"key":"value",` for byte values, skipping empty ones: Suricata's
// app-layer loggers omit fields the traffic did not carry.
func appendBytesField(dst []byte, key string, v []byte) []byte {
	if len(v) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = appendJSONBytes(dst, v)
	return append(dst, ',')
}
