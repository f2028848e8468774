package export

import "strconv"

// DCERPCInterface is an interface a DCERPC bind offered (or a request used), as EVE names it.
type DCERPCInterface struct {
	UUID         [16]byte // RFC 4122 byte order
	Version      uint16
	VersionMinor uint16
	AckResult    uint16 // valid when Acked
	AckReason    uint16
	Acked        bool
}

// DCERPCInfo is one DCERPC transaction as Suricata logs it, in an event of its own (dcerpc
// over TCP) or inside an smb event (over a named pipe). Interfaces alias the sensor's scratch
// and are valid until the event is encoded.
type DCERPCInfo struct {
	Request  string // the request PDU's type name, or REQUEST_LOST
	Response string // the response PDU's type name, or UNREPLIED
	// Req and Res: the request and response counters, logged for REQUEST and RESPONSE.
	HasReq, HasRes     bool
	Opnum              uint16
	ReqFrags, ResFrags uint16
	ReqStub, ResStub   int
	Interfaces         []DCERPCInterface
	CallID             uint32
	MinorVersion       uint8
}

// DCERPCEvent is one DCERPC-over-TCP transaction (EVE event_type "dcerpc").
type DCERPCEvent struct {
	AppHeader
	DCERPCInfo
}

// AppendDCERPC appends e as one EVE "dcerpc" line, newline included, with the fields and in
// the order of Suricata's dcerpc logger for TCP.
func (f *EVEFormat) AppendDCERPC(dst []byte, e *DCERPCEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "dcerpc")
	dst = appendDCERPCObject(dst, &e.DCERPCInfo)
	return endLine(dst)
}

// appendDCERPCObject writes the dcerpc object of a dcerpc event or alert.
func appendDCERPCObject(dst []byte, d *DCERPCInfo) []byte {
	dst = appendKey(dst, "dcerpc")
	dst = append(dst, '{')
	dst = appendStringField(dst, "request", d.Request)
	if d.HasReq {
		dst = appendKey(dst, "req")
		dst = append(dst, '{')
		dst = appendUintField(dst, "opnum", uint64(d.Opnum))
		dst = appendUintField(dst, "frag_cnt", uint64(d.ReqFrags))
		dst = appendUintField(dst, "stub_data_size", uint64(d.ReqStub))
		dst = closeObject(dst)
	}
	dst = appendDCERPCInterfaces(dst, d.Interfaces, false)
	dst = appendStringField(dst, "response", d.Response)
	dst = appendDCERPCRes(dst, d)
	dst = appendUintField(dst, "call_id", uint64(d.CallID))
	dst = appendKey(dst, "rpc_version")
	dst = append(dst, '"', '5', '.')
	dst = strconv.AppendUint(dst, uint64(d.MinorVersion), 10)
	dst = append(dst, '"', ',')
	return closeObject(dst)
}

// appendSMBDCERPC writes the dcerpc object of an smb event: Suricata's smb logger orders the
// fields its own way and writes ack_reason too.
func appendSMBDCERPC(dst []byte, d *DCERPCInfo) []byte {
	dst = appendKey(dst, "dcerpc")
	dst = append(dst, '{')
	dst = appendStringField(dst, "request", d.Request)
	dst = appendStringField(dst, "response", d.Response)
	if d.HasReq {
		dst = appendUintField(dst, "opnum", uint64(d.Opnum))
		dst = appendKey(dst, "req")
		dst = append(dst, '{')
		dst = appendUintField(dst, "frag_cnt", uint64(d.ReqFrags))
		dst = appendUintField(dst, "stub_data_size", uint64(d.ReqStub))
		dst = closeObject(dst)
	}
	dst = appendDCERPCInterfaces(dst, d.Interfaces, true)
	dst = appendDCERPCRes(dst, d)
	dst = appendUintField(dst, "call_id", uint64(d.CallID))
	return closeObject(dst)
}

func appendDCERPCRes(dst []byte, d *DCERPCInfo) []byte {
	if !d.HasRes {
		return dst
	}
	dst = appendKey(dst, "res")
	dst = append(dst, '{')
	dst = appendUintField(dst, "frag_cnt", uint64(d.ResFrags))
	dst = appendUintField(dst, "stub_data_size", uint64(d.ResStub))
	return closeObject(dst)
}

// appendDCERPCInterfaces writes the interfaces array, none when empty.
func appendDCERPCInterfaces(dst []byte, ifs []DCERPCInterface, reason bool) []byte {
	if len(ifs) == 0 {
		return dst
	}
	dst = appendKey(dst, "interfaces")
	dst = append(dst, '[')
	for i := range ifs {
		x := &ifs[i]
		dst = append(dst, '{')
		dst = appendKey(dst, "uuid")
		dst = append(dst, '"')
		dst = appendUUID(dst, x.UUID)
		dst = append(dst, '"', ',')
		dst = appendKey(dst, "version")
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, uint64(x.Version), 10)
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(x.VersionMinor), 10)
		dst = append(dst, '"', ',')
		if x.Acked {
			dst = appendUintField(dst, "ack_result", uint64(x.AckResult))
			if reason {
				dst = appendUintField(dst, "ack_reason", uint64(x.AckReason))
			}
		}
		dst = closeObject(dst)
	}
	return closeArray(dst)
}

// appendUUID writes u in its canonical text form (8-4-4-4-12 lower-case hex digits).
func appendUUID(dst []byte, u [16]byte) []byte {
	const hex = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[c>>4], hex[c&15])
	}
	return dst
}

// DCERPC appends a dcerpc line.
func (b *EVEBuffer) DCERPC(e *DCERPCEvent) {
	b.buf = b.format.AppendDCERPC(b.buf, e)
	b.maybeFlush()
}
