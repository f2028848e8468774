package dhcp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BOOTP op codes (RFC 951).
const (
	OpRequest = 1
	OpReply   = 2
)

// HeaderLen is the fixed BOOTP header up to and including the magic cookie: what a datagram
// needs before any option can be read.
const HeaderLen = 240

// cookieOff is where the magic cookie starts; the fields before it are RFC 951's.
const cookieOff = 236

// MagicCookie marks the vendor area as RFC 1497/2132 options.
const MagicCookie = 0x63825363

// Offsets of the variable-content header fields.
const (
	chaddrOff = 28
	snameOff  = 44
	fileOff   = 108
	snameLen  = 64
	fileLen   = 128
)

// MaxOptions bounds how many options one message keeps, so that a hostile datagram of
// zero-length options cannot grow the reused option slice without limit; real messages carry
// a few dozen at most.
const MaxOptions = 256

// Errors Parse reports, wrapped in an *OptionError when they concern the options.
var (
	ErrShort          = errors.New("dhcp: datagram shorter than the BOOTP header")
	ErrBadCookie      = errors.New("dhcp: no DHCP magic cookie")
	ErrTruncated      = errors.New("dhcp: option runs past the end of its field")
	ErrTooManyOptions = errors.New("dhcp: too many options")
)

// Option is one option as it appeared: its code and its value bytes, aliasing the datagram.
type Option struct {
	Code uint8
	Data []byte
}

// Message is one BOOTP/DHCP datagram. Reuse one for many datagrams: Parse resets it and keeps
// the Options slice's storage. Byte fields alias the datagram given to Parse and are valid
// only as long as it is.
type Message struct {
	Op     uint8
	HType  uint8
	HLen   uint8
	Hops   uint8
	XID    uint32
	Secs   uint16
	Flags  uint16
	CIAddr [4]byte // client's address, when it already has one
	YIAddr [4]byte // address the server assigns ("your" address)
	SIAddr [4]byte // next server in the boot process
	GIAddr [4]byte // relay agent
	CHAddr []byte  // all 16 bytes of the client hardware address field; see ClientHW
	SName  []byte  // 64 bytes: server host name, or options when overloaded
	File   []byte  // 128 bytes: boot file name, or options when overloaded
	// Cookie: the vendor area starts with the DHCP magic cookie, so it holds options.
	Cookie bool
	// Overload is option 52's value from the options field (1 file, 2 sname, 3 both), else 0.
	Overload uint8
	// Options in the order RFC 2131 says to read them: the options field, then file, then
	// sname. Pad and end are not kept.
	Options []Option

	optErr OptionError // storage for the error Parse returns, so that reporting one does not allocate
}

// OptionError says where the options went wrong; what was read before that point is kept.
type OptionError struct {
	Field  string // "options", "file" or "sname"
	Offset int    // of the option's code byte, within the field
	Code   uint8
	Err    error // ErrTruncated or ErrTooManyOptions
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("%v: option %d at offset %d of the %s field", e.Err, e.Code, e.Offset, e.Field)
}

func (e *OptionError) Unwrap() error { return e.Err }

// Parse reads one datagram into m. A datagram shorter than HeaderLen leaves m without fields
// and returns ErrShort. Without the magic cookie the header is kept but the vendor area is not
// read as options (ErrBadCookie). Option trouble returns an *OptionError; the header and the
// options read before it stay in m. Parse never reads outside b and does not allocate once
// m.Options has grown to the messages seen.
func (m *Message) Parse(b []byte) error {
	opts := m.Options[:0]
	*m = Message{Options: opts}
	if len(b) < HeaderLen {
		return ErrShort
	}
	m.Op, m.HType, m.HLen, m.Hops = b[0], b[1], b[2], b[3]
	m.XID = binary.BigEndian.Uint32(b[4:])
	m.Secs = binary.BigEndian.Uint16(b[8:])
	m.Flags = binary.BigEndian.Uint16(b[10:])
	copy(m.CIAddr[:], b[12:16])
	copy(m.YIAddr[:], b[16:20])
	copy(m.SIAddr[:], b[20:24])
	copy(m.GIAddr[:], b[24:28])
	m.CHAddr = b[chaddrOff:snameOff:snameOff]
	m.SName = b[snameOff:fileOff:fileOff]
	m.File = b[fileOff:cookieOff:cookieOff]
	if binary.BigEndian.Uint32(b[cookieOff:]) != MagicCookie {
		return ErrBadCookie
	}
	m.Cookie = true
	return m.parseOptions(b[HeaderLen:])
}

// ClientHW is the client hardware address: the first HLen bytes of the chaddr field (all 16
// when HLen claims more, as Suricata logs it).
func (m *Message) ClientHW() []byte {
	return m.CHAddr[:min(int(m.HLen), len(m.CHAddr))]
}

// Option returns the value of the first option with the code.
func (m *Message) Option(code uint8) ([]byte, bool) {
	for i := range m.Options {
		if m.Options[i].Code == code {
			return m.Options[i].Data, true
		}
	}
	return nil, false
}

// MessageType is option 53's value (DHCPDISCOVER … DHCPINFORM), 0 for plain BOOTP. An empty
// option 53 is passed over for a later one, as Suricata's logger reads the type.
func (m *Message) MessageType() uint8 {
	for i := range m.Options {
		if o := &m.Options[i]; o.Code == OptMessageType && len(o.Data) > 0 {
			return o.Data[0]
		}
	}
	return 0
}
