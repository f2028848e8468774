package tls

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	ctls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder logs what each side of a connection writes, in write order.
type recorder struct {
	mu     sync.Mutex
	chunks []chunk
}

type recConn struct {
	net.Conn
	r        *recorder
	toServer bool
}

func (c recConn) Write(b []byte) (int, error) {
	c.r.mu.Lock()
	c.r.chunks = append(c.r.chunks, chunk{toServer: c.toServer, data: append([]byte(nil), b...)})
	c.r.mu.Unlock()
	return c.Conn.Write(b)
}

// testCert is a self-signed certificate with a chosen DN and a serial whose DER needs a
// leading zero byte.
type testCert struct {
	tls ctls.Certificate
	der []byte
}

func makeCert(t testing.TB) testCert {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte{0x97, 0xe6, 0x47, 0x09}),
		Subject: pkix.Name{
			Country: []string{"US"}, Organization: []string{"Nightjar Test"}, CommonName: "test.example",
		},
		NotBefore: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		NotAfter:  time.Date(2034, 1, 2, 3, 4, 5, 0, time.UTC),
		DNSNames:  []string{"test.example", "alt.example"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{tls: ctls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, der: der}
}

// handshake runs a real crypto/tls handshake plus a little application data and returns the
// bytes each side wrote.
func handshake(t testing.TB, cert testCert, maxVersion uint16) []chunk {
	rec := &recorder{}
	cc, sc := net.Pipe()
	client := ctls.Client(recConn{cc, rec, true}, &ctls.Config{
		ServerName: "test.example", InsecureSkipVerify: true, MaxVersion: maxVersion,
		NextProtos: []string{"h2", "http/1.1"},
	})
	server := ctls.Server(recConn{sc, rec, false}, &ctls.Config{
		Certificates: []ctls.Certificate{cert.tls}, NextProtos: []string{"h2"},
		SessionTicketsDisabled: true,
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(server, buf); err == nil {
			server.Write([]byte("world"))
		}
		server.Close()
	}()
	if err := client.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	client.Write([]byte("hello"))
	io.ReadAll(client)
	client.Close()
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.chunks
}

// snapshot is everything the parser exposes, for comparing runs.
type snapshot struct {
	SNI, Subject, Issuer, Serial, FP, JA3, JA3H, JA3S, JA3SH, JA4, JA4S string
	Version                                                             string
	NotBefore, NotAfter                                                 time.Time
	Certs                                                               int
	Events                                                              []Event
	Encrypted, Done                                                     bool
	Hellos                                                              [2]int
}

func snap(s *State) snapshot {
	return snapshot{
		SNI: string(s.SNI()), Subject: string(s.CertSubject()), Issuer: string(s.CertIssuer()),
		Serial: string(s.CertSerial()), FP: string(s.CertFingerprint()),
		JA3: string(s.JA3String()), JA3H: string(s.JA3Hash()), JA3S: string(s.JA3SString()),
		JA3SH: string(s.JA3SHash()), JA4: string(s.JA4()), JA4S: string(s.JA4S()),
		Version: s.VersionString(), NotBefore: s.NotBefore(), NotAfter: s.NotAfter(),
		Certs: len(s.Certs()), Events: append([]Event(nil), s.Events()...),
		Encrypted: s.Encrypted(), Done: s.Done(), Hellos: [2]int{s.ClientHellos(), s.ServerHellos()},
	}
}

// feedSplit feeds the chunks in order, each cut into pieces by cut.
func feedSplit(s *State, chunks []chunk, cut func(n int) int) snapshot {
	s.Reset()
	for _, c := range chunks {
		d := c.data
		for len(d) > 0 {
			n := min(max(cut(len(d)), 1), len(d))
			s.Feed(c.toServer, d[:n])
			d = d[n:]
		}
	}
	return snap(s)
}

// coalesce joins consecutive chunks of one direction, as a TCP reassembler delivering
// larger segments would.
func coalesce(chunks []chunk) []chunk {
	var out []chunk
	for _, c := range chunks {
		if n := len(out); n > 0 && out[n-1].toServer == c.toServer {
			out[n-1].data = append(out[n-1].data, c.data...)
			continue
		}
		out = append(out, chunk{c.toServer, append([]byte(nil), c.data...)})
	}
	return out
}

func colonHex(b []byte, upper bool) string {
	f := "%02x"
	if upper {
		f = "%02X"
	}
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf(f, x)
	}
	return strings.Join(parts, ":")
}

