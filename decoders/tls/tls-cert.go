package tls

import (
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Certificate is what Suricata logs of the first certificate a side sent. Byte fields are
// formatted as Suricata formats them and owned by the State (valid until Reset).
type Certificate struct {
	Subject     []byte    // EVE subject: "C=US, O=Acme, CN=a.example"
	Issuer      []byte    // EVE issuerdn
	Serial      []byte    // EVE serial: the DER INTEGER bytes, uppercase colon-hex ("00:C4:1F")
	Fingerprint []byte    // EVE fingerprint: SHA-1 of the DER, lowercase colon-hex
	NotBefore   time.Time // EVE notbefore, written "2006-01-02T15:04:05" (UTC)
	NotAfter    time.Time // EVE notafter
}

// certInfo is a Certificate plus the DER of the whole chain it came with.
type certInfo struct {
	Certificate
	parsed   bool
	x509     *x509.Certificate // parsed on demand by CertSANs
	x509Err  error
	x509Done bool
	store    []byte // DER of every certificate, concatenated
	ends     []int
	list     [][]byte
}

func (c *certInfo) reset() {
	*c = certInfo{
		Certificate: Certificate{
			Subject: c.Subject[:0], Issuer: c.Issuer[:0], Serial: c.Serial[:0], Fingerprint: c.Fingerprint[:0],
		},
		store: c.store[:0], ends: c.ends[:0], list: c.list[:0],
	}
}

// chain returns the certificates' DER, leaf first.
func (c *certInfo) chain() [][]byte {
	c.list = c.list[:0]
	start := 0
	for _, e := range c.ends {
		c.list = append(c.list, c.store[start:e])
		start = e
	}
	return c.list
}

// parseCertificateMsg reads a Certificate handshake message. Only the first one a side sends
// is kept, as Suricata does.
func (s *State) parseCertificateMsg(c *certInfo, body []byte) {
	if c.parsed || len(c.ends) > 0 {
		return
	}
	r := newReader(body)
	tls13 := s.serverVersion == versionTLS13
	if tls13 {
		r.vec8() // certificate_request_context
	}
	list := r.vec24()
	if !r.ok || !r.empty() {
		s.ev.add(EventCertificateInvalidLength)
		return
	}
	l := newReader(list)
	for !l.empty() {
		der := l.vec24()
		if tls13 {
			l.vec16() // per-certificate extensions
		}
		if !l.ok || len(der) == 0 {
			s.ev.add(EventCertificateInvalidLength)
			break
		}
		if len(c.ends) == 0 {
			s.parseLeaf(c, der)
		}
		if len(c.store)+len(der) > s.cfg.MaxCertStore {
			s.ev.add(EventBufferCapped)
			continue
		}
		c.store = append(c.store, der...)
		c.ends = append(c.ends, len(c.store))
	}
}

// parseLeaf extracts the logged fields. The DN and serial come from a direct DER walk, because
// Suricata prints them from the encoding (attribute order, leading zero bytes of the serial)
// which crypto/x509 normalises away; crypto/x509 supplies the SANs on demand (CertSANs).
func (s *State) parseLeaf(c *certInfo, der []byte) {
	sum := sha1.Sum(der)
	c.Fingerprint = appendColonHex(c.Fingerprint[:0], sum[:], lowerHex)

	cert, ok := derSeq(der)
	tbs, ok2 := derSeq(cert)
	if !ok || !ok2 {
		s.ev.add(EventCertificateInvalidDER)
		return
	}
	tag, v, rest, ok := derNext(tbs)
	if ok && tag == 0xa0 { // explicit [0] version
		tag, v, rest, ok = derNext(rest)
	}
	if !ok || tag != 0x02 || len(v) == 0 {
		s.ev.add(EventCertificateInvalidSerial)
		return
	}
	c.Serial = appendColonHex(c.Serial[:0], v, upperHex)
	_, _, rest, ok = derNext(rest) // signature algorithm
	var issuer, validity, subject []byte
	if ok {
		tag, issuer, rest, ok = derNext(rest)
		ok = ok && tag == 0x30
	}
	if ok {
		tag, validity, rest, ok = derNext(rest)
		ok = ok && tag == 0x30
	}
	if ok {
		tag, subject, _, ok = derNext(rest)
		ok = ok && tag == 0x30
	}
	if !ok {
		s.ev.add(EventCertificateInvalidDER)
		return
	}
	var nameOK bool
	if c.Issuer, nameOK = appendDN(c.Issuer[:0], issuer); !nameOK {
		s.ev.add(EventCertificateInvalidX509Name)
	}
	if c.Subject, nameOK = appendDN(c.Subject[:0], subject); !nameOK {
		s.ev.add(EventCertificateInvalidX509Name)
	}
	var vok bool
	c.NotBefore, c.NotAfter, vok = parseValidity(validity)
	if !vok {
		s.ev.add(EventCertificateInvalidValidity)
	}
	c.parsed = true
}

// CertSANs returns the subject alternative names (EVE tls.subjectaltname) of the first
// certificate one side sent. crypto/x509 parses the DER here, on first use, so flows nobody
// logs SANs for pay no allocation for it. It is stricter than Suricata (negative serials, odd
// extensions), hence the error.
func (s *State) CertSANs(fromServer bool) ([]string, error) {
	c := &s.clientCert
	if fromServer {
		c = &s.serverCert
	}
	if len(c.ends) == 0 {
		return nil, nil
	}
	if !c.x509Done {
		c.x509Done = true
		c.x509, c.x509Err = x509.ParseCertificate(c.store[:c.ends[0]])
		if c.x509Err != nil {
			c.x509Err = fmt.Errorf("tls: parse leaf certificate: %w", c.x509Err)
		}
	}
	if c.x509 == nil {
		return nil, c.x509Err
	}
	return c.x509.DNSNames, nil
}

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

func appendColonHex(dst, b []byte, digits string) []byte {
	for i, x := range b {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, digits[x>>4], digits[x&15])
	}
	return dst
}

