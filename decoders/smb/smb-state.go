package smb

import (
	"encoding/binary"
	"fmt"
	"github.com/nightjar-ids/nightjar/decoders/internal/txlist"

	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
)

// Limits that bound a flow's memory.
const (
	// maxRecord is the most of one NetBIOS record buffered whole; a longer record (a large
	// file read or write) is parsed from its first recordHead bytes and the rest skipped.
	maxRecord  = 256 << 10
	recordHead = 8 << 10
	maxTxs     = 256 // live transactions; past it the oldest is completed
	maxMaps    = 1024
	maxStub    = 1 << 20
	maxIfaces  = 64
)

// Kind is what a transaction carries beyond the common header.
type Kind uint8

// Transaction kinds (Suricata's SMBTransactionTypeData).
const (
	KindGeneric Kind = iota
	KindNegotiate
	KindSessionSetup
	KindTreeConnect
	KindCreate
	KindDCERPC
	KindIoctl
	KindFile    // a file read or written (not a pipe)
	KindSetInfo // SMB2 set info: a file's disposition (delete on close) or its renaming
)

// NTLMSSP is what an NTLMSSP authenticate message names.
type NTLMSSP struct {
	Domain, User, Host []byte // UTF-8
	HasVersion         bool
	Major, Minor       uint8
	Build              uint16
	Revision           uint8
}

// RPC is the DCERPC exchange a transaction carried over a named pipe.
type RPC struct {
	ReqSet, ResSet bool
	ReqCmd, ResCmd uint8
	CallID         uint32
	CtxID, Opnum   uint16
	LittleEndian   bool // the request's integer representation
	Frags          [2]uint16
	Stub           [2][]byte
}

// Tx is one of Suricata's SMB transactions: a request with its response, or the DCERPC
// exchange over a pipe that writes and reads carry.
type Tx struct {
	ID        uint64 // from 1
	Version   uint8  // 1 or 2
	Command   uint16
	Kind      Kind
	Status    uint32
	HasStatus bool
	// DOSError: an SMB1 answer without NT status codes; Status holds its class (low byte)
	// and code (high 16 bits) as the header does.
	DOSError  bool
	SessionID uint64
	TreeID    uint32
	msgID     uint64
	Done      [2]bool

	// Negotiate: the client's dialects (SMB2 numbers, SMB1 strings back to back, NUL ended).
	Dialects2     []uint16
	Dialects1     []byte
	ClientGUID    [16]byte
	HasClientGUID bool
	ServerGUID    [16]byte
	// Session setup: NTLMSSP, and (SMB1) the client's and the server's native OS and LM.
	NTLMSSP           NTLMSSP
	HasNTLMSSP        bool
	ReqHost, RespHost Host
	// Tree connect: the share, its SMB2 type, and the SMB1 services asked for and given.
	Share     []byte
	ShareType uint8
	IsPipe    bool
	Service1  [2][]byte
	// Create.
	Name                                 []byte
	Disposition                          uint32
	DeleteOnClose, Directory             bool
	Created, Accessed, Modified, Changed int64 // Unix seconds
	Size                                 uint64
	FUID                                 [16]byte
	HasFUID                              bool // a create's answer gave the file id
	// DCERPC over a pipe.
	RPC RPC
	// Ioctl.
	Func uint32
	// File: Name, Share and FUID name it; fileDir is 0 for writes, 1 for reads.
	fileDir int
	File    FileInfo
	// Set info: Rename (Name is the old name, NewName the new), or a disposition
	// (DeleteOnClose, Name) of file FUID.
	Rename  bool
	NewName []byte

	// Logged is the sensor's mark, reset with the transaction.
	Logged bool
	text   []byte // backing store of the UTF-8 fields
}

// FileInfo is what a file transaction tracked of the file's data (not kept).
type FileInfo struct {
	End    uint64 // the furthest byte seen: the file's size
	Gaps   bool   // bytes before End never came
	Closed bool   // the client closed it (otherwise the flow ended first)
	seen   uint64
}

// ToServer reports whether the file travelled to the server (written) rather than read.
func (tx *Tx) ToServer() bool { return tx.fileDir == 0 }

// Stats count what the parser met.
type Stats struct {
	Records   uint64
	Malformed uint64 // records or commands that did not decode
	Gaps      uint64
	Skipped   uint64 // bytes of records too large to buffer, or encrypted
}

type treeKey struct {
	session uint64
	tree    uint32
}

// readReq is what a read (or transceive ioctl) request read.
type readReq struct {
	fid [16]byte
	off uint64
}

type tree struct {
	isPipe bool
	name   nameRef
}

