package bench

import "encoding/binary"

// TLS record content types and versions.
const (
	tlsCCS       = 20
	tlsAlert     = 21
	tlsHandshake = 22
	tlsAppData   = 23
	tlsMaxRecord = 16384
)

// TLS script: the handshake messages, then transactions of one request record from the
// client and a response of one or more full records from the server, then close_notify.
// c.step counts messages; c.rem is what is left of the current response.
func (g *generator) tlsMessage(c *conv) bool {
	tls13 := c.kind == KindTLS13
	hs := 4 // ClientHello, server flight, client finish, server finish
	if tls13 {
		hs = 3
	}
	b := c.buf
	switch {
	case c.step == 0:
		b = g.clientHello(c, b, tls13)
		c.msg = message{side: sideClient}
	case c.step == 1:
		b = g.serverFlight(c, b, tls13)
		c.msg = message{side: sideServer}
	case c.step == 2:
		if !tls13 {
			b = appendRecordHeader(b, tlsHandshake, 0x0303, 37)
			b = append(b, 16, 0, 0, 33, 32) // ClientKeyExchange: 32-byte X25519 key
			b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
			b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
			b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
			b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
		}
		b = appendRecordHeader(b, tlsCCS, 0x0303, 1)
		b = append(b, 1)
		if tls13 {
			b = appendRecordHeader(b, tlsAppData, 0x0303, 53) // encrypted Finished
		} else {
			b = appendRecordHeader(b, tlsHandshake, 0x0303, 40)
		}
		c.msg = message{side: sideClient, body: int(binary.BigEndian.Uint16(b[len(b)-2:])), binary: true}
	case c.step == 3 && !tls13:
		b = appendRecordHeader(b, tlsCCS, 0x0303, 1)
		b = append(b, 1)
		b = appendRecordHeader(b, tlsHandshake, 0x0303, 40)
		c.msg = message{side: sideServer, body: 40, binary: true}
	case c.rem > 0:
		n := min(c.rem, tlsMaxRecord)
		c.rem -= n
		b = appendRecordHeader(b, tlsAppData, 0x0303, n)
		c.msg = message{side: sideServer, body: n, binary: true}
	case c.txs > 0 && !(g.draining && c.step > hs):
		c.txs--
		n := 90 + g.rng.IntN(1400)
		b = appendRecordHeader(b, tlsAppData, 0x0303, n)
		c.msg = message{side: sideClient, body: n, binary: true}
		c.rem = g.bodySize() + 30
	case c.txs == 0:
		c.txs = -1
		n := 26 // encrypted close_notify: 2 bytes of alert, AEAD nonce and tag
		typ := byte(tlsAlert)
		if tls13 {
			n, typ = 19, tlsAppData
		}
		b = appendRecordHeader(b, typ, 0x0303, n)
		c.msg = message{side: c.closer, body: n, binary: true}
	default:
		return false
	}
	c.buf = b
	return true
}

func appendRecordHeader(b []byte, typ byte, version uint16, n int) []byte {
	b = append(b, typ)
	b = binary.BigEndian.AppendUint16(b, version)
	return binary.BigEndian.AppendUint16(b, uint16(n))
}

// lengths back-patches big-endian length prefixes once what they cover is written.
func open(b []byte, width int) ([]byte, int) {
	for i := 0; i < width; i++ {
		b = append(b, 0)
	}
	return b, len(b)
}

func closeLen(b []byte, at, width int) {
	n := len(b) - at
	for i := 1; i <= width; i++ {
		b[at-i] = byte(n)
		n >>= 8
	}
}

func (g *generator) appendRandom(b []byte, n int) []byte {
	for ; n >= 8; n -= 8 {
		b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
	}
	for ; n > 0; n-- {
		b = append(b, byte(g.rng.Uint32()))
	}
	return b
}

var (
	tls12Suites = []uint16{0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	tls13Suites = []uint16{0x1301, 0x1302, 0x1303}
	sigAlgs     = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}
)

