package smb

import (
	"encoding/binary"
	"errors"
)

// SMB2 commands.
const (
	Cmd2Negotiate      = 0
	Cmd2SessionSetup   = 1
	Cmd2Logoff         = 2
	Cmd2TreeConnect    = 3
	Cmd2TreeDisconnect = 4
	Cmd2Create         = 5
	Cmd2Close          = 6
	Cmd2Read           = 8
	Cmd2Write          = 9
	Cmd2Ioctl          = 11
	Cmd2GetInfo        = 16
	Cmd2SetInfo        = 17
)

// NTSTATUS values the parser acts on.
const (
	StatusSuccess        = 0x00000000
	StatusPending        = 0x00000103
	StatusBufferOverflow = 0x80000005
)

// fsctlPipeTransceive is the ioctl that writes a request to a pipe and reads the answer.
const fsctlPipeTransceive = 0x0011c017

const smb2HeaderLen = 64

var (
	errShortSMB2 = errors.New("smb2: header truncated")
	errBadNext   = errors.New("smb2: compound offset outside the record")
)

// smb2Header is the part of an SMB2 header the parser uses.
type smb2Header struct {
	status   uint32
	command  uint16
	flags    uint32
	next     uint32
	msgID    uint64
	treeID   uint32
	session  uint64
	response bool
}

// smb2 handles one SMB2 message at the start of m and returns the offset of the next one in
// a compound (0 when none).
func (s *State) smb2(toServer bool, m []byte) (int, error) {
	if len(m) < smb2HeaderLen {
		return 0, errShortSMB2
	}
	le := binary.LittleEndian
	h := smb2Header{status: le.Uint32(m[8:]), command: le.Uint16(m[12:]), flags: le.Uint32(m[16:]),
		next: le.Uint32(m[20:]), msgID: le.Uint64(m[24:]), session: le.Uint64(m[40:])}
	if h.flags&0x2 == 0 { // synchronous: a tree id, not an async id
		h.treeID = le.Uint32(m[36:])
	}
	h.response = h.flags&1 != 0
	msg := m
	if h.next != 0 {
		if h.next < smb2HeaderLen || int(h.next) > len(m) {
			return 0, errBadNext
		}
		msg = m[:h.next]
	}
	var err error
	if h.response {
		if !toServer {
			err = s.smb2Response(&h, msg)
		}
	} else if toServer {
		err = s.smb2Request(&h, msg)
	}
	return int(h.next), err
}

// smb2CreatesTx is Suricata's rule: reads, writes and info queries make no transaction of
// their own (file and pipe data make theirs).
func smb2CreatesTx(cmd uint16) bool {
	switch cmd {
	case Cmd2Read, Cmd2Write, Cmd2GetInfo, Cmd2SetInfo:
		return false
	}
	return true
}

