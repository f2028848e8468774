package tls

import "bytes"

// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
const (
	hsHelloRequest        = 0
	hsClientHello         = 1
	hsServerHello         = 2
	hsHelloVerifyRequest  = 3
	hsNewSessionTicket    = 4
	hsEndOfEarlyData      = 5
	hsEncryptedExtensions = 8
	hsCertificate         = 11
	hsServerKeyExchange   = 12
	hsCertificateRequest  = 13
	hsServerHelloDone     = 14
	hsCertificateVerify   = 15
	hsClientKeyExchange   = 16
	hsFinished            = 20
	hsCertificateURL      = 21
	hsCertificateStatus   = 22
	hsSupplementalData    = 23
	hsKeyUpdate           = 24
	hsMessageHash         = 254
)

// Extension types the parser reads.
const (
	extServerName          = 0x0000
	extSupportedGroups     = 0x000a
	extECPointFormats      = 0x000b
	extSignatureAlgorithms = 0x000d
	extALPN                = 0x0010
	extSupportedVersions   = 0x002b
)

// helloRetryRandom is the ServerHello.random that marks a HelloRetryRequest (RFC 8446 §4.1.3).
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// isGREASE reports RFC 8701 reserved values (0x0a0a, 0x1a1a … 0xfafa).
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// byteList keeps several short byte strings (ALPN protocols) in one reused buffer.
type byteList struct {
	buf  []byte
	ends []int
}

func (l *byteList) reset()       { l.buf, l.ends = l.buf[:0], l.ends[:0] }
func (l *byteList) count() int   { return len(l.ends) }
func (l *byteList) add(b []byte) { l.buf = append(l.buf, b...); l.ends = append(l.ends, len(l.buf)) }
func (l *byteList) get(i int) []byte {
	if i < 0 || i >= len(l.ends) {
		return nil
	}
	start := 0
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.buf[start:l.ends[i]]
}

// clientHello is what the last ClientHello said. Slices are owned buffers reused across flows.
type clientHello struct {
	version      uint16
	sslv2        bool
	random       [32]byte
	hasRandom    bool
	sessionID    []byte
	ciphers      []uint16
	exts         []uint16
	groups       []uint16
	pointFormats []uint8
	sigAlgs      []uint16
	versions     []uint16 // supported_versions
	sni          []byte
	hasSNI       bool
	alpn         byteList
}

func (c *clientHello) reset() {
	*c = clientHello{
		sessionID: c.sessionID[:0], ciphers: c.ciphers[:0], exts: c.exts[:0], groups: c.groups[:0],
		pointFormats: c.pointFormats[:0], sigAlgs: c.sigAlgs[:0], versions: c.versions[:0],
		sni: c.sni[:0], alpn: c.alpn,
	}
	c.alpn.reset()
}

// serverHello is what the last ServerHello (or HelloRetryRequest) said.
type serverHello struct {
	version   uint16 // legacy_version
	selected  uint16 // supported_versions selection, 0 if absent
	random    [32]byte
	hasRandom bool
	cipher    uint16
	sessionID []byte
	exts      []uint16
	alpn      []byte
	retry     bool
}

func (h *serverHello) reset() {
	*h = serverHello{sessionID: h.sessionID[:0], exts: h.exts[:0], alpn: h.alpn[:0]}
}

// handshakeMessage dispatches one complete handshake message.
func (s *State) handshakeMessage(d *direction, typ uint8, body []byte) {
	switch typ {
	case hsClientHello:
		if !d.toServer {
			s.ev.add(EventInvalidHandshakeMessage)
			return
		}
		// After a ChangeCipherSpec whose meaning is still open (see updateEncrypted) the
		// bytes may be an encrypted Finished: only a well-formed hello replaces the first.
		if d.ccsSeen && !wellFormedClientHello(body) {
			s.ev.add(EventInvalidHandshakeMessage)
			return
		}
		s.parseClientHello(body)
	case hsServerHello:
		if d.toServer {
			s.ev.add(EventInvalidHandshakeMessage)
			return
		}
		s.parseServerHello(body)
	case hsCertificate:
		c := &s.clientCert
		if !d.toServer {
			c = &s.serverCert
		}
		s.parseCertificateMsg(c, body)
	case hsHelloRequest, hsHelloVerifyRequest, hsNewSessionTicket, hsEndOfEarlyData,
		hsEncryptedExtensions, hsServerKeyExchange, hsCertificateRequest, hsServerHelloDone,
		hsCertificateVerify, hsClientKeyExchange, hsFinished, hsCertificateURL,
		hsCertificateStatus, hsSupplementalData, hsKeyUpdate, hsMessageHash:
		// Known, nothing logged from them.
	default:
		s.ev.add(EventInvalidHandshakeMessage)
	}
}

