package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/signatures"
)

var _ signatures.AppTx = (*smbTx)(nil)

// smbTx is one SMB transaction as detection sees it: the share or pipe of a tree connect, the
// SMB version, and, on a named pipe, the DCERPC keywords' data. tx and st are set by the app
// layer.
type smbTx struct {
	tx  *smb.Tx
	st  *smb.State
	rec []byte // backs the interface records
}

// Buffer implements signatures.AppTx.
func (x *smbTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := x.tx
	if t == nil {
		return nil, false
	}
	switch id {
	case signatures.BufSMBNamedPipe:
		if i == 0 && t.Kind == smb.KindTreeConnect && t.IsPipe {
			return orEmpty(t.Share), true
		}
	case signatures.BufSMBShare:
		// Before the answer a pipe is not known to be one (Suricata's smb.share then sees it).
		if i == 0 && t.Kind == smb.KindTreeConnect && !t.IsPipe {
			return orEmpty(t.Share), true
		}
	case signatures.BufDCERPCStubData:
		if i == 0 && t.Kind == smb.KindDCERPC {
			return nonEmpty(t.RPC.Stub[dirIndex(toServer)])
		}
	case signatures.BufDCERPCIface:
		// Suricata's smb dce_iface: an interface of the pipe's bind, accepted, for the
		// request's context.
		if t.Kind != smb.KindDCERPC || t.RPC.ReqCmd != dcerpc.TypeRequest {
			return nil, false
		}
		for k := range x.st.Ifaces {
			f := &x.st.Ifaces[k]
			if !f.Acked || f.Result != 0 || f.CtxID != t.RPC.CtxID {
				continue
			}
			if i == 0 {
				x.rec = ifaceRecord(x.rec[:0], f.UUID, f.Version, true)
				return x.rec, true
			}
			i--
		}
	}
	return nil, false
}

// Number implements signatures.AppTx.
func (x *smbTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	t := x.tx
	if t == nil || i != 0 {
		return 0, false
	}
	switch id {
	case signatures.NumSMBVersion:
		return uint64(t.Version), true
	case signatures.NumDCERPCOpnum:
		if t.Kind == smb.KindDCERPC && t.RPC.ReqCmd == dcerpc.TypeRequest {
			return uint64(t.RPC.Opnum), true
		}
	case signatures.NumDCERPCLittleEndian:
		if t.Kind == smb.KindDCERPC {
			return boolNumber(t.RPC.LittleEndian), true
		}
	}
	return 0, false
}

// Event implements signatures.AppTx: the parser raises no app-layer events.
func (x *smbTx) Event(string) bool { return false }

// smbStages are a transaction's stages per side: the request side starts with the request
// and is complete once the transaction is (a tree connect's kind comes with its answer), the
// response side is complete with the response.
func smbStages(t *smb.Tx) [2]uint8 {
	var st [2]uint8
	if t.Done[0] {
		st[0] = signatures.StageStart
	}
	if t.Done[1] {
		st[0], st[1] = signatures.StageComplete, signatures.StageComplete
	}
	return st
}

// detectSMB inspects the flow's SMB transactions that moved, before they are released.
func (a *appLayer) detectSMB() {
	s := a.cur
	marks := s.httpMarks[:0]
	a.det.smb.st = s.smb
	for _, t := range s.smb.Txs() {
		m := s.markOf(t.ID)
		a.det.smb.tx = t
		a.inspectMark(&a.det.smb, &m, smbStages(t))
		marks = append(marks, m)
	}
	s.httpMarks = marks
	a.det.smb.tx, a.det.smb.st = nil, nil
}
