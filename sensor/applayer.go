package sensor

import (
	"slices"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/dhcp"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/sensor/stream"
	"github.com/nightjar-ids/nightjar/signatures"
)

// appProto is the application protocol detection settled on for a flow.
type appProto uint8

const (
	appUnknown appProto = iota // detection has not concluded
	appHTTP
	appTLS
	appDNS
	appSSH
	appDHCP
	appHTTP2
	// Detected, not parsed yet: the flow's bytes reach the rules as stream payload only.
	appSMTP
	appFTP
	appFTPData // only through an expectation the FTP control channel sets up
	appSMB
	appDCERPC
	appFailed  // detection gave up both ways
	appRefused // the app-layer memcap gave the flow no state: no protocol, stream inspection only
)

// appProtoNames are Suricata's app_proto names (a refused flow is named none).
var appProtoNames = [...]string{"", "http", "tls", "dns", "ssh", "dhcp", "http2", "smtp", "ftp", "ftp-data", "smb", "dcerpc", "failed", ""}

// probeLimit is how many bytes of one direction detection looks at before it gives that
// direction up (Suricata's detection gives up after a few hundred bytes without a match too).
const probeLimit = 1024

// keptLimit is how many bytes of a direction detection gave up on are kept for the parser the
// other direction may settle: more than probeLimit, as a server's greeting may be long (a
// 5 KiB SMTP banner) and what is not kept reaches the parser as a gap, which stops SMTP's.
const keptLimit = 16 << 10

// appLayer is one worker's TCP reassembly and app-layer stage: it turns a flow's packets into
// in-order stream data, detects the protocol on its first bytes, feeds the protocol's parser
// and writes the parser's EVE events. Reassembly state lives in a table indexed by flow slot;
// the rest of a flow's state comes from the pool while the flow needs it (applayer-pool.go).
type appLayer struct {
	w       *worker
	reasm   *stream.Reassembler
	streams []stream.Stream
	flows   []*appFlow // by flow slot: nil until the flow needs state
	// dirs is, by flow slot, what detection found on each direction (applayer-direction.go);
	// kept apart from appFlow, whose state a flow gives back when its session ends.
	dirs []dirProtos
	pool appPool
	// pktEvents are the stream events the packet being handled raised (stream-event), reset
	// for each packet.
	pktEvents signatures.StreamEvents
	// Shared states: the one refused flows use, and per protocol the one a flow keeps once its
	// session is over and its own state went back to the pool.
	refused appFlow
	ended   [appFailed + 1]appFlow
	dnsUDP  dns.Parser // datagrams are parsed whole: one parser serves every UDP flow
	// dhcpMsg is the one DHCP message being handled: DHCP keeps no state between datagrams.
	dhcpMsg dhcp.Message
	// DNS detection ports (app-layer.protocols.dns.detection-ports) per transport.
	dnsTCPPorts, dnsUDPPorts PortList
	// midstream is stream.midstream: detection then also tries the other direction's
	// patterns, and may reverse a flow picked up midstream.
	midstream bool

	// The flow and packet the sink's calls belong to, set before each Reassembler call; pkt
	// is nil when no packet is at hand (the flow is ending).
	cur         *appFlow
	f           *flow.Flow
	ts          int64
	pcapCnt     uint64
	pkt         *decoders.Packet
	pktToServer bool
	// chunk is the stream data of a direction being fed to the parser right now: what the
	// payload part of a transaction rule inspects ([0] to server).
	chunk    [2][]byte
	hasChunk [2]bool

	det *appDetect // nil when no rules are loaded

	httpCfg  http.Config
	http2Cfg http2.Config
	smtpCfg  smtp.Config
	smbDepth int64 // app-layer.protocols.smb.stream-depth: 0, no limit
	ftpCfg   ftp.Config
	// What to do once a TLS or SSH session is encrypted (app-layer.protocols.*.encryption-handling),
	// and whether the current packet's flow asked to be bypassed for it.
	tlsEnc, sshEnc encryptionMode
	bypassWanted   bool
	stats          appStats

	// alertTx is the transaction being inspected while its alerts are written: they carry its
	// app-layer object (fillAlertApp).
	alertTx signatures.AppTx
	// onTunnel is httpTunnel as a value made once, handed to every HTTP parser.
	onTunnel func(toServer bool, b []byte)
	// final: the flow's data is over (finish); no inspection waits for a later packet.
	final bool

	httpEv  export.HTTPEvent
	h2      http2EVE
	smtpEv  smtpEVE
	rpc     rpcEVE // smb and dcerpc events
	tlsEv   export.TLSEvent
	sshEv   export.SSHEvent
	dnsEv   export.DNSEvent
	queries []export.DNSQuery
	answers []export.DNSAnswer // all three sections of the message, in order
	text    []byte             // formatted DNS names and rdata of the event being written

	ftpEv      export.FTPEvent
	ftpDataEv  export.FTPDataEvent
	ftpReplies []export.FTPReply
	// ftpExps are the data connections FTP control channels announced (applayer-ftp.go).
	ftpExps []ftpExpectation

	dhcpEv     export.DHCPEvent
	dhcpOpts   []export.DHCPOption
	dhcpParams []string // names of all the event's parameter request lists, back to back
}