// derNext reads one DER TLV (single-byte tags, definite lengths up to 4 bytes).
func derNext(b []byte) (tag byte, val, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, false
	}
	tag = b[0]
	l := int(b[1])
	b = b[2:]
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < n {
			return 0, nil, nil, false
		}
		l = 0
		for _, x := range b[:n] {
			l = l<<8 | int(x)
		}
		b = b[n:]
	}
	if l < 0 || l > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[:l], b[l:], true
}

// derSeq returns the contents of the SEQUENCE at the start of b.
func derSeq(b []byte) ([]byte, bool) {
	tag, v, _, ok := derNext(b)
	return v, ok && tag == 0x30
}

// dnNames are the attribute names x509-parser (which Suricata uses) prints: its abbreviations
// for the common ones, the OID registry's short names for the rest. Keyed by OID DER bytes.
var dnNames = map[string]string{
	"\x55\x04\x03": "CN",
	"\x55\x04\x06": "C",
	"\x55\x04\x07": "L",
	"\x55\x04\x08": "ST",
	"\x55\x04\x0a": "O",
	"\x55\x04\x0b": "OU",
	"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19": "DC",
	"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01":     "Email",
	"\x55\x04\x04":                             "surname",
	"\x55\x04\x05":                             "serialNumber",
	"\x55\x04\x09":                             "streetAddress",
	"\x55\x04\x0c":                             "title",
	"\x55\x04\x0d":                             "description",
	"\x55\x04\x0f":                             "businessCategory",
	"\x55\x04\x11":                             "postalCode",
	"\x55\x04\x29":                             "name",
	"\x55\x04\x2a":                             "givenName",
	"\x55\x04\x2b":                             "initials",
	"\x55\x04\x2c":                             "generationQualifier",
	"\x55\x04\x2d":                             "uniqueIdentifier",
	"\x55\x04\x2e":                             "dnQualifier",
	"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x01": "jurisdictionOfIncorporationLocalityName",
	"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x02": "jurisdictionOfIncorporationStateOrProvinceName",
	"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x03": "jurisdictionOfIncorporationCountryName",
}