func TestTLS12HandshakeFields(t *testing.T) {
	cert := makeCert(t)
	chunks := handshake(t, cert, ctls.VersionTLS12)
	s := New(Config{})
	got := feedSplit(s, chunks, func(n int) int { return n })
	sum := sha1.Sum(cert.der)
	want := map[string][2]string{
		"sni":         {got.SNI, "test.example"},
		"version":     {got.Version, "TLS 1.2"},
		"subject":     {got.Subject, "C=US, O=Nightjar Test, CN=test.example"},
		"issuer":      {got.Issuer, "C=US, O=Nightjar Test, CN=test.example"},
		"serial":      {got.Serial, "00:97:E6:47:09"},
		"fingerprint": {got.FP, colonHex(sum[:], false)},
		"notbefore":   {string(TimeString(nil, got.NotBefore)), "2024-01-02T03:04:05"},
		"notafter":    {string(TimeString(nil, got.NotAfter)), "2034-01-02T03:04:05"},
	}
	for k, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", k, v[0], v[1])
		}
	}
	if got.Certs != 1 || !bytes.Equal(s.Certs()[0], cert.der) {
		t.Errorf("certs: %d, first equal %v", got.Certs, got.Certs > 0 && bytes.Equal(s.Certs()[0], cert.der))
	}
	if sans, err := s.CertSANs(true); err != nil || !reflect.DeepEqual(sans, []string{"test.example", "alt.example"}) {
		t.Errorf("SANs: %v %v", sans, err)
	}
	if !got.Encrypted || !got.Done {
		t.Errorf("after application data: encrypted %v done %v", got.Encrypted, got.Done)
	}
	if len(got.Events) != 0 {
		t.Errorf("events on a clean handshake: %v", eventNamesOf(got.Events))
	}
	if string(s.ClientALPN(0)) != "h2" || string(s.ClientALPN(1)) != "http/1.1" || string(s.ServerALPN()) != "h2" {
		t.Errorf("alpn: %q %q / %q", s.ClientALPN(0), s.ClientALPN(1), s.ServerALPN())
	}
	// JA3 from the parsed lists, recomputed here independently of the fingerprint code.
	if !strings.HasPrefix(got.JA3, "771,") || strings.Count(got.JA3, ",") != 4 || len(got.JA3H) != 32 {
		t.Errorf("ja3 %q / %q", got.JA3, got.JA3H)
	}
	if !strings.HasPrefix(got.JA4, "t12d") || len(got.JA4) != 36 || !strings.Contains(got.JA4, "h2_") {
		t.Errorf("ja4 %q", got.JA4)
	}
	if !strings.HasPrefix(got.JA4S, "t12") {
		t.Errorf("ja4s %q", got.JA4S)
	}
}

func TestTLS13HandshakeEncrypted(t *testing.T) {
	cert := makeCert(t)
	chunks := handshake(t, cert, ctls.VersionTLS13)
	s := New(Config{})
	got := feedSplit(s, chunks, func(n int) int { return n })
	if got.Version != "TLS 1.3" || got.SNI != "test.example" {
		t.Errorf("version %q sni %q", got.Version, got.SNI)
	}
	if got.Subject != "" || got.Certs != 0 {
		t.Errorf("TLS 1.3 certificate is encrypted, yet subject %q certs %d", got.Subject, got.Certs)
	}
	if !got.Encrypted || len(got.Events) != 0 {
		t.Errorf("encrypted %v events %v", got.Encrypted, eventNamesOf(got.Events))
	}
	if !strings.HasPrefix(got.JA4S, "t1302") {
		t.Errorf("ja4s %q", got.JA4S)
	}
}

// TestSegmentationIndependence: whole, coalesced, byte by byte and random splits agree.
func TestSegmentationIndependence(t *testing.T) {
	cert := makeCert(t)
	for _, v := range []uint16{ctls.VersionTLS12, ctls.VersionTLS13} {
		chunks := handshake(t, cert, v)
		s := New(Config{})
		whole := feedSplit(s, chunks, func(n int) int { return n })
		if whole.SNI == "" {
			t.Fatalf("version %x: nothing parsed", v)
		}
		if got := feedSplit(s, coalesce(chunks), func(n int) int { return n }); !reflect.DeepEqual(got, whole) {
			t.Errorf("version %x coalesced:\n got %+v\nwant %+v", v, got, whole)
		}
		if got := feedSplit(s, chunks, func(int) int { return 1 }); !reflect.DeepEqual(got, whole) {
			t.Errorf("version %x byte by byte:\n got %+v\nwant %+v", v, got, whole)
		}
		rng := mrand.New(mrand.NewPCG(1, uint64(v)))
		for i := 0; i < 50; i++ {
			got := feedSplit(s, chunks, func(n int) int { return 1 + rng.IntN(n) })
			if !reflect.DeepEqual(got, whole) {
				t.Fatalf("version %x random split %d:\n got %+v\nwant %+v", v, i, got, whole)
			}
		}
	}
}

