package sensor

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	ctls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/signatures"
)

// allBuffers lists every buffer the engine knows (ids run from 1 until String says unknown).
func allBuffers() []signatures.BufferID {
	var ids []signatures.BufferID
	for id := signatures.BufferID(1); id.String() != "unknown"; id++ {
		ids = append(ids, id)
	}
	return ids
}

// checkForeign asserts the adapter has none of another protocol's buffers, in either direction.
func checkForeign(t *testing.T, tx signatures.AppTx, proto signatures.AppProto) {
	t.Helper()
	for _, id := range allBuffers() {
		if id.Proto() == proto {
			continue
		}
		for _, ts := range []bool{true, false} {
			if b, ok := tx.Buffer(id, ts, 0); ok {
				t.Errorf("%s (toServer %v) of a %s tx: %q, want absent", id, ts, proto, b)
			}
		}
	}
}

// dirCase is what one buffer should read in each direction; a nil func means the direction
// does not carry the buffer.
type dirCase struct {
	ts, tc func() ([]byte, bool)
}

// checkCases compares every buffer of proto in both directions against want, and fails for
// a buffer of proto that want does not cover.
func checkCases(t *testing.T, tx signatures.AppTx, proto signatures.AppProto, want map[signatures.BufferID]dirCase) {
	t.Helper()
	for _, id := range allBuffers() {
		if id.Proto() != proto {
			continue
		}
		c, ok := want[id]
		if !ok {
			t.Errorf("%s: no test case", id)
			continue
		}
		for _, ts := range []bool{true, false} {
			f := c.tc
			if ts {
				f = c.ts
			}
			got, gotOK := tx.Buffer(id, ts, 0)
			if f == nil {
				if gotOK {
					t.Errorf("%s toServer %v: %q, want absent (wrong direction)", id, ts, got)
				}
				continue
			}
			w, wOK := f()
			if gotOK != wOK || !bytes.Equal(got, w) {
				t.Errorf("%s toServer %v: %q ok %v, want %q ok %v", id, ts, got, gotOK, w, wOK)
			}
			if gotOK && got == nil {
				t.Errorf("%s toServer %v: present but nil", id, ts)
			}
		}
	}
}

// from wraps a parser accessor whose nil result means "absent".
func from(b []byte) func() ([]byte, bool) { return func() ([]byte, bool) { return b, b != nil } }

// --- HTTP ---

const (
	appTxReq = "POST /a/./b/../c%2Fd?q=%41 HTTP/1.1\r\n" +
		"Host: WWW.Example.COM:8080\r\n" +
		"User-Agent: nj-test/1.0\r\n" +
		"Cookie: a=b\r\n" +
		"Accept: */*\r\n" +
		"Accept-Language:\r\n" + // present, empty
		"Connection: close\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: 5\r\n" +
		"\r\n" +
		"hello"
	appTxResp = "HTTP/1.1 302 Found\r\n" +
		"Server: nj-srv\r\n" +
		"Location: /next\r\n" +
		"Connection: keep-alive\r\n" +
		"Set-Cookie: s=1\r\n" +
		"Content-Type: text/html\r\n" +
		"Content-Length: 3\r\n" +
		"\r\n" +
		"abc"
)

func parseHTTP(t testing.TB, req, resp string) *http.Tx {
	t.Helper()
	p := http.NewParser(http.DefaultConfig())
	p.Feed(true, []byte(req))
	if resp != "" {
		p.Feed(false, []byte(resp))
	}
	txs := p.Txs()
	if len(txs) != 1 {
		t.Fatalf("want 1 http tx, got %d", len(txs))
	}
	return txs[0]
}

