package dhcp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// message builds a datagram: a BOOTP header with recognisable field values, the cookie (when
// cookie is set) and opts as the vendor area. sname and file, when given, fill those fields.
func message(op uint8, cookie bool, sname, file, opts []byte) []byte {
	b := make([]byte, HeaderLen, HeaderLen+len(opts))
	b[0], b[1], b[2], b[3] = op, 1, 6, 2
	binary.BigEndian.PutUint32(b[4:], 0xef64c244)
	binary.BigEndian.PutUint16(b[8:], 7)
	binary.BigEndian.PutUint16(b[10:], 0x8000)
	copy(b[12:], []byte{10, 16, 1, 4})
	copy(b[16:], []byte{10, 16, 1, 5})
	copy(b[20:], []byte{10, 16, 1, 1})
	copy(b[24:], []byte{10, 16, 1, 254})
	copy(b[chaddrOff:], []byte{0x00, 0x11, 0x32, 0x17, 0x49, 0xf0, 0xaa, 0xbb})
	copy(b[snameOff:snameOff+snameLen], sname)
	copy(b[fileOff:fileOff+fileLen], file)
	if cookie {
		binary.BigEndian.PutUint32(b[cookieOff:], MagicCookie)
	}
	return append(b, opts...)
}

// request is a DHCPREQUEST as dhcp-eve-extended's first packet carries it.
var requestOpts = []byte{
	OptMessageType, 1, TypeRequest,
	OptClientID, 7, 1, 0x00, 0x11, 0x32, 0x17, 0x49, 0xf0,
	OptPad, OptPad,
	OptHostname, 5, 'n', 'a', 's', '1', 0,
	OptParamRequest, 4, 1, 3, 15, 6,
	OptEnd, 0, 0, 0,
}

func codes(m *Message) []uint8 {
	var c []uint8
	for _, o := range m.Options {
		c = append(c, o.Code)
	}
	return c
}

func TestParseRequest(t *testing.T) {
	var m Message
	if err := m.Parse(message(OpRequest, true, nil, nil, requestOpts)); err != nil {
		t.Fatal(err)
	}
	if m.Op != OpRequest || m.HType != 1 || m.HLen != 6 || m.Hops != 2 || m.XID != 0xef64c244 || m.Secs != 7 || m.Flags != 0x8000 {
		t.Errorf("header: %+v", m)
	}
	if m.CIAddr != [4]byte{10, 16, 1, 4} || m.YIAddr != [4]byte{10, 16, 1, 5} || m.SIAddr != [4]byte{10, 16, 1, 1} || m.GIAddr != [4]byte{10, 16, 1, 254} {
		t.Errorf("addresses: %v %v %v %v", m.CIAddr, m.YIAddr, m.SIAddr, m.GIAddr)
	}
	if got, want := m.ClientHW(), []byte{0x00, 0x11, 0x32, 0x17, 0x49, 0xf0}; !bytes.Equal(got, want) {
		t.Errorf("ClientHW = % x, want % x", got, want)
	}
	if len(m.CHAddr) != 16 || len(m.SName) != snameLen || len(m.File) != fileLen || !m.Cookie {
		t.Errorf("fields: chaddr %d sname %d file %d cookie %v", len(m.CHAddr), len(m.SName), len(m.File), m.Cookie)
	}
	if got, want := codes(&m), []uint8{OptMessageType, OptClientID, OptHostname, OptParamRequest}; !bytes.Equal(got, want) {
		t.Errorf("option codes = %v, want %v (pad and end are not kept)", got, want)
	}
	if m.MessageType() != TypeRequest {
		t.Errorf("MessageType = %d", m.MessageType())
	}
	if v, ok := m.Option(OptHostname); !ok || string(v) != "nas1\x00" {
		t.Errorf("hostname = %q, %v", v, ok)
	}
	if _, ok := m.Option(OptRouters); ok {
		t.Error("Option found an option the message lacks")
	}
}

