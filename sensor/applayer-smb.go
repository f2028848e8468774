package sensor

import (
	"strconv"

	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/export"
)

// smbMoved runs after the parser took data (or the flow ended, final): transactions are
// inspected, the answered ones (all of them at the end) logged once, then released.
func (a *appLayer) smbMoved(final bool) {
	p := a.cur.smb
	if final {
		p.Finish()
	}
	if a.det != nil {
		a.detectSMB()
	}
	for _, tx := range p.Txs() {
		// Suricata logs an SMB transaction once its response is in.
		if tx.Logged || !tx.Done[1] {
			continue
		}
		tx.Logged = true
		a.stats.txSMB++
		if a.appEVE(a.w.out.eveSMB) {
			a.writeSMB(p, tx)
		}
		if tx.Kind == smb.KindFile && a.appEVE(a.w.out.eveFiles) {
			a.writeSMBFile(p, tx)
		}
	}
	// A transaction whose inspection waits for a packet going its way is kept for it.
	p.Release(func(tx *smb.Tx) bool {
		return tx.Logged && (final || a.det == nil || !a.cur.inspectionWaits(tx.ID, smbStages(tx)))
	})
}

func (a *appLayer) writeSMB(p *smb.State, tx *smb.Tx) {
	e := &a.rpc.smb
	a.fillSMBEvent(e, p, tx)
	a.fillAppHeader(&e.AppHeader, false)
	a.w.eve.SMB(e)
}

// writeSMBFile writes the fileinfo event of a file transaction, oriented as the file
// travelled (a read file comes from the server), with the transaction's smb object.
func (a *appLayer) writeSMBFile(p *smb.State, tx *smb.Tx) {
	e := &a.rpc.file
	a.fillSMBEvent(&a.rpc.smb, p, tx)
	*e = export.FileInfoEvent{AppProto: appProtoNames[appSMB], SMB: &a.rpc.smb}
	a.fillAppHeader(&e.AppHeader, !tx.ToServer())
	f := &tx.File
	e.File = export.FileInfo{Filename: tx.Name, Gaps: f.Gaps, State: export.FileStateClosed, Size: f.End, TxID: tx.ID - 1}
	if !f.Closed {
		e.File.State = export.FileStateTruncated // the flow ended before the file's close
	}
	a.w.eve.FileInfo(e)
}

// fillSMBEvent sets e's smb fields from tx as Suricata's smb logger writes them.
func (a *appLayer) fillSMBEvent(e *export.SMBEvent, p *smb.State, tx *smb.Tx) {
	*e = export.SMBEvent{ID: tx.ID, Command: tx.CommandName(), SessionID: tx.SessionID, TreeID: tx.TreeID}
	// The dialect is the flow's at logging time, as Suricata's logger reads it from the state.
	switch {
	case p.Dialect != 0:
		e.Dialect = smb.DialectName(p.Dialect)
	case len(p.Dialect1) > 0:
		e.DialectRaw = p.Dialect1
	default:
		e.Dialect = "unknown"
	}
	switch {
	case tx.HasStatus && tx.DOSError:
		class, code := uint8(tx.Status), uint16(tx.Status>>16)
		e.Status, e.StatusCode, e.StatusDOS = smb.DOSErrorName(class, code), uint32(code), true
	case tx.HasStatus:
		e.Status, e.StatusCode = smb.StatusName(tx.Status), tx.Status
	}
	switch tx.Kind {
	case smb.KindNegotiate:
		e.Kind, e.SMB1, e.ClientDialects1 = export.SMBNegotiate, tx.Version == 1, tx.Dialects1
		names := a.rpc.dialects[:0]
		for _, d := range tx.Dialects2 {
			names = append(names, smb.DialectName(d))
		}
		a.rpc.dialects = names
		e.ClientDialects = names
		e.ClientGUID, e.HasClientGUID, e.ServerGUID = tx.ClientGUID, tx.HasClientGUID, tx.ServerGUID
		e.MaxRead, e.MaxWrite = p.MaxRead, p.MaxWrite
	case smb.KindSessionSetup:
		e.Kind = export.SMBSessionSetup
		e.ReqHost = export.SMBHost{OS: tx.ReqHost.OS, LM: tx.ReqHost.LM, Set: tx.ReqHost.Set}
		e.RespHost = export.SMBHost{OS: tx.RespHost.OS, LM: tx.RespHost.LM, Set: tx.RespHost.Set}
		if tx.HasNTLMSSP {
			n := &tx.NTLMSSP
			e.Kind, e.NTLMDomain, e.NTLMUser, e.NTLMHost = export.SMBSessionSetupNTLM, n.Domain, n.User, n.Host
			if n.HasVersion {
				e.NTLMVersion = ntlmVersion(a.rpc.text[:0], n)
				a.rpc.text = e.NTLMVersion
			}
		}
	case smb.KindTreeConnect:
		e.Kind, e.Share, e.NamedPipe, e.SMB1, e.Service = export.SMBTreeConnect, tx.Share, tx.IsPipe, tx.Version == 1, tx.Service1
		if tx.Version == 2 {
			e.ShareType = smb.ShareTypeName(tx.ShareType)
		}
	case smb.KindCreate:
		e.Kind, e.Filename, e.Directory, e.DeleteOnClose = export.SMBCreate, tx.Name, tx.Directory, tx.DeleteOnClose
		e.Disposition = smb.DispositionName(tx.Disposition)
		e.Created, e.Accessed, e.Modified, e.Changed, e.Size, e.FUID = tx.Created, tx.Accessed, tx.Modified, tx.Changed, tx.Size, tx.FUID
		e.NoFUID = !tx.HasFUID
	case smb.KindDCERPC:
		e.Kind = export.SMBDCERPC
		a.fillPipeRPC(&e.DCERPC, p, tx)
	case smb.KindIoctl:
		e.Kind, e.Function = export.SMBIoctl, smb.FunctionName(tx.Func)
	case smb.KindFile:
		e.Kind, e.Filename, e.Share, e.FUID = export.SMBFile, tx.Name, tx.Share, tx.FUID
	case smb.KindSetInfo:
		e.Kind, e.Filename, e.DeleteOnClose, e.FUID, e.NewName = export.SMBSetInfo, tx.Name, tx.DeleteOnClose, tx.FUID, tx.NewName
		if tx.Rename {
			e.Kind = export.SMBRename
		}
	}
}