// appStats are Suricata's app_layer.flow.* and app_layer.tx.* counters of one worker.
type appStats struct {
	flows                      [appFailed]uint64 // by detected protocol (appUnknown unused)
	dnsTCP, dnsUDP             uint64            // DNS flows by transport
	failedTCP, failedUDP       uint64
	txHTTP, txDNSTCP, txDNSUDP uint64
	txDHCP                     uint64
	txHTTP2                    uint64
	txSMTP                     uint64
	txFTP, txFTPData           uint64
	txDCERPC, txSMB            uint64
	encrypted                  uint64 // flows whose payload inspection stopped at encryption
	// Suricata's app_layer.error counters: gaps handed to a parser, and messages or
	// directions a parser could not make sense of (DNS messages that failed to parse, HTTP
	// directions abandoned).
	gaps                 [appRefused]uint64 // by protocol (TCP parsers)
	gapDNSTCP            uint64
	errHTTP              uint64
	errDNSTCP, errDNSUDP uint64
	errSMTP              uint64 // SMTP flows whose parser stopped (an invalid reply …)

	// ftp-data expectations: registered, claimed by a data connection, expired unclaimed,
	// and pushed out by newer ones past ftpExpMax.
	ftpExpCreated, ftpExpMatched, ftpExpExpired, ftpExpEvicted uint64
}

// counters names the app-layer counters as Suricata's stats do. TLS and SSH keep their one
// session as their one transaction, which Suricata's transaction counter never counts (the
// count does not grow past the one the state starts with), so their tx counters stay 0.
func (s *appStats) counters() []export.Counter {
	return []export.Counter{
		{Name: "app_layer.flow.http", Value: s.flows[appHTTP]},
		{Name: "app_layer.flow.tls", Value: s.flows[appTLS]},
		{Name: "app_layer.flow.ssh", Value: s.flows[appSSH]},
		{Name: "app_layer.flow.http2", Value: s.flows[appHTTP2]},
		{Name: "app_layer.flow.dns_tcp", Value: s.dnsTCP},
		{Name: "app_layer.flow.dns_udp", Value: s.dnsUDP},
		{Name: "app_layer.flow.dhcp", Value: s.flows[appDHCP]},
		{Name: "app_layer.flow.smtp", Value: s.flows[appSMTP]},
		{Name: "app_layer.flow.ftp", Value: s.flows[appFTP]},
		{Name: "app_layer.flow.ftp-data", Value: s.flows[appFTPData]},
		{Name: "app_layer.flow.smb", Value: s.flows[appSMB]},
		{Name: "app_layer.flow.dcerpc_tcp", Value: s.flows[appDCERPC]},
		{Name: "app_layer.flow.failed_tcp", Value: s.failedTCP},
		{Name: "app_layer.flow.failed_udp", Value: s.failedUDP},
		{Name: "app_layer.tx.http", Value: s.txHTTP},
		{Name: "app_layer.tx.tls", Value: 0},
		{Name: "app_layer.tx.ssh", Value: 0},
		{Name: "app_layer.tx.http2", Value: s.txHTTP2},
		{Name: "app_layer.tx.smtp", Value: s.txSMTP},
		{Name: "app_layer.tx.dns_tcp", Value: s.txDNSTCP},
		{Name: "app_layer.tx.dns_udp", Value: s.txDNSUDP},
		{Name: "app_layer.tx.dhcp", Value: s.txDHCP},
		{Name: "app_layer.tx.ftp", Value: s.txFTP},
		{Name: "app_layer.tx.ftp-data", Value: s.txFTPData},
		{Name: "app_layer.expectations.ftp-data.created", Value: s.ftpExpCreated},
		{Name: "app_layer.expectations.ftp-data.matched", Value: s.ftpExpMatched},
		{Name: "app_layer.expectations.ftp-data.expired", Value: s.ftpExpExpired},
		{Name: "app_layer.expectations.ftp-data.evicted", Value: s.ftpExpEvicted},
		{Name: "app_layer.tx.smb", Value: s.txSMB},
		{Name: "app_layer.tx.dcerpc_tcp", Value: s.txDCERPC},
		{Name: "app_layer.flow.encrypted", Value: s.encrypted},
		{Name: "app_layer.error.http.gap", Value: s.gaps[appHTTP]},
		{Name: "app_layer.error.http.parser", Value: s.errHTTP},
		{Name: "app_layer.error.tls.gap", Value: s.gaps[appTLS]},
		{Name: "app_layer.error.ssh.gap", Value: s.gaps[appSSH]},
		{Name: "app_layer.error.http2.gap", Value: s.gaps[appHTTP2]},
		{Name: "app_layer.error.smtp.gap", Value: s.gaps[appSMTP]},
		{Name: "app_layer.error.smtp.parser", Value: s.errSMTP},
		{Name: "app_layer.error.ftp.gap", Value: s.gaps[appFTP]},
		{Name: "app_layer.error.smb.gap", Value: s.gaps[appSMB]},
		{Name: "app_layer.error.dcerpc_tcp.gap", Value: s.gaps[appDCERPC]},
		{Name: "app_layer.error.dns_tcp.gap", Value: s.gapDNSTCP},
		{Name: "app_layer.error.dns_tcp.parser", Value: s.errDNSTCP},
		{Name: "app_layer.error.dns_udp.parser", Value: s.errDNSUDP},
	}
}

