package sensor

import (
	"math/bits"

	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/signatures"
)

// The adapters below are how detection sees the parsers' transactions (signatures.AppTx).
// The app layer keeps one of each per worker and re-points it at the transaction it inspects
// (a.httpTx.tx = tx), so an inspection costs no allocation. Each adapter answers ok=false for a
// buffer the transaction does not carry, for another protocol's buffer, and for a buffer asked
// in the direction that does not carry it: Suricata does not inspect absent buffers, so a
// negated content must not match them. A buffer that is present but empty is ok with an empty
// slice. Slices built in an adapter's scratch are valid until its next Buffer call.

var (
	_ signatures.AppTx = (*httpTx)(nil)
	_ signatures.AppTx = (*dnsTx)(nil)
	_ signatures.AppTx = (*tlsTx)(nil)
	_ signatures.AppTx = (*sshTx)(nil)
)

// present is b with whether the parser set it: the parsers leave absent fields nil and cut
// present ones from non-nil storage, so nil is the only "absent" they say.
func present(b []byte) ([]byte, bool) { return b, b != nil }

// orEmpty is b, or an empty non-nil slice: a present buffer whose parser left it nil.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nonEmpty is for fields the parsers reset by truncation (their nil-ness says nothing) and
// that Suricata never inspects empty: bodies, fingerprints, banners.
func nonEmpty(b []byte) ([]byte, bool) { return b, len(b) > 0 }

// --- HTTP ---

// httpTx is one HTTP transaction. tx is set by the app layer (nil: nothing to inspect);
// scratch backs the "Name: Value" instances of the header multi-buffers.
type httpTx struct {
	tx      *http.Tx
	scratch []byte
}

// Buffer implements signatures.AppTx.
func (h *httpTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := h.tx
	if t == nil || (i != 0 && !id.Multi()) {
		return nil, false
	}
	// Buffers of both directions.
	switch id {
	case signatures.BufHTTPProtocol:
		return present(t.ProtocolBuf(toServer))
	case signatures.BufHTTPHeader, signatures.BufHTTPHeaderNames, signatures.BufHTTPStart:
		return h.headerBuf(id, toServer)
	case signatures.BufHTTPHeaderRaw:
		return nonEmpty(t.HeaderRaw(toServer))
	case signatures.BufHTTPCookie:
		if toServer {
			return httpHeader(t.RequestHeaders, "Cookie")
		}
		return httpHeader(t.ResponseHeaders, "Set-Cookie")
	case signatures.BufHTTPContentType:
		return httpHeader(h.headers(toServer), "Content-Type")
	case signatures.BufHTTPContentLen:
		return httpHeader(h.headers(toServer), "Content-Length")
	case signatures.BufHTTPConnection:
		return httpHeader(h.headers(toServer), "Connection")
	case signatures.BufFileData:
		return nonEmpty(t.FileData(toServer))
	}
	if toServer {
		return h.request(id, i)
	}
	return h.response(id, i)
}

// request answers the to-server-only buffers (and ok=false for every other id).
func (h *httpTx) request(id signatures.BufferID, i int) ([]byte, bool) {
	t := h.tx
	switch id {
	case signatures.BufHTTPURI:
		return present(t.URI)
	case signatures.BufHTTPURIRaw:
		return present(t.URIRaw)
	case signatures.BufHTTPMethod:
		return present(t.Method)
	case signatures.BufHTTPRequestLine:
		return present(t.RequestLine)
	case signatures.BufHTTPHost:
		return present(t.Host)
	case signatures.BufHTTPHostRaw:
		return present(t.HostRaw)
	case signatures.BufHTTPUserAgent:
		return httpHeader(t.RequestHeaders, "User-Agent")
	case signatures.BufHTTPReferer:
		return httpHeader(t.RequestHeaders, "Referer")
	case signatures.BufHTTPAccept:
		return httpHeader(t.RequestHeaders, "Accept")
	case signatures.BufHTTPAcceptEnc:
		return httpHeader(t.RequestHeaders, "Accept-Encoding")
	case signatures.BufHTTPAcceptLang:
		return httpHeader(t.RequestHeaders, "Accept-Language")
	case signatures.BufHTTPRequestBody:
		return nonEmpty(t.RequestBody)
	case signatures.BufHTTPRequestHeader:
		return h.headerInstance(t.RequestHeaders, i)
	}
	return nil, false
}

