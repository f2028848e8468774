package sensor

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders/dhcp"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// appEVE reports whether EVE wants events of the kind; parsers run (and detection will read
// them) whether or not they are logged.
func (a *appLayer) appEVE(on bool) bool { return a.w.eve != nil && on }

// fillAppHeader sets the event's tuple from the current flow. Suricata's transaction loggers
// orient it as the flow (client as src); the DNS logger's version 3 events as the packet, so
// responses come from the server (reply true).
func (a *appLayer) fillAppHeader(h *export.AppHeader, reply bool) {
	f := a.f
	*h = export.AppHeader{Timestamp: a.ts, PcapCnt: a.pcapCnt}
	if a.pkt != nil {
		h.PktSrc = pktSrc(a.pkt)
	}
	fillFlowTuple(&h.Tuple, f)
	h.Vars = a.w.flowVars(f)
	if reply {
		h.SrcIP, h.DestIP = h.DestIP, h.SrcIP
		h.SrcPort, h.DestPort = h.DestPort, h.SrcPort
	}
}

// appAnomaly readies the worker's anomaly event for a parser event of the current flow: the
// flow's tuple (client as source) and detection variables, the protocol, no transaction yet.
func (a *appLayer) appAnomaly(p appProto) *export.Anomaly {
	an := &a.w.anomaly
	*an = export.Anomaly{Timestamp: a.ts, PcapCnt: a.pcapCnt, Type: "applayer", Layer: "proto_parser",
		AppProto: appProtoNames[p]}
	fillFlowTuple(&an.Tuple, a.f)
	an.Vars = a.w.flowVars(a.f)
	return an
}

// fillFlowTuple writes the flow's addressing, client as source.
func fillFlowTuple(t *export.Tuple, f *flow.Flow) {
	t.FlowID = f.ID()
	t.SrcIP, t.SrcPort = f.Client()
	t.DestIP, t.DestPort = f.Server()
	t.Proto = f.Proto()
	k := f.Key()
	t.VLAN = k.VLAN
	t.VLANCount = 0
	for _, v := range k.VLAN {
		if v != 0 {
			t.VLANCount++
		}
	}
	t.CommunityID = f.CommunityID(0)
}

// logHTTP writes the transactions that completed, in tx_id order (all that have a request when
// the flow ends), then lets the parser recycle finished ones.
func (a *appLayer) logHTTP(final bool) {
	s := a.cur
	p := s.http
	for _, tx := range p.Txs() {
		if tx.ID < s.httpNxt {
			continue
		}
		if !tx.Done() && !final {
			break
		}
		s.httpNxt = tx.ID + 1
		if len(tx.RequestLine) == 0 && !tx.ResponseStarted {
			continue
		}
		a.stats.txHTTP++
		// Suricata logs a transaction's files before the transaction itself.
		if a.appEVE(a.w.out.eveFiles) {
			a.logFiles(tx)
		}
		if a.appEVE(a.w.out.eveHTTP) {
			a.writeHTTP(tx)
		}
		a.logHTTPAnomalies(tx)
	}
	if !s.pendingTx[0] && !s.pendingTx[1] {
		// A transaction is released once no inspection waits on it (the marks keep what
		// was inspected, the transaction what is yet to be).
		p.ReleaseDone()
	}
}

// httpAnomalyNames are the HTTP events as Suricata's anomaly logger names them: the parser's
// event table entry, upper case without the "http." prefix (REQUEST_LINE_MISSING_PROTOCOL).
var httpAnomalyNames = func() (n [http.NumEvents]string) {
	for e := range n {
		name := http.Event(e).String()
		n[e] = strings.ToUpper(strings.TrimPrefix(name, "http."))
	}
	return n
}()

// logHTTPAnomalies writes the app-layer events of a logged transaction as EVE anomaly events
// (type applayer, layer proto_parser), as Suricata's anomaly logger does for each transaction.
// They stay out of the Arrow anomaly output, whose batches would then be cut per flow.
func (a *appLayer) logHTTPAnomalies(tx *http.Tx) {
	w := a.w
	if tx.Events == 0 || w.eve == nil || !w.out.eveAnomaly {
		return
	}
	an := a.appAnomaly(appHTTP)
	for e := http.Event(1); int(e) < http.NumEvents; e++ {
		if tx.Events.Has(e) {
			an.Event = httpAnomalyNames[e]
			w.eve.Anomaly(an)
		}
	}
}

func (a *appLayer) writeHTTP(tx *http.Tx) {
	e := &a.httpEv
	fillHTTPEvent(e, tx)
	a.fillAppHeader(&e.AppHeader, false)
	e.TxID, e.HasTxID = tx.ID, true
	a.w.eve.HTTP(e)
}

