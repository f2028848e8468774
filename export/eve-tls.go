package export

import "time"

// certTimeLayout is how Suricata writes certificate validity: UTC, no zone.
const certTimeLayout = "2006-01-02T15:04:05"

// AppendTLS appends e as one EVE "tls" line, newline included, with the fields of Suricata 7's
// extended tls object (plus ja4, which Suricata 7.0.3+ writes when JA4 is enabled). Fields the
// handshake did not reveal are left out. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendTLS(dst []byte, e *TLSEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "tls")
	dst = appendTLSObject(dst, e)
	return endLine(dst)
}

// appendTLSObject writes `"tls":{…},`: the tls event's object, which alerts on TLS sessions
// carry too.
func appendTLSObject(dst []byte, e *TLSEvent) []byte {
	dst = appendKey(dst, "tls")
	dst = append(dst, '{')
	dst = appendBytesField(dst, "subject", e.Subject)
	dst = appendBytesField(dst, "issuerdn", e.IssuerDN)
	if len(e.SubjectAltName) > 0 {
		dst = appendKey(dst, "subjectaltname")
		dst = append(dst, '[')
		for i, n := range e.SubjectAltName {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, n)
		}
		dst = append(dst, ']', ',')
	}
	if e.SessionResumed {
		dst = appendBoolField(dst, "session_resumed", true)
	}
	dst = appendBytesField(dst, "serial", e.Serial)
	dst = appendBytesField(dst, "fingerprint", e.Fingerprint)
	dst = appendBytesField(dst, "sni", e.SNI)
	if e.Version != "" {
		dst = appendStringField(dst, "version", e.Version)
	}
	dst = appendCertTime(dst, "notbefore", e.NotBefore)
	dst = appendCertTime(dst, "notafter", e.NotAfter)
	dst = appendHashPair(dst, "ja3", e.JA3Hash, e.JA3String)
	dst = appendHashPair(dst, "ja3s", e.JA3SHash, e.JA3SString)
	dst = appendBytesField(dst, "ja4", e.JA4)
	if len(e.ClientALPNs) > 0 {
		dst = appendKey(dst, "client_alpns")
		dst = append(dst, '[')
		for i, p := range e.ClientALPNs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONBytes(dst, p)
		}
		dst = append(dst, ']', ',')
	}
	if len(e.ServerALPN) > 0 {
		dst = appendKey(dst, "server_alpns")
		dst = append(dst, '[')
		dst = appendJSONBytes(dst, e.ServerALPN)
		dst = append(dst, ']', ',')
	}
	return closeObject(dst)
}

func appendCertTime(dst []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, certTimeLayout)
	return append(dst, '"', ',')
}

// appendHashPair writes {"hash":…,"string":…} as Suricata's ja3 and ja3s objects; nothing when
// the fingerprint was not computed.
func appendHashPair(dst []byte, key string, hash, str []byte) []byte {
	if len(hash) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '{')
	dst = appendBytesField(dst, "hash", hash)
	dst = appendBytesField(dst, "string", str)
	return closeObject(dst)
}