// response answers the to-client-only buffers (and ok=false for every other id).
func (h *httpTx) response(id signatures.BufferID, i int) ([]byte, bool) {
	t := h.tx
	switch id {
	case signatures.BufHTTPLocation:
		return httpHeader(t.ResponseHeaders, "Location")
	case signatures.BufHTTPServer:
		return httpHeader(t.ResponseHeaders, "Server")
	case signatures.BufHTTPStatCode:
		return present(t.StatusCode)
	case signatures.BufHTTPStatMsg:
		return present(t.StatusMsg)
	case signatures.BufHTTPResponseLine:
		return present(t.ResponseLine)
	case signatures.BufHTTPResponseBody:
		return nonEmpty(t.ResponseBody)
	case signatures.BufHTTPResponseHeader:
		return h.headerInstance(t.ResponseHeaders, i)
	}
	return nil, false
}

func (h *httpTx) headers(toServer bool) []http.Header {
	if toServer {
		return h.tx.RequestHeaders
	}
	return h.tx.ResponseHeaders
}

// started reports whether the direction's start line was parsed: the header buffers exist
// from then on (empty when the message has no headers), as libhtp's header table does.
func (h *httpTx) started(toServer bool) bool {
	if toServer {
		return h.tx.RequestLine != nil
	}
	return h.tx.ResponseLine != nil
}

// headerBuf returns one of the parser's assembled header buffers once the direction started;
// asking earlier would only build an empty buffer into the Tx.
func (h *httpTx) headerBuf(id signatures.BufferID, toServer bool) ([]byte, bool) {
	if !h.started(toServer) {
		return nil, false
	}
	var b []byte
	switch id {
	case signatures.BufHTTPHeader:
		b = h.tx.Header(toServer)
	case signatures.BufHTTPHeaderNames:
		b = h.tx.HeaderNames(toServer)
	default:
		b = h.tx.Start(toServer)
	}
	return orEmpty(b), true
}

// headerInstance builds "Name: Value" of the i-th (merged) header into scratch.
func (h *httpTx) headerInstance(hs []http.Header, i int) ([]byte, bool) {
	if i < 0 || i >= len(hs) {
		return nil, false
	}
	s := append(h.scratch[:0], hs[i].Name...)
	s = append(s, ':', ' ')
	s = append(s, hs[i].Value...)
	h.scratch = s
	return s, true
}

