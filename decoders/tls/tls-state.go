package tls

import "time"

// TLS protocol versions as they appear on the wire.
const (
	versionSSL2  = 0x0002
	versionSSL3  = 0x0300
	versionTLS10 = 0x0301
	versionTLS11 = 0x0302
	versionTLS12 = 0x0303
	versionTLS13 = 0x0304
)

// State is the TLS parse state of one flow. It is reused across flows with Reset; every byte
// slice it returns is valid until the next Feed or Reset.
type State struct {
	cfg        Config
	ts, tc     direction
	ev         events
	recVersion uint16 // version of the first TLS record seen

	client      clientHello // first ClientHello: buffers and EVE
	laterClient clientHello // the most recent later one
	server      serverHello // most recent ServerHello

	serverVersion uint16 // negotiated: ServerHello's supported_versions, else its version
	clientHellos  int
	serverHellos  int
	resumed       bool

	serverCert certInfo // first certificate the server sent (EVE top level)
	clientCert certInfo // first certificate the client sent (EVE "client" object)

	fp      fingerprints // of the first ClientHello and the last ServerHello
	laterFP fingerprints // of the most recent later ClientHello
}

// New returns a State with cfg's limits; zero fields take their defaults.
func New(cfg Config) *State {
	def := DefaultConfig()
	if cfg.MaxHandshake <= 0 {
		cfg.MaxHandshake = def.MaxHandshake
	}
	if cfg.MaxCertStore <= 0 {
		cfg.MaxCertStore = def.MaxCertStore
	}
	s := &State{cfg: cfg}
	s.Reset()
	return s
}

// Reset clears the state for a new flow, keeping its buffers.
func (s *State) Reset() {
	s.ts.reset(true)
	s.tc.reset(false)
	s.ev = events{}
	s.recVersion = 0
	s.client.reset()
	s.laterClient.reset()
	s.laterFP.reset()
	s.server.reset()
	s.serverVersion = 0
	s.clientHellos, s.serverHellos = 0, 0
	s.resumed = false
	s.serverCert.reset()
	s.clientCert.reset()
	s.fp.reset()
}

func (s *State) dir(toServer bool) *direction {
	if toServer {
		return &s.ts
	}
	return &s.tc
}

// Encrypted reports that both directions now carry only ciphertext, so nothing more can be
// inspected and the flow may be bypassed (Suricata's encryption-handling: bypass).
func (s *State) Encrypted() bool { return s.ts.opaque() && s.tc.opaque() }

// AppData reports that an application data record was seen in either direction: the handshake
// is over and what follows is ciphertext (where Suricata stops inspecting the payload).
func (s *State) AppData() bool { return s.ts.appData || s.tc.appData }

// Done reports that neither direction will yield anything more: each is encrypted or failed.
func (s *State) Done() bool {
	return (s.ts.opaque() || s.ts.failed) && (s.tc.opaque() || s.tc.failed)
}

// Failed reports that a direction stopped being parsed (not TLS, or a gap).
func (s *State) Failed(toServer bool) bool { return s.dir(toServer).failed }

// Events returns the first MaxEvents events the flow raised, in order.
func (s *State) Events() []Event { return s.ev.list[:s.ev.n] }

// EventCount returns how often the flow raised e.
func (s *State) EventCount(e Event) uint32 {
	if e >= NumEvents {
		return 0
	}
	return s.ev.counts[e]
}

// ClientHellos and ServerHellos count the hellos parsed (a HelloRetryRequest makes two of each).
func (s *State) ClientHellos() int { return s.clientHellos }

// ServerHellos counts parsed ServerHellos, HelloRetryRequests included.
func (s *State) ServerHellos() int { return s.serverHellos }

// Records counts the records seen in one direction.
func (s *State) Records(toServer bool) uint64 { return s.dir(toServer).records }

// --- sticky buffers and EVE fields ---

// SNI is the tls.sni buffer (EVE tls.sni): the ClientHello's host_name server name.
func (s *State) SNI() []byte { return s.client.sni }

// Version is the negotiated version (EVE tls.version via VersionString): the ServerHello's
// supported_versions selection, else its version; 0 before a ServerHello.
func (s *State) Version() uint16 { return s.serverVersion }

// Random is the random of the first ClientHello (toServer) or of the last ServerHello, nil
// before that hello was read: Suricata's tls.random buffers, whose first 4 bytes are the
// legacy gmt_unix_time (tls.random_time) and the other 28 the random bytes proper.
func (s *State) Random(toServer bool) []byte {
	if toServer {
		if !s.client.hasRandom {
			return nil
		}
		return s.client.random[:]
	}
	if !s.server.hasRandom {
		return nil
	}
	return s.server.random[:]
}

// ClientVersion is the ClientHello's legacy version (EVE tls.client_handshake.version).
func (s *State) ClientVersion() uint16 { return s.client.version }

