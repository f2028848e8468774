package export

// AppendDNS appends e as one EVE "dns" line, newline included, in the layout e.Version names:
// Suricata 8's version 3 (the default) or Suricata 7's version 2. It does not allocate beyond
// growing dst.
func (f *EVEFormat) AppendDNS(dst []byte, e *DNSEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "dns")
	dst = appendKey(dst, "dns")
	dst = append(dst, '{')
	if e.Version == 2 {
		dst = appendDNSv2(dst, e)
	} else {
		dst = appendDNSv3(dst, e)
	}
	dst = closeObject(dst)
	return endLine(dst)
}

// appendAlertDNS writes the dns object of an alert on a DNS transaction: the version 3 object
// of the dns event, whatever version the dns events are logged in, as Suricata 8 does
// (Suricata 7 wrote "query" and "answer" in its version 2 forms).
func appendAlertDNS(dst []byte, e *DNSEvent) []byte {
	dst = appendKey(dst, "dns")
	dst = append(dst, '{')
	dst = appendDNSv3(dst, e)
	return closeObject(dst)
}

// appendDNSv3 writes one message as Suricata 8 does: the header fields, then every section
// present, the same way for requests and responses.
func appendDNSv3(dst []byte, e *DNSEvent) []byte {
	dst = appendUintField(dst, "version", 3)
	if e.Response {
		dst = appendStringField(dst, "type", "response")
	} else {
		dst = appendStringField(dst, "type", "request")
	}
	dst = appendUintField(dst, "tx_id", e.TxID)
	dst = appendUintField(dst, "id", uint64(e.ID))
	dst = appendDNSFlags(dst, e.Flags)
	dst = appendUintField(dst, "opcode", uint64(e.Opcode))
	dst = appendBytesField(dst, "rcode", e.Rcode)
	if len(e.Queries) > 0 {
		dst = appendKey(dst, "queries")
		dst = append(dst, '[')
		for i := range e.Queries {
			q := &e.Queries[i]
			dst = append(dst, '{')
			dst = appendNameField(dst, "rrname", q.RRName)
			dst = appendBytesField(dst, "rrtype", q.RRType)
			if q.Truncated {
				dst = appendBoolField(dst, "rrname_truncated", true)
			}
			dst = closeObject(dst)
		}
		dst = closeArray(dst)
	}
	return appendDNSSections(dst, e)
}

// appendDNSv2 writes Suricata 7's layout: a "query" event for the one question in Queries, or
// an "answer" event naming the first question at the top level.
func appendDNSv2(dst []byte, e *DNSEvent) []byte {
	dst = appendUintField(dst, "version", 2)
	if !e.Response {
		dst = appendStringField(dst, "type", "query")
		dst = appendUintField(dst, "id", uint64(e.ID))
		if len(e.Queries) > 0 {
			dst = appendDNSQueryFields(dst, &e.Queries[0])
		}
		dst = appendUintField(dst, "tx_id", e.TxID)
		if e.Flags&dnsFlagZ != 0 {
			dst = appendBoolField(dst, "z", true)
		}
		return appendUintField(dst, "opcode", uint64(e.Opcode))
	}
	dst = appendStringField(dst, "type", "answer")
	dst = appendUintField(dst, "id", uint64(e.ID))
	dst = appendDNSFlags(dst, e.Flags)
	dst = appendUintField(dst, "opcode", uint64(e.Opcode))
	if len(e.Queries) > 0 {
		dst = appendDNSQueryFields(dst, &e.Queries[0])
	}
	dst = appendBytesField(dst, "rcode", e.Rcode)
	return appendDNSSections(dst, e)
}

func appendDNSQueryFields(dst []byte, q *DNSQuery) []byte {
	dst = appendNameField(dst, "rrname", q.RRName)
	if q.Truncated {
		dst = appendBoolField(dst, "rrname_truncated", true)
	}
	return appendBytesField(dst, "rrtype", q.RRType)
}

