package sensor

import (
	"encoding/binary"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/sensor/stream"
	"github.com/nightjar-ids/nightjar/signatures"
)

// Detection inside the app layer: payload rules over reassembled stream data, and
// per-transaction rules over the parsers' transactions. Both run where the app layer has the
// data in hand (inside the reassembler's callbacks and right after each parser feed), before
// the parser may recycle a transaction, on the packet being processed or, when the inspected
// direction is not that packet's, on a pseudo packet built from the flow (as Suricata's
// pseudo packets), so that the alert's tuple and direction are the inspected direction's.

// appDetect is one worker's app-layer detection scratch.
type appDetect struct {
	win    *stream.Window
	keep   int
	in     signatures.PacketInput
	txIn   signatures.TxInput
	pseudo decoders.Packet

	http httpTx
	dns  dnsTx
	tls  tlsTx
	ssh  sshTx
	h2   http2Tx
	smtp smtpTx

	ftp     ftpTx
	ftpData ftpDataTx
	dce     dceTx
	smb     smbTx
}

// txMark is what detection last saw of one transaction: its stages ([side]) at the last
// inspection of each direction ([direction]).
type txMark struct {
	id uint64
	st [2][2]uint8
}

var appToSignatures = [...]signatures.AppProto{
	appUnknown: signatures.AppUnknown, appHTTP: signatures.AppHTTP, appTLS: signatures.AppTLS,
	appDNS: signatures.AppDNS, appSSH: signatures.AppSSH, appHTTP2: signatures.AppHTTP2, appFailed: signatures.AppFailed,
	appSMTP: signatures.AppSMTP, appFTP: signatures.AppFTP, appFTPData: signatures.AppFTPData,
	appSMB: signatures.AppSMB, appDCERPC: signatures.AppDCERPC,
	// Detection has no DHCP keywords or rule protocol yet: a DHCP flow looks to rules as it
	// did before Nightjar parsed DHCP, a flow whose protocol is not known.
	appDHCP:    signatures.AppUnknown,
	appRefused: signatures.AppUnknown,
}

// streamInspected says whether p's payload reaches stream inspection, so that the packet
// itself is not inspected by the rules that inspect the stream.
func (a *appLayer) streamInspected(f *flow.Flow, p *decoders.Packet, toServer bool) bool {
	if a.det == nil || a.det.keep < 0 || p.IPProto != 6 || len(p.Payload) == 0 || f.Bypassed || p.BadL4Checksum {
		return false
	}
	return a.streams[f.Slot()].Reassembling(toServer)
}

// packetFor returns the packet an inspection of direction toServer runs on: the packet at hand
// when it goes that way, else a pseudo packet of the flow oriented that way.
func (a *appLayer) packetFor(toServer bool) *decoders.Packet {
	if a.pkt != nil && a.pktToServer == toServer {
		return a.pkt
	}
	p := &a.det.pseudo
	f := a.f
	src, sp := f.Client()
	dst, dp := f.Server()
	if !toServer {
		src, dst, sp, dp = dst, src, dp, sp
	}
	*p = decoders.Packet{Time: a.ts, Src: src, Dst: dst, SrcPort: sp, DstPort: dp, IPProto: f.Proto()}
	if a.pkt != nil {
		// The flow's packets share their VLAN ids (they are part of the flow key): alerts on
		// the pseudo packet carry them as Suricata's alerts on a packet of the flow do.
		p.VLAN, p.VLANCount = a.pkt.VLAN, a.pkt.VLANCount
	}
	if src.Is4() {
		p.Layers |= decoders.HasIPv4
	} else {
		p.Layers |= decoders.HasIPv6
	}
	switch f.Proto() {
	case 6:
		p.Layers |= decoders.HasTCP
		p.TCPFlags = decoders.TCPAck
	case 17:
		p.Layers |= decoders.HasUDP
	}
	return p
}

// input fills the packet side of an inspection of direction toServer.
func (a *appLayer) input(in *signatures.PacketInput, toServer bool) {
	f := a.f
	*in = signatures.PacketInput{Pkt: a.packetFor(toServer), PktNum: a.pcapCnt, HasFlow: true,
		ToServer: toServer, FlowSlot: f.Slot(), FlowGen: f.Gen(), App: appToSignatures[a.cur.proto],
		AppTS: appToSignatures[a.dirs[f.Slot()].proto[0]], AppTC: appToSignatures[a.dirs[f.Slot()].proto[1]]}
	in.FlowPkts[0], in.FlowPkts[1] = f.Packets()
	in.FlowBytes[0], in.FlowBytes[1] = f.Bytes()
	in.Established = f.State() == flow.StateEstablished
	if f.Proto() == 6 {
		if a.pkt != nil && in.Pkt == a.pkt {
			in.Established = a.w.det.established(f, a.pkt)
		} else {
			// A pseudo packet (the flow's end, an inspection that waited) is as established as
			// the session was: its FINs do not take that back.
			in.Established = a.w.det.wasEstablished(f)
		}
	}
}