// VersionString is EVE's tls.version string, as Suricata writes it ("TLS 1.2", "TLSv1",
// "UNDETERMINED" before a ServerHello).
func (s *State) VersionString() string { return VersionString(s.serverVersion) }

// SessionResumed is EVE tls.session_resumed: the server echoed the client's session id.
func (s *State) SessionResumed() bool { return s.resumed }

// ServerCipher is the cipher suite the server chose (EVE tls.server_handshake.cipher).
func (s *State) ServerCipher() uint16 { return s.server.cipher }

// ClientCiphers, ClientExtensions and ClientSigAlgs are EVE tls.client_handshake.{ciphers,exts,sig_algs}.
func (s *State) ClientCiphers() []uint16 { return s.client.ciphers }

// ClientExtensions lists the ClientHello's extension types in wire order.
func (s *State) ClientExtensions() []uint16 { return s.client.exts }

// ClientSigAlgs lists the signature_algorithms extension in wire order.
func (s *State) ClientSigAlgs() []uint16 { return s.client.sigAlgs }

// ServerExtensions lists the ServerHello's extension types (EVE tls.server_handshake.exts).
func (s *State) ServerExtensions() []uint16 { return s.server.exts }

// ClientALPN returns the i-th ALPN protocol the client offered (EVE tls.client_alpns[i]).
func (s *State) ClientALPN(i int) []byte { return s.client.alpn.get(i) }

// ClientALPNCount is how many ALPN protocols the client offered.
func (s *State) ClientALPNCount() int { return s.client.alpn.count() }

// ServerALPN is the protocol the server selected (EVE tls.server_alpns[0]); nil if none.
func (s *State) ServerALPN() []byte { return s.server.alpn }

// Cert is the first certificate one side sent: the server's feeds the top-level EVE tls
// fields and the tls.cert_* buffers, the client's the EVE tls.client object.
func (s *State) Cert(fromServer bool) *Certificate {
	c := &s.clientCert
	if fromServer {
		c = &s.serverCert
	}
	if !c.parsed {
		return nil
	}
	return &c.Certificate
}

// CertSubject is the tls.cert_subject buffer (EVE tls.subject), e.g. "C=US, O=Acme, CN=a.example".
func (s *State) CertSubject() []byte { return s.serverCert.Subject }

// CertIssuer is the tls.cert_issuer buffer (EVE tls.issuerdn).
func (s *State) CertIssuer() []byte { return s.serverCert.Issuer }

// CertSerial is the tls.cert_serial buffer (EVE tls.serial), e.g. "00:C4:1F".
func (s *State) CertSerial() []byte { return s.serverCert.Serial }

// CertFingerprint is the tls.cert_fingerprint buffer (EVE tls.fingerprint): SHA-1 of the DER,
// lowercase colon-hex.
func (s *State) CertFingerprint() []byte { return s.serverCert.Fingerprint }

// Certs returns the DER of every certificate the server sent, leaf first (the tls.certs
// multi-buffer; EVE tls.chain when base64-encoded).
func (s *State) Certs() [][]byte { return s.serverCert.chain() }

// NotBefore and NotAfter are the server certificate's validity (EVE tls.notbefore/notafter).
func (s *State) NotBefore() time.Time { return s.serverCert.NotBefore }

// NotAfter is the end of the server certificate's validity.
func (s *State) NotAfter() time.Time { return s.serverCert.NotAfter }

// JA3Hash and JA3String are the ja3.hash / ja3.string buffers (EVE tls.ja3.{hash,string}).
func (s *State) JA3Hash() []byte { return s.fp.ja3Hash }

// JA3String is the JA3 input string of the first ClientHello.
func (s *State) JA3String() []byte { return s.fp.ja3Str }

// JA3SHash is the ja3s.hash buffer (EVE tls.ja3s.hash).
func (s *State) JA3SHash() []byte { return s.fp.ja3sHash }

// JA3SString is the ja3s.string buffer (EVE tls.ja3s.string).
func (s *State) JA3SString() []byte { return s.fp.ja3sStr }

// JA4 is the ja4.hash buffer (EVE tls.ja4) of the first ClientHello, e.g.
// "t13d1516h2_8daaf6152771_e5627efa2ab1".
func (s *State) JA4() []byte { return s.fp.ja4 }

// LastJA4 is JA4 of the most recent ClientHello (the second after a HelloRetryRequest).
func (s *State) LastJA4() []byte {
	if s.clientHellos > 1 && len(s.laterFP.ja4) > 0 {
		return s.laterFP.ja4
	}
	return s.fp.ja4
}

// JA4Raw is JA4's unhashed form ("JA4_r") of the first ClientHello.
func (s *State) JA4Raw() []byte { return s.fp.ja4r }

// JA4S is the FoxIO JA4S fingerprint of the last ServerHello (not logged by Suricata 7).
func (s *State) JA4S() []byte { return s.fp.ja4s }
