package signatures

// Application-layer sticky buffers. Each is filled by the sensor from one transaction of one
// protocol (AppTx.Buffer) once the transaction has reached the buffer's stage in the
// buffer's direction; the engine inspects a rule's buffers when all of them are there.

// BufferID names an application-layer sticky buffer.
type BufferID uint16

// Buffers the engine can inspect. The comment is the data the sensor hands over.
const (
	BufNone BufferID = iota

	BufHTTPURI            // normalised request URI
	BufHTTPURIRaw         // request URI as sent
	BufHTTPMethod         // request method
	BufHTTPRequestLine    // request line without CRLF
	BufHTTPProtocol       // protocol string of the direction's start line
	BufHTTPHost           // Host, lower-cased, port stripped
	BufHTTPHostRaw        // Host as sent (URI authority first)
	BufHTTPUserAgent      // User-Agent value
	BufHTTPHeader         // "Name: Value\r\n" per header, cookies left out, no final CRLF
	BufHTTPHeaderRaw      // header block as received
	BufHTTPHeaderNames    // "\r\n" + each name + "\r\n" ... + "\r\n"
	BufHTTPCookie         // Cookie (to server) or Set-Cookie (to client)
	BufHTTPStart          // start line + headers + blank line
	BufHTTPContentType    // Content-Type of the direction
	BufHTTPContentLen     // Content-Length of the direction, as sent
	BufHTTPReferer        // Referer
	BufHTTPAccept         // Accept
	BufHTTPAcceptEnc      // Accept-Encoding
	BufHTTPAcceptLang     // Accept-Language
	BufHTTPConnection     // Connection
	BufHTTPLocation       // Location (response)
	BufHTTPServer         // Server (response)
	BufHTTPRequestBody    // request body, dechunked and decompressed (bounded)
	BufHTTPStatCode       // status code digits
	BufHTTPStatMsg        // status message
	BufHTTPResponseLine   // response line without CRLF
	BufHTTPResponseBody   // response body, dechunked and decompressed (bounded)
	BufHTTPRequestHeader  // multi: "Name: Value" of each request header
	BufHTTPResponseHeader // multi: "Name: Value" of each response header
	BufFileData           // file content: HTTP body of the direction, SMTP attachment (file.data)

	BufDNSQuery             // multi: each question name of a request, dotted, no trailing dot
	BufDNSQueriesRRName     // multi: each question name of the direction's message
	BufDNSAnswersRRName     // multi: each answer record's name of the direction's message
	BufDNSAuthoritiesRRName // multi: each authority record's name of the response
	BufDNSAdditionalsRRName // multi: each additional record's name of the response
	BufDNSResponseRRName    // multi: the response's names: questions, then each record's name and name-valued rdata

	BufTLSSNI             // server_name of the ClientHello
	BufTLSCertSubject     // leaf certificate subject, Suricata's string form: the server's to client, the client's to server
	BufTLSCertIssuer      // leaf certificate issuer (both sides, as the subject)
	BufTLSCertSerial      // leaf serial as "XX:XX:..."
	BufTLSCertFingerprint // leaf SHA-1 as "xx:xx:..."
	BufTLSCerts           // multi: each certificate of the chain, DER
	BufTLSSubjectAltName  // multi: each SAN of the leaf
	BufJA3Hash            // JA3 MD5 hex
	BufJA3String          // JA3 string
	BufJA3SHash           // JA3S MD5 hex
	BufJA3SString         // JA3S string
	BufJA4Hash            // JA4
	BufTLSRandom          // the direction's hello random (32 bytes)
	BufTLSRandomTime      // its first 4 bytes (gmt_unix_time)
	BufTLSRandomBytes     // its last 28 bytes
	BufTLSALPN            // multi: the client's offered ALPN protocols (to server), the server's choice (to client)

	BufSSHProto             // protocol version of the direction's banner ("2.0")
	BufSSHSoftware          // software version of the direction's banner
	BufSSHHassh             // HASSH MD5 hex of the client's KEXINIT
	BufSSHHasshString       // HASSH string ("kex;enc;mac;comp") of the client's KEXINIT
	BufSSHHasshServer       // HASSH MD5 hex of the server's KEXINIT
	BufSSHHasshServerString // HASSH string of the server's KEXINIT

	BufHTTP2HeaderName // multi: each header field name of the direction
	BufHTTP2Header     // multi: each field of the direction as "name: value"

	BufSMTPHelo       // the session's HELO/EHLO argument
	BufSMTPMailFrom   // the MAIL FROM argument
	BufSMTPRcptTo     // multi: each RCPT TO argument
	BufEmailFrom      // the message's From header value
	BufEmailSubject   // Subject
	BufEmailTo        // To, the whole value
	BufEmailCc        // Cc, the whole value
	BufEmailDate      // Date
	BufEmailMessageID // Message-Id
	BufEmailXMailer   // X-Mailer
	BufEmailURL       // multi: each URL extracted from the message, as EVE writes them
	BufEmailReceived  // multi: each Received header value
	BufFileName       // multi: each attachment's file name (file.name)
	// BufFileDataFiles is file.data of a protocol whose transaction may carry several files
	// (SMTP): each instance is one file's data, and a rule matches when one file does.
	BufFileDataFiles

	BufFTPCommand        // the command's name (USER, RETR …)
	BufFTPCommandData    // the command's argument
	BufFTPReply          // multi: each reply line's text, code removed
	BufFTPCompletionCode // multi: each reply line's 3-digit code
	// BufFTPDataFileName is file.name of an ftp-data flow: the name of the file it carries.
	BufFTPDataFileName

	BufDCERPCStubData // the request's (to server) or response's stub data, fragments joined
	BufDCERPCIface    // multi: the interfaces the request may use, DCEIfaceRecordLen bytes each
	BufSMBNamedPipe   // the named pipe a tree connect opened
	BufSMBShare       // the share (not a pipe) a tree connect opened

	nBuffers
)