// countFlow counts the protocol detection settled on for the current flow.
func (a *appLayer) countFlow(p appProto) {
	tcp := a.f.Proto() == 6
	switch {
	case p == appFailed && tcp:
		a.stats.failedTCP++
	case p == appFailed:
		a.stats.failedUDP++
	case p == appDNS && tcp:
		a.stats.dnsTCP++
	case p == appDNS:
		a.stats.dnsUDP++
	case p < appFailed:
		a.stats.flows[p]++
	}
}

// udpOtherPorts are the server ports of the UDP parsers Suricata 8 enables by default that
// Nightjar lacks (TFTP, Kerberos, NTP, SNMP, LDAP, QUIC, IKEv2, NFS, SIP, mDNS, ENIP).
var udpOtherPorts = [...]uint16{69, 88, 123, 161, 162, 389, 443, 500, 2049, 4500, 5060, 5061, 5353, 44818}

// dhcpPort reports whether a UDP flow is on DHCP's ports (Suricata's default 67 and 68, either
// end: relays and servers send from 67 to 67).
func dhcpPort(sport, cport uint16) bool {
	return sport == 67 || sport == 68 || cport == 67 || cport == 68
}

// udpOtherParser reports whether Suricata 8 would likely detect a protocol Nightjar does not
// parse: one of those ports, or the payloads its any-port probes look for (DCERPC over UDP,
// version 4; BitTorrent DHT's bencoded dictionaries).
func udpOtherParser(sport, cport uint16, b []byte) bool {
	if slices.Contains(udpOtherPorts[:], sport) || slices.Contains(udpOtherPorts[:], cport) {
		return true
	}
	return len(b) >= 80 && b[0] == 4 || len(b) >= 3 && b[0] == 'd' && b[1] == '1' && b[2] == ':'
}

// appFlow is the app-layer state of the flow in one slot.
type appFlow struct {
	proto   appProto
	gaveUp  [2]bool   // detection gave up on the direction ([0] to server)
	held    [2][]byte // bytes of a direction held while detection has not concluded
	dropped [2]int    // bytes of a direction not held after it gave up
	logged  bool      // the flow's tls or ssh event was written
	httpNxt uint64    // next HTTP tx_id to log
	dnsTx   uint64    // DNS transactions (messages) so far

	http   *http.Parser
	tls    *tls.State
	ssh    *ssh.State
	dnsTCP *dns.State
	http2  *http2.Parser
	smtp   *smtp.Parser
	ftp    *ftp.Parser
	// ftpData is an ftp-data flow's transfer, from the expectation that named the flow.
	ftpData *ftpDataState
	dcerpc  *dcerpc.State
	smb     *smb.State

	mem    int  // bytes charged to the pool's memcap
	ftpMem int  // the part of mem the FTP parser or ftp-data transfer retains
	cut    bool // the parser was dropped at the memcap: data goes to stream inspection only
	shared bool // one of the appLayer's shared states, never pooled or reset

	// Detection: the last stream bytes of each direction, and what was inspected of the
	// transactions (HTTP: one mark per live transaction; TLS and SSH: the flow's one).
	tails     [2]stream.Tail
	httpMarks []txMark
	txMark    txMark
	// pendingTx: a transaction moved in the direction ([0] to server) while the packet at hand
	// went the other way; its inspection waits for the next packet going its way.
	pendingTx [2]bool
	// dnsPend keeps the DNS-over-TCP messages of a direction whose inspection waits, as they
	// came (a Message lives only as long as its parse): [tx id, 8 bytes][length, 2][message]…
	dnsPend [2][]byte
	// orig is the protocol the flow started as when it changed (an HTTP tunnel); 0 otherwise.
	orig appProto
	// tunnelInspected: the bytes held for detection in the direction came out of a tunnel and
	// were stream-inspected on arrival; settling must not inspect them again.
	tunnelInspected [2]bool
}

func newAppLayer(w *worker, cfg *Config, workers int) *appLayer {
	sc := stream.DefaultConfig()
	sc.Memcap = int(cfg.Stream.Reassembly.Memcap) / max(workers, 1)
	sc.Depth = int(cfg.Stream.Reassembly.Depth)
	sc.Midstream = cfg.Stream.Midstream
	sc.Inline = cfg.Stream.Inline
	n := w.flows.Cap()
	a := &appLayer{w: w, reasm: stream.NewReassembler(sc), streams: make([]stream.Stream, n), flows: make([]*appFlow, n),
		dirs:        make([]dirProtos, n),
		pool:        newAppPool(appMemcap(cfg) / max(workers, 1)),
		tlsEnc:      cfg.AppLayer.Protocols.TLS.mode(),
		sshEnc:      cfg.AppLayer.Protocols.SSH.mode(),
		httpCfg:     httpConfig(cfg),
		http2Cfg:    http2Config(cfg),
		smtpCfg:     smtpConfig(cfg),
		smbDepth:    int64(cfg.AppLayer.Protocols.SMB.StreamDepth),
		ftpCfg:      ftpConfig(cfg),
		dnsTCPPorts: cfg.AppLayer.Protocols.DNS.Ports(true), dnsUDPPorts: cfg.AppLayer.Protocols.DNS.Ports(false),
		midstream: cfg.Stream.Midstream}
	a.onTunnel = a.httpTunnel
	a.refused = appFlow{proto: appRefused, gaveUp: [2]bool{true, true}, shared: true}
	for p := range a.ended {
		a.ended[p] = appFlow{proto: appProto(p), gaveUp: [2]bool{true, true}, shared: true}
	}
	return a
}

