package export

// AppendFTP appends e as one EVE "ftp" line, newline included. It does not allocate beyond
// growing dst.
func (f *EVEFormat) AppendFTP(dst []byte, e *FTPEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "ftp")
	return endLine(appendFTPObject(dst, e))
}

// appendFTPObject writes `"ftp":{…},` in the order Suricata 8's logger writes its fields;
// alerts on FTP transactions carry the same object.
func appendFTPObject(dst []byte, e *FTPEvent) []byte {
	dst = appendKey(dst, "ftp")
	dst = append(dst, '{')
	if e.Command != "" {
		dst = appendStringField(dst, "command", e.Command)
		// Suricata writes command_truncated only with an argument.
		if len(e.CommandData) > 0 {
			dst = appendBytesField(dst, "command_data", e.CommandData)
			dst = appendBoolField(dst, "command_truncated", e.CommandTruncated)
		}
	}
	dst = appendFTPReplies(dst, e.Replies, true)
	dst = appendFTPReplies(dst, e.Replies, false)
	if e.DynamicPort != 0 {
		dst = appendUintField(dst, "dynamic_port", uint64(e.DynamicPort))
	}
	if e.Mode != "" {
		dst = appendStringField(dst, "mode", e.Mode)
	}
	if e.ReplyReceived {
		dst = appendStringField(dst, "reply_received", "yes")
	} else {
		dst = appendStringField(dst, "reply_received", "no")
	}
	dst = appendBoolField(dst, "reply_truncated", e.ReplyTruncated)
	return closeObject(dst)
}

// appendFTPReplies writes the completion_code array (codes) or the reply array (texts), each
// only when a line has one.
func appendFTPReplies(dst []byte, rs []FTPReply, codes bool) []byte {
	open := false
	for i := range rs {
		v := rs[i].Text
		if codes {
			v = rs[i].Code
		}
		if len(v) == 0 {
			continue
		}
		if !open {
			if codes {
				dst = appendKey(dst, "completion_code")
			} else {
				dst = appendKey(dst, "reply")
			}
			dst = append(dst, '[')
			open = true
		}
		dst = appendJSONBytes(dst, v)
		dst = append(dst, ',')
	}
	if open {
		dst = closeArray(dst)
	}
	return dst
}

// AppendFTPData appends e as one EVE "ftp_data" line, newline included.
func (f *EVEFormat) AppendFTPData(dst []byte, e *FTPDataEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "ftp_data")
	return endLine(appendFTPDataObject(dst, e))
}

// appendFTPDataObject writes `"ftp_data":{…},`, which alerts on ftp-data flows carry too.
func appendFTPDataObject(dst []byte, e *FTPDataEvent) []byte {
	dst = appendKey(dst, "ftp_data")
	dst = append(dst, '{')
	dst = appendBytesField(dst, "filename", e.Filename)
	if e.Command != "" {
		dst = appendStringField(dst, "command", e.Command)
	}
	return closeObject(dst)
}