// Buffer directions.
const (
	bufToServer uint8 = 1 << iota
	bufToClient
	bufBoth = bufToServer | bufToClient
)

// Transaction stages, per direction: what of that side the sensor has parsed. A buffer is
// there from its stage on; the sensor reports a transaction's stages with each inspection.
const (
	StageNone     uint8 = iota
	StageStart          // HTTP: start line and headers; DNS: the message; TLS: hello; SSH: banner
	StageComplete       // HTTP: the whole message (body); TLS to client: certificates; SSH: KEXINIT
)

type bufferDef struct {
	name  string
	proto AppProto
	dir   uint8
	stage uint8
	multi bool
}

// sameBytesAs names the buffer whose prefilter database a buffer shares because, on the side it
// is inspected, both are the same bytes: HTTP's file.data is the body of the direction
// (http.request_body to the server, http.response_body to the client). Sharing scans a body
// once instead of once per keyword; it is only a prefilter, so an AppTx that some day returns
// different bytes for them costs speed, not verdicts.
func sameBytesAs(id BufferID) BufferID {
	switch id {
	case BufHTTPRequestBody, BufHTTPResponseBody:
		return BufFileData
	}
	return id
}

var bufferDefs = [nBuffers]bufferDef{
	BufHTTPURI:            {"http.uri", AppHTTP, bufToServer, StageStart, false},
	BufHTTPURIRaw:         {"http.uri.raw", AppHTTP, bufToServer, StageStart, false},
	BufHTTPMethod:         {"http.method", AppHTTP, bufToServer, StageStart, false},
	BufHTTPRequestLine:    {"http.request_line", AppHTTP, bufToServer, StageStart, false},
	BufHTTPProtocol:       {"http.protocol", AppHTTP, bufBoth, StageStart, false},
	BufHTTPHost:           {"http.host", AppHTTP, bufToServer, StageStart, false},
	BufHTTPHostRaw:        {"http.host.raw", AppHTTP, bufToServer, StageStart, false},
	BufHTTPUserAgent:      {"http.user_agent", AppHTTP, bufToServer, StageStart, false},
	BufHTTPHeader:         {"http.header", AppHTTP, bufBoth, StageStart, false},
	BufHTTPHeaderRaw:      {"http.header.raw", AppHTTP, bufBoth, StageStart, false},
	BufHTTPHeaderNames:    {"http.header_names", AppHTTP, bufBoth, StageStart, false},
	BufHTTPCookie:         {"http.cookie", AppHTTP, bufBoth, StageStart, false},
	BufHTTPStart:          {"http.start", AppHTTP, bufBoth, StageStart, false},
	BufHTTPContentType:    {"http.content_type", AppHTTP, bufBoth, StageStart, false},
	BufHTTPContentLen:     {"http.content_len", AppHTTP, bufBoth, StageStart, false},
	BufHTTPReferer:        {"http.referer", AppHTTP, bufToServer, StageStart, false},
	BufHTTPAccept:         {"http.accept", AppHTTP, bufToServer, StageStart, false},
	BufHTTPAcceptEnc:      {"http.accept_enc", AppHTTP, bufToServer, StageStart, false},
	BufHTTPAcceptLang:     {"http.accept_lang", AppHTTP, bufToServer, StageStart, false},
	BufHTTPConnection:     {"http.connection", AppHTTP, bufBoth, StageStart, false},
	BufHTTPLocation:       {"http.location", AppHTTP, bufToClient, StageStart, false},
	BufHTTPServer:         {"http.server", AppHTTP, bufToClient, StageStart, false},
	BufHTTPRequestBody:    {"http.request_body", AppHTTP, bufToServer, StageComplete, false},
	BufHTTPStatCode:       {"http.stat_code", AppHTTP, bufToClient, StageStart, false},
	BufHTTPStatMsg:        {"http.stat_msg", AppHTTP, bufToClient, StageStart, false},
	BufHTTPResponseLine:   {"http.response_line", AppHTTP, bufToClient, StageStart, false},
	BufHTTPResponseBody:   {"http.response_body", AppHTTP, bufToClient, StageComplete, false},
	BufHTTPRequestHeader:  {"http.request_header", AppHTTP, bufToServer, StageStart, true},
	BufHTTPResponseHeader: {"http.response_header", AppHTTP, bufToClient, StageStart, true},
	// file.data's protocol is HTTP for a rule that names none; fileBuffer lets it serve the
	// other protocols that carry files.
	BufFileData: {"file.data", AppHTTP, bufBoth, StageComplete, false},

	BufDNSQuery:             {"dns.query", AppDNS, bufToServer, StageStart, true},
	BufDNSQueriesRRName:     {"dns.queries.rrname", AppDNS, bufBoth, StageStart, true},
	BufDNSAnswersRRName:     {"dns.answers.rrname", AppDNS, bufBoth, StageStart, true},
	BufDNSAuthoritiesRRName: {"dns.authorities.rrname", AppDNS, bufToClient, StageStart, true},
	BufDNSAdditionalsRRName: {"dns.additionals.rrname", AppDNS, bufToClient, StageStart, true},
	BufDNSResponseRRName:    {"dns.response.rrname", AppDNS, bufToClient, StageStart, true},

	BufTLSSNI:             {"tls.sni", AppTLS, bufToServer, StageStart, false},
	BufTLSCertSubject:     {"tls.cert_subject", AppTLS, bufBoth, StageComplete, false},
	BufTLSCertIssuer:      {"tls.cert_issuer", AppTLS, bufBoth, StageComplete, false},
	BufTLSCertSerial:      {"tls.cert_serial", AppTLS, bufBoth, StageComplete, false},
	BufTLSCertFingerprint: {"tls.cert_fingerprint", AppTLS, bufBoth, StageComplete, false},
	BufTLSCerts:           {"tls.certs", AppTLS, bufToClient, StageComplete, true},
	BufTLSSubjectAltName:  {"tls.subjectaltname", AppTLS, bufToClient, StageComplete, true},
	BufJA3Hash:            {"ja3.hash", AppTLS, bufToServer, StageStart, false},
	BufJA3String:          {"ja3.string", AppTLS, bufToServer, StageStart, false},
	BufJA3SHash:           {"ja3s.hash", AppTLS, bufToClient, StageStart, false},
	BufJA3SString:         {"ja3s.string", AppTLS, bufToClient, StageStart, false},
	BufJA4Hash:            {"ja4.hash", AppTLS, bufToServer, StageStart, false},
	BufTLSRandom:          {"tls.random", AppTLS, bufBoth, StageStart, false},
	BufTLSRandomTime:      {"tls.random_time", AppTLS, bufBoth, StageStart, false},
	BufTLSRandomBytes:     {"tls.random_bytes", AppTLS, bufBoth, StageStart, false},
	BufTLSALPN:            {"tls.alpn", AppTLS, bufBoth, StageStart, true},

	BufSSHProto:    {"ssh.proto", AppSSH, bufBoth, StageStart, false},
	BufSSHSoftware: {"ssh.software", AppSSH, bufBoth, StageStart, false},
	// HASSH comes with the KEXINIT after the banner: StageComplete of its side.
	BufSSHHassh:             {"ssh.hassh", AppSSH, bufToServer, StageComplete, false},
	BufSSHHasshString:       {"ssh.hassh.string", AppSSH, bufToServer, StageComplete, false},
	BufSSHHasshServer:       {"ssh.hassh.server", AppSSH, bufToClient, StageComplete, false},
	BufSSHHasshServerString: {"ssh.hassh.server.string", AppSSH, bufToClient, StageComplete, false},

	BufHTTP2HeaderName: {"http2.header_name", AppHTTP2, bufBoth, StageStart, true},
	BufHTTP2Header:     {"http2.header", AppHTTP2, bufBoth, StageStart, true},

	// SMTP buffers are the client's. The message's headers are there once they ended (the
	// transaction's StageStart, SMTP's first stage); the rest once the transaction is over
	// (its mail ended): the envelope, the URLs and the attachments are complete then.
	BufSMTPHelo:       {"smtp.helo", AppSMTP, bufToServer, StageComplete, false},
	BufSMTPMailFrom:   {"smtp.mail_from", AppSMTP, bufToServer, StageComplete, false},
	BufSMTPRcptTo:     {"smtp.rcpt_to", AppSMTP, bufToServer, StageComplete, true},
	BufEmailFrom:      {"email.from", AppSMTP, bufToServer, StageStart, false},
	BufEmailSubject:   {"email.subject", AppSMTP, bufToServer, StageStart, false},
	BufEmailTo:        {"email.to", AppSMTP, bufToServer, StageStart, false},
	BufEmailCc:        {"email.cc", AppSMTP, bufToServer, StageStart, false},
	BufEmailDate:      {"email.date", AppSMTP, bufToServer, StageStart, false},
	BufEmailMessageID: {"email.message_id", AppSMTP, bufToServer, StageStart, false},
	BufEmailXMailer:   {"email.x_mailer", AppSMTP, bufToServer, StageStart, false},
	BufEmailURL:       {"email.url", AppSMTP, bufToServer, StageComplete, true},
	BufEmailReceived:  {"email.received", AppSMTP, bufToServer, StageStart, true},
	BufFileName:       {"file.name", AppSMTP, bufToServer, StageComplete, true},
	BufFileDataFiles:  {"file.data", AppSMTP, bufToServer, StageComplete, true},

	// Replies are inspected once the transaction's final reply is in (Suricata's ftp
	// transaction completes then), so that a rule sees every line of them.
	BufFTPCommand:        {"ftp.command", AppFTP, bufToServer, StageStart, false},
	BufFTPCommandData:    {"ftp.command_data", AppFTP, bufToServer, StageStart, false},
	BufFTPReply:          {"ftp.reply", AppFTP, bufToClient, StageComplete, true},
	BufFTPCompletionCode: {"ftp.completion_code", AppFTP, bufToClient, StageComplete, true},
	// The name is known from the flow's start (the control channel's transfer command).
	BufFTPDataFileName: {"file.name", AppFTPData, bufBoth, StageStart, false},

	BufDCERPCStubData: {"dcerpc.stub_data", AppDCERPC, bufBoth, StageStart, false},
	// Not a sticky buffer: dcerpc.iface reads its records (the name keeps it out of rules).
	BufDCERPCIface: {"dcerpc.iface records", AppDCERPC, bufBoth, StageStart, true},
	// A share is a pipe once the tree connect's answer says so: until then Suricata's
	// smb.share sees every tree connect's path (a pipe's too), smb.named_pipe none.
	BufSMBNamedPipe: {"smb.named_pipe", AppSMB, bufToServer, StageComplete, false},
	BufSMBShare:     {"smb.share", AppSMB, bufToServer, StageStart, false},
}

