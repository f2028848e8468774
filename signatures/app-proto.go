package signatures

// AppProto is an application protocol as detection knows it: the protocol a rule header or
// app-layer-protocol names, and the protocol the sensor's detection settled on for a flow.
type AppProto uint8

// Application protocols. AppUnknown means detection has not concluded (or the flow has no
// application layer); AppFailed that it gave up. Protocols the sensor does not parse still
// have a value so that rules naming them load when the sensor can detect them.
const (
	AppUnknown AppProto = iota
	AppHTTP
	AppTLS
	AppDNS
	AppSSH
	AppSMTP
	AppFTP
	AppFTPData
	AppSMB
	AppDCERPC
	AppIMAP
	AppPOP3
	AppHTTP2
	AppFailed
	nAppProtos
)

var appProtoNames = [nAppProtos]string{
	AppUnknown: "", AppHTTP: "http", AppTLS: "tls", AppDNS: "dns", AppSSH: "ssh",
	AppSMTP: "smtp", AppFTP: "ftp", AppFTPData: "ftp-data", AppSMB: "smb", AppDCERPC: "dcerpc",
	AppIMAP: "imap", AppPOP3: "pop3", AppHTTP2: "http2", AppFailed: "failed",
}

// String is Suricata's app_proto name ("" for AppUnknown).
func (a AppProto) String() string {
	if a < nAppProtos {
		return appProtoNames[a]
	}
	return "unknown"
}

// Covers reports whether a rule needing protocol a runs on a flow of protocol flow. As in
// Suricata 7 (AppProtoEquals), a rule for http, the generic HTTP, runs on HTTP/2 flows too
// (http1 rules, Rule.HTTP1Only, do not, which the caller checks), and a dcerpc rule on SMB
// flows, which carry DCE/RPC over named pipes.
func (a AppProto) Covers(flow AppProto) bool {
	return a == flow || a == AppHTTP && flow == AppHTTP2 || a == AppDCERPC && flow == AppSMB
}

// AppProtoByName resolves a rule's protocol name (Suricata's aliases included: http1 is http,
// ssl is tls).
func AppProtoByName(name string) (AppProto, bool) {
	switch name {
	case "http1":
		return AppHTTP, true
	case "ssl":
		return AppTLS, true
	}
	for i, n := range appProtoNames {
		if n != "" && n == name {
			return AppProto(i), true
		}
	}
	return AppUnknown, false
}
