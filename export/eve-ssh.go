package export

// AppendSSH appends e as one EVE "ssh" line, newline included: each side's proto_version and
// software_version, as Suricata 7 logs them. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendSSH(dst []byte, e *SSHEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "ssh")
	return endLine(appendSSHObject(dst, e))
}

// appendSSHObject writes `"ssh":{…},`: the ssh event's object, which alerts on SSH sessions
// carry too.
func appendSSHObject(dst []byte, e *SSHEvent) []byte {
	dst = appendKey(dst, "ssh")
	dst = append(dst, '{')
	dst = appendSSHHost(dst, "client", &e.Client)
	dst = appendSSHHost(dst, "server", &e.Server)
	return closeObject(dst)
}

func appendSSHHost(dst []byte, key string, h *SSHHost) []byte {
	if len(h.ProtoVersion) == 0 && len(h.SoftwareVersion) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '{')
	dst = appendBytesField(dst, "proto_version", h.ProtoVersion)
	dst = appendBytesField(dst, "software_version", h.SoftwareVersion)
	return closeObject(dst)
}