// fillHTTPEvent sets e's http object from tx and zeroes its header.
func fillHTTPEvent(e *export.HTTPEvent, tx *http.Tx) {
	var h http.EVE
	tx.FillEVE(&h)
	*e = export.HTTPEvent{Hostname: h.Hostname, Port: h.Port, URL: h.URL, UserAgent: h.UserAgent,
		ContentType: h.ContentType, Refer: h.Refer, Method: h.Method, Protocol: h.Protocol, Status: h.Status,
		StatusString: h.StatusString, Redirect: h.Redirect, Length: h.Length}
}

// logTLS writes the flow's one tls event.
func (a *appLayer) logTLS() {
	s := a.cur
	s.logged = true
	if !a.appEVE(a.w.out.eveTLS) {
		return
	}
	e := &a.tlsEv
	fillTLSEvent(e, s.tls)
	a.fillAppHeader(&e.AppHeader, false)
	a.w.eve.TLS(e)
}

// fillTLSEvent sets e's tls object from the session and zeroes its header; e's ALPN list
// keeps its array from one event to the next.
func fillTLSEvent(e *export.TLSEvent, t *tls.State) {
	alpns := e.ClientALPNs[:0]
	for i := range t.ClientALPNCount() {
		alpns = append(alpns, t.ClientALPN(i))
	}
	*e = export.TLSEvent{SNI: t.SNI(), Version: t.VersionString(), JA3Hash: t.JA3Hash(), JA3String: t.JA3String(),
		JA3SHash: t.JA3SHash(), JA3SString: t.JA3SString(), JA4: t.JA4(), ClientALPNs: alpns, ServerALPN: t.ServerALPN()}
	if c := t.Cert(true); c != nil {
		e.Subject, e.IssuerDN, e.Serial, e.Fingerprint = c.Subject, c.Issuer, c.Serial, c.Fingerprint
		e.NotBefore, e.NotAfter = c.NotBefore, c.NotAfter
		// Parsed once per flow; a leaf crypto/x509 rejects simply has none logged.
		if sans, err := t.CertSANs(true); err == nil {
			e.SubjectAltName = sans
		}
	} else {
		// Suricata calls a session resumed only when the server showed no certificate.
		e.SessionResumed = t.SessionResumed() && t.ServerHellos() > 0
	}
}

// logSSH writes the flow's one ssh event.
func (a *appLayer) logSSH() {
	s := a.cur
	s.logged = true
	if !a.appEVE(a.w.out.eveSSH) {
		return
	}
	e := &a.sshEv
	fillSSHEvent(e, s.ssh)
	a.fillAppHeader(&e.AppHeader, false)
	a.w.eve.SSH(e)
}

// fillSSHEvent sets e's ssh object from the session and zeroes its header.
func fillSSHEvent(e *export.SSHEvent, st *ssh.State) {
	c, sv := st.Client(), st.Server()
	*e = export.SSHEvent{
		Client: export.SSHHost{ProtoVersion: c.ProtoVersion, SoftwareVersion: c.SoftwareVersion, HASSH: c.HASSH, HASSHString: c.HASSHString},
		Server: export.SSHHost{ProtoVersion: sv.ProtoVersion, SoftwareVersion: sv.SoftwareVersion, HASSH: sv.HASSH, HASSHString: sv.HASSHString},
	}
}

// dnsMessage numbers the message's transaction and writes its EVE events. Like Suricata 8,
// every message is a transaction of its own, a response too: its tx_id follows its request's.
func (a *appLayer) dnsMessage(toServer bool, m *dns.Message, err error) {
	s := a.cur
	if err != nil {
		if a.f.Proto() == 6 {
			a.stats.errDNSTCP++
		} else {
			a.stats.errDNSUDP++
		}
	}
	if m == nil || (err != nil && len(m.Queries) == 0 && !m.Response()) {
		return
	}
	tx := s.dnsTx
	s.dnsTx++
	a.logDNSAnomalies(toServer, m, tx)
	if a.f.Proto() == 6 {
		a.stats.txDNSTCP++
	} else {
		a.stats.txDNSUDP++
	}
	if a.det != nil {
		a.detectDNS(toServer, m, tx)
	}
	cfg := &a.w.out.dns
	if !a.appEVE(a.w.out.eveDNS) || (m.Response() && !cfg.responses) || (!m.Response() && !cfg.requests) {
		return
	}
	e := &a.dnsEv
	a.text = a.text[:0]
	// Suricata 8 writes a version 3 event as its packet went (a response from the server), a
	// version 2 event as the flow goes (client as source), as the suites of both expect.
	a.fillDNSEvent(e, m, tx, cfg.version != 2 && !toServer)
	if cfg.version == 2 && !m.Response() {
		// Suricata 7's layout: one query event per question.
		all := e.Queries
		for i := range all {
			e.Queries = all[i : i+1]
			a.w.eve.DNS(e)
		}
		return
	}
	a.w.eve.DNS(e)
}