// appendDNSSections writes answers (detailed and/or grouped), authorities and additionals, each
// only when it has records; both layouts share them.
func appendDNSSections(dst []byte, e *DNSEvent) []byte {
	formats := e.Formats
	if formats == 0 {
		formats = DNSDetailed | DNSGrouped
	}
	if len(e.Answers) > 0 {
		if formats&DNSDetailed != 0 {
			dst = appendDNSRecords(dst, "answers", e.Answers)
		}
		if formats&DNSGrouped != 0 {
			dst = appendDNSGrouped(dst, e.Answers)
		}
	}
	dst = appendDNSRecords(dst, "authorities", e.Authorities)
	return appendDNSRecords(dst, "additionals", e.Additionals)
}

func appendDNSRecords(dst []byte, key string, rrs []DNSAnswer) []byte {
	if len(rrs) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for i := range rrs {
		dst = appendDNSRecord(dst, &rrs[i])
	}
	return closeArray(dst)
}

func appendDNSRecord(dst []byte, a *DNSAnswer) []byte {
	dst = append(dst, '{')
	dst = appendNameField(dst, "rrname", a.RRName)
	if a.Truncated {
		dst = appendBoolField(dst, "rrname_truncated", true)
	}
	dst = appendBytesField(dst, "rrtype", a.RRType)
	dst = appendUintField(dst, "ttl", uint64(a.TTL))
	switch a.Data {
	case DNSDataText:
		dst = appendNameField(dst, "rdata", a.RData) // an empty TXT string is still written
	case DNSDataSOA:
		dst = appendKey(dst, "soa")
		dst = appendDNSSOA(dst, &a.SOA)
	case DNSDataSRV:
		dst = appendKey(dst, "srv")
		dst = appendDNSSRV(dst, &a.SRV)
	case DNSDataSSHFP:
		dst = appendKey(dst, "sshfp")
		dst = appendDNSSSHFP(dst, &a.SSHFP)
	case DNSDataOPT:
		dst = appendDNSOPT(dst, a.RData)
	}
	return closeObject(dst)
}

// appendDNSGrouped writes dns.grouped: for each record type with decoded data, in the order the
// types first appear, the array of its records' data. It compares type names instead of
// building a map so that it stays allocation-free; sections are short.
func appendDNSGrouped(dst []byte, rrs []DNSAnswer) []byte {
	dst = appendKey(dst, "grouped")
	dst = append(dst, '{')
	for i := range rrs {
		if rrs[i].Data == DNSDataNone || seenDNSType(rrs[:i], rrs[i].RRType) {
			continue
		}
		// Type names are Suricata's upper-case mnemonics or numbers: nothing to escape.
		dst = append(dst, '"')
		dst = append(dst, rrs[i].RRType...)
		dst = append(dst, '"', ':', '[')
		for j := i; j < len(rrs); j++ {
			a := &rrs[j]
			if a.Data == DNSDataNone || string(a.RRType) != string(rrs[i].RRType) {
				continue
			}
			switch a.Data {
			case DNSDataText:
				dst = appendJSONBytes(dst, a.RData)
				dst = append(dst, ',')
			case DNSDataSOA:
				dst = appendDNSSOA(dst, &a.SOA)
			case DNSDataSRV:
				dst = appendDNSSRV(dst, &a.SRV)
			case DNSDataSSHFP:
				dst = appendDNSSSHFP(dst, &a.SSHFP)
			}
		}
		dst = closeArray(dst)
	}
	return closeObject(dst)
}

// seenDNSType reports whether a record with data of type t comes in rrs.
func seenDNSType(rrs []DNSAnswer, t []byte) bool {
	for i := range rrs {
		if rrs[i].Data != DNSDataNone && string(rrs[i].RRType) == string(t) {
			return true
		}
	}
	return false
}

// The object writers below append the object and a comma, as the field writers do.

func appendDNSSOA(dst []byte, s *DNSSOA) []byte {
	dst = append(dst, '{')
	dst = appendNameField(dst, "mname", s.MName)
	dst = appendNameField(dst, "rname", s.RName)
	dst = appendUintField(dst, "serial", uint64(s.Serial))
	dst = appendUintField(dst, "refresh", uint64(s.Refresh))
	dst = appendUintField(dst, "retry", uint64(s.Retry))
	dst = appendUintField(dst, "expire", uint64(s.Expire))
	dst = appendUintField(dst, "minimum", uint64(s.Minimum))
	return closeObject(dst)
}