func TestAppTxHTTP(t *testing.T) {
	tx := parseHTTP(t, appTxReq, appTxResp)
	a := &httpTx{tx: tx}
	both := func(f func(bool) []byte) dirCase {
		return dirCase{ts: from(f(true)), tc: from(f(false))}
	}
	want := map[signatures.BufferID]dirCase{
		signatures.BufHTTPURI:            {ts: from(tx.URI)},
		signatures.BufHTTPURIRaw:         {ts: from(tx.URIRaw)},
		signatures.BufHTTPMethod:         {ts: from(tx.Method)},
		signatures.BufHTTPRequestLine:    {ts: from(tx.RequestLine)},
		signatures.BufHTTPProtocol:       both(tx.ProtocolBuf),
		signatures.BufHTTPHost:           {ts: from(tx.Host)},
		signatures.BufHTTPHostRaw:        {ts: from(tx.HostRaw)},
		signatures.BufHTTPUserAgent:      {ts: from(tx.UserAgent())},
		signatures.BufHTTPHeader:         both(tx.Header),
		signatures.BufHTTPHeaderRaw:      both(tx.HeaderRaw),
		signatures.BufHTTPHeaderNames:    both(tx.HeaderNames),
		signatures.BufHTTPCookie:         {ts: from(tx.Cookie()), tc: from(tx.SetCookie())},
		signatures.BufHTTPStart:          both(tx.Start),
		signatures.BufHTTPContentType:    both(tx.ContentType),
		signatures.BufHTTPContentLen:     both(tx.ContentLength),
		signatures.BufHTTPReferer:        {ts: from(tx.Referer())},
		signatures.BufHTTPAccept:         {ts: from(tx.Accept())},
		signatures.BufHTTPAcceptEnc:      {ts: from(tx.AcceptEncoding())},
		signatures.BufHTTPAcceptLang:     {ts: from(tx.AcceptLanguage())},
		signatures.BufHTTPConnection:     {ts: from(tx.Connection()), tc: from(tx.ResponseHeader("Connection"))},
		signatures.BufHTTPLocation:       {tc: from(tx.Location())},
		signatures.BufHTTPServer:         {tc: from(tx.Server())},
		signatures.BufHTTPRequestBody:    {ts: from(tx.RequestBody)},
		signatures.BufHTTPStatCode:       {tc: from(tx.StatusCode)},
		signatures.BufHTTPStatMsg:        {tc: from(tx.StatusMsg)},
		signatures.BufHTTPResponseLine:   {tc: from(tx.ResponseLine)},
		signatures.BufHTTPResponseBody:   {tc: from(tx.ResponseBody)},
		signatures.BufHTTPRequestHeader:  {ts: headerLine(tx.RequestHeaders, 0)},
		signatures.BufHTTPResponseHeader: {tc: headerLine(tx.ResponseHeaders, 0)},
		signatures.BufFileData:           both(tx.FileData),
	}
	checkCases(t, a, signatures.AppHTTP, want)
	checkForeign(t, a, signatures.AppHTTP)

	// The cases above only say the adapter agrees with the parser; these pin the semantics
	// that matter to a rule, independently of it.
	mustBuf(t, a, signatures.BufHTTPUserAgent, true, 0, "nj-test/1.0")
	mustBuf(t, a, signatures.BufHTTPAcceptLang, true, 0, "") // present but empty: inspected
	mustAbsent(t, a, signatures.BufHTTPReferer, true, 0)     // not sent: not inspected
	mustAbsent(t, a, signatures.BufHTTPAcceptEnc, true, 0)
	mustBuf(t, a, signatures.BufHTTPCookie, true, 0, "a=b")
	mustBuf(t, a, signatures.BufHTTPCookie, false, 0, "s=1")
	mustBuf(t, a, signatures.BufHTTPContentType, true, 0, "text/plain")
	mustBuf(t, a, signatures.BufHTTPContentType, false, 0, "text/html")
	mustBuf(t, a, signatures.BufHTTPRequestBody, true, 0, "hello")
	mustBuf(t, a, signatures.BufFileData, false, 0, "abc")
	mustBuf(t, a, signatures.BufHTTPStatCode, false, 0, "302")
	if b, _ := a.Buffer(signatures.BufHTTPHeader, true, 0); !bytes.Contains(b, []byte("User-Agent: nj-test/1.0\r\n")) ||
		bytes.Contains(b, []byte("Cookie")) {
		t.Errorf("http.header to server %q: want the User-Agent line and no Cookie", b)
	}

	// Multi-buffers: one "Name: Value" per header, in order, then no more.
	for i, h := range tx.RequestHeaders {
		mustBuf(t, a, signatures.BufHTTPRequestHeader, true, i, string(h.Name)+": "+string(h.Value))
	}
	mustAbsent(t, a, signatures.BufHTTPRequestHeader, true, len(tx.RequestHeaders))
	mustAbsent(t, a, signatures.BufHTTPRequestHeader, true, -1)
	for i, h := range tx.ResponseHeaders {
		mustBuf(t, a, signatures.BufHTTPResponseHeader, false, i, string(h.Name)+": "+string(h.Value))
	}
	mustAbsent(t, a, signatures.BufHTTPResponseHeader, false, len(tx.ResponseHeaders))
	mustBuf(t, a, signatures.BufHTTPRequestHeader, true, 1, "User-Agent: nj-test/1.0")
	// A single buffer has only instance 0.
	mustAbsent(t, a, signatures.BufHTTPURI, true, 1)

	// The buffers EVE logs are the same bytes.
	var e http.EVE
	tx.FillEVE(&e)
	for _, c := range []struct {
		id       signatures.BufferID
		toServer bool
		eve      []byte
	}{
		{signatures.BufHTTPURIRaw, true, e.URL}, {signatures.BufHTTPHost, true, e.Hostname},
		{signatures.BufHTTPMethod, true, e.Method}, {signatures.BufHTTPProtocol, true, e.Protocol},
		{signatures.BufHTTPUserAgent, true, e.UserAgent}, {signatures.BufHTTPLocation, false, e.Redirect},
	} {
		if b, ok := a.Buffer(c.id, c.toServer, 0); !ok || !bytes.Equal(b, c.eve) {
			t.Errorf("%s = %q ok %v, EVE has %q", c.id, b, ok, c.eve)
		}
	}

	// urilen: to server only.
	for _, c := range []struct {
		id  signatures.NumberID
		uri []byte
	}{{signatures.NumHTTPURILen, tx.URI}, {signatures.NumHTTPURIRawLen, tx.URIRaw}} {
		if v, ok := a.Number(c.id, true, 0); !ok || v != uint64(len(c.uri)) {
			t.Errorf("number %d = %d ok %v, want %d", c.id, v, ok, len(c.uri))
		}
		if _, ok := a.Number(c.id, false, 0); ok {
			t.Errorf("number %d to client: want absent", c.id)
		}
	}
	if _, ok := a.Number(signatures.NumTLSVersion, true, 0); ok {
		t.Error("tls.version of an http tx: want absent")
	}
}