// emit writes the matches of an inspection.
func (a *appLayer) emit(in *signatures.PacketInput) {
	wd := a.w.det
	a.w.emitAlerts(a.f, in.Pkt, in.ToServer, a.pcapCnt, wd.appMatches)
}

// inspectStream runs the stream rules over a chunk of in-order data of one direction, joined
// to the last bytes of the direction already inspected.
func (a *appLayer) inspectStream(toServer bool, b []byte) {
	d := a.det
	if d == nil || len(b) == 0 || a.f.NoPayloadInspection {
		return
	}
	s := a.cur
	t := &s.tails[dirIndex(toServer)]
	if cap(t.Bytes()) < d.keep {
		*t = stream.NewTails(1, d.keep)[0]
	}
	wd := a.w.det
	for len(b) > 0 {
		win, fresh, rest := d.win.Join(t, b)
		b = rest
		a.input(&d.in, toServer)
		wd.appMatches = wd.matcher.InspectStream(&d.in, win, fresh, wd.appMatches[:0])
		a.emit(&d.in)
	}
}

// inspectTx runs the per-transaction rules of direction toServer that tx became ready for.
func (a *appLayer) inspectTx(tx signatures.AppTx, id uint64, toServer bool, prev, now [2]uint8) {
	d := a.det
	in := &d.txIn
	a.input(&in.PacketInput, toServer)
	in.Tx, in.TxID, in.Prev, in.Now = tx, id, prev, now
	in.Stream, in.HasStream = a.chunk[dirIndex(toServer)], a.hasChunk[dirIndex(toServer)]
	wd := a.w.det
	wd.appMatches = wd.matcher.InspectTx(in, wd.appMatches[:0])
	a.alertTx = tx
	a.emit(&in.PacketInput)
	a.alertTx = nil
	in.Tx, in.Stream = nil, nil
}

// inspectMark inspects the directions of a transaction whose stages moved since mark. As in
// Suricata, a direction's rules run on a packet going that way: when the packet at hand goes
// the other way (the server's ACK that delivered a request, say), the direction waits for the
// flow's next packet going its way (pendingTx, inspectPending), or for the flow's end.
func (a *appLayer) inspectMark(tx signatures.AppTx, m *txMark, now [2]uint8) {
	for d, toServer := range [2]bool{true, false} {
		if m.st[d] == now {
			continue
		}
		if a.pkt != nil && !a.final && a.pktToServer != toServer {
			a.cur.pendingTx[d] = true
			continue
		}
		a.inspectTx(tx, m.id, toServer, m.st[d], now)
		m.st[d] = now
	}
}

// inspectPending runs the inspections of the flow's transactions that waited for a packet
// going the way of the packet at hand.
func (a *appLayer) inspectPending() {
	s := a.cur
	d := dirIndex(a.pktToServer)
	if !s.pendingTx[d] || s.shared || s.cut {
		return
	}
	s.pendingTx[d] = false
	switch s.proto {
	case appHTTP:
		a.detectHTTP()
		a.logHTTP(false)
	case appTLS:
		a.detectTLS(false)
	case appSSH:
		a.detectSSH()
	case appHTTP2:
		a.http2Moved(false)
	case appSMTP:
		a.smtpMoved(false)
	case appFTP:
		a.ftpMoved(false)
	case appFTPData:
		a.ftpDataMoved(false)
	case appDNS:
		a.detectPendingDNS(d)
	case appDCERPC:
		a.dcerpcMoved(false)
	case appSMB:
		a.smbMoved(false)
	}
}

// dnsPendMax bounds the DNS messages a direction keeps for a later inspection; past it a
// message is inspected at once, on a pseudo packet.
const dnsPendMax = 64 << 10

// deferDNS keeps a DNS message of direction d for inspection on a later packet; false when
// the direction already keeps as much as it may.
func (s *appFlow) deferDNS(d int, tx uint64, raw []byte) bool {
	if len(s.dnsPend[d])+10+len(raw) > dnsPendMax || len(raw) > 0xffff {
		return false
	}
	s.dnsPend[d] = binary.BigEndian.AppendUint64(s.dnsPend[d], tx)
	s.dnsPend[d] = binary.BigEndian.AppendUint16(s.dnsPend[d], uint16(len(raw)))
	s.dnsPend[d] = append(s.dnsPend[d], raw...)
	return true
}

// detectPendingDNS inspects the DNS messages of direction d that waited, parsed again.
func (a *appLayer) detectPendingDNS(d int) {
	s := a.cur
	b := s.dnsPend[d]
	s.dnsPend[d] = b[:0]
	for len(b) >= 10 {
		tx, n := binary.BigEndian.Uint64(b), int(binary.BigEndian.Uint16(b[8:]))
		if len(b) < 10+n {
			break
		}
		if m, err := a.dnsUDP.ParseMessage(d == 0, b[10:10+n]); m != nil && (err == nil || len(m.Queries) > 0 || m.Response()) {
			a.detectDNS(d == 0, m, tx)
		}
		b = b[10+n:]
	}
}

