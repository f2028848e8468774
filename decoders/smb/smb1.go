package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// SMB1 commands the parser decodes.
const (
	Cmd1Negotiate      = 0x72
	Cmd1SessionSetup   = 0x73
	Cmd1TreeConnect    = 0x75
	smb1FlagsResponse  = 0x80
	smb1Flags2Unicode  = 0x8000
	smb1Flags2NTStatus = 0x4000
	smb1CapExtSecurity = 0x80000000
)

const smb1HeaderLen = 32

var errShortSMB1 = errors.New("smb1: header truncated")

// Host is the native OS and LAN manager an SMB1 session setup names.
type Host struct {
	OS, LM []byte
	Set    bool
}

// smb1Msg is an SMB1 message split into its header fields, parameter words and data bytes.
type smb1Msg struct {
	m           []byte // the whole message, offsets of strings count from its start
	cmd         uint16
	status      uint32
	response    bool
	unicode     bool
	ntStatus    bool // NT status codes; otherwise DOS-style errors
	tid, uid    uint16
	mid         uint64
	words, data []byte
	dataOff     int // offset of data in m
}

// smb1 handles one SMB1 message: negotiate, session setup and tree connect get their own
// transactions; any other command a generic one, matched to its response by command and
// multiplex id. Ids are the request's, except that a session setup's and a tree connect's
// response give theirs (the session and tree they set up).
func (s *State) smb1(toServer bool, m []byte) error {
	if len(m) < smb1HeaderLen+1 {
		return errShortSMB1
	}
	le := binary.LittleEndian
	flags2 := le.Uint16(m[10:])
	r := smb1Msg{m: m, cmd: uint16(m[4]), status: le.Uint32(m[5:]), response: m[9]&smb1FlagsResponse != 0,
		unicode: flags2&smb1Flags2Unicode != 0, ntStatus: flags2&smb1Flags2NTStatus != 0, tid: le.Uint16(m[24:]),
		uid: le.Uint16(m[28:]), mid: uint64(le.Uint16(m[30:]))}
	if r.response == toServer {
		return nil
	}
	// An AndX command chains the next one: each is handled in turn, as Suricata does.
	for at, n := smb1HeaderLen, 0; n < 16; n++ {
		if !r.block(at) {
			if n == 0 && !(r.response && r.status != StatusSuccess) {
				return errShortSMB1
			}
			// An error answer may carry no words or bytes at all.
			r.words, r.data = nil, nil
		}
		if r.response {
			s.smb1Response(&r)
		} else {
			s.smb1Request(&r)
		}
		if !smb1AndX(r.cmd) || len(r.words) < 4 || r.words[0] == 0xff {
			return nil
		}
		next := int(le.Uint16(r.words[2:]))
		if next <= at || next >= len(m) {
			return nil
		}
		r.cmd, at = uint16(r.words[0]), next
	}
	return nil
}

// block reads the parameter words and data bytes of the command block at offset at.
func (r *smb1Msg) block(at int) bool {
	m := r.m
	if at >= len(m) {
		return false
	}
	wc := 2 * int(m[at])
	if len(m) < at+1+wc+2 {
		return false
	}
	r.words = m[at+1 : at+1+wc]
	n := int(binary.LittleEndian.Uint16(m[at+1+wc:]))
	r.dataOff = at + 3 + wc
	r.data = m[r.dataOff:min(r.dataOff+n, len(m))]
	return true
}

// smb1AndX reports whether cmd's words start with an AndX chain field.
func smb1AndX(cmd uint16) bool {
	switch cmd {
	case 0x24, 0x2d, 0x2e, Cmd1SessionSetup, 0x74, Cmd1TreeConnect, 0xa2, 0x2f:
		return true
	}
	return false
}

// smb1CreatesTx is Suricata's rule: reads, writes and the trans commands make no generic
// transaction (their data makes its own).
func smb1CreatesTx(cmd uint16) bool {
	switch cmd {
	case 0x2e, 0x2f, 0x25, 0x32: // READ_ANDX, WRITE_ANDX, TRANS, TRANS2
		return false
	}
	return true
}

func (s *State) smb1Request(r *smb1Msg) {
	if !smb1CreatesTx(r.cmd) {
		return
	}
	kind := KindGeneric
	session, treeID := uint64(r.uid), uint32(r.tid)
	switch r.cmd {
	case Cmd1Negotiate:
		kind, session, treeID = KindNegotiate, 0, 0 // Suricata's negotiate txs have no ids
	case Cmd1SessionSetup:
		kind = KindSessionSetup
	case Cmd1TreeConnect:
		kind = KindTreeConnect
	}
	tx := s.newTx(1, r.cmd, kind, session, treeID, r.mid)
	tx.Done[0] = true
	switch r.cmd {
	case Cmd1Negotiate:
		tx.Dialects1 = negotiateDialects1(tx.Dialects1, r.data)
	case Cmd1SessionSetup:
		s.smb1SessionSetupRequest(tx, r)
	case Cmd1TreeConnect:
		s.smb1TreeConnectRequest(tx, r)
	}
}