// headerLine is the expected i-th "Name: Value" instance, built from the parser's headers.
func headerLine(hs []http.Header, i int) func() ([]byte, bool) {
	return func() ([]byte, bool) {
		if i >= len(hs) {
			return nil, false
		}
		return []byte(string(hs[i].Name) + ": " + string(hs[i].Value)), true
	}
}

// TestAppTxHTTPRequestOnly: before the response nothing to-client exists, and a request
// without headers or body has empty header buffers but no header values or body.
func TestAppTxHTTPRequestOnly(t *testing.T) {
	tx := parseHTTP(t, "GET /x HTTP/1.0\r\n\r\n", "")
	a := &httpTx{tx: tx}
	mustBuf(t, a, signatures.BufHTTPURI, true, 0, string(tx.URI))
	mustBuf(t, a, signatures.BufHTTPHeader, true, 0, "")
	mustBuf(t, a, signatures.BufHTTPProtocol, true, 0, "HTTP/1.0")
	for _, id := range []signatures.BufferID{
		signatures.BufHTTPUserAgent, signatures.BufHTTPHost, signatures.BufHTTPCookie,
		signatures.BufHTTPRequestBody, signatures.BufFileData, signatures.BufHTTPContentLen,
	} {
		mustAbsent(t, a, id, true, 0)
	}
	mustAbsent(t, a, signatures.BufHTTPRequestHeader, true, 0)
	for _, id := range allBuffers() {
		if id.Proto() == signatures.AppHTTP {
			mustAbsent(t, a, id, false, 0)
		}
	}
	var none httpTx
	for _, id := range allBuffers() {
		mustAbsent(t, &none, id, true, 0)
	}
	if _, ok := none.Number(signatures.NumHTTPURILen, true, 0); ok {
		t.Error("urilen without a tx: want absent")
	}
}

// --- DNS ---

// dnsQuestion is one question to encode.
type dnsQuestion struct {
	labels []string
	qtype  uint16
}

// dnsWire encodes a message with the given flags and questions (no records).
func dnsWire(id, flags uint16, qs ...dnsQuestion) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, flags)
	b = binary.BigEndian.AppendUint16(b, uint16(len(qs)))
	b = append(b, 0, 0, 0, 0, 0, 0)
	for _, q := range qs {
		for _, l := range q.labels {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
		b = append(b, 0)
		b = binary.BigEndian.AppendUint16(b, q.qtype)
		b = binary.BigEndian.AppendUint16(b, 1)
	}
	return b
}