func TestClientHWLength(t *testing.T) {
	b := message(OpRequest, true, nil, nil, []byte{OptEnd})
	var m Message
	for _, c := range []struct {
		hlen uint8
		want int
	}{{0, 0}, {6, 6}, {16, 16}, {200, 16}} {
		b[2] = c.hlen
		if err := m.Parse(b); err != nil {
			t.Fatal(err)
		}
		if got := len(m.ClientHW()); got != c.want {
			t.Errorf("hlen %d: ClientHW has %d bytes, want %d", c.hlen, got, c.want)
		}
	}
}

func TestParseOverload(t *testing.T) {
	file := []byte{OptRouters, 4, 10, 100, 0, 2, OptEnd}
	// An overload option inside an overloaded field lends nothing further (the file field
	// would otherwise be read twice).
	sname := []byte{OptPad, OptDNSServers, 4, 10, 100, 0, 2, OptOverload, 1, 3, OptEnd}
	opts := []byte{OptMessageType, 1, TypeOffer, OptOverload, 1, 3, OptEnd}
	var m Message
	if err := m.Parse(message(OpReply, true, sname, file, opts)); err != nil {
		t.Fatal(err)
	}
	if m.Overload != 3 {
		t.Errorf("Overload = %d", m.Overload)
	}
	// RFC 2131 4.1: the options field first, then file, then sname.
	want := []uint8{OptMessageType, OptOverload, OptRouters, OptDNSServers, OptOverload}
	if got := codes(&m); !bytes.Equal(got, want) {
		t.Errorf("option codes = %v, want %v", got, want)
	}
	if v, _ := m.Option(OptDNSServers); !bytes.Equal(v, []byte{10, 100, 0, 2}) {
		t.Errorf("dns servers from sname = %v", v)
	}

	// Value 2: sname only; the file field's bytes stay a file name.
	opts[5] = 2
	if err := m.Parse(message(OpReply, true, sname, file, opts)); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Option(OptRouters); ok {
		t.Error("overload 2 read options from the file field")
	}
	if _, ok := m.Option(OptDNSServers); !ok {
		t.Error("overload 2 did not read options from the sname field")
	}

	// Without option 52 neither field is read.
	if err := m.Parse(message(OpReply, true, sname, file, []byte{OptMessageType, 1, TypeOffer, OptEnd})); err != nil {
		t.Fatal(err)
	}
	if len(m.Options) != 1 || m.Overload != 0 {
		t.Errorf("without overload: options %v, overload %d", codes(&m), m.Overload)
	}
}

func TestParseTruncated(t *testing.T) {
	var m Message
	cases := []struct {
		name  string
		b     []byte
		field string
		off   int
		keep  []uint8
	}{
		{"length past the end", message(OpRequest, true, nil, nil, []byte{OptMessageType, 1, TypeDiscover, OptHostname, 9, 'a', 'b'}),
			"options", 3, []uint8{OptMessageType}},
		{"no length byte", message(OpRequest, true, nil, nil, []byte{OptMessageType, 1, TypeDiscover, OptHostname}),
			"options", 3, []uint8{OptMessageType}},
		{"in the file field", message(OpRequest, true, nil, append(make([]byte, fileLen-3), OptHostname, 5, 'x'),
			[]byte{OptOverload, 1, 1, OptEnd}), "file", fileLen - 3, []uint8{OptOverload}},
	}
	for _, c := range cases {
		err := m.Parse(c.b)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err = %v, want ErrTruncated", c.name, err)
			continue
		}
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != c.field || oe.Offset != c.off || oe.Code != OptHostname {
			t.Errorf("%s: error %+v, want field %s offset %d code %d", c.name, oe, c.field, c.off, OptHostname)
		}
		if got := codes(&m); !bytes.Equal(got, c.keep) {
			t.Errorf("%s: kept options %v, want %v", c.name, got, c.keep)
		}
		if m.XID != 0xef64c244 {
			t.Errorf("%s: header lost", c.name)
		}
	}
}