// appendDN formats a Name as x509-parser does: RDNs joined by ", ", attributes of one RDN by
// " + ", each "NAME=value"; string types verbatim, anything else as uppercase hex.
func appendDN(dst, name []byte) ([]byte, bool) {
	first := true
	for len(name) > 0 {
		tag, set, rest, ok := derNext(name)
		if !ok || tag != 0x31 {
			return dst, false
		}
		name = rest
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		firstAttr := true
		for len(set) > 0 {
			tag, atv, rest, ok := derNext(set)
			if !ok || tag != 0x30 {
				return dst, false
			}
			set = rest
			otag, oid, vrest, ok := derNext(atv)
			if !ok || otag != 0x06 {
				return dst, false
			}
			vtag, val, _, ok := derNext(vrest)
			if !ok {
				return dst, false
			}
			if !firstAttr {
				dst = append(dst, " + "...)
			}
			firstAttr = false
			if n, known := dnNames[string(oid)]; known {
				dst = append(dst, n...)
			} else {
				dst = append(dst, "OID("...)
				dst = appendOID(dst, oid)
				dst = append(dst, ')')
			}
			dst = append(dst, '=')
			dst = appendDNValue(dst, vtag, val)
		}
	}
	return dst, true
}

func appendDNValue(dst []byte, tag byte, val []byte) []byte {
	switch tag {
	case 0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b, 0x07:
		// UTF8, Numeric, Printable, T61, Videotex, IA5, Graphic, Visible, General, ObjectDescriptor
		return append(dst, val...)
	case 0x1e: // BMPString: UTF-16BE
		for i := 0; i+1 < len(val); i += 2 {
			r := rune(val[i])<<8 | rune(val[i+1])
			dst = utf8.AppendRune(dst, r)
		}
		return dst
	}
	return appendColonlessHex(dst, val)
}

func appendColonlessHex(dst, b []byte) []byte {
	for _, x := range b {
		dst = append(dst, upperHex[x>>4], upperHex[x&15])
	}
	return dst
}

// appendOID writes an OID's dotted form.
func appendOID(dst, oid []byte) []byte {
	var v uint64
	first := true
	for _, x := range oid {
		v = v<<7 | uint64(x&0x7f)
		if x&0x80 != 0 {
			continue
		}
		if first {
			a := v / 40
			if a > 2 {
				a = 2
			}
			dst = strconv.AppendUint(dst, a, 10)
			dst = append(dst, '.')
			dst = strconv.AppendUint(dst, v-a*40, 10)
			first = false
		} else {
			dst = append(dst, '.')
			dst = strconv.AppendUint(dst, v, 10)
		}
		v = 0
	}
	return dst
}

// parseValidity reads the two Time values of a Validity.
func parseValidity(b []byte) (nb, na time.Time, ok bool) {
	t1, v1, rest, ok1 := derNext(b)
	t2, v2, _, ok2 := derNext(rest)
	if !ok1 || !ok2 {
		return nb, na, false
	}
	nb, ok1 = parseDERTime(t1, v1)
	na, ok2 = parseDERTime(t2, v2)
	return nb, na, ok1 && ok2
}

// parseDERTime reads UTCTime (YYMMDDHHMMSSZ, years 50–99 are 19xx) or GeneralizedTime
// (YYYYMMDDHHMMSSZ), the forms RFC 5280 allows.
func parseDERTime(tag byte, v []byte) (time.Time, bool) {
	var year int
	switch {
	case tag == 0x17 && len(v) == 13 && v[12] == 'Z':
		yy, ok := digits(v[0:2])
		if !ok {
			return time.Time{}, false
		}
		year = 1900 + yy
		if yy < 50 {
			year = 2000 + yy
		}
		v = v[2:]
	case tag == 0x18 && len(v) == 15 && v[14] == 'Z':
		y, ok := digits(v[0:4])
		if !ok {
			return time.Time{}, false
		}
		year = y
		v = v[4:]
	default:
		return time.Time{}, false
	}
	mo, ok1 := digits(v[0:2])
	d, ok2 := digits(v[2:4])
	h, ok3 := digits(v[4:6])
	mi, ok4 := digits(v[6:8])
	sec, ok5 := digits(v[8:10])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mo), d, h, mi, sec, 0, time.UTC), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// TimeString formats a certificate time as EVE does ("2006-01-02T15:04:05").
func TimeString(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, "2006-01-02T15:04:05")
}
