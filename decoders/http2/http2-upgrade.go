package http2

import (
	"encoding/base64"
	"encoding/binary"
)

// Upgrade starts the parser on a connection that an HTTP/1.1 request upgraded to h2c (the
// server answered 101 Switching Protocols): as RFC 9113 3.2 and Suricata have it, that request
// is stream 1, whose response comes as HTTP/2 frames. fields are its method, target and
// headers ("name", "value" pairs as the request sent them; names are lower-cased);
// settings is its HTTP2-Settings header (base64url SETTINGS payload), decoded into the
// request's settings, or http2.invalid_http1_settings when it is not valid.
func (p *Parser) Upgrade(method, uri []byte, headers [][2][]byte, settings []byte) {
	t := p.newTx(1)
	t.Upgraded = true
	p.cur, p.curSide = t, 0
	p.storeField(t, 0, ":method", string(method))
	p.storeField(t, 0, ":path", string(uri))
	for _, h := range headers {
		p.storeField(t, 0, string(lowerASCII(h[0])), string(h[1]))
	}
	p.cur = nil
	s := &t.Side[0]
	s.HeadersDone, s.EndStream = true, true
	if settings != nil {
		raw, err := base64.RawURLEncoding.DecodeString(trimPad(settings))
		if err != nil || len(raw)%6 != 0 {
			t.Events.set(EventInvalidHTTP1Settings)
		} else {
			for ; len(raw) >= 6; raw = raw[6:] {
				s.Settings = append(s.Settings, Setting{ID: binary.BigEndian.Uint16(raw), Value: binary.BigEndian.Uint32(raw[2:])})
			}
		}
	}
	p.checkAuthority(t)
}

func trimPad(b []byte) string {
	for len(b) > 0 && b[len(b)-1] == '=' {
		b = b[:len(b)-1]
	}
	return string(b)
}

func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
