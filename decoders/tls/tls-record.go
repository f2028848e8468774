package tls

// Record content types (RFC 8446 §5.1).
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
	recHeartbeat        = 24
)

// maxRecordLen is the largest record body accepted: 2^14 plus the 2048 bytes of expansion
// RFC 5246 allows for TLS 1.2 ciphertext. Anything longer is not TLS.
const maxRecordLen = 1<<14 + 2048

// Config bounds the memory one flow may use.
type Config struct {
	// MaxHandshake is the largest handshake message buffered when it spans records or Feed
	// calls; a longer one is skipped and counted (EventBufferCapped). Certificate chains are
	// the big ones. Default 64 KiB.
	MaxHandshake int
	// MaxCertStore caps the certificate DER kept per direction for tls.certs. Default 64 KiB.
	MaxCertStore int
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{MaxHandshake: 64 << 10, MaxCertStore: 64 << 10}
}

// direction is the parse state of one side of the connection.
type direction struct {
	toServer bool

	// Record layer: a header collects across Feed calls, then body bytes stream through.
	hdr     [5]byte
	hdrN    int
	hdrLen  int // 5 for TLS, 2 for SSLv2 framing; decided by the record's first byte
	recType uint8
	recLeft int  // body bytes of the current record still to come
	inBody  bool // hdr complete, body being consumed
	sslv2   bool // current record uses SSLv2 framing
	sawV3   bool // a TLS (v3) record has been seen, so SSLv2 framing is no longer valid

	// encrypted: a ChangeCipherSpec was seen below TLS 1.3, so later handshake records are
	// opaque. Under TLS 1.3 encrypted records always carry type 23, so CCS is ignored.
	encrypted bool
	ccsSeen   bool
	appData   bool // application data (type 23) seen: the direction carries ciphertext
	failed    bool // not TLS or lost bytes: nothing more is parsed in this direction

	// Handshake layer: messages stream out of handshake records.
	hs         [4]byte
	hsN        int
	hsType     uint8
	hsLen      int
	hsSkip     int // bytes of an over-cap message still to drop
	hsBuf      []byte
	sslv2Bytes int // bytes of the current SSLv2 record body collected in hsBuf

	records uint64
}

func (d *direction) reset(toServer bool) {
	buf := d.hsBuf[:0]
	*d = direction{toServer: toServer, hsBuf: buf}
}

// Feed parses the next in-order bytes of one direction. Bytes after a failure (not TLS, a gap)
// are ignored; Failed reports it.
func (s *State) Feed(toServer bool, data []byte) {
	d := s.dir(toServer)
	for len(data) > 0 && !d.failed {
		if !d.inBody {
			data = s.readHeader(d, data)
			continue
		}
		n := d.recLeft
		if n > len(data) {
			n = len(data)
		}
		s.recordBody(d, data[:n])
		d.recLeft -= n
		data = data[n:]
		if d.recLeft == 0 {
			d.inBody = false
			d.hdrN = 0
			if d.sslv2 {
				s.sslv2Done(d)
			}
		}
	}
}

// Gap tells the parser n bytes of one direction were lost. Records cannot be found again
// reliably in ciphertext, so the direction is given up and the event says so.
func (s *State) Gap(toServer bool, n int) {
	if n <= 0 {
		return
	}
	d := s.dir(toServer)
	if d.failed {
		return
	}
	d.failed = true
	s.ev.add(EventStreamGap)
}

// readHeader collects the record header, possibly across calls, and validates it.
func (s *State) readHeader(d *direction, data []byte) []byte {
	if d.hdrN == 0 {
		// The first byte decides the framing: TLS content types are 20–24; an SSLv2 record
		// header has the top bit set (2-byte form), only valid before any TLS record.
		if data[0]&0x80 != 0 && !d.sawV3 {
			d.hdrLen = 2
			d.sslv2 = true
		} else {
			d.hdrLen = 5
			d.sslv2 = false
		}
	}
	n := copy(d.hdr[d.hdrN:d.hdrLen], data)
	d.hdrN += n
	data = data[n:]
	if d.hdrN < d.hdrLen {
		return data
	}
	d.records++
	if d.sslv2 {
		l := int(d.hdr[0]&0x7f)<<8 | int(d.hdr[1])
		if l < 3 {
			s.fail(d, EventInvalidSSLv2Header)
			return data
		}
		d.recLeft = l
		d.inBody = true
		d.hsBuf = d.hsBuf[:0]
		d.sslv2Bytes = 0
		return data
	}
	d.sawV3 = true
	t := d.hdr[0]
	if t < recChangeCipherSpec || t > recHeartbeat {
		s.fail(d, EventInvalidRecordType)
		return data
	}
	// Record versions are 3.0 to 3.4; the TLS 1.3 drafts kept 3.1/3.3 on the record layer.
	if d.hdr[1] != 3 || d.hdr[2] > 4 {
		s.fail(d, EventInvalidRecordVersion)
		return data
	}
	l := int(d.hdr[3])<<8 | int(d.hdr[4])
	if l > maxRecordLen {
		s.fail(d, EventInvalidRecordLength)
		return data
	}
	if s.recVersion == 0 {
		s.recVersion = uint16(d.hdr[1])<<8 | uint16(d.hdr[2])
	}
	d.recType = t
	d.recLeft = l
	d.inBody = l > 0
	if l == 0 {
		d.hdrN = 0
		if t == recHandshake || t == recApplicationData {
			// An empty record is legal only for application data; TLS 1.3 forbids empty
			// handshake records, older versions tolerate them. Count, don't fail.
			if t == recHandshake {
				s.ev.add(EventInvalidSSLRecord)
			}
		}
		return data
	}
	switch t {
	case recChangeCipherSpec:
		d.ccsSeen = true
		s.updateEncrypted(d)
	case recApplicationData:
		d.appData = true
	case recHeartbeat:
		s.ev.add(EventHeartbeatMessage)
	}
	return data
}