func appendDNSSRV(dst []byte, s *DNSSRV) []byte {
	dst = append(dst, '{')
	dst = appendUintField(dst, "priority", uint64(s.Priority))
	dst = appendUintField(dst, "weight", uint64(s.Weight))
	dst = appendUintField(dst, "port", uint64(s.Port))
	dst = appendNameField(dst, "name", s.Name)
	return closeObject(dst)
}

func appendDNSSSHFP(dst []byte, s *DNSSSHFP) []byte {
	dst = append(dst, '{')
	dst = appendColonHexField(dst, "fingerprint", s.Fingerprint)
	dst = appendUintField(dst, "algo", uint64(s.Algo))
	dst = appendUintField(dst, "type", uint64(s.Type))
	return closeObject(dst)
}

// appendDNSOPT writes an OPT record's options (code, length, data) as "opt":[{code,data}], the
// data in hex; a truncated last option is written with what is there.
func appendDNSOPT(dst []byte, raw []byte) []byte {
	dst = appendKey(dst, "opt")
	dst = append(dst, '[')
	for len(raw) >= 4 {
		code := uint16(raw[0])<<8 | uint16(raw[1])
		n := int(raw[2])<<8 | int(raw[3])
		raw = raw[4:]
		n = min(n, len(raw))
		dst = append(dst, '{')
		dst = appendUintField(dst, "code", uint64(code))
		dst = appendKey(dst, "data")
		dst = append(dst, '"')
		for _, b := range raw[:n] {
			dst = appendHex8(dst, b)
		}
		dst = append(dst, '"', ',')
		dst = closeObject(dst)
		raw = raw[n:]
	}
	return closeArray(dst)
}

// closeArray replaces a trailing comma by the closing bracket (or appends one after an empty
// `[`), then writes the comma that follows a field.
func closeArray(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] == ',' {
		dst[n-1] = ']'
		return append(dst, ',')
	}
	return append(dst, ']', ',')
}

// appendDNSFlags writes the header flags as hex and the set bits as booleans, as both layouts do.
func appendDNSFlags(dst []byte, flags uint16) []byte {
	dst = appendKey(dst, "flags")
	dst = append(dst, '"')
	dst = appendHex16(dst, flags)
	dst = append(dst, '"', ',')
	for _, fl := range dnsFlagNames {
		if flags&fl.bit != 0 {
			dst = appendBoolField(dst, fl.name, true)
		}
	}
	return dst
}

const dnsFlagZ = 0x0040

// dnsFlagNames are the header bits Suricata writes as booleans when set, in its order.
var dnsFlagNames = [...]struct {
	bit  uint16
	name string
}{
	{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"}, {0x0080, "ra"}, {dnsFlagZ, "z"},
}

const dnsHexDigits = "0123456789abcdef"

// appendHex16 writes v in lower-case hex without leading zeros, as Suricata's "{:x}".
func appendHex16(dst []byte, v uint16) []byte {
	started := false
	for shift := 12; shift >= 0; shift -= 4 {
		d := v >> shift & 15
		if d != 0 || started || shift == 0 {
			dst = append(dst, dnsHexDigits[d])
			started = true
		}
	}
	return dst
}

func appendHex8(dst []byte, b byte) []byte {
	return append(dst, dnsHexDigits[b>>4], dnsHexDigits[b&15])
}

// appendColonHexField writes bytes as lower-case hex pairs joined by colons ("00:11:32"), the
// form Suricata gives fingerprints and hardware addresses; empty bytes give "".
func appendColonHexField(dst []byte, key string, b []byte) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	for i, c := range b {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = appendHex8(dst, c)
	}
	return append(dst, '"', ',')
}

// appendNameField writes a DNS name (or rdata text), which unlike other fields is written even
// when empty (the root).
func appendNameField(dst []byte, key string, name []byte) []byte {
	dst = appendKey(dst, key)
	dst = appendJSONBytes(dst, name)
	return append(dst, ',')
}
