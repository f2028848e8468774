package export

import "net/netip"

// AppendAlertJSON appends a as one EVE "alert" line (newline included) in the default format. It
// does not allocate beyond growing dst.
func AppendAlertJSON(dst []byte, a *Alert) []byte { return defaultEVE.AppendAlert(dst, a) }

// AppendAlert appends a as one EVE "alert" line, newline included.
//
// The field order follows Suricata 7's alert logger: the common header, pkt_src, community_id, tx_id,
// the alert object, the transaction's app-layer object, app_proto, direction, then the flow object with the flow's counters so far and
// the flow's own orientation (its client as src), which may differ from the packet's.
func (f *EVEFormat) AppendAlert(dst []byte, a *Alert) []byte {
	dst = f.appendHeader(dst, a.Timestamp, &a.Tuple, a.PcapCnt, "alert")
	if a.PktSrc != "" {
		dst = appendStringField(dst, "pkt_src", a.PktSrc)
	}
	if a.HasTunnel {
		dst = f.appendTunnel(dst, &a.Tunnel)
	}
	dst = appendFlowVars(dst, a.Vars)
	dst = appendCommunityID(dst, &a.CommunityID)
	if a.HasTxID {
		dst = appendUintField(dst, "tx_id", a.TxID)
	}

	dst = appendKey(dst, "alert")
	dst = append(dst, '{')
	action := a.Action
	if action == "" {
		action = "allowed"
	}
	dst = appendStringField(dst, "action", action)
	dst = appendUintField(dst, "gid", uint64(a.GID))
	dst = appendUintField(dst, "signature_id", uint64(a.SignatureID))
	dst = appendUintField(dst, "rev", uint64(a.Rev))
	dst = appendStringField(dst, "signature", a.Signature)
	dst = appendStringField(dst, "category", a.Category)
	dst = appendIntField(dst, "severity", int64(a.Severity))
	if len(a.Metadata) > 0 {
		dst = appendAlertMetadata(dst, a.Metadata)
	}
	dst = closeObject(dst)
	dst = appendAlertApp(dst, &a.App)

	if a.AppProto != "" {
		dst = appendStringField(dst, "app_proto", a.AppProto)
	}
	if a.Direction != "" {
		dst = appendStringField(dst, "direction", a.Direction)
	}
	if a.HasFlow {
		dst = appendKey(dst, "flow")
		dst = append(dst, '{')
		dst = appendUintField(dst, "pkts_toserver", a.PktsToServer)
		dst = appendUintField(dst, "pkts_toclient", a.PktsToClient)
		dst = appendUintField(dst, "bytes_toserver", a.BytesToServer)
		dst = appendUintField(dst, "bytes_toclient", a.BytesToClient)
		dst = f.appendTimeField(dst, "start", a.FlowStart)
		if a.FlowSrcIP.IsValid() && a.FlowDestIP.IsValid() {
			dst = f.appendAddrField(dst, "src_ip", a.FlowSrcIP)
			dst = f.appendAddrField(dst, "dest_ip", a.FlowDestIP)
			if hasPorts(a.Proto) {
				dst = appendUintField(dst, "src_port", uint64(a.FlowSrcPort))
				dst = appendUintField(dst, "dest_port", uint64(a.FlowDestPort))
			}
		}
		dst = closeObject(dst)
	}
	return endLine(dst)
}

// appendAlertMetadata writes "metadata":{"key":["v1","v2"],…}.
func appendAlertMetadata(dst []byte, md []MetadataEntry) []byte {
	dst = appendKey(dst, "metadata")
	dst = append(dst, '{')
	for i := range md {
		dst = appendJSONString(dst, md[i].Key)
		dst = append(dst, ':', '[')
		for j, v := range md[i].Values {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v)
		}
		dst = append(dst, ']', ',')
	}
	return closeObject(dst)
}

func (f *EVEFormat) appendAddrField(dst []byte, key string, a netip.Addr) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	dst = f.appendAddr(dst, a)
	return append(dst, '"', ',')
}

// appendAlertApp writes the app-layer object of the transaction a tx alert matched in (at most
// one is set), as Suricata's alert logger adds it by default (metadata: app-layer).
func appendAlertApp(dst []byte, app *AlertApp) []byte {
	switch {
	case app.HTTP != nil:
		dst = appendHTTPObject(dst, app.HTTP)
	case app.DNS != nil:
		dst = appendAlertDNS(dst, app.DNS)
	case app.TLS != nil:
		dst = appendTLSObject(dst, app.TLS)
	case app.SSH != nil:
		dst = appendSSHObject(dst, app.SSH)
	case app.SMTP != nil:
		dst = appendSMTPObjects(dst, &app.SMTP.SMTP, app.SMTP.Email)
	case app.FTP != nil:
		dst = appendFTPObject(dst, app.FTP)
	case app.FTPData != nil:
		dst = appendFTPDataObject(dst, app.FTPData)
	case app.DCERPC != nil:
		dst = appendDCERPCObject(dst, app.DCERPC)
	case app.SMB != nil:
		dst = appendSMBObject(dst, app.SMB)
	}
	if len(app.Files) > 0 {
		dst = appendKey(dst, "files")
		dst = append(dst, '[')
		for i := range app.Files {
			dst = appendFileObject(dst, &app.Files[i])
		}
		dst = closeArray(dst)
	}
	return dst
}

// appendTunnel writes the tunnel object: the outer packet's addresses (and ports when its
// protocol has them), protocol, the alerting packet's depth, and the outer packet's number and
// source.
func (f *EVEFormat) appendTunnel(dst []byte, t *TunnelInfo) []byte {
	dst = appendKey(dst, "tunnel")
	dst = append(dst, '{')
	dst = f.appendAddrField(dst, "src_ip", t.SrcIP)
	if hasPorts(t.Proto) {
		dst = appendUintField(dst, "src_port", uint64(t.SrcPort))
	}
	dst = f.appendAddrField(dst, "dest_ip", t.DestIP)
	if hasPorts(t.Proto) {
		dst = appendUintField(dst, "dest_port", uint64(t.DestPort))
	}
	dst = appendKey(dst, "proto")
	dst = append(dst, '"')
	dst = appendProtoName(dst, t.Proto)
	dst = append(dst, '"', ',')
	dst = appendUintField(dst, "depth", uint64(t.Depth))
	if t.PcapCnt != 0 {
		dst = appendUintField(dst, "pcap_cnt", t.PcapCnt)
	}
	if t.PktSrc != "" {
		dst = appendStringField(dst, "pkt_src", t.PktSrc)
	}
	return closeObject(dst)
}