// recordBody handles a piece of the current record's body.
func (s *State) recordBody(d *direction, b []byte) {
	if d.sslv2 {
		// SSLv2 hellos are small; collect the whole record so the hello parses in one piece.
		room := s.cfg.MaxHandshake - len(d.hsBuf)
		if room > len(b) {
			room = len(b)
		}
		if room > 0 {
			d.hsBuf = append(d.hsBuf, b[:room]...)
		}
		d.sslv2Bytes += len(b)
		return
	}
	if d.recType == recHandshake && !d.encrypted {
		s.handshakeBytes(d, b)
	}
}

// sslv2Done parses a complete SSLv2 record: only CLIENT-HELLO carries anything logged.
func (s *State) sslv2Done(d *direction) {
	b := d.hsBuf
	d.hsBuf = d.hsBuf[:0]
	if d.sslv2Bytes != len(b) || len(b) < 1 {
		return
	}
	if b[0] == 1 && d.toServer { // CLIENT-HELLO: version, cipher/session/challenge lengths
		if len(b) < 9 {
			s.ev.add(EventInvalidSSLv2Header)
			return
		}
		// An SSLv2-framed hello (sent by old clients to reach TLS servers) opens the session
		// as a TLS ClientHello does: the flow has its tls transaction and event from here.
		s.clientHellos++
		s.client.version = uint16(b[1])<<8 | uint16(b[2])
		s.client.sslv2 = true
	}
}

func (s *State) fail(d *direction, e Event) {
	d.failed = true
	s.ev.add(e)
}

// handshakeBytes splits handshake record payload into messages. A message wholly inside b is
// parsed in place; one spanning records or Feed calls is collected into hsBuf first.
func (s *State) handshakeBytes(d *direction, b []byte) {
	for len(b) > 0 {
		if d.hsSkip > 0 {
			n := min(d.hsSkip, len(b))
			d.hsSkip -= n
			b = b[n:]
			continue
		}
		if d.hsN < 4 {
			n := copy(d.hs[d.hsN:], b)
			d.hsN += n
			b = b[n:]
			if d.hsN < 4 {
				return
			}
			d.hsType = d.hs[0]
			d.hsLen = int(d.hs[1])<<16 | int(d.hs[2])<<8 | int(d.hs[3])
			d.hsBuf = d.hsBuf[:0]
			if d.hsLen > s.cfg.MaxHandshake {
				s.ev.add(EventBufferCapped)
				d.hsSkip = d.hsLen
				d.hsN = 0
				continue
			}
			if d.hsLen == 0 {
				s.handshakeMessage(d, d.hsType, nil)
				d.hsN = 0
				continue
			}
		}
		need := d.hsLen - len(d.hsBuf)
		if len(d.hsBuf) == 0 && len(b) >= d.hsLen {
			s.handshakeMessage(d, d.hsType, b[:d.hsLen])
			b = b[d.hsLen:]
			d.hsN = 0
			continue
		}
		n := min(need, len(b))
		d.hsBuf = append(d.hsBuf, b[:n]...)
		b = b[n:]
		if len(d.hsBuf) == d.hsLen {
			s.handshakeMessage(d, d.hsType, d.hsBuf)
			d.hsBuf = d.hsBuf[:0]
			d.hsN = 0
		}
	}
}

// updateEncrypted decides whether a direction's handshake records after its ChangeCipherSpec
// are ciphertext. Below TLS 1.3 they are. Under TLS 1.3 the CCS is a compatibility dummy
// (RFC 8446 D.4) and a client may send it before a second, cleartext ClientHello; so while the
// version is unknown and the client offered 1.3, the records stay readable. Called again once
// the ServerHello settles the version.
func (s *State) updateEncrypted(d *direction) {
	if !d.ccsSeen {
		return
	}
	switch {
	case s.serverVersion == versionTLS13:
		d.encrypted = false
	case s.serverVersion == 0 && s.client.offers(versionTLS13):
		d.encrypted = false
	default:
		d.encrypted = true
	}
}

// opaque: the direction has switched to ciphertext.
func (d *direction) opaque() bool { return d.appData || d.encrypted }
