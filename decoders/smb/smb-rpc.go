package smb

import "github.com/nightjar-ids/nightjar/decoders/dcerpc"

// pipe reports whether a file of a tree is a named pipe carrying DCERPC: the tree connect
// said so, or, when it was not seen (a flow picked up midstream), the data looks like DCERPC.
func (s *State) pipe(session uint64, treeID uint32, data []byte) bool {
	if t, ok := s.trees[treeKey{session, treeID}]; ok {
		return t.isPipe
	}
	if dcerpc.Probe(data) != dcerpc.Match {
		return false
	}
	if len(s.trees) < maxMaps {
		s.trees[treeKey{session, treeID}] = tree{isPipe: true}
	}
	return true
}

// pipeRequest handles what a write (or a transceive ioctl) sends to a pipe: a DCERPC bind
// starts a transaction, a request fragment starts or continues one. It reports whether the
// data was DCERPC.
func (s *State) pipeRequest(h *smb2Header, cmd uint16, data []byte) bool {
	dh, err := dcerpc.ParseHeader(data)
	if err != nil {
		s.Stats.Malformed++
		return false
	}
	pdu := data[:min(int(dh.FragLen), len(data))]
	switch dh.Type {
	case dcerpc.TypeBind, dcerpc.TypeAlterContext:
		s.Ifaces = s.Ifaces[:0]
		if err := dcerpc.Bind(&dh, pdu, func(i int, c dcerpc.ContextItem) {
			if len(s.Ifaces) < maxIfaces {
				s.Ifaces = append(s.Ifaces, dcerpc.Interface{ContextItem: c, CallID: dh.CallID})
			}
		}); err != nil {
			s.Stats.Malformed++
		}
		tx := s.newTx(2, cmd, KindDCERPC, h.session, h.treeID, h.msgID)
		tx.RPC.ReqSet, tx.RPC.ReqCmd, tx.RPC.CallID = true, dh.Type, dh.CallID
		tx.Done[0] = true
	case dcerpc.TypeRequest:
		r, err := dcerpc.ParseRequest(&dh, pdu)
		if err != nil {
			s.Stats.Malformed++
			return true
		}
		tx := s.rpcTx(dh.CallID, 0)
		if tx == nil {
			tx = s.newTx(2, cmd, KindDCERPC, h.session, h.treeID, h.msgID)
			tx.RPC.CallID = dh.CallID
		}
		tx.RPC.ReqCmd, tx.RPC.CtxID, tx.RPC.Opnum, tx.RPC.LittleEndian = dh.Type, r.CtxID, r.Opnum, dh.LittleEndian()
		if rpcFragment(&tx.RPC, 0, &dh, r.Stub) {
			tx.RPC.ReqSet, tx.Done[0] = true, true
		}
	default:
		tx := s.newTx(2, cmd, KindDCERPC, h.session, h.treeID, h.msgID)
		tx.RPC.ReqSet, tx.RPC.ReqCmd, tx.RPC.CallID = true, dh.Type, dh.CallID
		tx.Done[0] = true
	}
	return true
}

// pipeResponse handles what a read (or a transceive ioctl's output) brings from a pipe: the
// answer to the transaction of the same call id.
func (s *State) pipeResponse(h *smb2Header, data []byte) bool {
	dh, err := dcerpc.ParseHeader(data)
	if err != nil {
		s.Stats.Malformed++
		return false
	}
	pdu := data[:min(int(dh.FragLen), len(data))]
	tx := s.rpcTx(dh.CallID, 1)
	if tx == nil {
		return true // Suricata handles no answer without its request
	}
	tx.setStatus(h.status)
	tx.RPC.ResCmd = dh.Type
	switch dh.Type {
	case dcerpc.TypeBindAck, dcerpc.TypeAlterContextResp:
		if err := dcerpc.BindAck(&dh, pdu, func(i int, r dcerpc.BindAckResult) {
			if i < len(s.Ifaces) {
				f := &s.Ifaces[i]
				// Suricata's smb parser records the result only: ack_reason stays 0.
				f.Result, f.Acked = r.Result, true
			}
		}); err != nil {
			s.Stats.Malformed++
		}
		tx.RPC.ResSet, tx.Done[1] = true, true
	case dcerpc.TypeResponse:
		stub, err := dcerpc.ResponseStub(pdu)
		if err != nil {
			s.Stats.Malformed++
			return true
		}
		if rpcFragment(&tx.RPC, 1, &dh, stub) {
			tx.RPC.ResSet, tx.Done[1] = true, true
		}
	default:
		tx.RPC.ResSet, tx.Done[1] = true, true
	}
	return true
}

// rpcTx is the live pipe transaction of a call id whose direction d is not complete.
func (s *State) rpcTx(callID uint32, d int) *Tx {
	for i := len(s.txs) - 1; i >= 0; i-- {
		tx := s.txs[i]
		if tx.Kind == KindDCERPC && tx.RPC.CallID == callID && !tx.Done[d] {
			return tx
		}
	}
	return nil
}

// rpcFragment adds a fragment's stub and reports whether it was the last one.
func rpcFragment(r *RPC, d int, h *dcerpc.Header, stub []byte) bool {
	if room := maxStub - len(r.Stub[d]); room > 0 {
		r.Stub[d] = append(r.Stub[d], stub[:min(len(stub), room)]...)
	}
	r.Frags[d]++
	return dcerpc.Completes(h.Flags, r.Frags[d] == 1)
}
