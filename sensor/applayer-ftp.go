package sensor

import (
	"math"
	"net/netip"

	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/signatures"
)

// FTP: the control channel's parser (decoders/ftp) gives one transaction per command, logged
// as an EVE ftp event once its final reply is in (or at the flow's end), inspected by the ftp.*
// keywords; and the data connections the control channel announces become ftp-data flows.
//
// ftp-data flows are found through expectations, as Suricata's app-layer-expectation does: a
// transfer command (RETR, STOR, APPE, STOU, LIST, NLST) after a PORT, EPRT, PASV or EPSV
// exchange registers one, keyed by the control connection's two addresses and the negotiated
// port, and the next TCP flow between those addresses whose server port is that port takes the
// protocol ftp-data and the transfer's file name and command, whatever its bytes look like.
// Expectations live in the worker that saw the control channel: they are per worker and
// bounded (ftpExpMax, each for ftpExpLife of packet time). A data connection must therefore be
// handled by the same worker as its control connection. Reading capture files that holds: the
// reader sends frames to workers by their IP address pair alone (decoders.FlowHash). Live
// capture spreads flows with the kernel's fanout or the eBPF steering program, which hash the
// ports too: there, with more than one worker, a data connection usually lands on another
// worker and is detected as whatever its bytes look like (counted nowhere; Suricata's
// expectations are global, Nightjar's workers share nothing).

// FTPAppConfig is app-layer.protocols.ftp: the parser's limits, as Suricata names them.
type FTPAppConfig struct {
	// MaxTx bounds the transactions of a flow waiting for their final reply (1024); past it
	// the flow raises ftp.too_many_transactions and is no longer parsed.
	MaxTx int `yaml:"max-tx"`
	// MaxLineLength is the longest command or reply line kept whole (4096).
	MaxLineLength ByteSize `yaml:"max-line-length"`
	// Memcap is read for compatibility with Suricata configurations: FTP's state is bounded
	// with every other parser's by app-layer.memcap.
	Memcap ByteSize `yaml:"memcap"`
}

func ftpConfig(cfg *Config) ftp.Config {
	c := cfg.AppLayer.Protocols.FTP
	return ftp.Config{MaxTx: c.MaxTx, MaxLineLen: int(c.MaxLineLength)}
}

const (
	// ftpExpMax bounds the ftp-data expectations a worker keeps; past it the oldest goes.
	ftpExpMax = 64
	// ftpExpLife is how long, in packet time, an expectation waits for its data connection.
	ftpExpLife = int64(60e9)
	// ftpDataKeep bounds the bytes of an ftp-data flow's file kept for file.data (the same as
	// an HTTP body's default limit).
	ftpDataKeep = 100 << 10
)

// ftpExpectation is a data connection announced on a control channel.
type ftpExpectation struct {
	a, b     netip.Addr // the control connection's addresses
	port     uint16     // the data connection's server port
	cmd      ftp.Command
	name     []byte
	toClient bool
	created  int64
}

// ftpDataState is an ftp-data flow's one transaction: the transfer it carries.
type ftpDataState struct {
	cmd  ftp.Command
	name []byte
	// toClient: the file travels from the data connection's server to its client.
	toClient bool
	// data is the file's first ftpDataKeep bytes; size counts them all, those a gap lost
	// included (gaps).
	data []byte
	size uint64
	gaps bool
}

func (d *ftpDataState) retained() int { return 64 + cap(d.name) + cap(d.data) }

// ftpStages are an FTP transaction's stages per side: the command is there once parsed, the
// replies once the final one came, which completes both sides.
func ftpStages(t *ftp.Tx) [2]uint8 {
	var st [2]uint8
	if t.HasRequest {
		st[0] = signatures.StageStart
	}
	if t.NumReplies() > 0 {
		st[1] = signatures.StageStart
	}
	if t.Done {
		st = [2]uint8{signatures.StageComplete, signatures.StageComplete}
	}
	return st
}

// ftpMoved runs after the control channel's parser took data (or the flow ended, final):
// transactions that moved are inspected, the finished ones (all of them at the end) are
// logged and released; announced data connections become expectations, and an accepted
// AUTH TLS hands the flow to TLS detection.
func (a *appLayer) ftpMoved(final bool) {
	s := a.cur
	p := s.ftp
	if a.det != nil {
		a.detectFTP()
	}
	a.logFTP(final)
	for _, c := range p.TakeDataChannels() {
		a.expectFTPData(c)
	}
	if !final && p.TLSUpgrade() {
		a.ftpStartTLS()
	}
}

