package sensor

import "bytes"

// Protocol change through an HTTP tunnel. Once an HTTP CONNECT is accepted (or a 101 switches
// protocols) the bytes that follow belong to another protocol: Suricata detects it again as it
// detects a new flow's (TLS inside a proxy's CONNECT, plain HTTP, HTTP/2 after h2c) and logs
// the flow with the new protocol as app_proto and HTTP as app_proto_orig.

// httpTunnel receives the tunnel bytes of the flow's HTTP parser (http.Parser.OnTunnel).
func (a *appLayer) httpTunnel(toServer bool, b []byte) {
	s := a.cur
	if s.proto == appHTTP {
		a.changeProtocol()
	}
	if s.proto != appUnknown {
		return // the tunnel's protocol was settled by bytes handed over earlier in this call
	}
	d := dirIndex(toServer)
	if !s.tunnelInspected[d] {
		// Stray line ends after the HTTP message are HTTP's (libhtp skips empty lines between
		// messages), not the first bytes of what the tunnel carries.
		b = bytes.TrimLeft(b, "\r\n")
		if len(b) == 0 {
			return
		}
	}
	// These bytes went through stream inspection as they arrived: detection must not inspect
	// them again when it settles (tunnelInspected).
	s.tunnelInspected[d] = true
	a.detect(toServer, b)
}

// changeProtocol ends the HTTP part of the current flow (or the SMTP part, after an accepted
// STARTTLS): its transactions are inspected and logged as they stand (the CONNECT is over),
// then detection starts afresh on what follows.
func (a *appLayer) changeProtocol() {
	s := a.cur
	switch s.proto {
	case appHTTP:
		if a.det != nil {
			final := a.final
			a.final = true // nothing waits for a later packet: the transactions end here
			a.detectHTTP()
			a.final = final
		}
		a.logHTTP(true)
	case appSMTP:
		a.smtpMoved(true)
	}
	s.orig = s.proto
	a.f.AppProtoOrig = appProtoNames[s.proto]
	s.proto = appUnknown
	s.gaveUp = [2]bool{}
	s.held[0], s.held[1] = s.held[0][:0], s.held[1][:0]
	s.httpNxt, s.httpMarks = 0, s.httpMarks[:0]
	s.pendingTx = [2]bool{}
	a.dirs[a.f.Slot()] = dirProtos{}
	a.f.AppProto = ""
}