// State is the SMB state of one flow: in-order bytes of each direction in, transactions out.
type State struct {
	txs    []*Tx
	free   []*Tx
	nextID uint64
	dir    [2]direction

	Dialect  uint16 // SMB2 dialect the server chose; 0: none yet
	Dialect1 []byte // SMB1 dialect the server chose
	MaxRead  uint32
	MaxWrite uint32
	trees    map[treeKey]tree
	reads    map[uint64]readReq   // read or ioctl request message id to what it reads
	names    map[[16]byte]nameRef // file id to the name it was created with
	creates  map[uint64]nameRef   // create request message id to the name it asked for
	arena    []byte               // the names (smb-files.go)
	// Ifaces are the interfaces the last bind over a pipe offered, with their answers.
	Ifaces []dcerpc.Interface
	Stats  Stats
}

// direction is one direction's NetBIOS framing.
type direction struct {
	buf  []byte
	skip int  // bytes of an oversized record still to skip
	gap  bool // lost bytes: wait for a record start to resync
}

// New returns an empty state.
func New() *State {
	return &State{trees: map[treeKey]tree{}, reads: map[uint64]readReq{}, names: map[[16]byte]nameRef{},
		creates: map[uint64]nameRef{}}
}

// Reset readies the state for another flow, keeping its buffers.
func (s *State) Reset() {
	s.free = append(s.free, s.txs...)
	clear(s.txs)
	clear(s.trees)
	clear(s.reads)
	clear(s.names)
	clear(s.creates)
	*s = State{txs: s.txs[:0], free: s.free, trees: s.trees, reads: s.reads, names: s.names, creates: s.creates,
		arena:  s.arena[:0],
		Ifaces: s.Ifaces[:0], Dialect1: s.Dialect1[:0],
		dir: [2]direction{{buf: s.dir[0].buf[:0]}, {buf: s.dir[1].buf[:0]}}}
}

// Txs are the live transactions, oldest first.
func (s *State) Txs() []*Tx { return s.txs }

// Release drops the transactions the sensor is done with, keeping their buffers.
func (s *State) Release(done func(tx *Tx) bool) {
	s.txs, s.free = txlist.Release(s.txs, s.free, done)
}

// Finish completes every transaction: the flow is over.
func (s *State) Finish() {
	for _, tx := range s.txs {
		tx.Done = [2]bool{true, true}
	}
}

// Retained is the memory the state holds for reuse (approximately, maps counted per entry).
func (s *State) Retained() int {
	n := cap(s.dir[0].buf) + cap(s.dir[1].buf) + cap(s.Dialect1) + cap(s.Ifaces)*48 +
		(len(s.trees)+len(s.reads)+len(s.names)+len(s.creates))*64 + cap(s.arena)
	for _, l := range [2][]*Tx{s.txs, s.free} {
		for _, tx := range l {
			n += 400 + cap(tx.text) + cap(tx.Dialects1) + 2*cap(tx.Dialects2) + cap(tx.RPC.Stub[0]) + cap(tx.RPC.Stub[1])
		}
	}
	return n
}

// Gap tells the state n bytes of a direction were never seen: the record being gathered is
// dropped and the direction resyncs on the next record that starts with an SMB header.
func (s *State) Gap(toServer bool, n int) {
	d := &s.dir[dirIndex(toServer)]
	s.Stats.Gaps++
	d.buf = d.buf[:0]
	if d.skip > n {
		d.skip -= n
		return
	}
	d.skip = 0
	d.gap = true
}

// Feed parses in-order bytes of one direction: NetBIOS session records, each holding SMB1,
// SMB2 (compounds included) or an encrypted SMB3 message.
func (s *State) Feed(toServer bool, b []byte) {
	di := dirIndex(toServer)
	d := &s.dir[di]
	for len(b) > 0 {
		if d.skip > 0 {
			n := min(d.skip, len(b))
			d.skip -= n
			b = b[n:]
			s.Stats.Skipped += uint64(n)
			continue
		}
		if d.gap {
			i := resync(b)
			if i < 0 {
				return
			}
			b = b[i:]
			d.gap = false
		}
		data := b
		if len(d.buf) > 0 {
			d.buf = append(d.buf, b...)
			data = d.buf
		}
		used := s.records(toServer, data)
		if len(d.buf) > 0 {
			rest := copy(d.buf, d.buf[used:])
			d.buf = d.buf[:rest]
		} else if used < len(data) {
			d.buf = append(d.buf, data[used:]...)
		}
		return
	}
}

// records parses the whole records at the start of b and returns the bytes it used; an
// oversized record is parsed from its head and the rest of it skipped.
func (s *State) records(toServer bool, b []byte) int {
	d := &s.dir[dirIndex(toServer)]
	used := 0
	for len(b)-used >= 4 {
		r := b[used:]
		n := int(r[1]&1)<<16 | int(r[2])<<8 | int(r[3])
		if r[0] != nbssSessionMessage {
			if !setupType(r[0]) {
				// Not a NetBIOS record: the framing is lost.
				s.Stats.Malformed++
				d.gap = true
				return len(b)
			}
			if len(r) < 4+n {
				return used
			}
			used += 4 + n
			continue
		}
		if len(r) >= 4+n {
			s.Stats.Records++
			s.message(toServer, r[4:4+n])
			used += 4 + n
			continue
		}
		if n > maxRecord && len(r) >= 4+recordHead {
			s.Stats.Records++
			s.message(toServer, r[4:])
			d.skip = 4 + n - len(r)
			return len(b)
		}
		return used
	}
	return used
}

