package export

// AppendDNS appends e as one EVE "dns" line, newline included, in Suricata 7's version 2 form: a
// query event names one question; an answer event carries the header flags, the rcode and the
// answer records in the "detailed" format. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendDNS(dst []byte, e *DNSEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "dns")
	dst = appendKey(dst, "dns")
	dst = append(dst, '{')
	if !e.Answer {
		dst = appendUintField(dst, "version", 2)
		dst = appendStringField(dst, "type", "query")
		dst = appendUintField(dst, "id", uint64(e.ID))
		dst = appendNameField(dst, "rrname", e.RRName)
		dst = appendBytesField(dst, "rrtype", e.RRType)
		dst = appendUintField(dst, "tx_id", e.TxID)
		dst = appendUintField(dst, "opcode", uint64(e.Opcode))
		dst = closeObject(dst)
		return endLine(dst)
	}
	dst = appendUintField(dst, "version", 2)
	dst = appendStringField(dst, "type", "answer")
	dst = appendUintField(dst, "id", uint64(e.ID))
	dst = appendKey(dst, "flags")
	dst = append(dst, '"')
	dst = appendHex16(dst, e.Flags)
	dst = append(dst, '"', ',')
	for _, fl := range dnsFlagNames {
		if e.Flags&fl.bit != 0 {
			dst = appendBoolField(dst, fl.name, true)
		}
	}
	dst = appendUintField(dst, "opcode", uint64(e.Opcode))
	if len(e.RRName) > 0 || len(e.RRType) > 0 {
		dst = appendNameField(dst, "rrname", e.RRName)
		dst = appendBytesField(dst, "rrtype", e.RRType)
	}
	dst = appendBytesField(dst, "rcode", e.Rcode)
	if len(e.Answers) > 0 {
		dst = appendKey(dst, "answers")
		dst = append(dst, '[')
		for i := range e.Answers {
			a := &e.Answers[i]
			dst = append(dst, '{')
			dst = appendNameField(dst, "rrname", a.RRName)
			dst = appendBytesField(dst, "rrtype", a.RRType)
			dst = appendUintField(dst, "ttl", uint64(a.TTL))
			dst = appendBytesField(dst, "rdata", a.RData)
			dst = closeObject(dst)
		}
		dst[len(dst)-1] = ']'
		dst = append(dst, ',')
	}
	dst = closeObject(dst)
	return endLine(dst)
}

// dnsFlagNames are the header bits Suricata writes as booleans when set, in its order.
var dnsFlagNames = [...]struct {
	bit  uint16
	name string
}{
	{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"}, {0x0080, "ra"}, {0x0040, "z"},
}

// appendHex16 writes v as four lower-case hex digits, as Suricata's "%04x".
func appendHex16(dst []byte, v uint16) []byte {
	const hexDigits = "0123456789abcdef"
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

// appendNameField writes a DNS name, which unlike other fields is written even when empty (the
// root).
func appendNameField(dst []byte, key string, name []byte) []byte {
	dst = appendKey(dst, key)
	dst = appendJSONBytes(dst, name)
	return append(dst, ',')
}