// fillPipeRPC sets d from the DCERPC exchange a pipe transaction carried: a bind lists the
// pipe's interfaces with their answers, a request those of its context (Suricata's smb
// logger).
func (a *appLayer) fillPipeRPC(d *export.DCERPCInfo, p *smb.State, tx *smb.Tx) {
	r := &tx.RPC
	v := dceView{cmd: [2]uint8{r.ReqCmd, r.ResCmd}, done: [2]bool{r.ReqSet, r.ResSet}, frags: r.Frags,
		stub: [2]int{len(r.Stub[0]), len(r.Stub[1])}, callID: r.CallID, ctxID: r.CtxID, opnum: r.Opnum}
	a.fillDCERPCInfo(d, v, p.Ifaces, true)
}

// ntlmVersion formats an NTLMSSP version as Suricata does: "major.minor build N rev R".
func ntlmVersion(dst []byte, n *smb.NTLMSSP) []byte {
	dst = strconv.AppendUint(dst, uint64(n.Major), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(n.Minor), 10)
	dst = append(dst, " build "...)
	dst = strconv.AppendUint(dst, uint64(n.Build), 10)
	dst = append(dst, " rev "...)
	return strconv.AppendUint(dst, uint64(n.Revision), 10)
}

// fillAlertRPC points a tx alert at the dcerpc or smb object of the DCERPC or SMB transaction
// being inspected, as Suricata's alert logger adds it.
func (a *appLayer) fillAlertRPC(al *export.Alert) {
	switch tx := a.alertTx.(type) {
	case *dceTx:
		if tx.tx != nil {
			a.fillDCERPCInfo(&a.rpc.dce.DCERPCInfo, dceTxView(tx.tx), tx.st.Ifaces, false)
			al.App.DCERPC = &a.rpc.dce.DCERPCInfo
		}
	case *smbTx:
		if tx.tx != nil {
			a.fillSMBEvent(&a.rpc.smb, tx.st, tx.tx)
			al.App.SMB = &a.rpc.smb
		}
	}
}

// rpcWrongWay reports that a flow picked up midstream, whose first bytes detection matched as
// SMB or DCERPC going to its server, was seen from the server's side: the bytes are an answer
// (SMB and DCERPC headers say who sent them), or only the other end has the protocol's port
// (Suricata then matches with the other direction's port probe). Either reverses it, as the
// probing parser's rdir does in Suricata.
func (a *appLayer) rpcWrongWay(p appProto, b []byte) bool {
	_, sport := a.f.Server()
	_, cport := a.f.Client()
	switch p {
	case appSMB:
		smbPort := func(port uint16) bool { return port == 139 || port == 445 }
		return smb.IsResponse(b) || smbPort(cport) && !smbPort(sport)
	case appDCERPC:
		return dcerpc.IsAnswer(b) || cport == 135 && sport != 135
	}
	return false
}