func TestAppTxDNS(t *testing.T) {
	qs := []dnsQuestion{
		{[]string{"www", "Example", "com"}, dns.TypeA},
		{nil, dns.TypeNS}, // the root
		{[]string{"x"}, dns.TypeTXT},
	}
	const opQuery, opStatus = 0, 2
	var qp, rp dns.Parser
	q, err := qp.ParseMessage(true, dnsWire(0x1234, opQuery<<11|0x0100, qs...))
	if err != nil {
		t.Fatal(err)
	}
	r, err := rp.ParseMessage(false, dnsWire(0x1234, 0x8000|opStatus<<11, qs[0]))
	if err != nil {
		t.Fatal(err)
	}

	d := &dnsTx{query: q}
	for i, qq := range qs {
		want := strings.Join(qq.labels, ".")
		mustBuf(t, d, signatures.BufDNSQuery, true, i, want)
		// EVE's rrname is the same name.
		if b, _ := d.Buffer(signatures.BufDNSQuery, true, i); !bytes.Equal(b, q.Queries[i].Name) {
			t.Errorf("dns.query %d %q, EVE rrname %q", i, b, q.Queries[i].Name)
		}
		mustNum(t, d, signatures.NumDNSRRType, true, i, uint64(qq.qtype))
	}
	mustAbsent(t, d, signatures.BufDNSQuery, true, len(qs))
	mustAbsent(t, d, signatures.BufDNSQuery, false, 0)
	mustNum(t, d, signatures.NumDNSOpcode, true, 0, opQuery)
	mustNoNum(t, d, signatures.NumDNSRRType, true, len(qs))
	mustNoNum(t, d, signatures.NumDNSOpcode, false, 0) // no response yet
	mustNoNum(t, d, signatures.NumDNSRRType, false, 0)
	checkForeign(t, d, signatures.AppDNS)

	// A response: its opcode and question types to the client; dns.query is request-only.
	d = &dnsTx{reply: r}
	mustNum(t, d, signatures.NumDNSOpcode, false, 0, opStatus)
	mustNum(t, d, signatures.NumDNSRRType, false, 0, dns.TypeA)
	mustNoNum(t, d, signatures.NumDNSRRType, false, 1)
	mustNoNum(t, d, signatures.NumDNSOpcode, true, 0)
	mustNoNum(t, d, signatures.NumDNSOpcode, false, 1)
	mustAbsent(t, d, signatures.BufDNSQuery, false, 0)
	mustAbsent(t, d, signatures.BufDNSQuery, true, 0)
	mustNoNum(t, d, signatures.NumTLSVersion, false, 0)
}

// dnsName encodes a dotted name uncompressed.
func dnsName(b []byte, name string) []byte {
	for _, l := range strings.Split(name, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// dnsRR is a record for dnsResponseWire: rdata is a name for CNAME and NS, 4 bytes for A.
type dnsRR struct {
	name  string
	typ   uint16
	rdata string
}

// dnsResponseWire encodes a response with one question and the given sections.
func dnsResponseWire(q string, an, ns, ar []dnsRR) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0x4242)
	b = binary.BigEndian.AppendUint16(b, 0x8180)
	for _, n := range []int{1, len(an), len(ns), len(ar)} {
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	}
	b = dnsName(b, q)
	b = append(b, 0, dns.TypeA, 0, 1)
	for _, sec := range [][]dnsRR{an, ns, ar} {
		for _, rr := range sec {
			b = dnsName(b, rr.name)
			b = binary.BigEndian.AppendUint16(b, rr.typ)
			b = append(b, 0, 1, 0, 0, 0, 60)
			var rd []byte
			if rr.typ == dns.TypeA {
				rd = []byte{192, 0, 2, 1}
			} else {
				rd = dnsName(nil, rr.rdata)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(len(rd)))
			b = append(b, rd...)
		}
	}
	return b
}

