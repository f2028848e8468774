package export

// AppendFileInfo appends e as one EVE "fileinfo" line, newline included, in Suricata 7's order:
// the common header and community_id (no top-level tx_id), the transaction's protocol object,
// app_proto, then fileinfo{filename, gaps, state, stored, size, tx_id}. sid is left out as
// Suricata leaves it out when no filestore rule matched (the schema wants at least one item);
// hashes and magic are not computed. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendFileInfo(dst []byte, e *FileInfoEvent) []byte {
	dst = f.appendHeader(dst, e.Timestamp, &e.Tuple, e.PcapCnt, "fileinfo")
	dst = appendFlowVars(dst, e.Vars)
	dst = appendCommunityID(dst, &e.CommunityID)
	if e.HTTP != nil {
		dst = appendHTTPObject(dst, e.HTTP)
	}
	if e.SMTP != nil {
		dst = appendSMTPObjects(dst, &e.SMTP.SMTP, e.SMTP.Email)
	}
	if e.FTPData != nil {
		dst = appendFTPDataObject(dst, e.FTPData)
	}
	if e.SMB != nil {
		dst = appendSMBObject(dst, e.SMB)
	}
	if e.AppProto != "" {
		dst = appendStringField(dst, "app_proto", e.AppProto)
	}
	dst = appendKey(dst, "fileinfo")
	dst = appendFileObject(dst, &e.File)
	return endLine(dst)
}

// appendFileObject writes a file's object: the fileinfo event's, and each of an alert's files.
func appendFileObject(dst []byte, fi *FileInfo) []byte {
	dst = append(dst, '{')
	// The name is written even when empty: Suricata always writes it.
	dst = appendKey(dst, "filename")
	dst = appendJSONBytes(dst, fi.Filename)
	dst = append(dst, ',')
	dst = appendBoolField(dst, "gaps", fi.Gaps)
	state := fi.State
	if state == "" {
		state = "UNKNOWN" // Suricata's name for a state it has no word for
	}
	dst = appendStringField(dst, "state", state)
	dst = appendBoolField(dst, "stored", fi.Stored)
	dst = appendUintField(dst, "size", fi.Size)
	dst = appendUintField(dst, "tx_id", fi.TxID)
	return closeObject(dst)
}