// logDNSAnomalies writes the message's DNS events as EVE anomaly events (type applayer, layer
// proto_parser), oriented as the message went, as Suricata's anomaly logger writes them for
// each transaction.
func (a *appLayer) logDNSAnomalies(toServer bool, m *dns.Message, tx uint64) {
	w := a.w
	if m.Events.N == 0 || w.eve == nil || !w.out.eveAnomaly {
		return
	}
	an := a.appAnomaly(appDNS)
	an.TxID, an.HasTxID = tx, true
	if a.pkt != nil {
		an.PktSrc = pktSrc(a.pkt)
	}
	if !toServer {
		an.SrcIP, an.DestIP = an.DestIP, an.SrcIP
		an.SrcPort, an.DestPort = an.DestPort, an.SrcPort
	}
	for _, e := range m.Events.List[:m.Events.N] {
		an.Event = strings.TrimPrefix(e.Name(), "dns.")
		w.eve.Anomaly(an)
	}
}

// fillDNSEvent sets e from the message: header, questions and the three record sections in
// EVE's text forms (kept in a.text and the reused record slices).
func (a *appLayer) fillDNSEvent(e *export.DNSEvent, m *dns.Message, tx uint64, reply bool) {
	cfg := &a.w.out.dns
	*e = export.DNSEvent{Version: cfg.version, Formats: cfg.formats, Response: m.Response(), ID: m.ID,
		Flags: m.Flags, Opcode: m.Opcode()}
	a.fillAppHeader(&e.AppHeader, reply)
	e.TxID = tx
	// Suricata 8 names the rcode in requests too; Suricata 7's query events have none.
	if m.Response() || cfg.version != 2 {
		e.Rcode = a.textOf(dns.RcodeString(a.text, m.Rcode()))
	}
	a.queries = a.queries[:0]
	for i := range m.Queries {
		q := &m.Queries[i]
		a.queries = append(a.queries, export.DNSQuery{RRName: q.Name, RRType: a.rrType(q.Type), Truncated: q.NameTruncated})
	}
	e.Queries = a.queries
	a.answers = a.answers[:0]
	a.answers = a.appendDNSRecords(a.answers, m.Answers)
	n := len(a.answers)
	a.answers = a.appendDNSRecords(a.answers, m.Authorities)
	na := len(a.answers)
	a.answers = a.appendDNSRecords(a.answers, m.Additionals)
	e.Answers, e.Authorities, e.Additionals = a.answers[:n:n], a.answers[n:na:na], a.answers[na:]
}

// appendDNSRecords converts records to their EVE form. Only the types Suricata decodes have
// rdata; an OPT record without options is left out, as Suricata does.
func (a *appLayer) appendDNSRecords(dst []export.DNSAnswer, rrs []dns.RR) []export.DNSAnswer {
	for i := range rrs {
		rr := &rrs[i]
		ans := export.DNSAnswer{RRName: rr.Name, Truncated: rr.NameTruncated, RRType: a.rrType(rr.Type), TTL: rr.TTL,
			Data: export.DNSDataText}
		switch rr.Type {
		case dns.TypeA, dns.TypeAAAA:
			ans.RData = a.textOf(dns.AddrString(a.text, rr.Data))
		case dns.TypeCNAME, dns.TypeNS, dns.TypePTR, dns.TypeMX, dns.TypeTXT, dns.TypeNULL:
			ans.RData = a.textOf(dns.SafeString(a.text, rr.Data))
		case dns.TypeSOA:
			ans.Data = export.DNSDataSOA
			ans.SOA = export.DNSSOA{MName: rr.SOA.MName, RName: rr.SOA.RName, Serial: rr.SOA.Serial,
				Refresh: rr.SOA.Refresh, Retry: rr.SOA.Retry, Expire: rr.SOA.Expire, Minimum: rr.SOA.Minimum}
		case dns.TypeSRV:
			ans.Data = export.DNSDataSRV
			ans.SRV = export.DNSSRV{Priority: rr.SRV.Priority, Weight: rr.SRV.Weight, Port: rr.SRV.Port, Name: rr.SRV.Name}
		case dns.TypeSSHFP:
			ans.Data = export.DNSDataSSHFP
			ans.SSHFP = export.DNSSSHFP{Algo: rr.SSHFP.Algo, Type: rr.SSHFP.Type, Fingerprint: rr.SSHFP.Fingerprint}
		case dns.TypeOPT:
			if len(rr.Data) == 0 {
				continue
			}
			ans.Data, ans.RData = export.DNSDataOPT, rr.Data
		default:
			ans.Data = export.DNSDataNone
		}
		dst = append(dst, ans)
	}
	return dst
}