// enableDetection readies stream and transaction inspection; keep is how many bytes of each
// direction stream inspection keeps in front of the next chunk.
func (a *appLayer) enableDetection(keep int) {
	a.det = &appDetect{keep: keep, win: stream.NewWindow(keep)}
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// packet runs the flow's packet through reassembly (TCP) or the datagram parser (UDP). It
// returns the packet's direction, which protocol detection may have turned around (reverse).
func (a *appLayer) packet(f *flow.Flow, p *decoders.Packet, toServer bool, index uint64) bool {
	a.pktToServer = toServer
	a.pktEvents = 0
	// Suricata raises stream.reassembly_seq_gap on the packet whose reassembly met a gap, where
	// it counts tcp.reassembly_gap: the counter moving during this packet says so.
	gaps := a.reasm.Stats.Gaps
	switch {
	case p.IPProto == 6 && p.Layers&decoders.HasTCP != 0:
		if f.Bypassed {
			return toServer
		}
		a.setFlow(f, p.Time, index)
		a.pkt = p
		st := &a.streams[f.Slot()]
		if a.cur.released() {
			a.reasm.Packet(st, p, toServer, nil) // the session is over: nothing more to deliver
			break
		}
		a.reasm.Packet(st, p, toServer, a)
		if a.det != nil {
			a.inspectPending()
		}
		if !a.cur.shared && st.Finished(true) && st.Finished(false) {
			a.release(f, a.finish())
		}
	case p.IPProto == 17 && p.Layers&decoders.HasUDP != 0 && len(p.Payload) > 0:
		a.setFlow(f, p.Time, index)
		a.pkt = p
		a.datagram(toServer, p.Payload)
	}
	if a.reasm.Stats.Gaps != gaps {
		a.pktEvents |= signatures.StreamEventReassemblySeqGap
	}
	toServer = a.pktToServer
	a.pkt = nil
	return toServer
}

func (a *appLayer) setFlow(f *flow.Flow, ts int64, index uint64) {
	a.f, a.cur, a.ts, a.pcapCnt, a.pkt = f, a.state(f), ts, index, nil
	if a.cur == &a.refused {
		// The refused flows share one state: no pattern straddles two of their packets.
		a.refused.tails[0].Reset()
		a.refused.tails[1].Reset()
	}
}

// flowEnded flushes what reassembly still holds, lets the parsers finish, writes the events
// that were waiting for the end, and gives the state back to the pool. It returns the
// stream's missed bytes for the flow record.
func (a *appLayer) flowEnded(f *flow.Flow) uint64 {
	a.setFlow(f, f.Last(), 0)
	var missed uint64
	if f.Proto() == 6 {
		var sink stream.Sink = a
		if a.cur.released() {
			sink = nil // released at the session's end: nothing is left to deliver
		}
		missed = a.reasm.Close(&a.streams[f.Slot()], sink)
	}
	a.release(f, a.finish())
	a.flows[f.Slot()] = nil
	a.dirs[f.Slot()] = dirProtos{}
	a.cur, a.f = nil, nil
	return missed
}

// finish lets the current flow's parser finish, runs the inspections and writes the events
// that were waiting for the end of its data, and returns the protocol the flow ends with.
func (a *appLayer) finish() appProto {
	s := a.cur
	if s.shared || s.cut {
		return s.proto
	}
	// The flow's data is over: what waited for a packet going its way is inspected now, as
	// Suricata does on the flow's last pseudo packets.
	a.final = true
	defer func() { a.final = false }()
	f := a.f
	switch s.proto {
	case appHTTP:
		s.http.Finish(true)
		s.http.Finish(false)
		if a.det != nil {
			a.detectHTTP()
		}
		a.logHTTP(true)
	case appTLS:
		if a.det != nil {
			a.detectTLS(true)
		}
		if !s.logged && s.tls.ClientHellos() > 0 {
			a.logTLS()
		}
	case appSSH:
		if a.det != nil {
			a.detectSSH()
		}
		if !s.logged && (s.ssh.BannerDone(true) || s.ssh.BannerDone(false)) {
			a.logSSH()
		}
	case appHTTP2:
		a.http2Moved(true)
	case appSMTP:
		s.smtp.Finish()
		a.smtpMoved(true)
	case appFTP:
		a.ftpMoved(true)
	case appFTPData:
		a.ftpDataMoved(true)
	case appDCERPC:
		a.dcerpcMoved(true)
	case appSMB:
		a.smbMoved(true)
	case appDNS:
		if a.det != nil {
			a.detectPendingDNS(0)
			a.detectPendingDNS(1)
		}
	case appUnknown:
		for d := range s.held {
			if !s.gaveUp[d] {
				a.inspectStream(d == 0, s.held[d])
			}
		}
		// Suricata settles on "failed" when a side gave up and the other sent nothing to try.
		if (s.gaveUp[0] || s.gaveUp[1]) && (s.gaveUp[0] || len(s.held[0]) == 0) && (s.gaveUp[1] || len(s.held[1]) == 0) {
			f.AppProto = appProtoNames[appFailed]
			a.countFlow(appFailed)
			return appFailed
		}
	}
	return s.proto
}

// reset readies a state for its next flow, keeping its buffers; its parser went back to the
// pool on its own.
func (s *appFlow) reset() {
	held := [2][]byte{s.held[0][:0], s.held[1][:0]}
	pend := [2][]byte{s.dnsPend[0][:0], s.dnsPend[1][:0]}
	tails, marks := s.tails, s.httpMarks[:0]
	tails[0].Reset()
	tails[1].Reset()
	*s = appFlow{held: held, tails: tails, httpMarks: marks, dnsPend: pend, mem: s.mem}
}

// Data is the stream.Sink side: in-order bytes of one direction of the current flow.
func (a *appLayer) Data(toServer bool, b []byte) {
	s := a.cur
	if s.proto == appUnknown && !s.gaveUp[dirIndex(toServer)] {
		// Stream inspection of bytes held for detection waits for its verdict, so that rules
		// naming the protocol see it (settle and giveUp inspect them).
		a.detect(toServer, b)
		a.charge()
		return
	}
	if s.proto != appUnknown && a.dirs[a.f.Slot()].proto[dirIndex(toServer)] == appUnknown {
		a.recognise(toServer, b)
	}
	a.inspectStream(toServer, b)
	if s.proto == appUnknown {
		a.detect(toServer, b)
	} else {
		a.feed(toServer, b)
	}
	a.charge()
}

// Gap is the stream.Sink side: bytes of one direction that were never seen.
func (a *appLayer) Gap(toServer bool, n int) {
	s := a.cur
	// No pattern can straddle bytes that were never seen.
	s.tails[dirIndex(toServer)].Reset()
	if s.cut {
		return
	}
	switch s.proto {
	case appUnknown:
		// Detection cannot go on past a hole; the direction gives up, and its parser, if the
		// other side settles the protocol, learns of the hole.
		d := dirIndex(toServer)
		if !s.gaveUp[d] {
			a.inspectStream(toServer, s.held[d])
		}
		s.tails[d].Reset()
		s.gaveUp[d] = true
		s.dropped[d] += n
		a.concludeFailed()
	case appHTTP:
		a.stats.gaps[appHTTP]++
		s.http.Gap(toServer, n)
		if a.det != nil {
			a.detectHTTP()
		}
		a.logHTTP(false)
	case appTLS:
		a.stats.gaps[appTLS]++
		s.tls.Gap(toServer, n)
	case appSSH:
		a.stats.gaps[appSSH]++
		s.ssh.Gap(toServer, n)
	case appHTTP2:
		a.stats.gaps[appHTTP2]++
		s.http2.Gap(toServer, n)
	case appSMTP:
		a.stats.gaps[appSMTP]++
		failed := s.smtp.Failed()
		s.smtp.Gap(toServer, n)
		if !failed && s.smtp.Failed() {
			a.stats.errSMTP++
		}
		a.smtpMoved(false)
	case appFTP:
		a.stats.gaps[appFTP]++
		s.ftp.Gap(toServer, n)
	case appFTPData:
		// The file lost bytes: its size counts them, file.data stops before them.
		if fd := s.ftpData; toServer != fd.toClient {
			fd.size += uint64(n)
			fd.gaps = true
			fd.data = fd.data[:len(fd.data):len(fd.data)]
		}
	case appDCERPC, appSMB:
		a.stats.gaps[s.proto]++
		a.rpcGap(toServer, n)
	case appDNS:
		if s.dnsTCP != nil {
			a.stats.gapDNSTCP++
			s.dnsTCP.Gap(toServer, n)
		}
	}
}

// detect probes a direction's first bytes. The server port's usual protocol is tried first,
// then the others, as Suricata's probing parsers do.
func (a *appLayer) detect(toServer bool, b []byte) {
	s := a.cur
	d := dirIndex(toServer)
	if s.gaveUp[d] {
		// Kept for the parser, should the other side settle the protocol (a server that
		// greets first: SMTP, FTP); past keptLimit the parser learns of a gap instead.
		if s.dropped[d] == 0 && len(s.held[d])+len(b) <= keptLimit {
			s.held[d] = append(s.held[d], b...)
		} else {
			s.dropped[d] += len(b)
		}
		return
	}
	// A data connection an FTP control channel announced is ftp-data whatever it carries.
	if len(a.ftpExps) > 0 && a.f.Proto() == 6 && s.orig == appUnknown {
		if i := a.ftpExpectationFor(); i >= 0 {
			s.held[d] = append(s.held[d], b...) // settling feeds what is held
			a.claimFTPData(i, d)
			return
		}
	}
	data, proto, v := a.probeHeld(toServer, b)
	if v != tls.Match && a.midstream {
		// Suricata in midstream mode tries the other direction's patterns when a direction's
		// own do not match (AppLayerProtoDetectPMGetProto): the first sender of a session
		// picked up midstream may be its server. A match there reverses such a flow, as long
		// as nothing was detected the other way yet (TCPProtoDetect's reverse_flow).
		_, cport := a.f.Client()
		rp, rv := probeTCP(!toServer, data, cport, slices.Contains(a.dnsTCPPorts, cport))
		switch {
		case rv == tls.Match:
			proto, v = rp, rv
			if a.f.MidstreamPickup() {
				a.reverse()
				toServer, d = !toServer, 1-d
			}
		case rv == tls.NeedMore:
			v = tls.NeedMore
		}
	}
	if v == tls.Match && toServer && a.midstream && a.f.MidstreamPickup() && a.rpcWrongWay(proto, data) {
		a.reverse()
		toServer, d = !toServer, 1-d
	}
	switch {
	case v == tls.Match: // the probe verdicts share their numbering: NeedMore, Match, NoMatch
		s.keepHeld(d, b)
		a.settle(proto, d)
	case v == tls.NeedMore && len(data) < probeLimit:
		s.keepHeld(d, b)
	default:
		s.keepHeld(d, b)
		a.giveUp(d, data)
	}
}

// probeHeld probes what a direction sent so far: b joined to the bytes held for it, which it
// returns with the verdict.
func (a *appLayer) probeHeld(toServer bool, b []byte) (data []byte, p appProto, v tls.Verdict) {
	s := a.cur
	d := dirIndex(toServer)
	data = b
	if len(s.held[d]) > 0 {
		s.held[d] = append(s.held[d], b...)
		data = s.held[d]
	}
	_, port := a.f.Server()
	p, v = probeTCP(toServer, data, port, slices.Contains(a.dnsTCPPorts, port))
	return data, p, v
}

// keepHeld holds b for direction d when nothing was held before it (otherwise probeHeld
// already joined it to the held bytes).
func (s *appFlow) keepHeld(d int, b []byte) {
	if len(s.held[d]) == 0 {
		s.held[d] = append(s.held[d], b...)
	}
}

// reverse turns the current flow around: its first sender was the server. The flow's
// counters and ends, the stream's directions, the packet at hand and the per-direction
// detection state all change sides (Suricata's FlowSwap and PacketSwap); what detection held
// stays with the bytes' sender.
func (a *appLayer) reverse() {
	s := a.cur
	a.f.Reverse()
	a.reasm.Flip(&a.streams[a.f.Slot()])
	s.gaveUp[0], s.gaveUp[1] = s.gaveUp[1], s.gaveUp[0]
	a.dirs[a.f.Slot()].swap()
	s.held[0], s.held[1] = s.held[1], s.held[0]
	s.dropped[0], s.dropped[1] = s.dropped[1], s.dropped[0]
	s.tails[0], s.tails[1] = s.tails[1], s.tails[0]
	a.pktToServer = !a.pktToServer
}

// giveUp ends detection on a direction: the bytes held for it are inspected as stream data
// (protocol unknown), then the flow fails once both directions gave up.
func (a *appLayer) giveUp(d int, held []byte) {
	s := a.cur
	if !s.tunnelInspected[d] {
		a.inspectStream(d == 0, held)
	}
	s.gaveUp[d] = true
	// The bytes stay held (up to keptLimit) for the parser, as Suricata keeps a direction's
	// data unconsumed until the flow's protocol is known.
	if n := len(s.held[d]); n > keptLimit {
		s.dropped[d] += n - keptLimit
		s.held[d] = s.held[d][:keptLimit]
	}
	a.concludeFailed()
}

// concludeFailed marks the flow "failed" once both directions gave up.
func (a *appLayer) concludeFailed() {
	s := a.cur
	if s.gaveUp[0] && s.gaveUp[1] {
		s.proto = appFailed
		a.setDir(0, appFailed)
		a.setDir(1, appFailed)
		a.f.AppProto = appProtoNames[appFailed]
		a.countFlow(appFailed)
		s.held[0], s.held[1] = s.held[0][:0], s.held[1][:0]
	}
}

// settle fixes the flow's protocol, readies its parser and feeds it what detection held, to
// server first: the parsers keep each direction's state apart, and requests precede responses
// (except SMTP's, whose server greets first and matches replies to commands).
func (a *appLayer) settle(p appProto, d int) {
	s := a.cur
	s.proto = p
	a.setDir(d, p)
	for e := range s.gaveUp {
		if s.gaveUp[e] || len(s.held[e]) > 0 {
			// Looked at and not recognised, or fed to the parser now: it takes the flow's.
			a.setDir(e, p)
		}
	}
	a.f.AppProto = appProtoNames[p]
	a.countFlow(p)
	switch p {
	case appHTTP:
		var ok bool
		if s.http, ok = reuse(&a.pool, &a.pool.https); !ok {
			s.http = http.NewParser(a.httpCfg)
		}
		s.http.Reset()
		s.http.OnTunnel = a.onTunnel
	case appTLS:
		var ok bool
		if s.tls, ok = reuse(&a.pool, &a.pool.tlss); !ok {
			s.tls = tls.New(tls.DefaultConfig())
		}
		s.tls.Reset()
	case appSSH:
		var ok bool
		if s.ssh, ok = reuse(&a.pool, &a.pool.sshs); !ok {
			s.ssh = ssh.New(ssh.DefaultConfig())
		}
		s.ssh.Reset()
	case appDNS:
		var ok bool
		if s.dnsTCP, ok = reuse(&a.pool, &a.pool.dnss); !ok {
			s.dnsTCP = &dns.State{OnMessage: a.dnsMessage}
		}
		s.dnsTCP.Reset()
	case appHTTP2:
		var ok bool
		if s.http2, ok = reuse(&a.pool, &a.pool.http2s); !ok {
			s.http2 = http2.NewParser(a.http2Cfg)
		}
		s.http2.Reset()
	case appSMTP:
		var ok bool
		if s.smtp, ok = reuse(&a.pool, &a.pool.smtps); !ok {
			s.smtp = smtp.NewParser(a.smtpCfg)
		}
		s.smtp.Reset()
	case appFTP:
		var ok bool
		if s.ftp, ok = reuse(&a.pool, &a.pool.ftps); !ok {
			s.ftp = ftp.NewParser(a.ftpCfg)
		}
		s.ftp.Reset()
	case appDCERPC, appSMB:
		a.settleRPC(p)
	}
	order := [2]bool{true, false}
	if p == appSMTP {
		order = [2]bool{false, true} // the server greets first: its reply is not the EHLO's
	}
	for _, toServer := range order {
		d := dirIndex(toServer)
		if len(s.held[d]) > 0 {
			if !s.gaveUp[d] && !s.tunnelInspected[d] {
				a.inspectStream(toServer, s.held[d]) // a side that gave up had its bytes inspected then
			}
			a.feed(toServer, s.held[d])
			s.held[d] = s.held[d][:0]
		}
		if s.dropped[d] > 0 {
			a.Gap(toServer, s.dropped[d])
			s.dropped[d] = 0
		}
	}
}

// probeTCP runs the probes, the port's protocol first. A Match wins; otherwise NeedMore if any
// probe needs more bytes. dnsPort says the server port is one of DNS's detection ports.
func probeTCP(toServer bool, b []byte, port uint16, dnsPort bool) (appProto, tls.Verdict) {
	hint := portHint(port)
	if dnsPort {
		hint = appDNS
	}
	best := tls.NoMatch
	for i := range int(appFailed) {
		p := appProto(i)
		if i == 0 {
			p = hint
		} else if p == hint {
			continue
		}
		var v tls.Verdict
		switch p {
		case appHTTP:
			v = tls.Verdict(http.Probe(toServer, b))
		case appTLS:
			v = tls.Probe(toServer, b)
		case appSSH:
			v = tls.Verdict(ssh.Probe(toServer, b))
		case appHTTP2:
			// Suricata looks for the client preface on any port, and for a server's first
			// SETTINGS on the probing parser's port only.
			if !toServer && port != 80 {
				continue
			}
			v = tls.Verdict(http2.Probe(toServer, b))
		case appDNS:
			// DNS over TCP has no signature worth the name: like Suricata, only on its
			// detection ports.
			if !dnsPort {
				continue
			}
			v = tls.Verdict(dns.Probe(toServer, b))
		case appSMTP:
			v = tls.Verdict(smtp.Probe(toServer, b))
		case appFTP:
			v = tls.Verdict(ftp.Probe(toServer, b))
		case appSMB:
			// Suricata's shipped smb detection-ports: dp 139, 445.
			v = tls.Verdict(smb.Probe(b, port == 445 || port == 139))
		case appDCERPC:
			v = tls.Verdict(dcerpc.Probe(b))
		default:
			continue
		}
		if v == tls.Match {
			return p, v
		}
		if v == tls.NeedMore {
			best = tls.NeedMore
		}
	}
	return appUnknown, best
}

// portHint is the protocol usually found on a server port.
func portHint(port uint16) appProto {
	switch port {
	case 80, 8000, 8080, 8008, 3128:
		return appHTTP
	case 443, 465, 636, 853, 989, 990, 992, 993, 994, 995, 8443:
		return appTLS
	case 22:
		return appSSH
	case 53:
		return appDNS
	case 25, 587:
		return appSMTP
	case 21:
		return appFTP
	case 139, 445:
		return appSMB
	case 135:
		return appDCERPC
	}
	return appUnknown
}

// feed hands in-order bytes to the flow's parser and writes the events they completed.
func (a *appLayer) feed(toServer bool, b []byte) {
	s := a.cur
	if s.cut {
		return
	}
	d := dirIndex(toServer)
	a.chunk[d], a.hasChunk[d] = b, true
	switch s.proto {
	case appHTTP:
		// A tunnel may change the flow's protocol, and parser, during the Feed.
		hp := s.http
		gaveUp := hp.Stats().GaveUp
		hp.Feed(toServer, b)
		a.stats.errHTTP += hp.Stats().GaveUp - gaveUp
		if s.proto != appHTTP {
			break // a tunnel changed the protocol: changeProtocol inspected and logged HTTP
		}
		if a.det != nil {
			a.detectHTTP()
		}
		a.logHTTP(false)
	case appTLS:
		s.tls.Feed(toServer, b)
		if s.tls.AppData() {
			a.encrypted(a.tlsEnc)
		}
		if a.det != nil {
			a.detectTLS(false)
		}
		// Like Suricata, the event is written once the server's certificate is in (or the
		// handshake is over without one), not at the end of the flow.
		if !s.logged && (s.tls.Encrypted() || s.tls.Done() || s.tls.Cert(true) != nil) && s.tls.ClientHellos() > 0 {
			a.logTLS()
		}
	case appSSH:
		s.ssh.Feed(toServer, b)
		if s.ssh.Encrypted() {
			a.encrypted(a.sshEnc)
		}
		if a.det != nil {
			a.detectSSH()
		}
		if !s.logged && (s.ssh.Encrypted() || s.ssh.Done()) && (s.ssh.BannerDone(true) || s.ssh.BannerDone(false)) {
			a.logSSH()
		}
	case appDNS:
		s.dnsTCP.Feed(toServer, b)
	case appHTTP2:
		s.http2.Feed(toServer, b)
		a.http2Moved(false)
	case appSMTP:
		failed := s.smtp.Failed()
		s.smtp.Feed(toServer, b)
		if !failed && s.smtp.Failed() {
			a.stats.errSMTP++
		}
		a.smtpMoved(false)
	case appFTP:
		s.ftp.Feed(toServer, b)
		a.ftpMoved(false)
	case appFTPData:
		a.ftpDataFeed(toServer, b)
		a.ftpDataMoved(false)
	case appDCERPC:
		s.dcerpc.Feed(toServer, b)
		a.dcerpcMoved(false)
	case appSMB:
		s.smb.Feed(toServer, b)
		a.smbMoved(false)
	}
	a.chunk[d], a.hasChunk[d] = nil, false
}

// encrypted applies encryption-handling to the current flow, whose session is now encrypted:
// as Suricata does, its payload is no longer inspected (the bytes are ciphertext) unless the
// mode is full, and with bypass the flow is bypassed after the current packet.
func (a *appLayer) encrypted(mode encryptionMode) {
	f := a.f
	if mode == encFull || f.NoPayloadInspection {
		return
	}
	f.NoPayloadInspection = true
	a.stats.encrypted++
	if mode == encBypass && a.pkt != nil { // at a flow's end there is nothing left to bypass
		a.bypassWanted = true
	}
}

// takeBypass reports, once, that the packet just processed made its flow ask for a bypass.
func (a *appLayer) takeBypass() bool {
	b := a.bypassWanted
	a.bypassWanted = false
	return b
}

// datagram handles one UDP payload: DNS and DHCP are detected on their ports and parsed per
// datagram. Like Suricata, detection runs once per direction. A flow whose first payload is
// not recognised is "failed" (Suricata's app-layer UDP handler settles it so on that packet),
// and takes the protocol the other direction's first payload is recognised as.
func (a *appLayer) datagram(toServer bool, b []byte) {
	s := a.cur
	switch s.proto {
	case appUnknown, appFailed:
		d := dirIndex(toServer)
		if s.gaveUp[d] {
			return
		}
		p := a.probeDatagram(toServer, b)
		if p == appUnknown {
			return
		}
		if p == appFailed {
			s.gaveUp[d] = true
			a.setDir(d, appFailed)
			if s.proto == appUnknown {
				s.proto = appFailed
				a.f.AppProto = appProtoNames[appFailed]
				a.countFlow(appFailed)
			}
			return
		}
		if s.proto == appUnknown {
			a.countFlow(p)
		}
		s.proto = p
		a.setDir(d, p)
		a.f.AppProto = appProtoNames[p]
	case appDNS, appDHCP:
	default:
		return
	}
	if s.proto == appDHCP {
		a.dhcpDatagram(toServer, b)
		return
	}
	m, err := a.dnsUDP.ParseMessage(toServer, b)
	a.dnsMessage(toServer, m, err)
}

// probeDatagram says what a direction's first UDP payload is: DNS or DHCP when recognised on
// its ports; appUnknown when Suricata would name a protocol Nightjar has no parser for (the
// flow then claims nothing); appFailed otherwise.
func (a *appLayer) probeDatagram(toServer bool, b []byte) appProto {
	_, cport := a.f.Client()
	_, sport := a.f.Server()
	dnsPort := slices.Contains(a.dnsUDPPorts, sport) || slices.Contains(a.dnsUDPPorts, cport)
	switch {
	case dnsPort && dns.ProbeDatagram(toServer, b) == dns.Match:
		return appDNS
	case dhcpPort(sport, cport) && dhcp.Probe(b):
		return appDHCP
	case !dnsPort && udpOtherParser(sport, cport, b):
		return appUnknown
	}
	return appFailed
}