func (g *generator) clientHello(c *conv, b []byte, tls13 bool) []byte {
	b = append(b, tlsHandshake, 3, 1) // record version 1.0, as browsers send the first record
	b, rec := open(b, 2)
	b = append(b, 1) // ClientHello
	b, hs := open(b, 3)
	b = append(b, 3, 3)
	b = g.appendRandom(b, 32)
	b = append(b, 32)
	b = g.appendRandom(b, 32) // legacy session id
	b, cs := open(b, 2)
	if tls13 {
		for _, s := range tls13Suites {
			b = binary.BigEndian.AppendUint16(b, s)
		}
	}
	for _, s := range tls12Suites {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	closeLen(b, cs, 2)
	b = append(b, 1, 0) // null compression
	b, exts := open(b, 2)

	b = append(b, 0, 0) // server_name
	b, e := open(b, 2)
	b, list := open(b, 2)
	b = append(b, 0)
	b, name := open(b, 2)
	b = g.appendServerName(b, c.srv)
	closeLen(b, name, 2)
	closeLen(b, list, 2)
	closeLen(b, e, 2)

	b = append(b, 0, 23, 0, 0)                                                                 // extended_master_secret
	b = append(b, 0xff, 1, 0, 1, 0)                                                            // renegotiation_info
	b = append(b, 0, 10, 0, 8, 0, 6, 0, 0x1d, 0, 0x17, 0, 0x18)                                // supported_groups
	b = append(b, 0, 11, 0, 2, 1, 0)                                                           // ec_point_formats
	b = append(b, 0, 35, 0, 0)                                                                 // session_ticket
	b = append(b, 0, 16, 0, 14, 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1') // ALPN
	b = append(b, 0, 13)                                                                       // signature_algorithms
	b = binary.BigEndian.AppendUint16(b, uint16(2+2*len(sigAlgs)))
	b = binary.BigEndian.AppendUint16(b, uint16(2*len(sigAlgs)))
	for _, s := range sigAlgs {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	if tls13 {
		b = append(b, 0, 43, 0, 5, 4, 3, 4, 3, 3)          // supported_versions: 1.3, 1.2
		b = append(b, 0, 45, 0, 2, 1, 1)                   // psk_key_exchange_modes: psk_dhe_ke
		b = append(b, 0, 51, 0, 38, 0, 36, 0, 0x1d, 0, 32) // key_share: X25519
		b = g.appendRandom(b, 32)
	}
	closeLen(b, exts, 2)
	closeLen(b, hs, 3)
	closeLen(b, rec, 2)
	return b
}

// serverFlight is ServerHello and what follows it in the server's first burst: for 1.2 the
// certificate chain, key exchange and ServerHelloDone in clear; for 1.3 a ChangeCipherSpec and
// the encrypted rest.
func (g *generator) serverFlight(c *conv, b []byte, tls13 bool) []byte {
	b = append(b, tlsHandshake, 3, 3)
	b, rec := open(b, 2)
	b = append(b, 2) // ServerHello
	b, hs := open(b, 3)
	b = append(b, 3, 3)
	b = g.appendRandom(b, 32)
	b = append(b, 32)
	b = g.appendRandom(b, 32)
	if tls13 {
		b = append(b, 0x13, 0x01, 0)
	} else {
		b = append(b, 0xc0, 0x2f, 0)
	}
	b, exts := open(b, 2)
	if tls13 {
		b = append(b, 0, 43, 0, 2, 3, 4)
		b = append(b, 0, 51, 0, 36, 0, 0x1d, 0, 32)
		b = g.appendRandom(b, 32)
	} else {
		b = append(b, 0xff, 1, 0, 1, 0, 0, 23, 0, 0, 0, 11, 0, 2, 1, 0)
		b = append(b, 0, 16, 0, 5, 0, 3, 2, 'h', '2')
	}
	closeLen(b, exts, 2)
	closeLen(b, hs, 3)
	if tls13 {
		closeLen(b, rec, 2)
		b = appendRecordHeader(b, tlsCCS, 0x0303, 1)
		b = append(b, 1)
		n := 2500 + g.rng.IntN(2500) // EncryptedExtensions, Certificate, CertificateVerify, Finished
		b = appendRecordHeader(b, tlsAppData, 0x0303, n)
		return g.appendRandom(b, n)
	}
	// Certificate: a leaf and an intermediate, DER-shaped.
	b = append(b, 11)
	b, cert := open(b, 3)
	b, chain := open(b, 3)
	for i := 0; i < 2; i++ {
		n := 900 + g.rng.IntN(600)
		b = append(b, 0, byte(n>>8), byte(n))
		b = append(b, 0x30, 0x82, byte((n-4)>>8), byte(n-4))
		b = g.appendRandom(b, n-4)
	}
	closeLen(b, chain, 3)
	closeLen(b, cert, 3)
	// ServerKeyExchange: named curve X25519, the key, an RSA-PSS signature.
	b = append(b, 12, 0, 1, 40, 3, 0, 0x1d, 32)
	b = g.appendRandom(b, 32)
	b = append(b, 0x08, 0x04, 1, 0)
	b = g.appendRandom(b, 256)
	b = append(b, 14, 0, 0, 0) // ServerHelloDone
	closeLen(b, rec, 2)
	return b
}