func eventNamesOf(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name())
	}
	return out
}

// --- hand-built hellos ---

func u16(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
func u24(v int) []byte    { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }
func vec8(b ...[]byte) []byte {
	c := bytes.Join(b, nil)
	return append([]byte{byte(len(c))}, c...)
}
func vec16(b ...[]byte) []byte {
	c := bytes.Join(b, nil)
	return append(u16(uint16(len(c))), c...)
}
func ext(typ uint16, body []byte) []byte { return append(u16(typ), vec16(body)...) }
func record(typ uint8, ver uint16, body []byte) []byte {
	return append(append([]byte{typ}, u16(ver)...), vec16(body)...)
}
func hsMsg(typ uint8, body []byte) []byte {
	return append(append([]byte{typ}, u24(len(body))...), body...)
}

func list16(vals ...uint16) []byte {
	var b []byte
	for _, v := range vals {
		b = append(b, u16(v)...)
	}
	return b
}

// greaseHello is a ClientHello with GREASE in ciphers, extensions, groups and versions.
func greaseHello() []byte {
	exts := bytes.Join([][]byte{
		ext(0x0a0a, nil),
		ext(extServerName, vec16([]byte{0}, vec16([]byte("grease.example")))),
		ext(extSupportedGroups, vec16(list16(0x1a1a, 29, 23))),
		ext(extECPointFormats, vec8([]byte{0})),
		ext(extSignatureAlgorithms, vec16(list16(0x0403, 0x0804))),
		ext(extALPN, vec16(vec8([]byte("h2")))),
		ext(extSupportedVersions, vec8(list16(0x2a2a, 0x0304, 0x0303))),
		ext(0xfafa, []byte{0}),
	}, nil)
	body := bytes.Join([][]byte{
		u16(0x0303), make([]byte, 32), vec8(), vec16(list16(0x3a3a, 0x1301, 0xc02b, 0x002f)), vec8([]byte{0}), vec16(exts),
	}, nil)
	return record(recHandshake, 0x0301, hsMsg(hsClientHello, body))
}

func TestGREASEExcluded(t *testing.T) {
	s := New(Config{})
	s.Feed(true, greaseHello())
	if got, want := string(s.JA3String()), "771,4865-49195-47,0-10-11-13-16-43,29-23,0"; got != want {
		t.Errorf("ja3 %q, want %q", got, want)
	}
	// JA4: version from supported_versions (GREASE skipped), 3 ciphers, 6 extensions.
	if got := string(s.JA4()); !strings.HasPrefix(got, "t13d0306h2_") {
		t.Errorf("ja4 %q", got)
	}
	wantRaw := "t13d0306h2_002f,1301,c02b_000a,000b,000d,002b_0403,0804"
	if got := string(s.JA4Raw()); got != wantRaw {
		t.Errorf("ja4_r %q, want %q", got, wantRaw)
	}
	if string(s.SNI()) != "grease.example" || len(s.Events()) != 0 {
		t.Errorf("sni %q events %v", s.SNI(), eventNamesOf(s.Events()))
	}
}

func TestMalformed(t *testing.T) {
	hello := greaseHello()
	cases := []struct {
		name     string
		data     []byte
		event    Event
		failed   bool
		wantSNI  string
		moreData []byte
	}{
		{"bad record type", []byte{0x30, 3, 3, 0, 1, 0}, EventInvalidRecordType, true, "", nil},
		{"bad record version", []byte{22, 9, 3, 0, 1, 0}, EventInvalidRecordVersion, true, "", nil},
		{"record too long", []byte{22, 3, 3, 0xff, 0xff}, EventInvalidRecordLength, true, "", nil},
		{"unknown handshake type", record(recHandshake, 0x0303, hsMsg(99, []byte{1, 2})), EventInvalidHandshakeMessage, false, "", nil},
		{"hello truncated inside", record(recHandshake, 0x0303, hsMsg(hsClientHello, []byte{3, 3, 0})), EventHandshakeInvalidLength, false, "", nil},
		{"handshake over cap", record(recHandshake, 0x0303, append([]byte{hsCertificate, 0x7f, 0xff, 0xff}, make([]byte, 100)...)), EventBufferCapped, false, "", nil},
		{"sslv2 header too short", []byte{0x80, 0x01, 0x01}, EventInvalidSSLv2Header, true, "", nil},
		{"duplicate sni", dupSNIHello(), EventMultipleSNIExtensions, false, "one.example", nil},
		{"gap", hello[:20], EventStreamGap, true, "", hello[20:]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(Config{})
			s.Feed(true, c.data)
			if c.event == EventStreamGap {
				s.Gap(true, 10)
			}
			s.Feed(true, c.moreData)
			if s.EventCount(c.event) == 0 {
				t.Errorf("no %s; events %v", c.event.Name(), eventNamesOf(s.Events()))
			}
			if s.Failed(true) != c.failed {
				t.Errorf("failed = %v, want %v", s.Failed(true), c.failed)
			}
			if string(s.SNI()) != c.wantSNI {
				t.Errorf("sni %q, want %q", s.SNI(), c.wantSNI)
			}
		})
	}
}

