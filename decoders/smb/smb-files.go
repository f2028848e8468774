package smb

import "encoding/binary"

// File transactions. Suricata makes one per file and direction that reads or writes carry
// (not pipes): it names the file (from its create), the share (from its tree connect) and its
// id, and completes when the file is closed. Nightjar makes the same transactions for its smb
// events; the file data itself is not extracted.

// maxArena bounds the bytes of file and share names a flow keeps for naming file
// transactions; when full, the names kept so far are forgotten (the transactions that follow
// are named as Suricata names unknown files).
const maxArena = 64 << 10

// nameRef is a name kept in the state's arena.
type nameRef struct{ off, n uint32 }

// keepName copies b into the arena.
func (s *State) keepName(b []byte) nameRef {
	if len(s.arena)+len(b) > maxArena {
		s.arena = s.arena[:0]
		clear(s.names)
		clear(s.creates)
		for k, t := range s.trees {
			t.name = nameRef{}
			s.trees[k] = t
		}
		if len(b) > maxArena {
			return nameRef{}
		}
	}
	r := nameRef{off: uint32(len(s.arena)), n: uint32(len(b))}
	s.arena = append(s.arena, b...)
	return r
}

func (s *State) name(r nameRef) []byte { return s.arena[r.off : r.off+r.n] }

// fileTx finds or starts the file transaction of file fid in direction d (0: written, 1:
// read), made by a command of the given ids. unknown is the name Suricata gives a file whose
// create it did not see.
func (s *State) fileTx(fid [16]byte, d int, cmd uint16, session uint64, treeID uint32, unknown string) *Tx {
	for _, tx := range s.txs {
		if tx.Kind == KindFile && tx.FUID == fid && tx.fileDir == d && !tx.Done[1] {
			return tx
		}
	}
	tx := s.newTx(2, cmd, KindFile, session, treeID, 0)
	tx.FUID, tx.fileDir = fid, d
	if r, ok := s.names[fid]; ok {
		tx.Name = tx.keepText(s.name(r))
	} else {
		tx.Name = tx.keepText([]byte(unknown))
	}
	// Suricata names the share of files read only.
	if t, ok := s.trees[treeKey{session, treeID}]; ok && d == 1 {
		tx.Share = tx.keepText(s.name(t.name))
	}
	return tx
}

// chunk accounts n bytes of the file at offset off. Reads and writes may come in any order:
// the file spans to the furthest byte seen, and has gaps when fewer bytes than that came.
func (tx *Tx) chunk(off uint64, n int) {
	tx.File.seen += uint64(n)
	tx.File.End = max(tx.File.End, off+uint64(n))
	tx.File.Gaps = tx.File.seen < tx.File.End
}

// closeFile completes the file transactions of fid: its close ends them, successfully.
func (s *State) closeFile(fid [16]byte) {
	for _, tx := range s.txs {
		if tx.Kind == KindFile && tx.FUID == fid && !tx.Done[1] {
			tx.setStatus(StatusSuccess)
			tx.Done = [2]bool{true, true}
			tx.File.Closed = true
		}
	}
}

// SMB2 set info: the classes Suricata makes transactions of.
const (
	infoTypeFile       = 1
	classRename        = 10
	classDisposition   = 13
	setInfoFixedLength = 32
)

// setInfo makes the transaction of a set-info request that renames a file or sets its
// disposition (delete on close); other set-info requests make none, as in Suricata.
func (s *State) setInfo(h *smb2Header, m, body []byte) {
	le := binary.LittleEndian
	if len(body) < setInfoFixedLength || body[2] != infoTypeFile {
		return
	}
	class := body[3]
	if class != classRename && class != classDisposition {
		return
	}
	buf, err := span(m, int(le.Uint16(body[8:])), int(le.Uint32(body[4:])), "set info buffer")
	if err != nil {
		s.Stats.Malformed++
		return
	}
	fid := [16]byte(body[16:32])
	tx := s.newTx(2, Cmd2SetInfo, KindSetInfo, h.session, h.treeID, h.msgID)
	tx.FUID = fid
	tx.Done[0] = true
	// A set info compounded after a create names the file that create asks for (its id is
	// not known yet), as Suricata finds it.
	r, ok := s.names[fid]
	if !ok && h.msgID > 0 {
		r, ok = s.creates[h.msgID-1]
	}
	if ok {
		tx.Name = tx.keepText(s.name(r))
	} else {
		tx.Name = tx.keepText([]byte("<unknown>"))
	}
	if class == classDisposition {
		tx.DeleteOnClose = len(buf) > 0 && buf[0] != 0
		return
	}
	// Rename: replace flag (1), reserved (7), root directory (8), name length (4), name.
	tx.Rename = true
	if len(buf) >= 20 {
		name, err := span(buf, 20, int(le.Uint32(buf[16:])), "new name")
		if err != nil {
			s.Stats.Malformed++
			return
		}
		at := len(tx.text)
		tx.text = dropNULs(tx.text, name)
		tx.NewName = tx.text[at:len(tx.text):len(tx.text)]
	}
}