// A field that ends without the end option is not an error: the field's end is its limit.
func TestParseNoEnd(t *testing.T) {
	var m Message
	if err := m.Parse(message(OpRequest, true, nil, nil, []byte{OptMessageType, 1, TypeDiscover})); err != nil {
		t.Fatal(err)
	}
	if m.MessageType() != TypeDiscover {
		t.Errorf("MessageType = %d", m.MessageType())
	}
}

func TestParseBadCookie(t *testing.T) {
	var m Message
	err := m.Parse(message(OpRequest, false, nil, nil, requestOpts))
	if !errors.Is(err, ErrBadCookie) {
		t.Fatalf("err = %v, want ErrBadCookie", err)
	}
	if m.Cookie || len(m.Options) != 0 || m.XID != 0xef64c244 {
		t.Errorf("cookie %v, %d options, xid %#x: want the header only", m.Cookie, len(m.Options), m.XID)
	}
}

func TestParseShort(t *testing.T) {
	var m Message
	if err := m.Parse(message(OpRequest, true, nil, nil, requestOpts)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 235, HeaderLen - 1} {
		if err := m.Parse(make([]byte, n)); !errors.Is(err, ErrShort) {
			t.Errorf("%d bytes: err = %v, want ErrShort", n, err)
		}
		if m.XID != 0 || m.CHAddr != nil || len(m.Options) != 0 {
			t.Errorf("%d bytes: the previous message's fields survived", n)
		}
	}
}

func TestTooManyOptions(t *testing.T) {
	opts := bytes.Repeat([]byte{OptHostname, 0}, MaxOptions+10)
	var m Message
	err := m.Parse(message(OpRequest, true, nil, nil, opts))
	if !errors.Is(err, ErrTooManyOptions) {
		t.Fatalf("err = %v, want ErrTooManyOptions", err)
	}
	if len(m.Options) != MaxOptions {
		t.Errorf("kept %d options, want %d", len(m.Options), MaxOptions)
	}
}

// Reusing a Message must not leak the previous datagram's options or overload.
func TestParseReuse(t *testing.T) {
	var m Message
	if err := m.Parse(message(OpReply, true, []byte{OptRouters, 4, 1, 2, 3, 4}, nil, []byte{OptOverload, 1, 2, OptHostname, 1, 'a', OptEnd})); err != nil {
		t.Fatal(err)
	}
	if err := m.Parse(message(OpRequest, true, nil, nil, []byte{OptMessageType, 1, TypeInform, OptEnd})); err != nil {
		t.Fatal(err)
	}
	if got := codes(&m); !bytes.Equal(got, []uint8{OptMessageType}) || m.Overload != 0 || m.Op != OpRequest {
		t.Errorf("after reuse: options %v overload %d op %d", got, m.Overload, m.Op)
	}
}

func TestNames(t *testing.T) {
	for v, want := range map[uint8]string{0: "unknown", TypeDiscover: "discover", TypeOffer: "offer", TypeRequest: "request",
		TypeDecline: "decline", TypeAck: "ack", TypeNak: "nak", TypeRelease: "release", TypeInform: "inform", 9: "unknown", 255: "unknown"} {
		if got := MessageTypeName(v); got != want {
			t.Errorf("MessageTypeName(%d) = %q, want %q", v, got, want)
		}
	}
	for c, want := range map[uint8]string{1: "subnet_mask", 3: "router", 6: "dns_server", 15: "domain", 35: "arp_timeout",
		42: "ntp_server", 66: "tftp_server_name", 150: "tftp_server_ip", 12: "", 0: "", 255: ""} {
		if got := ParamName(c); got != want {
			t.Errorf("ParamName(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestProbe(t *testing.T) {
	if !Probe(message(OpRequest, true, nil, nil, requestOpts)) {
		t.Error("a DHCP request was not recognised")
	}
	if Probe(make([]byte, HeaderLen-1)) {
		t.Error("a datagram shorter than the BOOTP header was taken for DHCP")
	}
}
