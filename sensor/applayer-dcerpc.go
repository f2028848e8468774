package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/export"
)

// rpcEVE is the scratch DCERPC and SMB events are built in, reused from event to event.
type rpcEVE struct {
	dce      export.DCERPCEvent
	smb      export.SMBEvent
	file     export.FileInfoEvent
	ifaces   []export.DCERPCInterface
	dialects []string
	text     []byte
}

// settleRPC readies the parser of a flow detected as SMB or DCERPC, from the pool.
func (a *appLayer) settleRPC(p appProto) {
	s := a.cur
	var ok bool
	if p == appDCERPC {
		if s.dcerpc, ok = reuse(&a.pool, &a.pool.dcerpcs); !ok {
			s.dcerpc = dcerpc.New()
		}
		s.dcerpc.Reset()
		return
	}
	if s.smb, ok = reuse(&a.pool, &a.pool.smbs); !ok {
		s.smb = smb.New()
	}
	s.smb.Reset()
	// SMB sessions are reassembled to their own depth (unlimited by default), as Suricata
	// sets the stream depth of the protocol it detected.
	a.streams[a.f.Slot()].SetDepth(a.smbDepth)
}

// rpcGap hands a hole in the stream to the flow's SMB or DCERPC parser.
func (a *appLayer) rpcGap(toServer bool, n int) {
	s := a.cur
	if s.dcerpc != nil {
		s.dcerpc.Gap(toServer, n)
		a.dcerpcMoved(false)
	}
	if s.smb != nil {
		s.smb.Gap(toServer, n)
		a.smbMoved(false)
	}
}

// dcerpcMoved runs after the parser took data (or the flow ended, final): transactions are
// inspected, the complete ones (all of them at the end) logged once, then released.
func (a *appLayer) dcerpcMoved(final bool) {
	p := a.cur.dcerpc
	if final {
		p.Finish()
	}
	if a.det != nil {
		a.detectDCERPC()
	}
	for _, tx := range p.Txs() {
		if tx.Logged || !(tx.Done[0] && tx.Done[1]) {
			continue
		}
		tx.Logged = true
		a.stats.txDCERPC++
		if a.appEVE(a.w.out.eveDCERPC) {
			a.writeDCERPC(p, tx)
		}
	}
	// A transaction whose inspection waits for a packet going its way is kept for it.
	p.Release(func(tx *dcerpc.Tx) bool {
		return tx.Logged && (final || a.det == nil || !a.cur.inspectionWaits(tx.ID, dceStages(tx)))
	})
}

func (a *appLayer) writeDCERPC(p *dcerpc.State, tx *dcerpc.Tx) {
	e := &a.rpc.dce
	a.fillAppHeader(&e.AppHeader, false)
	a.fillDCERPCInfo(&e.DCERPCInfo, dceTxView(tx), p.Ifaces, false)
	a.w.eve.DCERPC(e)
}

// dceView is what a DCERPC transaction's log needs, whether it came over TCP or a named pipe.
type dceView struct {
	cmd          [2]uint8
	done, lost   [2]bool
	frags        [2]uint16
	stub         [2]int
	callID       uint32
	ctxID, opnum uint16
	minor        uint8
}

func dceTxView(tx *dcerpc.Tx) dceView {
	return dceView{cmd: tx.Cmd, done: tx.Done, lost: tx.Lost, frags: tx.Frags, stub: [2]int{len(tx.Stub[0]), len(tx.Stub[1])},
		callID: tx.CallID, ctxID: tx.CtxID, opnum: tx.Opnum, minor: tx.MinorVersion}
}

// fillDCERPCInfo sets d from a transaction as Suricata's loggers do: a bind lists the
// interfaces it offered (over a pipe, all those of the pipe's last bind), a request the ones
// its context id names (Suricata 8), a bind's with the answer when one came.
func (a *appLayer) fillDCERPCInfo(d *export.DCERPCInfo, v dceView, ifaces []dcerpc.Interface, pipe bool) {
	*d = export.DCERPCInfo{CallID: v.callID, MinorVersion: v.minor, Request: "REQUEST_LOST", Response: "UNREPLIED"}
	list := a.rpc.ifaces[:0]
	if v.done[0] && !v.lost[0] {
		d.Request = dcerpc.TypeName(v.cmd[0])
		switch v.cmd[0] {
		case dcerpc.TypeRequest:
			d.HasReq, d.Opnum, d.ReqFrags, d.ReqStub = true, v.opnum, v.frags[0], v.stub[0]
			for i := range ifaces {
				if f := &ifaces[i]; f.CtxID == v.ctxID {
					x := exportIface(f)
					x.Acked = x.Acked && !pipe // the smb logger writes no answer for a request's
					list = append(list, x)
				}
			}
		case dcerpc.TypeBind, dcerpc.TypeAlterContext:
			for i := range ifaces {
				if f := &ifaces[i]; pipe || f.CallID == v.callID {
					list = append(list, exportIface(f))
				}
			}
		}
	}
	if v.done[1] && !v.lost[1] {
		d.Response = dcerpc.TypeName(v.cmd[1])
		if v.cmd[1] == dcerpc.TypeResponse {
			d.HasRes, d.ResFrags, d.ResStub = true, v.frags[1], v.stub[1]
		}
	}
	a.rpc.ifaces = list
	d.Interfaces = list
}

func exportIface(f *dcerpc.Interface) export.DCERPCInterface {
	return export.DCERPCInterface{UUID: f.UUID, Version: f.Version, VersionMinor: f.VersionMinor,
		AckResult: f.Result, AckReason: f.Reason, Acked: f.Acked}
}