// TestAppTxDNSResponseNames: dns.response.rrname walks the response's question names, then
// each record's name followed by its rdata when that is a name; dns.authorities.rrname and
// dns.additionals.rrname are their sections' names. All are to-client only.
func TestAppTxDNSResponseNames(t *testing.T) {
	var rp dns.Parser
	r, err := rp.ParseMessage(false, dnsResponseWire("a.example",
		[]dnsRR{{"a.example", dns.TypeCNAME, "b.example"}, {"b.example", dns.TypeA, ""}},
		[]dnsRR{{"example", dns.TypeNS, "ns1.example"}},
		[]dnsRR{{"ns1.example", dns.TypeA, ""}}))
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsTx{reply: r}
	want := []string{"a.example", "a.example", "b.example", "b.example", "example", "ns1.example", "ns1.example"}
	for i, w := range want {
		mustBuf(t, d, signatures.BufDNSResponseRRName, false, i, w)
	}
	mustAbsent(t, d, signatures.BufDNSResponseRRName, false, len(want))
	mustBuf(t, d, signatures.BufDNSAuthoritiesRRName, false, 0, "example")
	mustAbsent(t, d, signatures.BufDNSAuthoritiesRRName, false, 1)
	mustBuf(t, d, signatures.BufDNSAdditionalsRRName, false, 0, "ns1.example")
	mustAbsent(t, d, signatures.BufDNSAdditionalsRRName, false, 1)
	for _, id := range []signatures.BufferID{signatures.BufDNSResponseRRName,
		signatures.BufDNSAuthoritiesRRName, signatures.BufDNSAdditionalsRRName} {
		mustAbsent(t, d, id, true, 0)
	}
}

// --- TLS ---

