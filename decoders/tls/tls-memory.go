package tls

import "unsafe"

// Retained is the memory the state holds in bytes: its struct and the buffers that grow with
// the input (handshake reassembly, certificate stores, names and fingerprints). The short
// lists of a hello (ciphers, extensions, groups) are bounded by the handshake and left out.
// Buffers only grow (Reset keeps them); the app layer charges this to its memcap.
func (s *State) Retained() int {
	n := int(unsafe.Sizeof(*s)) + cap(s.ts.hsBuf) + cap(s.tc.hsBuf)
	for _, c := range [2]*certInfo{&s.serverCert, &s.clientCert} {
		n += cap(c.store) + cap(c.Subject) + cap(c.Issuer) + cap(c.Serial) + cap(c.Fingerprint) +
			cap(c.ends)*int(unsafe.Sizeof(0)) + cap(c.list)*int(unsafe.Sizeof([]byte(nil)))
	}
	for _, h := range [2]*clientHello{&s.client, &s.laterClient} {
		n += cap(h.sessionID) + cap(h.sni) + cap(h.alpn.buf)
	}
	for _, f := range [2]*fingerprints{&s.fp, &s.laterFP} {
		n += cap(f.ja3Str) + cap(f.ja3Hash) + cap(f.ja3sStr) + cap(f.ja3sHash) + cap(f.ja4) + cap(f.ja4r) +
			cap(f.ja4s) + cap(f.tmp)
	}
	return n
}