func (s *State) smb2Request(h *smb2Header, m []byte) error {
	le := binary.LittleEndian
	body := m[smb2HeaderLen:]
	switch h.command {
	case Cmd2Negotiate:
		if len(body) < 36 {
			return errShortSMB2
		}
		n := int(le.Uint16(body[2:]))
		tx := s.newTx(2, h.command, KindNegotiate, 0, 0, h.msgID) // Suricata's negotiate txs have no ids
		tx.ClientGUID, tx.HasClientGUID = [16]byte(body[12:28]), true
		for i := 0; i < n && 36+2*i+2 <= len(body); i++ {
			tx.Dialects2 = append(tx.Dialects2, le.Uint16(body[36+2*i:]))
		}
		tx.Done[0] = true
		return nil
	case Cmd2SessionSetup:
		tx := s.newTx(2, h.command, KindSessionSetup, h.session, h.treeID, h.msgID)
		tx.Done[0] = true
		if len(body) < 24 {
			return errShortSMB2
		}
		blob, err := span(m, int(le.Uint16(body[12:])), int(le.Uint16(body[14:])), "session setup blob")
		if err != nil {
			return err
		}
		tx.HasNTLMSSP = tx.ntlmAuth(blob)
		return nil
	case Cmd2TreeConnect:
		if len(body) < 8 {
			return errShortSMB2
		}
		path, err := span(m, int(le.Uint16(body[4:])), int(le.Uint16(body[6:])), "tree path")
		if err != nil {
			return err
		}
		tx := s.newTx(2, h.command, KindTreeConnect, h.session, h.treeID, h.msgID)
		at := len(tx.text)
		tx.text = dropNULs(tx.text, path)
		tx.Share = tx.text[at:]
		tx.Done[0] = true
		return nil
	case Cmd2Create:
		if len(body) < 56 {
			return errShortSMB2
		}
		name, err := span(m, int(le.Uint16(body[44:])), int(le.Uint16(body[46:])), "create name")
		if err != nil {
			return err
		}
		tx := s.newTx(2, h.command, KindCreate, h.session, h.treeID, h.msgID)
		opts := le.Uint32(body[40:])
		tx.Disposition, tx.DeleteOnClose, tx.Directory = le.Uint32(body[36:]), opts&0x1000 != 0, opts&1 != 0
		at := len(tx.text)
		tx.text = dropNULs(tx.text, name)
		tx.Name = tx.text[at:]
		if len(s.creates) < maxMaps {
			s.creates[h.msgID] = s.keepName(tx.Name)
		}
		tx.Done[0] = true
		return nil
	case Cmd2Write:
		if len(body) < 48 {
			return errShortSMB2
		}
		n := int(le.Uint32(body[4:]))
		data, err := span(m, int(le.Uint16(body[2:])), min(n, len(m)-int(le.Uint16(body[2:]))), "write data")
		if err != nil {
			return err
		}
		if s.pipe(h.session, h.treeID, data) {
			s.pipeRequest(h, Cmd2Write, data)
		} else {
			s.fileTx([16]byte(body[16:32]), 0, Cmd2Write, h.session, h.treeID, "").chunk(le.Uint64(body[8:]), n)
		}
		return nil
	case Cmd2Read:
		if len(body) < 48 {
			return errShortSMB2
		}
		if len(s.reads) < maxMaps {
			s.reads[h.msgID] = readReq{fid: [16]byte(body[16:32]), off: le.Uint64(body[8:])}
		}
		return nil
	case Cmd2Ioctl:
		if len(body) < 56 {
			return errShortSMB2
		}
		fn := le.Uint32(body[4:])
		fid := [16]byte(body[8:24])
		if fn == fsctlPipeTransceive {
			in, err := span(m, int(le.Uint32(body[24:])), int(le.Uint32(body[28:])), "ioctl input")
			if err != nil {
				return err
			}
			if len(s.reads) < maxMaps {
				s.reads[h.msgID] = readReq{fid: fid}
			}
			if s.pipe(h.session, h.treeID, in) && s.pipeRequest(h, Cmd2Ioctl, in) {
				return nil
			}
		}
		tx := s.newTx(2, h.command, KindIoctl, h.session, h.treeID, h.msgID)
		tx.Func = fn
		tx.Done[0] = true
		return nil
	case Cmd2SetInfo:
		s.setInfo(h, m, body)
		return nil
	case Cmd2TreeDisconnect:
		delete(s.trees, treeKey{h.session, h.treeID})
	case Cmd2Close:
		if len(body) >= 24 {
			s.closeFile([16]byte(body[8:24]))
		}
	}
	if smb2CreatesTx(h.command) {
		tx := s.newTx(2, h.command, KindGeneric, h.session, h.treeID, h.msgID)
		tx.Done[0] = true
	}
	return nil
}