// fileBuffer reports whether id is a file buffer any protocol that carries files fills
// (file.data, file.name): the rule's protocol picks the instance (resolveApp).
func fileBuffer(id BufferID) bool { return id == BufFileData || id == BufFileName }

// filesApps are the protocols whose transactions carry files.
var filesApps = [nAppProtos]bool{AppHTTP: true, AppHTTP2: true, AppSMTP: true, AppFTPData: true}

var bufferByName = func() map[string]BufferID {
	m := make(map[string]BufferID, nBuffers)
	for i := BufferID(1); i < nBuffers; i++ {
		if i != BufFileDataFiles && i != BufFTPDataFileName { // named file.data, file.name too: the rule's protocol picks (resolveApp)
			m[bufferDefs[i].name] = i
		}
	}
	// Suricata 8 spells the DNS name buffers both ways.
	m["dns.query.name"], m["dns.answer.name"] = BufDNSQueriesRRName, BufDNSAnswersRRName
	return m
}()

// BufferByName resolves a sticky buffer name (current spelling, e.g. "http.uri").
func BufferByName(name string) (BufferID, bool) {
	id, ok := bufferByName[name]
	return id, ok
}

// String is the buffer's rule keyword.
func (id BufferID) String() string {
	if id < nBuffers {
		return bufferDefs[id].name
	}
	return "unknown"
}