// inspectionWaits reports whether an inspection of the live transaction id waits for a packet:
// its mark is behind the stages it reached.
func (s *appFlow) inspectionWaits(id uint64, now [2]uint8) bool {
	for _, m := range s.httpMarks {
		if m.id == id {
			return m.st[0] != now || m.st[1] != now
		}
	}
	return false // never looked at: nothing of it was deferred
}

// markOf is what detection last saw of the live HTTP or HTTP/2 transaction id (a fresh mark
// for one it has not seen).
func (s *appFlow) markOf(id uint64) txMark {
	for _, m := range s.httpMarks {
		if m.id == id {
			return m
		}
	}
	return txMark{id: id}
}

// httpStages are a transaction's stages per side.
func httpStages(t *http.Tx) [2]uint8 {
	var st [2]uint8
	switch {
	case t.RequestComplete && (t.RequestHeadersDone || t.Is09 || len(t.RequestLine) > 0):
		st[0] = signatures.StageComplete
	case t.RequestHeadersDone:
		st[0] = signatures.StageStart
	}
	switch {
	case t.ResponseComplete && t.ResponseHeadersDone:
		st[1] = signatures.StageComplete
	case t.ResponseHeadersDone:
		st[1] = signatures.StageStart
	}
	return st
}

// detectHTTP inspects the flow's HTTP transactions that moved, before logging may release them.
func (a *appLayer) detectHTTP() {
	s := a.cur
	marks := s.httpMarks[:0]
	for _, t := range s.http.Txs() {
		m := s.markOf(t.ID)
		a.det.http.tx = t
		a.inspectMark(&a.det.http, &m, httpStages(t))
		marks = append(marks, m)
	}
	// Marks of released transactions drop out; the slice keeps its array.
	s.httpMarks = marks
	a.det.http.tx = nil
}

// detectTLS inspects the flow's one TLS transaction when its handshake moved.
func (a *appLayer) detectTLS(final bool) {
	s := a.cur
	t := s.tls
	var st [2]uint8
	if t.ClientHellos() > 0 {
		st[0] = signatures.StageStart
		if t.Cert(false) != nil {
			st[0] = signatures.StageComplete // a client certificate (mutual TLS) was seen
		}
	}
	if t.ServerHellos() > 0 {
		st[1] = signatures.StageStart
		if t.Cert(true) != nil || t.Encrypted() || t.Done() || final {
			st[1] = signatures.StageComplete
		}
	}
	a.det.tls.st = t
	a.inspectMark(&a.det.tls, &s.txMark, st)
	a.det.tls.st = nil
}

// detectSSH inspects the flow's SSH transaction when a banner completed.
func (a *appLayer) detectSSH() {
	s := a.cur
	var st [2]uint8
	if s.ssh.BannerDone(true) {
		st[0] = signatures.StageStart
	}
	if s.ssh.BannerDone(false) {
		st[1] = signatures.StageStart
	}
	// A side's KEXINIT (HASSH) completes what detection reads of it.
	if st[0] != 0 && len(s.ssh.Client().HASSH) > 0 {
		st[0] = signatures.StageComplete
	}
	if st[1] != 0 && len(s.ssh.Server().HASSH) > 0 {
		st[1] = signatures.StageComplete
	}
	a.det.ssh.st = s.ssh
	a.inspectMark(&a.det.ssh, &s.txMark, st)
	a.det.ssh.st = nil
}

// detectDNS inspects one DNS message: a request is its transaction's to-server side, a
// response its to-client side.
func (a *appLayer) detectDNS(toServer bool, m *dns.Message, tx uint64) {
	if s := a.cur; s.dnsTCP != nil && a.pkt != nil && !a.final && a.pktToServer != toServer {
		// Over TCP the message was delivered by the other side's ACK: like a transaction,
		// it is inspected on the next packet going its way (inspectPending).
		if raw := s.dnsTCP.Raw(); raw != nil && s.deferDNS(dirIndex(toServer), tx, raw) {
			s.pendingTx[dirIndex(toServer)] = true
			return
		}
	}
	d := a.det
	if !m.Response() {
		d.dns.query, d.dns.reply = m, nil
		a.inspectTx(&d.dns, tx, true, [2]uint8{}, [2]uint8{signatures.StageStart, 0})
	} else {
		d.dns.query, d.dns.reply = nil, m
		st := [2]uint8{signatures.StageStart, signatures.StageStart}
		a.inspectTx(&d.dns, tx, false, [2]uint8{signatures.StageStart, 0}, st)
	}
	d.dns.query, d.dns.reply = nil, nil
}