func (s *State) smb2Response(h *smb2Header, m []byte) error {
	le := binary.LittleEndian
	body := m[smb2HeaderLen:]
	switch h.command {
	case Cmd2Negotiate:
		if len(body) < 64 {
			if tx := s.negotiateTx(); tx != nil {
				tx.setStatus(h.status)
				tx.Done[1] = true
			}
			return errShortSMB2
		}
		s.Dialect = le.Uint16(body[4:])
		s.MaxRead, s.MaxWrite = le.Uint32(body[32:]), le.Uint32(body[36:])
		if tx := s.negotiateTx(); tx != nil {
			tx.ServerGUID = [16]byte(body[8:24])
			tx.setStatus(h.status)
			tx.Done[1] = true
		}
		return nil
	case Cmd2SessionSetup:
		if tx := s.find(2, h.command, h.msgID); tx != nil {
			tx.SessionID = h.session
			tx.setStatus(h.status)
			tx.Done[1] = true
		}
		return nil
	case Cmd2TreeConnect:
		tx := s.find(2, h.command, h.msgID)
		if tx == nil {
			return nil
		}
		tx.setStatus(h.status)
		tx.Done[1] = true
		if h.status != StatusSuccess || len(body) < 3 {
			return nil
		}
		tx.ShareType, tx.IsPipe, tx.TreeID, tx.SessionID = body[2], body[2] == 2, h.treeID, h.session
		if len(s.trees) < maxMaps {
			s.trees[treeKey{h.session, h.treeID}] = tree{isPipe: tx.IsPipe, name: s.keepName(tx.Share)}
		}
		return nil
	case Cmd2Create:
		tx := s.find(2, h.command, h.msgID)
		if tx == nil {
			return nil
		}
		tx.setStatus(h.status)
		if h.status == StatusPending {
			return nil // an interim answer: the create completes with the final one
		}
		tx.Done[1] = true
		if h.status != StatusSuccess {
			return nil
		}
		if len(body) < 88 {
			return errShortSMB2
		}
		tx.Created, tx.Accessed = filetime(le.Uint64(body[8:])), filetime(le.Uint64(body[16:]))
		tx.Modified, tx.Changed = filetime(le.Uint64(body[24:])), filetime(le.Uint64(body[32:]))
		tx.Size = le.Uint64(body[48:])
		tx.FUID, tx.HasFUID = [16]byte(body[64:80]), true
		if r, ok := s.creates[h.msgID]; ok && len(s.names) < maxMaps {
			s.names[tx.FUID] = r
		}
		delete(s.creates, h.msgID)
		return nil
	case Cmd2Read:
		if h.status == StatusPending {
			return nil // an interim answer: the read's data comes with the final one
		}
		// Like Suricata, the answer's own ids (an async answer has tree id 0) say which tree,
		// hence whether a pipe, the data came from.
		rq, ok := s.reads[h.msgID]
		delete(s.reads, h.msgID)
		if !ok || (h.status != StatusSuccess && h.status != StatusBufferOverflow) || len(body) < 16 {
			return nil
		}
		off := int(body[2])
		data, err := span(m, off, min(int(le.Uint32(body[4:])), len(m)-off), "read data")
		if err != nil {
			return err
		}
		if s.pipe(h.session, h.treeID, data) {
			s.pipeResponse(h, data)
		} else {
			s.fileTx(rq.fid, 1, Cmd2Read, h.session, h.treeID, "<unknown>").chunk(rq.off, int(le.Uint32(body[4:])))
		}
		return nil
	case Cmd2Ioctl:
		if h.status == StatusPending {
			break
		}
		_, ok := s.reads[h.msgID]
		delete(s.reads, h.msgID)
		if ok && len(body) >= 48 && (h.status == StatusSuccess || h.status == StatusBufferOverflow) {
			out, err := span(m, int(le.Uint32(body[32:])), int(le.Uint32(body[36:])), "ioctl output")
			if err != nil {
				return err
			}
			if s.pipe(h.session, h.treeID, out) && s.pipeResponse(h, out) {
				return nil
			}
		}
	case Cmd2Write:
		return nil
	}
	if tx := s.find(2, h.command, h.msgID); tx != nil {
		tx.setStatus(h.status)
		if h.status != StatusPending {
			tx.Done[1] = true
		}
	}
	return nil
}

// negotiateTx is the negotiation an SMB2 negotiate response answers: an SMB2 request, or
// the SMB1 one a server answers with SMB2.
func (s *State) negotiateTx() *Tx {
	for _, v := range [2]uint8{2, 1} {
		for _, tx := range s.txs {
			if tx.Kind == KindNegotiate && tx.Version == v && !tx.Done[1] {
				return tx
			}
		}
	}
	return nil
}

// filetime turns a Windows FILETIME into Unix seconds (0 for times before 1970).
func filetime(ft uint64) int64 {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDiff {
		return 0
	}
	return int64((ft - epochDiff) / 10000000)
}