// parseClientHello keeps the first ClientHello for the flow's buffers and EVE fields, as
// Suricata does; a later one (after a HelloRetryRequest, or a duplicate) is parsed aside so
// its fingerprints are still available (LastJA4).
func (s *State) parseClientHello(body []byte) {
	s.clientHellos++
	c, fp := &s.client, &s.fp
	if s.clientHellos > 1 {
		c, fp = &s.laterClient, &s.laterFP
	}
	c.reset()
	r := newReader(body)
	c.version = r.u16()
	if rnd := r.bytes(32); r.ok {
		c.random, c.hasRandom = [32]byte(rnd), true
	}
	c.sessionID = append(c.sessionID, r.vec8()...)
	cs := r.vec16()
	comp := r.vec8()
	if !r.ok || len(cs)%2 != 0 || len(comp) == 0 {
		s.ev.add(EventHandshakeInvalidLength)
		return
	}
	for i := 0; i+1 < len(cs); i += 2 {
		c.ciphers = append(c.ciphers, uint16(cs[i])<<8|uint16(cs[i+1]))
	}
	if !r.empty() {
		exts := r.vec16()
		if !r.ok || !r.empty() {
			s.ev.add(EventHandshakeInvalidLength)
			return
		}
		if !s.clientExtensions(c, exts) {
			s.ev.add(EventHandshakeInvalidLength)
			return
		}
	}
	fp.client(c)
}

// wellFormedClientHello checks a ClientHello's framing without keeping anything.
func wellFormedClientHello(body []byte) bool {
	r := newReader(body)
	if v := r.u16(); v>>8 != 3 {
		return false
	}
	r.bytes(32)
	r.vec8()
	cs := r.vec16()
	r.vec8()
	if !r.ok || len(cs)%2 != 0 {
		return false
	}
	if r.empty() {
		return true
	}
	exts := newReader(r.vec16())
	if !r.ok || !r.empty() {
		return false
	}
	for exts.ok && !exts.empty() {
		exts.u16()
		exts.vec16()
	}
	return exts.ok
}

// clientExtensions walks the ClientHello extensions; false if their framing is broken.
func (s *State) clientExtensions(c *clientHello, b []byte) bool {
	r := newReader(b)
	for !r.empty() {
		typ := r.u16()
		data := r.vec16()
		if !r.ok {
			return false
		}
		c.exts = append(c.exts, typ)
		e := newReader(data)
		switch typ {
		case extServerName:
			s.parseSNI(c, data)
		case extSupportedGroups:
			for l := newReader(e.vec16()); l.ok && len(l.b) >= 2; {
				c.groups = append(c.groups, l.u16())
			}
		case extECPointFormats:
			c.pointFormats = append(c.pointFormats, e.vec8()...)
		case extSignatureAlgorithms:
			for l := newReader(e.vec16()); l.ok && len(l.b) >= 2; {
				c.sigAlgs = append(c.sigAlgs, l.u16())
			}
		case extALPN:
			for l := newReader(e.vec16()); l.ok && !l.empty(); {
				p := l.vec8()
				if l.ok && len(p) > 0 {
					c.alpn.add(p)
				}
			}
		case extSupportedVersions:
			for l := newReader(e.vec8()); l.ok && len(l.b) >= 2; {
				c.versions = append(c.versions, l.u16())
			}
		}
	}
	return true
}

// parseSNI takes the first host_name entry, as Suricata does; later SNI extensions only count.
func (s *State) parseSNI(c *clientHello, data []byte) {
	if c.hasSNI {
		s.ev.add(EventMultipleSNIExtensions)
		return
	}
	c.hasSNI = true
	r := newReader(data)
	list := r.vec16()
	if !r.ok || !r.empty() {
		s.ev.add(EventInvalidSNILength)
		return
	}
	l := newReader(list)
	for !l.empty() {
		typ := l.u8()
		name := l.vec16()
		if !l.ok {
			s.ev.add(EventInvalidSNILength)
			return
		}
		if typ != 0 {
			s.ev.add(EventInvalidSNIType)
			continue
		}
		if len(c.sni) == 0 {
			c.sni = append(c.sni, name...)
		}
	}
}

func (s *State) parseServerHello(body []byte) {
	h := &s.server
	h.reset()
	s.serverHellos++
	r := newReader(body)
	h.version = r.u16()
	random := r.bytes(32)
	if r.ok {
		h.random, h.hasRandom = [32]byte(random), true
	}
	h.sessionID = append(h.sessionID, r.vec8()...)
	h.cipher = r.u16()
	r.u8() // compression
	if !r.ok {
		s.ev.add(EventHandshakeInvalidLength)
		return
	}
	h.retry = bytes.Equal(random, helloRetryRandom[:])
	if !r.empty() {
		exts := r.vec16()
		if !r.ok || !r.empty() {
			s.ev.add(EventHandshakeInvalidLength)
			return
		}
		er := newReader(exts)
		for !er.empty() {
			typ := er.u16()
			data := er.vec16()
			if !er.ok {
				s.ev.add(EventHandshakeInvalidLength)
				return
			}
			h.exts = append(h.exts, typ)
			e := newReader(data)
			switch typ {
			case extSupportedVersions:
				h.selected = e.u16()
			case extALPN:
				l := newReader(e.vec16())
				if p := l.vec8(); l.ok {
					h.alpn = append(h.alpn, p...)
				}
			}
		}
	}
	s.serverVersion = h.version
	if h.selected != 0 {
		s.serverVersion = h.selected
	}
	// Resumption below TLS 1.3: the server echoes the session id the client offered.
	c := &s.client
	s.resumed = s.serverVersion != versionTLS13 && len(h.sessionID) > 0 &&
		bytes.Equal(h.sessionID, c.sessionID)
	s.updateEncrypted(&s.ts)
	s.updateEncrypted(&s.tc)
	s.fp.server(h)
}

// offers reports whether the ClientHello listed v in supported_versions.
func (c *clientHello) offers(v uint16) bool {
	for _, x := range c.versions {
		if x == v {
			return true
		}
	}
	return false
}
