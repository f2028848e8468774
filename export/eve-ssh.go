package export

// AppendSSH appends e as one EVE "ssh" line, newline included: each side's proto_version,
// software_version and hassh, as Suricata 8 logs them. It does not allocate beyond growing dst.
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
	if len(h.HASSH) > 0 {
		// Suricata 8 logs HASSH by default (7 needed app-layer.protocols.ssh.hassh).
		dst = appendKey(dst, "hassh")
		dst = append(dst, '{')
		dst = appendBytesField(dst, "hash", h.HASSH)
		dst = appendBytesField(dst, "string", h.HASSHString)
		dst = closeObject(dst)
	}
	return closeObject(dst)
}