// appTxCert is a self-signed leaf whose serial has its top bit set, so its DER INTEGER needs
// a leading zero byte that Suricata prints.
func appTxCert(t testing.TB) (ctls.Certificate, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte{0xa1, 0x02, 0xb3}),
		Subject:      pkix.Name{Organization: []string{"Nightjar"}, CommonName: "srv.example"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{"srv.example", "www.srv.example"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ctls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, leaf
}

// tlsWrite is one write of one side of a connection.
type tlsWrite struct {
	toServer bool
	data     []byte
}

type tapConn struct {
	net.Conn
	mu       *sync.Mutex
	log      *[]tlsWrite
	toServer bool
}

func (c tapConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	*c.log = append(*c.log, tlsWrite{c.toServer, bytes.Clone(b)})
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// tlsSession runs a real crypto/tls handshake at maxVersion over a pipe and returns what each
// side wrote, in order.
func tlsSession(t testing.TB, cert ctls.Certificate, maxVersion uint16) []tlsWrite {
	var (
		mu  sync.Mutex
		log []tlsWrite
	)
	cc, sc := net.Pipe()
	client := ctls.Client(tapConn{cc, &mu, &log, true}, &ctls.Config{
		ServerName: "srv.example", InsecureSkipVerify: true, MaxVersion: maxVersion,
		NextProtos: []string{"h2", "http/1.1"},
	})
	server := ctls.Server(tapConn{sc, &mu, &log, false}, &ctls.Config{
		Certificates: []ctls.Certificate{cert}, SessionTicketsDisabled: true, NextProtos: []string{"http/1.1"},
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if server.Handshake() == nil {
			server.Write([]byte("ok"))
		}
		server.Close()
	}()
	if err := client.Handshake(); err != nil {
		t.Fatalf("tls handshake: %v", err)
	}
	io.ReadAll(client)
	client.Close()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return log
}

// helloRandom is the random of the first hello a side wrote.
func helloRandom(t testing.TB, ws []tlsWrite, toServer bool) []byte {
	t.Helper()
	for _, w := range ws {
		if w.toServer == toServer {
			if len(w.data) < 43 {
				t.Fatalf("first write of side toServer=%v too short: %d bytes", toServer, len(w.data))
			}
			return w.data[11:43]
		}
	}
	t.Fatalf("side toServer=%v wrote nothing", toServer)
	return nil
}

func feedTLS(s *tls.State, ws []tlsWrite, onlyToServer bool) {
	for _, w := range ws {
		if onlyToServer && !w.toServer {
			continue
		}
		s.Feed(w.toServer, w.data)
	}
}

func colonHexOf(b []byte, upper bool) string {
	var sb strings.Builder
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		if upper {
			fmt.Fprintf(&sb, "%02X", x)
		} else {
			fmt.Fprintf(&sb, "%02x", x)
		}
	}
	return sb.String()
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func TestAppTxTLS(t *testing.T) {
	cert, leaf := appTxCert(t)
	ws := tlsSession(t, cert, ctls.VersionTLS12)
	s := tls.New(tls.DefaultConfig())
	feedTLS(s, ws, false)
	a := &tlsTx{st: s}

	sum := sha1.Sum(leaf.Raw)
	serial := leaf.SerialNumber.Bytes()
	if serial[0]&0x80 != 0 { // DER keeps a positive INTEGER positive with a zero byte
		serial = append([]byte{0}, serial...)
	}
	mustBuf(t, a, signatures.BufTLSSNI, true, 0, "srv.example")
	mustBuf(t, a, signatures.BufTLSCertSerial, false, 0, colonHexOf(serial, true))
	mustBuf(t, a, signatures.BufTLSCertFingerprint, false, 0, colonHexOf(sum[:], false))
	mustBuf(t, a, signatures.BufTLSCerts, false, 0, string(leaf.Raw))
	mustAbsent(t, a, signatures.BufTLSCerts, false, 1)
	for i, san := range leaf.DNSNames {
		mustBuf(t, a, signatures.BufTLSSubjectAltName, false, i, san)
	}
	mustAbsent(t, a, signatures.BufTLSSubjectAltName, false, len(leaf.DNSNames))
	if b, _ := a.Buffer(signatures.BufTLSCertSubject, false, 0); !bytes.Contains(b, []byte("CN=srv.example")) {
		t.Errorf("tls.cert_subject %q: want CN=srv.example", b)
	}
	ja3, _ := a.Buffer(signatures.BufJA3String, true, 0)
	mustBuf(t, a, signatures.BufJA3Hash, true, 0, md5Hex(ja3))
	ja3s, _ := a.Buffer(signatures.BufJA3SString, false, 0)
	mustBuf(t, a, signatures.BufJA3SHash, false, 0, md5Hex(ja3s))
	mustNum(t, a, signatures.NumTLSVersion, false, 0, ctls.VersionTLS12)
	mustNum(t, a, signatures.NumTLSVersion, true, 0, ctls.VersionTLS12)
	mustNoNum(t, a, signatures.NumTLSVersion, true, 1)
	// ssl_version reads each side's hello: both TLS 1.2 here.
	mustNum(t, a, signatures.NumSSLVersion, true, 0, signatures.SSLClassTLS12)
	mustNum(t, a, signatures.NumSSLVersion, false, 0, signatures.SSLClassTLS12)
	mustNoNum(t, a, signatures.NumDNSOpcode, true, 0)

	// The hello randoms, read off the wire: record header (5), handshake header (4) and
	// version (2) come before them in each side's first write.
	cr, sr := helloRandom(t, ws, true), helloRandom(t, ws, false)
	if bytes.Equal(cr, sr) {
		t.Fatal("client and server random are equal")
	}

	// Everything agrees with the parser's accessors (which EVE tls logs), direction by direction.
	want := map[signatures.BufferID]dirCase{
		signatures.BufTLSSNI:             {ts: from(s.SNI())},
		signatures.BufTLSCertSubject:     {tc: from(s.CertSubject())},
		signatures.BufTLSCertIssuer:      {tc: from(s.CertIssuer())},
		signatures.BufTLSCertSerial:      {tc: from(s.CertSerial())},
		signatures.BufTLSCertFingerprint: {tc: from(s.CertFingerprint())},
		signatures.BufTLSCerts:           {tc: from(s.Certs()[0])},
		signatures.BufTLSSubjectAltName:  {tc: from([]byte(leaf.DNSNames[0]))},
		signatures.BufJA3Hash:            {ts: from(s.JA3Hash())},
		signatures.BufJA3String:          {ts: from(s.JA3String())},
		signatures.BufJA3SHash:           {tc: from(s.JA3SHash())},
		signatures.BufJA3SString:         {tc: from(s.JA3SString())},
		signatures.BufJA4Hash:            {ts: from(s.JA4())},
		signatures.BufTLSRandom:          {ts: from(cr), tc: from(sr)},
		signatures.BufTLSRandomTime:      {ts: from(cr[:4]), tc: from(sr[:4])},
		signatures.BufTLSRandomBytes:     {ts: from(cr[4:]), tc: from(sr[4:])},
		signatures.BufTLSALPN:            {ts: from([]byte("h2")), tc: from([]byte("http/1.1"))},
	}
	checkCases(t, a, signatures.AppTLS, want)
	mustBuf(t, a, signatures.BufTLSALPN, true, 1, "http/1.1") // the client's second offer
	mustAbsent(t, a, signatures.BufTLSALPN, true, 2)
	mustAbsent(t, a, signatures.BufTLSALPN, false, 1)
	checkForeign(t, a, signatures.AppTLS)

	// Only the ClientHello so far: the client's version, no server-side buffers.
	s2 := tls.New(tls.DefaultConfig())
	feedTLS(s2, ws, true)
	b := &tlsTx{st: s2}
	mustNum(t, b, signatures.NumTLSVersion, true, 0, uint64(s2.ClientVersion()))
	mustBuf(t, b, signatures.BufTLSSNI, true, 0, "srv.example")
	for _, id := range allBuffers() {
		if id.Proto() == signatures.AppTLS {
			mustAbsent(t, b, id, false, 0)
		}
	}

	// TLS 1.3: the certificate is encrypted, so there are no certificate buffers.
	s3 := tls.New(tls.DefaultConfig())
	feedTLS(s3, tlsSession(t, cert, ctls.VersionTLS13), false)
	c := &tlsTx{st: s3}
	mustNum(t, c, signatures.NumTLSVersion, false, 0, ctls.VersionTLS13)
	mustNum(t, c, signatures.NumSSLVersion, false, 0, signatures.SSLClassTLS13)
	for _, id := range []signatures.BufferID{
		signatures.BufTLSCertSubject, signatures.BufTLSCertIssuer, signatures.BufTLSCertSerial,
		signatures.BufTLSCertFingerprint, signatures.BufTLSCerts, signatures.BufTLSSubjectAltName,
	} {
		mustAbsent(t, c, id, false, 0)
	}
	mustBuf(t, c, signatures.BufTLSSNI, true, 0, "srv.example")

	var none tlsTx
	mustAbsent(t, &none, signatures.BufTLSSNI, true, 0)
	mustNoNum(t, &none, signatures.NumTLSVersion, true, 0)
	fresh := &tlsTx{st: tls.New(tls.DefaultConfig())}
	mustNoNum(t, fresh, signatures.NumTLSVersion, true, 0)
}

// --- SSH ---

func TestAppTxSSH(t *testing.T) {
	s := ssh.New(ssh.DefaultConfig())
	s.Feed(true, []byte("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"))
	x := &sshTx{st: s}
	// The server has not spoken yet.
	mustBuf(t, x, signatures.BufSSHProto, true, 0, "2.0")
	mustAbsent(t, x, signatures.BufSSHProto, false, 0)
	mustAbsent(t, x, signatures.BufSSHSoftware, false, 0)

	s.Feed(false, []byte("SSH-1.99-Cisco-1.25\r\n"))
	want := map[signatures.BufferID]dirCase{
		signatures.BufSSHProto:    {ts: from(s.Client().ProtoVersion), tc: from(s.Server().ProtoVersion)},
		signatures.BufSSHSoftware: {ts: from(s.Client().SoftwareVersion), tc: from(s.Server().SoftwareVersion)},
		// No KEXINIT yet: the HASSH buffers are absent (TestDetectAppSSHHassh reads real ones).
		signatures.BufSSHHassh:             {ts: from(s.Client().HASSH)},
		signatures.BufSSHHasshString:       {ts: from(s.Client().HASSHString)},
		signatures.BufSSHHasshServer:       {tc: from(s.Server().HASSH)},
		signatures.BufSSHHasshServerString: {tc: from(s.Server().HASSHString)},
	}
	checkCases(t, x, signatures.AppSSH, want)
	checkForeign(t, x, signatures.AppSSH)
	mustBuf(t, x, signatures.BufSSHSoftware, true, 0, "OpenSSH_9.6p1")
	mustBuf(t, x, signatures.BufSSHProto, false, 0, "1.99")
	mustBuf(t, x, signatures.BufSSHSoftware, false, 0, "Cisco-1.25")
	mustAbsent(t, x, signatures.BufSSHProto, true, 1)
	mustNoNum(t, x, signatures.NumTLSVersion, true, 0)

	// A banner without a software version: ssh.software is absent, not empty.
	s.Reset()
	s.Feed(true, []byte("SSH-2.0-\r\n"))
	mustBuf(t, x, signatures.BufSSHProto, true, 0, "2.0")
	mustAbsent(t, x, signatures.BufSSHSoftware, true, 0)

	var none sshTx
	mustAbsent(t, &none, signatures.BufSSHProto, true, 0)
}

// --- helpers ---

func mustBuf(t *testing.T, tx signatures.AppTx, id signatures.BufferID, toServer bool, i int, want string) {
	t.Helper()
	b, ok := tx.Buffer(id, toServer, i)
	if !ok || string(b) != want || b == nil {
		t.Errorf("%s[%d] toServer %v = %q ok %v, want %q", id, i, toServer, b, ok, want)
	}
}

func mustAbsent(t *testing.T, tx signatures.AppTx, id signatures.BufferID, toServer bool, i int) {
	t.Helper()
	if b, ok := tx.Buffer(id, toServer, i); ok {
		t.Errorf("%s[%d] toServer %v = %q, want absent", id, i, toServer, b)
	}
}

func mustNum(t *testing.T, tx signatures.AppTx, id signatures.NumberID, toServer bool, i int, want uint64) {
	t.Helper()
	if v, ok := tx.Number(id, toServer, i); !ok || v != want {
		t.Errorf("number %d[%d] toServer %v = %#x ok %v, want %#x", id, i, toServer, v, ok, want)
	}
}

func mustNoNum(t *testing.T, tx signatures.AppTx, id signatures.NumberID, toServer bool, i int) {
	t.Helper()
	if v, ok := tx.Number(id, toServer, i); ok {
		t.Errorf("number %d[%d] toServer %v = %#x, want absent", id, i, toServer, v)
	}
}

// --- allocations ---

// appTxBench is one adapter and the buffers a rule would read from it, multi-buffer
// instances (built in scratch) included.
type appTxBench struct {
	name string
	tx   signatures.AppTx
	ids  []signatures.BufferID
	ts   []bool
	num  signatures.NumberID
}

func appTxBenches(t testing.TB) []appTxBench {
	htx := &httpTx{tx: parseHTTP(t, appTxReq, appTxResp)}
	var qp dns.Parser
	q, err := qp.ParseMessage(true, dnsWire(1, 0x0100, dnsQuestion{[]string{"a", "example"}, dns.TypeA}))
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := appTxCert(t)
	st := tls.New(tls.DefaultConfig())
	feedTLS(st, tlsSession(t, cert, ctls.VersionTLS12), false)
	sh := ssh.New(ssh.DefaultConfig())
	sh.Feed(true, []byte("SSH-2.0-OpenSSH_9.6\r\n"))
	sp := smtp.NewParser(smtp.Config{})
	sp.Feed(false, []byte("220 mx\r\n"))
	sp.Feed(true, []byte("HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"))
	sp.Feed(false, []byte("250 a\r\n250 b\r\n250 c\r\n354 go\r\n"))
	sp.Feed(true, []byte("Received: from x by y\r\nCc: e@f\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=a.txt\r\n\r\nsee http://example.com/x\r\n--b--\r\n.\r\n"))
	return []appTxBench{
		{"smtp", &smtpTx{p: sp, tx: sp.Txs()[0]}, []signatures.BufferID{signatures.BufSMTPHelo, signatures.BufSMTPRcptTo,
			signatures.BufEmailCc, signatures.BufEmailReceived, signatures.BufEmailURL, signatures.BufFileName,
			signatures.BufFileDataFiles}, []bool{true, true, true, true, true, true, true}, signatures.NumNone},
		{"http", htx, []signatures.BufferID{signatures.BufHTTPRequestHeader, signatures.BufHTTPUserAgent,
			signatures.BufHTTPHeader, signatures.BufHTTPResponseHeader}, []bool{true, true, true, false},
			signatures.NumHTTPURILen},
		{"dns", &dnsTx{query: q}, []signatures.BufferID{signatures.BufDNSQuery}, []bool{true}, signatures.NumDNSRRType},
		{"tls", &tlsTx{st: st}, []signatures.BufferID{signatures.BufTLSSubjectAltName, signatures.BufTLSCerts,
			signatures.BufTLSCertSerial, signatures.BufTLSSNI}, []bool{false, false, false, true}, signatures.NumTLSVersion},
		{"ssh", &sshTx{st: sh}, []signatures.BufferID{signatures.BufSSHSoftware}, []bool{true}, signatures.NumNone},
	}
}

func (c *appTxBench) run() {
	for j, id := range c.ids {
		c.tx.Buffer(id, c.ts[j], 0)
	}
	c.tx.Number(c.num, c.ts[0], 0)
}

func TestAppTxNoAllocs(t *testing.T) {
	for _, c := range appTxBenches(t) {
		c.run() // first use grows scratch and lets the parsers build their lazy buffers
		if n := testing.AllocsPerRun(100, c.run); n != 0 {
			t.Errorf("%s: %.1f allocs per inspection, want 0", c.name, n)
		}
	}
}

func BenchmarkAppTxBuffer(b *testing.B) {
	for _, c := range appTxBenches(b) {
		b.Run(c.name, func(b *testing.B) {
			c.run()
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
}