func dupSNIHello() []byte {
	sni := func(n string) []byte { return ext(extServerName, vec16([]byte{0}, vec16([]byte(n)))) }
	body := bytes.Join([][]byte{
		u16(0x0303), make([]byte, 32), vec8(), vec16(list16(0x1301)), vec8([]byte{0}),
		vec16(sni("one.example"), sni("two.example")),
	}, nil)
	return record(recHandshake, 0x0301, hsMsg(hsClientHello, body))
}

// TestRandomInputNeverPanics drives garbage and mutated hellos through every entry point.
func TestRandomInputNeverPanics(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(7, 7))
	s := New(Config{MaxHandshake: 1024, MaxCertStore: 1024})
	base := greaseHello()
	for i := 0; i < 2000; i++ {
		b := append([]byte(nil), base...)
		for j := 0; j < 1+rng.IntN(8); j++ {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		s.Reset()
		s.Feed(true, b)
		s.Feed(false, b)
		Probe(true, b)
	}
}

func TestProbe(t *testing.T) {
	hello := greaseHello()
	cases := []struct {
		toServer bool
		data     []byte
		want     Verdict
	}{
		{true, hello, Match},
		{true, hello[:3], NeedMore},
		{true, nil, NeedMore},
		{false, hello, NoMatch}, // a ClientHello is not what a server sends
		{true, []byte("GET / HTTP/1.1\r\n"), NoMatch},
		{true, []byte{22, 3, 9}, NoMatch},
		{true, []byte{0x80, 0x2e, 0x01, 0x03, 0x01}, Match}, // SSLv2-framed hello
		{false, record(recHandshake, 0x0303, hsMsg(hsServerHello, make([]byte, 40))), Match},
		// An empty handshake record matches Suricata's |16 03 0x| patterns too.
		{true, []byte{22, 3, 0, 0, 0, 0, 0}, Match},
		{true, []byte{22, 3, 1, 0, 2, 9, 9}, NoMatch}, // too short for a handshake message
	}
	for i, c := range cases {
		if got := Probe(c.toServer, c.data); got != c.want {
			t.Errorf("case %d: Probe = %d, want %d", i, got, c.want)
		}
	}
}

func TestVersionString(t *testing.T) {
	for v, want := range map[uint16]string{
		0: "UNDETERMINED", 0x0301: "TLSv1", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3",
		0x0300: "SSLv3", 0x7f1c: "TLS 1.3 draft-28", 0x7f01: "TLS 1.3 draft-<16", 0xfb1a: "TLS 1.3 draft-26-fb",
		0x1234: "0x1234",
	} {
		if got := VersionString(v); got != want {
			t.Errorf("VersionString(%#x) = %q, want %q", v, got, want)
		}
	}
}

func TestDNFormatting(t *testing.T) {
	name := pkix.Name{
		Country: []string{"FR"}, Province: []string{"IDF"}, Locality: []string{"Paris"},
		Organization: []string{"Stamus"}, CommonName: "SELKS",
	}
	der, err := asn1MarshalName(name)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := derSeq(der)
	if !ok {
		t.Fatal("not a sequence")
	}
	got, ok := appendDN(nil, v)
	if want := "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS"; !ok || string(got) != want {
		t.Errorf("dn %q (%v), want %q", got, ok, want)
	}
}

func asn1MarshalName(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }

// TestSSLv2ClientHelloOpensSession: an SSLv2-framed CLIENT-HELLO counts as the session's
// ClientHello (its transaction and tls event exist from there) and gives the client version.
func TestSSLv2ClientHelloOpensSession(t *testing.T) {
	body := []byte{1, 3, 1, 0, 3, 0, 0, 0, 16, 0x00, 0x00, 0x39}
	body = append(body, make([]byte, 16)...) // challenge
	rec := append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...)
	s := New(DefaultConfig())
	s.Feed(true, rec)
	if s.ClientHellos() != 1 || s.ClientVersion() != 0x0301 {
		t.Fatalf("hellos %d version %#x, want 1 and 0x0301", s.ClientHellos(), s.ClientVersion())
	}
	if len(s.Events()) != 0 {
		t.Errorf("events %v", eventNamesOf(s.Events()))
	}
}
