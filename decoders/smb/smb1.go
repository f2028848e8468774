package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// SMB1 commands the parser knows by name (Suricata's SMB1_COMMAND_* names).
const (
	Cmd1Negotiate = 0x72
)

const smb1HeaderLen = 32

var errShortSMB1 = errors.New("smb1: header truncated")

// smb1 handles one SMB1 message: the negotiation gets its own transaction (its client
// dialects and the server's choice); any other command a generic one, matched to its
// response by command and multiplex id.
func (s *State) smb1(toServer bool, m []byte) error {
	if len(m) < smb1HeaderLen {
		return errShortSMB1
	}
	le := binary.LittleEndian
	cmd := uint16(m[4])
	status := le.Uint32(m[5:])
	response := m[9]&0x80 != 0
	tid, uid, mid := le.Uint16(m[24:]), le.Uint16(m[28:]), uint64(le.Uint16(m[30:]))
	body := m[smb1HeaderLen:]
	if response != !toServer {
		return nil
	}
	if !response {
		kind := KindGeneric
		if cmd == Cmd1Negotiate {
			kind = KindNegotiate
		}
		session, treeID := uint64(uid), uint32(tid)
		if kind == KindNegotiate {
			session, treeID = 0, 0 // Suricata's negotiate txs have no ids
		}
		tx := s.newTx(1, cmd, kind, session, treeID, mid)
		tx.Done[0] = true
		if cmd == Cmd1Negotiate {
			tx.Dialects1 = negotiateDialects1(tx.Dialects1, body)
		}
		return nil
	}
	tx := s.find(1, cmd, mid)
	if tx == nil {
		return nil
	}
	tx.setStatus(status)
	tx.Done[1] = true
	if cmd == Cmd1Negotiate && len(body) >= 3 && m[9]&0x80 != 0 {
		// The chosen dialect is an index into the request's list.
		idx := int(le.Uint16(body[1:]))
		if d := nthDialect(tx.Dialects1, idx); d != nil {
			s.Dialect1 = append(s.Dialect1[:0], d...)
		}
	}
	return nil
}

// negotiateDialects1 appends the request's dialect strings, each NUL ended.
func negotiateDialects1(dst, body []byte) []byte {
	if len(body) < 1 || len(body) < 3+2*int(body[0]) {
		return dst
	}
	wc := 2 * int(body[0])
	n := int(binary.LittleEndian.Uint16(body[1+wc:]))
	b := body[3+wc:]
	b = b[:min(n, len(b))]
	for len(b) > 1 && b[0] == 0x02 {
		end := bytes.IndexByte(b[1:], 0)
		if end < 0 {
			break
		}
		dst = append(dst, b[1:1+end+1]...)
		b = b[end+2:]
	}
	return dst
}

// nthDialect returns the i-th NUL-ended dialect of list, without its NUL.
func nthDialect(list []byte, i int) []byte {
	for ; len(list) > 0; i-- {
		end := bytes.IndexByte(list, 0)
		if end < 0 {
			return nil
		}
		if i == 0 {
			return list[:end]
		}
		list = list[end+1:]
	}
	return nil
}