// resync is where a record carrying an SMB header may start in b after a gap.
func resync(b []byte) int {
	for i := 0; i+8 <= len(b); i++ {
		if b[i] == 0 && (b[i+4] == 0xfe || b[i+4] == 0xff) && string(b[i+5:i+8]) == "SMB" {
			return i
		}
	}
	return -1
}

// message dispatches one record's payload on its protocol magic.
func (s *State) message(toServer bool, m []byte) {
	if len(m) < 4 {
		s.Stats.Malformed++
		return
	}
	switch {
	case m[0] == 0xfe && string(m[1:4]) == "SMB":
		for len(m) > 0 {
			next, err := s.smb2(toServer, m)
			if err != nil {
				s.Stats.Malformed++
				return
			}
			if next == 0 || next >= len(m) {
				return
			}
			m = m[next:]
		}
	case m[0] == 0xff && string(m[1:4]) == "SMB":
		if err := s.smb1(toServer, m); err != nil {
			s.Stats.Malformed++
		}
	default:
		// SMB3 transform (encrypted) or something else: nothing to see.
		s.Stats.Skipped += uint64(len(m))
	}
}

// newTx starts a transaction.
func (s *State) newTx(version uint8, cmd uint16, kind Kind, session uint64, treeID uint32, msgID uint64) *Tx {
	if len(s.txs) >= maxTxs {
		s.txs[0].Done = [2]bool{true, true}
	}
	var tx *Tx
	if n := len(s.free); n > 0 {
		tx = s.free[n-1]
		s.free = s.free[:n-1]
		*tx = Tx{Dialects2: tx.Dialects2[:0], Dialects1: tx.Dialects1[:0], text: tx.text[:0],
			RPC: RPC{Stub: [2][]byte{tx.RPC.Stub[0][:0], tx.RPC.Stub[1][:0]}}}
	} else {
		tx = &Tx{}
	}
	s.nextID++
	tx.ID, tx.Version, tx.Command, tx.Kind = s.nextID, version, cmd, kind
	tx.SessionID, tx.TreeID, tx.msgID = session, treeID, msgID
	s.txs = append(s.txs, tx)
	return tx
}

// find returns the live transaction of a version and command a response with msgID answers.
func (s *State) find(version uint8, cmd uint16, msgID uint64) *Tx {
	for i := len(s.txs) - 1; i >= 0; i-- {
		tx := s.txs[i]
		if tx.Version == version && tx.Command == cmd && tx.msgID == msgID && !tx.Done[1] && tx.Kind != KindDCERPC {
			return tx
		}
	}
	return nil
}

// setStatus records the status of the response that answered tx.
func (tx *Tx) setStatus(st uint32) { tx.Status, tx.HasStatus = st, true }

// keepText stores b in the transaction's text buffer and returns the stored copy.
func (tx *Tx) keepText(b []byte) []byte {
	at := len(tx.text)
	tx.text = append(tx.text, b...)
	return tx.text[at:len(tx.text):len(tx.text)]
}

// utf16 appends the UTF-16LE text b to dst as UTF-8 (unpaired surrogates become U+FFFD).
func utf16(dst, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		if r >= 0xd800 && r < 0xdc00 && i+3 < len(b) {
			if r2 := rune(binary.LittleEndian.Uint16(b[i+2:])); r2 >= 0xdc00 && r2 < 0xe000 {
				r = (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
				i += 2
			}
		} else if r >= 0xd800 && r < 0xe000 {
			r = 0xfffd
		}
		dst = appendRune(dst, r)
	}
	return dst
}

func appendRune(dst []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, 0xc0|byte(r>>6), 0x80|byte(r)&0x3f)
	case r < 0x10000:
		return append(dst, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return append(dst, 0xf0|byte(r>>18), 0x80|byte(r>>12)&0x3f, 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
}

// dropNULs appends b to dst without its NUL bytes: Suricata turns UTF-16 names into text so.
func dropNULs(dst, b []byte) []byte {
	for _, c := range b {
		if c != 0 {
			dst = append(dst, c)
		}
	}
	return dst
}

// span returns b[off:off+n] or an error when it does not fit.
func span(b []byte, off, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off+n > len(b) {
		return nil, fmt.Errorf("smb: %s at %d+%d past %d bytes", what, off, n, len(b))
	}
	return b[off : off+n], nil
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}