// logFTP logs and releases the finished transactions (all of them when final) whose
// inspection does not wait for a packet.
func (a *appLayer) logFTP(final bool) {
	s := a.cur
	p := s.ftp
	for _, tx := range p.Txs() {
		if !tx.Done && !final {
			continue
		}
		if tx.Hold = !final && a.det != nil && s.inspectionWaits(tx.ID, ftpStages(tx)); tx.Hold {
			continue
		}
		a.stats.txFTP++
		if a.appEVE(a.w.out.eveFTP) {
			a.writeFTP(tx)
		}
		a.logFTPAnomalies(tx)
	}
	p.ReleaseDone(math.MaxUint64)
}

// ftpStartTLS: the server accepted AUTH TLS, what follows is TLS. The control channel's
// transactions end here (inspected and logged as they stand, as changeProtocol ends an HTTP
// tunnel's); detection starts afresh and the flow keeps ftp as app_proto_orig.
func (a *appLayer) ftpStartTLS() {
	s := a.cur
	final := a.final
	a.final = true // nothing waits for a later packet: the transactions end here
	if a.det != nil {
		a.detectFTP()
	}
	a.logFTP(true)
	a.final = final
	s.orig = s.proto
	a.f.AppProtoOrig = appProtoNames[s.proto]
	s.proto = appUnknown
	s.gaveUp = [2]bool{}
	s.held[0], s.held[1] = s.held[0][:0], s.held[1][:0]
	s.httpMarks = s.httpMarks[:0]
	s.pendingTx = [2]bool{}
	a.dirs[a.f.Slot()] = dirProtos{}
	a.f.AppProto = ""
}

func (a *appLayer) writeFTP(tx *ftp.Tx) {
	e := &a.ftpEv
	a.fillFTPEvent(e, tx)
	a.fillAppHeader(&e.AppHeader, false)
	e.TxID, e.HasTxID = tx.ID, true
	a.w.eve.FTP(e)
}

// fillFTPEvent sets e's ftp object from tx (its header zeroed); the replies go to the app
// layer's scratch.
func (a *appLayer) fillFTPEvent(e *export.FTPEvent, tx *ftp.Tx) {
	rs := a.ftpReplies[:0]
	for i := range tx.NumReplies() {
		r, text := tx.Reply(i)
		var code []byte
		if r.HasCode {
			code = tx.ReplyCode(i)
		}
		rs = append(rs, export.FTPReply{Code: code, Text: text})
	}
	a.ftpReplies = rs
	*e = export.FTPEvent{Replies: rs, DynamicPort: tx.DynPort, ReplyReceived: tx.Done, ReplyTruncated: tx.ReplyTruncated}
	if tx.HasRequest {
		e.Command, e.CommandData, e.CommandTruncated = tx.Command.String(), tx.CommandData(), tx.RequestTruncated
	}
	if tx.HasMode() {
		e.Mode = "passive"
		if tx.Active {
			e.Mode = "active"
		}
	}
}

// logFTPAnomalies writes a logged transaction's app-layer events as EVE anomaly events.
func (a *appLayer) logFTPAnomalies(tx *ftp.Tx) {
	w := a.w
	if tx.Events == 0 || w.eve == nil || !w.out.eveAnomaly {
		return
	}
	an := a.appAnomaly(appFTP)
	for e := ftp.Event(1); int(e) < ftp.NumEvents; e++ {
		if tx.Events.Has(e) {
			an.Event = e.String()
			w.eve.Anomaly(an)
		}
	}
}

// expectFTPData registers a data connection of the current (control) flow.
func (a *appLayer) expectFTPData(c ftp.DataChannel) {
	ca, _ := a.f.Client()
	sa, _ := a.f.Server()
	a.expireFTPData()
	if len(a.ftpExps) >= ftpExpMax {
		// The oldest goes: a control channel that announces transfers nobody opens must not
		// crowd out the ones that follow.
		old := a.ftpExps[0]
		copy(a.ftpExps, a.ftpExps[1:])
		a.ftpExps[len(a.ftpExps)-1] = old
		a.ftpExps = a.ftpExps[:len(a.ftpExps)-1]
		a.stats.ftpExpEvicted++
	}
	n := len(a.ftpExps)
	if n < cap(a.ftpExps) {
		a.ftpExps = a.ftpExps[:n+1]
	} else {
		a.ftpExps = append(a.ftpExps, ftpExpectation{})
	}
	x := &a.ftpExps[n]
	name := append(x.name[:0], c.FileName[:min(len(c.FileName), maxFileName)]...)
	*x = ftpExpectation{a: ca, b: sa, port: c.Port, cmd: c.Command, name: name, toClient: c.ToClient, created: a.ts}
	a.stats.ftpExpCreated++
}