// textOf keeps what was just appended to a.text and returns it. Earlier slices stay valid when
// the buffer grows: they keep the old array.
func (a *appLayer) textOf(grown []byte) []byte {
	start := len(a.text)
	a.text = grown
	return grown[start:len(grown):len(grown)]
}

func (a *appLayer) rrType(t uint16) []byte { return a.textOf(dns.RRTypeString(a.text, t)) }

// dhcpDatagram parses one DHCP datagram and writes its event. Each message is a transaction of
// its own, as in Suricata, whose DHCP parser keeps nothing between datagrams; a datagram
// without the whole BOOTP header makes none. Option trouble still logs what was read.
func (a *appLayer) dhcpDatagram(toServer bool, b []byte) {
	m := &a.dhcpMsg
	if err := m.Parse(b); errors.Is(err, dhcp.ErrShort) {
		return
	}
	a.stats.txDHCP++
	out := a.w.out
	// Without extended mode Suricata logs only acknowledgements: what ties a MAC address to
	// the address it was given.
	if !a.appEVE(out.eveDHCP) || (!out.dhcpExt && m.MessageType() != dhcp.TypeAck) {
		return
	}
	e := &a.dhcpEv
	*e = export.DHCPEvent{Extended: out.dhcpExt, Op: m.Op, ID: m.XID, ClientMAC: m.ClientHW(),
		AssignedIP: m.YIAddr, ClientIP: m.CIAddr, RelayIP: m.GIAddr, NextServer: m.SIAddr}
	// Suricata writes a DHCP event as its packet went: a reply comes from the server.
	a.fillAppHeader(&e.AppHeader, !toServer)
	e.Options = a.dhcpOptions(m)
	a.w.eve.DHCP(e)
}

// dhcpOptions converts the options EVE has a field for, in message order, into the reused
// option slice. Times shorter than four bytes are left out: Suricata would read past them into
// the next option.
func (a *appLayer) dhcpOptions(m *dhcp.Message) []export.DHCPOption {
	opts, params := a.dhcpOpts[:0], a.dhcpParams[:0]
	for i := range m.Options {
		code, v := m.Options[i].Code, m.Options[i].Data
		var o export.DHCPOption
		switch code {
		case dhcp.OptMessageType:
			if len(v) == 0 {
				continue
			}
			o = export.DHCPOption{Field: export.DHCPType, Name: dhcp.MessageTypeName(v[0])}
		case dhcp.OptClientID:
			// The first byte is the identifier's type, which EVE leaves out.
			if len(v) < 2 {
				continue
			}
			o = export.DHCPOption{Field: export.DHCPClientID, Data: v[1:]}
		case dhcp.OptLeaseTime, dhcp.OptRenewalTime, dhcp.OptRebindingTime:
			if len(v) < 4 {
				continue
			}
			o = export.DHCPOption{Field: dhcpTimeFields[code], Value: binary.BigEndian.Uint32(v)}
		case dhcp.OptParamRequest:
			start := len(params)
			for _, c := range v {
				if n := dhcp.ParamName(c); n != "" {
					params = append(params, n)
				}
			}
			if len(params) == start {
				continue // the schema wants at least one name
			}
			o = export.DHCPOption{Field: export.DHCPParams, Names: params[start:len(params):len(params)]}
		default:
			f := dhcpDataFields[code]
			if f == 0 || len(v) < dhcpMinLen[f] {
				continue
			}
			o = export.DHCPOption{Field: f, Data: v}
		}
		opts = append(opts, o)
	}
	a.dhcpOpts, a.dhcpParams = opts, params
	return opts
}

// dhcpTimeFields are the EVE fields of the options holding a time in seconds.
var dhcpTimeFields = [256]export.DHCPField{dhcp.OptLeaseTime: export.DHCPLeaseTime,
	dhcp.OptRenewalTime: export.DHCPRenewalTime, dhcp.OptRebindingTime: export.DHCPRebindingTime}

// dhcpDataFields are the EVE fields written from an option's bytes as they are.
var dhcpDataFields = [256]export.DHCPField{dhcp.OptHostname: export.DHCPHostname,
	dhcp.OptSubnetMask: export.DHCPSubnetMask, dhcp.OptRequestedIP: export.DHCPRequestedIP,
	dhcp.OptDNSServers: export.DHCPDNSServers, dhcp.OptRouters: export.DHCPRouters,
	dhcp.OptVendorClass: export.DHCPVendorClass}

// dhcpMinLen is the shortest value worth a field: one address for the address lists (the
// schema wants one at least), one character for text (Suricata skips an empty hostname).
// Single addresses of any length are written, "" when malformed, as Suricata writes them.
var dhcpMinLen = [...]int{export.DHCPHostname: 1, export.DHCPDNSServers: 4, export.DHCPRouters: 4,
	export.DHCPVendorClass: 1}
