package dns

import "strconv"

// Record types with decoded rdata, and the few others the code names.
const (
	TypeA     = 1
	TypeNS    = 2
	TypeCNAME = 5
	TypeSOA   = 6
	TypeNULL  = 10
	TypePTR   = 12
	TypeMX    = 15
	TypeTXT   = 16
	TypeAAAA  = 28
	TypeSRV   = 33
	TypeOPT   = 41
	TypeSSHFP = 44
)

// Header is the fixed DNS header.
type Header struct {
	ID      uint16 // EVE dns.id
	Flags   uint16 // EVE dns.flags, written as FlagsString
	QDCount uint16
	ANCount uint16
	NSCount uint16
	ARCount uint16
}

// Response is the QR bit: EVE dns.type "answer" when set, "query" otherwise.
func (h Header) Response() bool { return h.Flags&0x8000 != 0 }

// Opcode is EVE dns.opcode and the dns.opcode keyword's value.
func (h Header) Opcode() uint8 { return uint8(h.Flags >> 11 & 0xf) }

// AA, TC, RD, RA and Z are EVE dns.aa, tc, rd, ra and z (each written only when true).
func (h Header) AA() bool { return h.Flags&0x0400 != 0 }

// TC is the truncation flag.
func (h Header) TC() bool { return h.Flags&0x0200 != 0 }

// RD is recursion desired.
func (h Header) RD() bool { return h.Flags&0x0100 != 0 }

// RA is recursion available.
func (h Header) RA() bool { return h.Flags&0x0080 != 0 }

// Z is the reserved bit.
func (h Header) Z() bool { return h.Flags&0x0040 != 0 }

// Rcode is the response code; RcodeString names it as EVE dns.rcode does.
func (h Header) Rcode() uint8 { return uint8(h.Flags & 0xf) }

// Query is one question. Name is the dns.query buffer and EVE rrname.
type Query struct {
	Name          []byte // labels joined by '.', raw bytes, "" for the root
	NameTruncated bool   // EVE rrname_truncated: the name was cut at MaxNameLen
	Type          uint16 // EVE rrtype (RRTypeString), dns.rrtype keyword
	Class         uint16
}

// SOA is EVE's soa object.
type SOA struct {
	MName, RName                            []byte
	Serial, Refresh, Retry, Expire, Minimum uint32
}

// SRV is EVE's srv object.
type SRV struct {
	Priority, Weight, Port uint16
	Name                   []byte
}

// SSHFP is EVE's sshfp object; the fingerprint is written lowercase colon-hex.
type SSHFP struct {
	Algo, Type  uint8
	Fingerprint []byte
}

// RR is one resource record as EVE dns.answers[] (and authorities, additionals) carry it.
// A TXT record with several character-strings becomes one RR per string, as Suricata logs it.
type RR struct {
	Name          []byte // EVE rrname
	NameTruncated bool
	Type          uint16 // EVE rrtype
	Class         uint16
	TTL           uint32 // EVE ttl
	RData         []byte // the raw rdata

	// Data is what EVE writes as rdata: the address bytes for A/AAAA (AddrString formats
	// them), the expanded target name for CNAME, NS, PTR and MX, one string for TXT, the raw
	// bytes for NULL and unknown types. Empty for SOA, SRV and SSHFP, which have objects.
	Data  []byte
	MX    uint16 // MX preference (Suricata 7 does not log it)
	SOA   SOA
	SRV   SRV
	SSHFP SSHFP
}

// Message is one parsed DNS message. Its slices point into the message or into the
// parser's buffers and are valid until the parser's next ParseMessage or Feed.
type Message struct {
	Header
	Queries     []Query
	Answers     []RR
	Authorities []RR
	Additionals []RR
	Events      Events
}

// QueryName is the dns.query buffer for the i-th question.
func (m *Message) QueryName(i int) []byte {
	if i < 0 || i >= len(m.Queries) {
		return nil
	}
	return m.Queries[i].Name
}

// FlagsString writes the flags as EVE dns.flags does: lowercase hex without padding ("8180").
func FlagsString(dst []byte, flags uint16) []byte {
	return strconv.AppendUint(dst, uint64(flags), 16)
}

// rrTypeNames holds Suricata 7's names, typos included ("NSAPPT", "CDSNKEY", "ND").
var rrTypeNames = map[uint16]string{
	1: "A", 2: "NS", 3: "ND", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL",
	11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB",
	19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAPPT", 24: "SIG", 25: "KEY", 26: "PX",
	27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX",
	37: "CERT", 38: "A6", 39: "DNAME", 41: "OPT", 42: "APL", 43: "DS", 44: "SSHFP", 45: "IPSECKEY",
	46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA",
	55: "HIP", 59: "CDS", 60: "CDSNKEY", 99: "SPF", 249: "TKEY", 250: "TSIG", 254: "MAILA",
	255: "ANY", 256: "URI",
}

// RRTypeString writes EVE's rrtype: Suricata's name, or the number for unknown types.
func RRTypeString(dst []byte, t uint16) []byte {
	if n, ok := rrTypeNames[t]; ok {
		return append(dst, n...)
	}
	return strconv.AppendUint(dst, uint64(t), 10)
}

var rcodeNames = [...]string{
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE",
}

// RcodeString writes EVE's rcode. Only 4 header bits are available, so the extended codes
// Suricata names (BADVERS …) never come from a header; 11–15 print as numbers as it does.
func RcodeString(dst []byte, rcode uint8) []byte {
	if int(rcode) < len(rcodeNames) {
		return append(dst, rcodeNames[rcode]...)
	}
	return strconv.AppendUint(dst, uint64(rcode), 10)
}

// AddrString writes an A or AAAA rdata as Suricata 7 does: dotted quad, or eight groups of
// four lowercase hex digits without compression ("2001:0db8:0000:…"); "" for other lengths.
func AddrString(dst, addr []byte) []byte {
	const hex = "0123456789abcdef"
	switch len(addr) {
	case 4:
		for i, b := range addr {
			if i > 0 {
				dst = append(dst, '.')
			}
			dst = strconv.AppendUint(dst, uint64(b), 10)
		}
	case 16:
		for i, b := range addr {
			if i > 0 && i%2 == 0 {
				dst = append(dst, ':')
			}
			dst = append(dst, hex[b>>4], hex[b&15])
		}
	}
	return dst
}

// SafeString writes bytes as Suricata's JSON writer sees them (string_from_bytes): ASCII as
// is, every byte from 0x80 up as the four characters \xNN. The caller JSON-escapes the result.
func SafeString(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return dst
}