// expireFTPData drops the expectations older than ftpExpLife.
func (a *appLayer) expireFTPData() {
	k := 0
	for i := range a.ftpExps {
		if a.ts-a.ftpExps[i].created > ftpExpLife {
			a.stats.ftpExpExpired++
			continue
		}
		a.ftpExps[k], a.ftpExps[i] = a.ftpExps[i], a.ftpExps[k]
		k++
	}
	a.ftpExps = a.ftpExps[:k]
}

// ftpExpectationFor finds the expectation that waits for the current flow: the flow joins the
// control connection's two hosts and goes to the negotiated port; -1 when none does.
func (a *appLayer) ftpExpectationFor() int {
	a.expireFTPData()
	ca, _ := a.f.Client()
	sa, sp := a.f.Server()
	for i := range a.ftpExps {
		x := &a.ftpExps[i]
		if x.port == sp && (x.a == ca && x.b == sa || x.a == sa && x.b == ca) {
			return i
		}
	}
	return -1
}

// claimFTPData settles the current flow as ftp-data with the transfer of expectation i, which
// serves once.
func (a *appLayer) claimFTPData(i, d int) {
	x := &a.ftpExps[i]
	s := a.cur
	var ok bool
	if s.ftpData, ok = reuse(&a.pool, &a.pool.ftpDatas); !ok {
		s.ftpData = &ftpDataState{}
	}
	fd := s.ftpData
	*fd = ftpDataState{cmd: x.cmd, name: append(fd.name[:0], x.name...), toClient: x.toClient, data: fd.data[:0]}
	last := len(a.ftpExps) - 1
	a.ftpExps[i], a.ftpExps[last] = a.ftpExps[last], a.ftpExps[i]
	a.ftpExps = a.ftpExps[:last]
	a.stats.ftpExpMatched++
	a.settle(appFTPData, d)
}

// ftpDataFeed takes bytes of an ftp-data flow: those of the file's direction are the file.
func (a *appLayer) ftpDataFeed(toServer bool, b []byte) {
	fd := a.cur.ftpData
	if toServer == fd.toClient {
		return
	}
	fd.size += uint64(len(b))
	if room := ftpDataKeep - len(fd.data); room > 0 {
		fd.data = append(fd.data, b[:min(room, len(b))]...)
	}
}

// ftpDataStages: the transaction starts with the flow and completes at its end.
func ftpDataStages(final bool) [2]uint8 {
	if final {
		return [2]uint8{signatures.StageComplete, signatures.StageComplete}
	}
	return [2]uint8{signatures.StageStart, signatures.StageStart}
}

// ftpDataMoved inspects the ftp-data transaction and, at the flow's end, logs it.
func (a *appLayer) ftpDataMoved(final bool) {
	s := a.cur
	if a.det != nil {
		m := s.txMark
		a.det.ftpData.st = s.ftpData
		a.inspectMark(&a.det.ftpData, &m, ftpDataStages(final))
		a.det.ftpData.st = nil
		s.txMark = m
	}
	if !final {
		return
	}
	a.stats.txFTPData++
	fd := s.ftpData
	e := &a.ftpDataEv
	if a.appEVE(a.w.out.eveFTP) {
		fillFTPDataEvent(e, fd)
		a.fillAppHeader(&e.AppHeader, false)
		e.TxID, e.HasTxID = 0, true
		a.w.eve.FTPData(e)
	}
	// As Suricata opens the transfer's file with its first byte, a data connection that
	// carried none has no file.
	if a.appEVE(a.w.out.eveFiles) && fd.size > 0 {
		fillFTPDataEvent(e, fd)
		var fe export.FileInfoEvent
		// Oriented as the file travelled, as HTTP's files are.
		a.fillAppHeader(&fe.AppHeader, fd.toClient)
		fe.AppProto, fe.FTPData = appProtoNames[appFTPData], e
		fe.File = export.FileInfo{Filename: fd.name, Gaps: fd.gaps, State: export.FileStateClosed, Size: fd.size}
		if fd.gaps {
			fe.File.State = export.FileStateTruncated
		}
		a.w.eve.FileInfo(&fe)
	}
}

func fillFTPDataEvent(e *export.FTPDataEvent, fd *ftpDataState) {
	*e = export.FTPDataEvent{Filename: fd.name, Command: fd.cmd.String()}
}