// httpHeader finds a header by name, ASCII case-insensitively as libhtp does. Unlike
// http.Tx's accessors it says whether the header is there, so that a present empty value is
// inspected and an absent one is not.
func httpHeader(hs []http.Header, name string) ([]byte, bool) {
	for i := range hs {
		if asciiEqualFold(hs[i].Name, name) {
			return orEmpty(hs[i].Value), true
		}
	}
	return nil, false
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Number implements signatures.AppTx: urilen over the normalised or the raw URI.
func (h *httpTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	t := h.tx
	if t == nil || !toServer || i != 0 {
		return 0, false
	}
	switch id {
	case signatures.NumHTTPURILen:
		return uint64(len(t.URI)), t.URI != nil
	case signatures.NumHTTPURIRawLen:
		return uint64(len(t.URIRaw)), t.URIRaw != nil
	}
	return 0, false
}

// Event implements signatures.AppTx over the transaction's event set (both directions).
func (h *httpTx) Event(name string) bool {
	if h.tx == nil {
		return false
	}
	for v := uint64(h.tx.Events); v != 0; v &= v - 1 {
		if http.Event(bits.TrailingZeros64(v)).String() == name {
			return true
		}
	}
	return false
}

// --- DNS ---

// dnsTx is one DNS transaction: its request and/or its response. The app layer sets query to
// the request (the message that travelled to the server) and reply to the response (to the
// client), nil for a side not seen. A dns.Parser keeps one Message that its next parse
// overwrites, so a request and a response from the same parser cannot both be held: set the
// side just parsed and nil the other (or point them at copies).
type dnsTx struct {
	query *dns.Message
	reply *dns.Message
}

func (d *dnsTx) msg(toServer bool) *dns.Message {
	if toServer {
		return d.query
	}
	return d.reply
}

// Buffer implements signatures.AppTx: dns.query is each question name of the request, dotted
// without the trailing dot (the root name is an empty buffer); dns.queries.rrname and
// dns.answers.rrname are the question and answer names of the direction's message.
func (d *dnsTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	m := d.msg(toServer)
	if m == nil || i < 0 {
		return nil, false
	}
	switch id {
	case signatures.BufDNSQuery:
		if !toServer || i >= len(m.Queries) {
			return nil, false
		}
		return orEmpty(m.Queries[i].Name), true
	case signatures.BufDNSQueriesRRName:
		if i >= len(m.Queries) {
			return nil, false
		}
		return orEmpty(m.Queries[i].Name), true
	case signatures.BufDNSAnswersRRName:
		if i >= len(m.Answers) {
			return nil, false
		}
		return orEmpty(m.Answers[i].Name), true
	case signatures.BufDNSAuthoritiesRRName, signatures.BufDNSAdditionalsRRName:
		rrs := m.Authorities
		if id == signatures.BufDNSAdditionalsRRName {
			rrs = m.Additionals
		}
		if toServer || i >= len(rrs) {
			return nil, false
		}
		return orEmpty(rrs[i].Name), true
	case signatures.BufDNSResponseRRName:
		if toServer {
			return nil, false
		}
		return dnsResponseName(m, i)
	}
	return nil, false
}

// dnsResponseName is instance i of dns.response.rrname, in Suricata's order: the question
// names, then per answer, authority and additional record its name followed by its rdata
// when that is a name (CNAME, PTR, MX, NS target, SOA mname). As there, an empty name ends
// its section and empty rdata is skipped.
func dnsResponseName(m *dns.Message, i int) ([]byte, bool) {
	for _, q := range m.Queries {
		if len(q.Name) == 0 {
			break
		}
		if i == 0 {
			return q.Name, true
		}
		i--
	}
	for _, sec := range [3][]dns.RR{m.Answers, m.Authorities, m.Additionals} {
		for k := range sec {
			rr := &sec[k]
			if len(rr.Name) == 0 {
				break
			}
			if i == 0 {
				return rr.Name, true
			}
			i--
			if d := rdataName(rr); len(d) > 0 {
				if i == 0 {
					return d, true
				}
				i--
			}
		}
	}
	return nil, false
}

// rdataName is the domain name a record's rdata holds, nil for types whose rdata is not one.
func rdataName(rr *dns.RR) []byte {
	switch rr.Type {
	case dns.TypeCNAME, dns.TypePTR, dns.TypeMX, dns.TypeNS:
		return rr.Data
	case dns.TypeSOA:
		return rr.SOA.MName
	}
	return nil
}

// Event implements signatures.AppTx over the events of the message(s) held.
func (d *dnsTx) Event(name string) bool {
	for _, m := range [2]*dns.Message{d.query, d.reply} {
		if m == nil {
			continue
		}
		for _, e := range m.Events.Slice() {
			if e.Name() == name {
				return true
			}
		}
	}
	return false
}

// Number implements signatures.AppTx: the opcode, the rcode and the question types of the
// message of the direction.
func (d *dnsTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	m := d.msg(toServer)
	if m == nil {
		return 0, false
	}
	switch id {
	case signatures.NumDNSOpcode:
		if i != 0 {
			return 0, false
		}
		return uint64(m.Opcode()), true
	case signatures.NumDNSRRType:
		if i < 0 || i >= len(m.Queries) {
			return 0, false
		}
		return uint64(m.Queries[i].Type), true
	case signatures.NumDNSRcode:
		if i != 0 {
			return 0, false
		}
		return uint64(m.Rcode()), true
	}
	return 0, false
}

// --- TLS ---

// tlsTx is a TLS session (Suricata has one transaction per TLS flow). st is set by the app
// layer; scratch holds the subject alternative name being inspected, which the parser keeps
// as a string.
type tlsTx struct {
	st      *tls.State
	scratch []byte
}

// Buffer implements signatures.AppTx. The certificate buffers are the inspected side's leaf;
// the State already holds them in Suricata's forms (serial "XX:XX" upper hex, fingerprint
// "xx:xx" lower hex).
func (t *tlsTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	s := t.st
	if s == nil || (i != 0 && !id.Multi()) {
		return nil, false
	}
	switch id {
	case signatures.BufTLSRandom, signatures.BufTLSRandomTime, signatures.BufTLSRandomBytes:
		return tlsRandom(s.Random(toServer), id)
	}
	switch id {
	case signatures.BufTLSCertSubject, signatures.BufTLSCertIssuer, signatures.BufTLSCertSerial, signatures.BufTLSCertFingerprint:
		// The leaf certificate of the inspected side: the server's to the client, the
		// client's (mutual TLS) to the server, as in Suricata 7. Its fields exist only when
		// its DER was walked; the State's buffers are reused across flows, so their
		// nil-ness says nothing.
		c := s.Cert(!toServer)
		if c == nil {
			return nil, false
		}
		switch id {
		case signatures.BufTLSCertSubject:
			return c.Subject, true
		case signatures.BufTLSCertIssuer:
			return c.Issuer, true
		case signatures.BufTLSCertSerial:
			return c.Serial, true
		}
		return c.Fingerprint, true
	}
	if id == signatures.BufTLSALPN {
		if toServer {
			if i < 0 || i >= s.ClientALPNCount() {
				return nil, false
			}
			return s.ClientALPN(i), true
		}
		if i != 0 {
			return nil, false
		}
		return nonEmpty(s.ServerALPN())
	}
	if toServer {
		switch id {
		case signatures.BufTLSSNI:
			return nonEmpty(s.SNI())
		case signatures.BufJA3Hash:
			return nonEmpty(s.JA3Hash())
		case signatures.BufJA3String:
			return nonEmpty(s.JA3String())
		case signatures.BufJA4Hash:
			return nonEmpty(s.JA4())
		}
		return nil, false
	}
	switch id {
	case signatures.BufJA3SHash:
		return nonEmpty(s.JA3SHash())
	case signatures.BufJA3SString:
		return nonEmpty(s.JA3SString())
	case signatures.BufTLSCerts:
		certs := s.Certs()
		if i < 0 || i >= len(certs) {
			return nil, false
		}
		return certs[i], true
	case signatures.BufTLSSubjectAltName:
		return t.san(i)
	}
	return nil, false
}

// tlsRandom cuts the tls.random buffers from a hello's 32-byte random: tls.random_time is
// its legacy gmt_unix_time field, tls.random_bytes the rest.
func tlsRandom(rnd []byte, id signatures.BufferID) ([]byte, bool) {
	if len(rnd) != 32 {
		return nil, false
	}
	switch id {
	case signatures.BufTLSRandomTime:
		return rnd[:4], true
	case signatures.BufTLSRandomBytes:
		return rnd[4:], true
	}
	return rnd, true
}

// san copies the i-th DNS subject alternative name of the server's leaf into scratch. The
// State parses the certificate for SANs on first use (once per flow); a leaf crypto/x509
// rejects has none to inspect.
func (t *tlsTx) san(i int) ([]byte, bool) {
	sans, err := t.st.CertSANs(true)
	if err != nil || i < 0 || i >= len(sans) {
		return nil, false
	}
	t.scratch = append(t.scratch[:0], sans[i]...)
	return t.scratch, true
}

// Number implements signatures.AppTx: ssl_version reads the inspected side's hello version;
// tls.version is the negotiated version once a ServerHello was seen, else the ClientHello's,
// whichever direction asks.
func (t *tlsTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	s := t.st
	if s == nil || i != 0 {
		return 0, false
	}
	if id == signatures.NumSSLVersion {
		// ssl_version reads the version of the inspected side's hello.
		v := s.ClientVersion()
		if !toServer {
			v = s.Version()
		}
		return signatures.SSLVersionClass(v)
	}
	if id != signatures.NumTLSVersion {
		return 0, false
	}
	if v := s.Version(); v != 0 {
		return uint64(v), true
	}
	if v := s.ClientVersion(); v != 0 {
		return uint64(v), true
	}
	return 0, false
}

// Event implements signatures.AppTx: TLS has one transaction per flow, so its events are the
// flow's (the first tls.MaxEvents of them in order, then any kind already counted).
func (t *tlsTx) Event(name string) bool {
	if t.st == nil {
		return false
	}
	for e := tls.Event(1); e < tls.NumEvents; e++ {
		if e.Name() == name {
			return t.st.EventCount(e) > 0
		}
	}
	return false
}

// --- SSH ---

// sshTx is an SSH session (one transaction per flow): the client's banner to the server, the
// server's to the client. st is set by the app layer.
type sshTx struct {
	st *ssh.State
}

// Buffer implements signatures.AppTx. A banner without a software part leaves ssh.software
// absent, as Suricata does with an empty field; the HASSH buffers are there once the side's
// KEXINIT was read.
func (x *sshTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	s := x.st
	if s == nil || i != 0 || !s.BannerDone(toServer) {
		return nil, false
	}
	side := s.Server()
	if toServer {
		side = s.Client()
	}
	switch id {
	case signatures.BufSSHProto:
		return nonEmpty(side.ProtoVersion)
	case signatures.BufSSHSoftware:
		return nonEmpty(side.SoftwareVersion)
	}
	if toServer {
		switch id {
		case signatures.BufSSHHassh:
			return nonEmpty(side.HASSH)
		case signatures.BufSSHHasshString:
			return nonEmpty(side.HASSHString)
		}
		return nil, false
	}
	switch id {
	case signatures.BufSSHHasshServer:
		return nonEmpty(side.HASSH)
	case signatures.BufSSHHasshServerString:
		return nonEmpty(side.HASSHString)
	}
	return nil, false
}

// Event implements signatures.AppTx over the session's events.
func (x *sshTx) Event(name string) bool {
	if x.st == nil {
		return false
	}
	for e := ssh.Event(1); e < ssh.NumEvents; e++ {
		if e.Name() == name {
			return x.st.EventCount(e) > 0
		}
	}
	return false
}

// Number implements signatures.AppTx; SSH has no numeric properties.
func (x *sshTx) Number(signatures.NumberID, bool, int) (uint64, bool) { return 0, false }
