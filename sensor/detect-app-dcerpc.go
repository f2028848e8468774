package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/signatures"
)

var _ signatures.AppTx = (*dceTx)(nil)

// dceTx is one DCERPC-over-TCP transaction as detection sees it: its stub data, operation
// number and the interfaces its request may use. tx and st are set by the app layer.
type dceTx struct {
	tx  *dcerpc.Tx
	st  *dcerpc.State
	rec []byte // backs the interface records
}

// Buffer implements signatures.AppTx.
func (x *dceTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := x.tx
	if t == nil {
		return nil, false
	}
	switch id {
	case signatures.BufDCERPCStubData:
		if i == 0 {
			return nonEmpty(t.Stub[dirIndex(toServer)])
		}
	case signatures.BufDCERPCIface:
		// Suricata's dce_iface: a request whose first fragment was seen, and an interface
		// the last bind answer accepted for the request's context.
		if t.Cmd[0] != dcerpc.TypeRequest || !t.FirstRequest {
			return nil, false
		}
		for k := range x.st.Ifaces {
			f := &x.st.Ifaces[k]
			if !f.Current || !f.Acked || f.Result != 0 || f.CtxID != t.CtxID {
				continue
			}
			if i == 0 {
				x.rec = ifaceRecord(x.rec[:0], f.UUID, f.Version, f.FirstFrag)
				return x.rec, true
			}
			i--
		}
	}
	return nil, false
}

func boolNumber(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ifaceRecord is the record signatures.BufDCERPCIface instances carry.
func ifaceRecord(dst []byte, uuid [16]byte, version uint16, firstFrag bool) []byte {
	dst = append(dst, uuid[:]...)
	dst = append(dst, byte(version), byte(version>>8), 0)
	if firstFrag {
		dst[len(dst)-1] = signatures.DCEIfaceFirstFrag
	}
	return dst
}

// Number implements signatures.AppTx.
func (x *dceTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	t := x.tx
	if t == nil || i != 0 {
		return 0, false
	}
	switch id {
	case signatures.NumDCERPCOpnum:
		if t.Cmd[0] == dcerpc.TypeRequest && t.FirstRequest {
			return uint64(t.Opnum), true
		}
	case signatures.NumDCERPCLittleEndian:
		return boolNumber(t.LittleEndian), true
	}
	return 0, false
}

// Event implements signatures.AppTx: the parser raises no app-layer events.
func (x *dceTx) Event(string) bool { return false }

// dceStages are a transaction's stages per side: started with its first PDU, complete with
// its last fragment.
func dceStages(t *dcerpc.Tx) [2]uint8 {
	var st [2]uint8
	for d := range st {
		switch {
		case t.Done[d]:
			st[d] = signatures.StageComplete
		case t.Frags[d] > 0:
			st[d] = signatures.StageStart
		}
	}
	return st
}

// detectDCERPC inspects the flow's DCERPC transactions that moved, before they are released.
func (a *appLayer) detectDCERPC() {
	s := a.cur
	marks := s.httpMarks[:0]
	a.det.dce.st = s.dcerpc
	for _, t := range s.dcerpc.Txs() {
		m := s.markOf(t.ID)
		a.det.dce.tx = t
		a.inspectMark(&a.det.dce, &m, dceStages(t))
		marks = append(marks, m)
	}
	s.httpMarks = marks
	a.det.dce.tx, a.det.dce.st = nil, nil
}