// Proto is the application protocol whose transactions carry the buffer.
func (id BufferID) Proto() AppProto { return bufferDefs[id].proto }

// Multi reports whether a transaction may carry several instances of the buffer
// (AppTx.Buffer's i counts them from 0).
func (id BufferID) Multi() bool { return bufferDefs[id].multi }

// NumberID names a numeric transaction property that a keyword compares (tls.version,
// dns.opcode …).
type NumberID uint8

// Numeric properties.
const (
	NumNone NumberID = iota

	NumTLSVersion // negotiated version (ServerHello's, else ClientHello's), e.g. 0x0303
	NumDNSOpcode  // opcode of the request (to server) or response (to client)
	NumDNSRRType  // multi: the type of each question of the message of the direction
	NumDNSRcode   // rcode of the request (to server) or response (to client)
	NumHTTPURILen // length of the normalised URI (urilen)
	NumHTTPURIRawLen
	NumSSLVersion // version class (SSLVersionClass) of the inspected direction's hello
	// HTTP/2, each multi over the frames of the direction: the type of each frame, the error
	// code of each RST_STREAM and GOAWAY, each priority weight, each WINDOW_UPDATE
	// increment, each HPACK table size update, and each setting as ID<<32 | value.
	NumHTTP2FrameType
	NumHTTP2ErrorCode
	NumHTTP2Priority
	NumHTTP2Window
	NumHTTP2SizeUpdate
	NumHTTP2Setting
	// FTP, known once the transaction's final reply is in: the data-connection port its
	// PORT, EPRT, PASV or EPSV negotiated; its mode (FTPModeActive or FTPModePassive, only
	// for those four commands); whether the final reply came (0 or 1). Known with the
	// command: for a PORT, 1 when it names another host than the client (ftpbounce), else 0,
	// inspected on the request as Suricata does, so that the rule's payload keywords see the
	// PORT line.
	NumFTPDynamicPort
	NumFTPMode
	NumFTPReplyReceived
	NumFTPBounce
	// NumFTPDataCommand is the control channel's command an ftp-data flow carries the data
	// of (FTPDataRETR or FTPDataSTOR).
	NumFTPDataCommand
	NumDCERPCOpnum // the request's operation number, once its first fragment was seen
	NumSMBVersion  // the transaction's SMB version (1 or 2)
	// NumDCERPCLittleEndian is 1 when the transaction's PDUs are little endian (the byte
	// keywords' dce option reads the stub so); not a rule keyword.
	NumDCERPCLittleEndian

	nNumbers
)