func (s *State) smb1Response(r *smb1Msg) {
	tx := s.find(1, r.cmd, r.mid)
	if tx == nil {
		return
	}
	le := binary.LittleEndian
	tx.setStatus(r.status)
	tx.DOSError = !r.ntStatus
	tx.Done[1] = true
	switch r.cmd {
	case Cmd1Negotiate:
		if len(r.words) < 2 {
			return
		}
		// The chosen dialect is an index into the request's list.
		if d := nthDialect(tx.Dialects1, int(le.Uint16(r.words))); d != nil {
			s.Dialect1 = append(s.Dialect1[:0], d...)
		}
		if len(r.words) >= 34 && le.Uint32(r.words[19:])&smb1CapExtSecurity != 0 && len(r.data) >= 16 {
			tx.ServerGUID = [16]byte(r.data[:16])
		}
	case Cmd1SessionSetup:
		tx.SessionID, tx.TreeID = uint64(r.uid), uint32(r.tid)
		// Words: AndX (4), action (2) and, with extended security, the blob's length (2).
		blob := 0
		if len(r.words) >= 8 {
			blob = int(le.Uint16(r.words[6:]))
		}
		if blob <= len(r.data) {
			tx.RespHost = r.hostAt(tx, r.dataOff+blob)
		}
	case Cmd1TreeConnect:
		tx.SessionID, tx.TreeID = uint64(r.uid), uint32(r.tid)
		if i := bytes.IndexByte(r.data, 0); i >= 0 {
			tx.Service1[1] = tx.keepText(r.data[:i])
			tx.IsPipe = string(r.data[:i]) == "IPC"
		}
	}
}

// smb1SessionSetupRequest reads the NTLMSSP message of an extended-security setup (12 words)
// and the client's native OS and LAN manager (after the passwords, account and domain of a
// 13-word setup).
func (s *State) smb1SessionSetupRequest(tx *Tx, r *smb1Msg) {
	le := binary.LittleEndian
	switch len(r.words) {
	case 24:
		n := int(le.Uint16(r.words[14:]))
		if n > len(r.data) {
			return
		}
		tx.HasNTLMSSP = tx.ntlmAuth(r.data[:n])
		tx.ReqHost = r.hostAt(tx, r.dataOff+n)
	case 26:
		n := int(le.Uint16(r.words[14:])) + int(le.Uint16(r.words[16:]))
		if n > len(r.data) {
			return
		}
		at := r.dataOff + n
		at = r.skipString(at) // account
		at = r.skipString(at) // domain
		tx.ReqHost = r.hostAt(tx, at)
	}
}

// smb1TreeConnectRequest reads the path and service: the path without NUL bytes and without
// its first character, as Suricata's parser leaves it.
func (s *State) smb1TreeConnectRequest(tx *Tx, r *smb1Msg) {
	if len(r.words) < 8 {
		return
	}
	at := r.dataOff + int(binary.LittleEndian.Uint16(r.words[6:])) // past the password
	path, next := r.stringAt(at)
	start := len(tx.text)
	tx.text = dropNULs(tx.text, path)
	if len(tx.text)-start > 1 {
		start++
	}
	tx.Share = tx.text[start:len(tx.text):len(tx.text)]
	if next < len(r.m) {
		if i := bytes.IndexByte(r.m[next:], 0); i >= 0 {
			tx.Service1[0] = tx.keepText(r.m[next : next+i])
		}
	}
}

// hostAt reads the native OS and LAN manager strings starting at offset at.
func (r *smb1Msg) hostAt(tx *Tx, at int) Host {
	os, next := r.stringAt(at)
	lm, _ := r.stringAt(next)
	return Host{OS: r.text(tx, os), LM: r.text(tx, lm), Set: true}
}

// text keeps a string of the message as UTF-8 in the transaction.
func (r *smb1Msg) text(tx *Tx, b []byte) []byte {
	if !r.unicode {
		return tx.keepText(b)
	}
	at := len(tx.text)
	tx.text = utf16(tx.text, b)
	return tx.text[at:len(tx.text):len(tx.text)]
}

// stringAt returns the NUL-ended string at offset at of the message (UTF-16 strings start
// 2-byte aligned from the header) and the offset after its terminator.
func (r *smb1Msg) stringAt(at int) ([]byte, int) {
	end := r.dataOff + len(r.data)
	if !r.unicode {
		if at >= end {
			return nil, end
		}
		i := bytes.IndexByte(r.m[at:end], 0)
		if i < 0 {
			return r.m[at:end], end
		}
		return r.m[at : at+i], at + i + 1
	}
	at += at & 1
	for i := at; i+1 < end; i += 2 {
		if r.m[i] == 0 && r.m[i+1] == 0 {
			return r.m[at:i], i + 2
		}
	}
	if at >= end {
		return nil, end
	}
	return r.m[at:end], end
}

// skipString returns the offset after the string at at.
func (r *smb1Msg) skipString(at int) int {
	_, next := r.stringAt(at)
	return next
}

// negotiateDialects1 appends the request's dialect strings, each NUL ended.
func negotiateDialects1(dst, b []byte) []byte {
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
