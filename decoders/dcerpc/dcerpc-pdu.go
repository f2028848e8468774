package dcerpc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Connection-oriented PDU types (DCE 1.1 RPC, chapter 12; Suricata's DCERPC_TYPE_* numbers).
const (
	TypeRequest          = 0
	TypeResponse         = 2
	TypeFault            = 3
	TypeBind             = 11
	TypeBindAck          = 12
	TypeBindNak          = 13
	TypeAlterContext     = 14
	TypeAlterContextResp = 15
	TypeAuth3            = 16
	TypeShutdown         = 17
	TypeCoCancel         = 18
	TypeOrphaned         = 19
	TypeRTS              = 20
)

// PFC flags of the header.
const (
	FlagFirstFrag  = 0x01
	FlagLastFrag   = 0x02
	FlagObjectUUID = 0x80
)

// typeNames are Suricata's names of the PDU types, as EVE writes them.
var typeNames = [...]string{"REQUEST", "PING", "RESPONSE", "FAULT", "WORKING", "NOCALL", "REJECT", "ACK",
	"CL_CANCEL", "FACK", "CANCEL_ACK", "BIND", "BINDACK", "BINDNAK", "ALTER_CONTEXT", "ALTER_CONTEXT_RESP",
	"AUTH3", "SHUTDOWN", "CO_CANCEL", "ORPHANED", "RTS"}

// TypeName is Suricata's name of PDU type t; a type it does not know is written as a number
// there, and "UNKNOWN" here (the EVE field stays a string either way).
func TypeName(t uint8) string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN"
}

// Errors of the PDU decoding.
var (
	ErrShort   = errors.New("dcerpc: pdu truncated")
	ErrVersion = errors.New("dcerpc: not version 5.0/5.1")
	ErrLength  = errors.New("dcerpc: fragment length below the header")
	// ErrUnknownType is a PDU type the connection-oriented parser does not handle.
	ErrUnknownType = errors.New("dcerpc: pdu type not handled")
)

// Header is a connection-oriented PDU header.
type Header struct {
	Major, Minor uint8
	Type         uint8
	Flags        uint8
	Drep         [4]byte
	FragLen      uint16
	AuthLen      uint16
	CallID       uint32
}

// LittleEndian reports the integer representation the header's data representation names.
func (h *Header) LittleEndian() bool { return h.Drep[0]&0x10 != 0 }

func (h *Header) order() binary.ByteOrder {
	if h.LittleEndian() {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// ParseHeader decodes the 16-byte header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < headerLen {
		return h, ErrShort
	}
	h = Header{Major: b[0], Minor: b[1], Type: b[2], Flags: b[3], Drep: [4]byte(b[4:8])}
	if h.Major != 5 || h.Minor > 1 {
		return h, ErrVersion
	}
	o := h.order()
	h.FragLen, h.AuthLen, h.CallID = o.Uint16(b[8:]), o.Uint16(b[10:]), o.Uint32(b[12:])
	if h.FragLen < headerLen {
		return h, fmt.Errorf("%w: %d", ErrLength, h.FragLen)
	}
	return h, nil
}

// ContextItem is one presentation context of a bind or alter-context PDU: an interface.
type ContextItem struct {
	CtxID        uint16
	UUID         [16]byte // in the RFC 4122 byte order, whatever the PDU's representation
	Version      uint16
	VersionMinor uint16
}

// BindAckResult is one presentation result of a bind-ack or alter-context response.
type BindAckResult struct {
	Result, Reason uint16
}

// Bind decodes a bind or alter-context body (pdu is the whole PDU), calling item for each
// presentation context in order.
func Bind(h *Header, pdu []byte, item func(i int, c ContextItem)) error {
	const fixed = headerLen + 12 // max xmit, max recv, assoc group, count and padding
	if len(pdu) < fixed {
		return fmt.Errorf("bind: %w", ErrShort)
	}
	o := h.order()
	n := int(pdu[headerLen+8])
	b := pdu[fixed:]
	for i := range n {
		if len(b) < 24 {
			return fmt.Errorf("bind context %d: %w", i, ErrShort)
		}
		c := ContextItem{CtxID: o.Uint16(b), Version: o.Uint16(b[20:]), VersionMinor: o.Uint16(b[22:])}
		c.UUID = uuidFrom(b[4:20], o)
		item(i, c)
		// One transfer syntax (uuid and version, 20 bytes) each, as many as the item says.
		skip := 24 + 20*int(b[2])
		if len(b) < skip {
			return fmt.Errorf("bind context %d syntaxes: %w", i, ErrShort)
		}
		b = b[skip:]
	}
	return nil
}

// BindAck decodes a bind-ack or alter-context response body (pdu is the whole PDU), calling
// result for each presentation result in order.
func BindAck(h *Header, pdu []byte, result func(i int, r BindAckResult)) error {
	const fixed = headerLen + 10 // max xmit, max recv, assoc group, secondary address length
	if len(pdu) < fixed {
		return fmt.Errorf("bind ack: %w", ErrShort)
	}
	o := h.order()
	sec := int(o.Uint16(pdu[headerLen+8:]))
	at := fixed + sec
	at += (4 - at%4) % 4 // the result list is 4-byte aligned
	if len(pdu) < at+4 {
		return fmt.Errorf("bind ack results: %w", ErrShort)
	}
	n := int(pdu[at])
	b := pdu[at+4:]
	for i := range n {
		if len(b) < 24 {
			return fmt.Errorf("bind ack result %d: %w", i, ErrShort)
		}
		result(i, BindAckResult{Result: o.Uint16(b), Reason: o.Uint16(b[2:])})
		b = b[24:]
	}
	return nil
}

// Request is the fixed part of a request PDU.
type Request struct {
	CtxID, Opnum uint16
	Stub         []byte // the rest of the fragment (aliases the PDU)
}

// ParseRequest decodes a request PDU: allocation hint, context id and operation number, then
// the stub. Like Suricata, the stub runs from there to the fragment's end: an object UUID
// (FlagObjectUUID) and an authentication trailer are part of it.
func ParseRequest(h *Header, pdu []byte) (Request, error) {
	const at = headerLen + 8
	if len(pdu) < at {
		return Request{}, fmt.Errorf("request: %w", ErrShort)
	}
	o := h.order()
	return Request{CtxID: o.Uint16(pdu[headerLen+4:]), Opnum: o.Uint16(pdu[headerLen+6:]), Stub: pdu[at:]}, nil
}

// ResponseStub is a response PDU's stub: what follows the allocation hint, context id and
// cancel count.
func ResponseStub(pdu []byte) ([]byte, error) {
	const at = headerLen + 8
	if len(pdu) < at {
		return nil, fmt.Errorf("response: %w", ErrShort)
	}
	return pdu[at:], nil
}

// uuidFrom reads a UUID in the PDU's representation (its first three fields follow the
// integer representation) into RFC 4122 byte order.
func uuidFrom(b []byte, o binary.ByteOrder) (u [16]byte) {
	binary.BigEndian.PutUint32(u[0:], o.Uint32(b[0:]))
	binary.BigEndian.PutUint16(u[4:], o.Uint16(b[4:]))
	binary.BigEndian.PutUint16(u[6:], o.Uint16(b[6:]))
	copy(u[8:], b[8:16])
	return u
}