// ftp.mode values of NumFTPMode.
const (
	FTPModePassive = 0
	FTPModeActive  = 1
)

// ftpdata_command values of NumFTPDataCommand.
const (
	FTPDataRETR = 1
	FTPDataSTOR = 2
)

// numberStage is the least stage of its side a numeric property needs.
func numberStage(id NumberID) uint8 {
	switch id {
	case NumFTPDynamicPort, NumFTPMode, NumFTPReplyReceived:
		// PASV and EPSV learn their port from the reply.
		return StageComplete
	}
	return StageStart
}

// SSL/TLS version classes ssl_version names; NumSSLVersion reports one of them.
const (
	SSLClassV2 = iota
	SSLClassV3
	SSLClassTLS10
	SSLClassTLS11
	SSLClassTLS12
	SSLClassTLS13
)

// SSLVersionClass maps a wire version to its ssl_version class; TLS 1.3 drafts (0x7fxx)
// count as TLS 1.3, as in Suricata. ok is false for any other version.
func SSLVersionClass(v uint16) (class uint64, ok bool) {
	switch {
	case v == 0x0002 || v == 0x0200:
		return SSLClassV2, true
	case v == 0x0300:
		return SSLClassV3, true
	case v == 0x0301:
		return SSLClassTLS10, true
	case v == 0x0302:
		return SSLClassTLS11, true
	case v == 0x0303:
		return SSLClassTLS12, true
	case v == 0x0304 || v>>8 == 0x7f:
		return SSLClassTLS13, true
	}
	return 0, false
}

// AppTx is one transaction as the engine inspects it; the sensor implements it per protocol
// over its parsers' state. Calls must not allocate; returned slices are read, never kept.
type AppTx interface {
	// Buffer returns instance i (0 for single buffers) of buffer id of the direction,
	// ok false when the transaction does not have it (or has fewer instances).
	Buffer(id BufferID, toServer bool, i int) (b []byte, ok bool)
	// Number returns instance i of a numeric property of the direction.
	Number(id NumberID, toServer bool, i int) (v uint64, ok bool)
	// Event reports whether the transaction raised the app-layer event name (Suricata's
	// "proto.event", e.g. "http.request_header_invalid"), in either direction.
	Event(name string) bool
}
