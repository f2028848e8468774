package smb

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
)

// segment is one TCP payload of a recorded session.
type segment struct {
	toServer bool
	b        []byte
}

// loadSession reads a session recorded as lines "> hex" (to server) and "< hex" (to client).
func loadSession(t testing.TB, name string) []segment {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var segs []segment
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dir, h, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, segment{dir == ">", b})
	}
	return segs
}

// TestPipeSession runs an SMB2 session (suricata-verify bug-5162: SMB1 negotiate answered
// with SMB2, SMB2 negotiate, NTLMSSP session setup, IPC$ tree connect, svcctl create, four
// DCERPC calls written to the pipe and read back, logoff) and checks its transactions as
// Suricata makes them: 11, the reads without one of their own.
func TestPipeSession(t *testing.T) {
	s := New()
	for _, g := range loadSession(t, "bug-5162-smb2-pipe.txt") {
		s.Feed(g.toServer, g.b)
	}
	if s.Stats.Malformed != 0 {
		t.Errorf("%d malformed", s.Stats.Malformed)
	}
	txs := s.Txs()
	want := []struct {
		cmd  string
		kind Kind
	}{
		{"SMB1_COMMAND_NEGOTIATE_PROTOCOL", KindNegotiate}, {"SMB2_COMMAND_NEGOTIATE_PROTOCOL", KindNegotiate},
		{"SMB2_COMMAND_SESSION_SETUP", KindSessionSetup}, {"SMB2_COMMAND_SESSION_SETUP", KindSessionSetup},
		{"SMB2_COMMAND_TREE_CONNECT", KindTreeConnect}, {"SMB2_COMMAND_CREATE", KindCreate},
		{"SMB2_COMMAND_WRITE", KindDCERPC}, {"SMB2_COMMAND_WRITE", KindDCERPC}, {"SMB2_COMMAND_WRITE", KindDCERPC},
		{"SMB2_COMMAND_WRITE", KindDCERPC}, {"SMB2_COMMAND_SESSION_LOGOFF", KindGeneric},
	}
	if len(txs) != len(want) {
		t.Fatalf("%d txs, want %d", len(txs), len(want))
	}
	for i, w := range want {
		tx := txs[i]
		if tx.CommandName() != w.cmd || tx.Kind != w.kind || !tx.Done[1] || !tx.HasStatus || tx.ID != uint64(i+1) {
			t.Errorf("tx %d: %s kind %d done %v status %v id %d", i, tx.CommandName(), tx.Kind, tx.Done, tx.HasStatus, tx.ID)
		}
	}
	if s.Dialect != 0x0210 || s.MaxRead != 8388608 || DialectName(s.Dialect) != "2.10" {
		t.Errorf("dialect %#x max read %d", s.Dialect, s.MaxRead)
	}
	if d := string(txs[0].Dialects1); d != "NT LM 0.12\x00SMB 2.002\x00SMB 2.???\x00" {
		t.Errorf("smb1 dialects %q", d)
	}
	if txs[2].Status != 0xc0000016 || StatusName(txs[2].Status) != "STATUS_MORE_PROCESSING_REQUIRED" || txs[2].SessionID != 21990299664497 {
		t.Errorf("first session setup: %#x session %d", txs[2].Status, txs[2].SessionID)
	}
	if n := txs[3].NTLMSSP; !txs[3].HasNTLMSSP || string(n.User) != "Administrator" || string(n.Host) != "WIN10" || len(n.Domain) != 0 {
		t.Errorf("ntlmssp %+v", n)
	}
	if tc := txs[4]; string(tc.Share) != `\\192.168.56.102\IPC$` || !tc.IsPipe || tc.TreeID != 1 {
		t.Errorf("tree connect %q pipe %v tree %d", tc.Share, tc.IsPipe, tc.TreeID)
	}
	if cr := txs[5]; string(cr.Name) != "svcctl" || cr.Disposition != 1 || cr.DeleteOnClose {
		t.Errorf("create %q disposition %d", cr.Name, cr.Disposition)
	}
	bind, req := &txs[6].RPC, &txs[7].RPC
	if !bind.ReqSet || !bind.ResSet || bind.ReqCmd != dcerpc.TypeBind || bind.ResCmd != dcerpc.TypeBindAck || bind.CallID != 1 {
		t.Errorf("bind %+v", bind)
	}
	if len(s.Ifaces) != 1 || !s.Ifaces[0].Acked || s.Ifaces[0].Result != 0 || s.Ifaces[0].Version != 2 {
		t.Errorf("interfaces %+v", s.Ifaces)
	}
	if req.ReqCmd != dcerpc.TypeRequest || req.Opnum != 15 || len(req.Stub[0]) != 112 || len(req.Stub[1]) != 24 || req.Frags != [2]uint16{1, 1} {
		t.Errorf("request opnum %d stubs %d/%d", req.Opnum, len(req.Stub[0]), len(req.Stub[1]))
	}
}

// TestSplitAnywhere feeds the session cut at every byte: records are gathered across cuts.
func TestSplitAnywhere(t *testing.T) {
	segs := loadSession(t, "bug-5162-smb2-pipe.txt")
	s := New()
	for _, g := range segs {
		for i := range g.b {
			s.Feed(g.toServer, g.b[i:i+1])
		}
	}
	if len(s.Txs()) != 11 || s.Stats.Malformed != 0 {
		t.Fatalf("%d txs, %d malformed", len(s.Txs()), s.Stats.Malformed)
	}
}

// TestGap loses the middle of the session: the direction resyncs on the next SMB record.
func TestGap(t *testing.T) {
	segs := loadSession(t, "bug-5162-smb2-pipe.txt")
	s := New()
	for i, g := range segs {
		if i == 10 {
			s.Feed(g.toServer, g.b[:20])
			s.Gap(g.toServer, 5)
			continue
		}
		s.Feed(g.toServer, g.b)
	}
	if s.Stats.Gaps != 1 || len(s.Txs()) < 9 {
		t.Fatalf("gaps %d txs %d", s.Stats.Gaps, len(s.Txs()))
	}
}

func TestMalformed(t *testing.T) {
	s := New()
	s.Feed(true, []byte("\x00\x00\x00\x08\xfeSMB\x40\x00\x00\x00")) // SMB2 header cut short
	s.Feed(true, []byte("GET / HTTP/1.1\r\n"))                      // not NetBIOS at all
	if s.Stats.Malformed != 2 || len(s.Txs()) != 0 {
		t.Fatalf("malformed %d txs %d", s.Stats.Malformed, len(s.Txs()))
	}
}

func TestFeedAllocs(t *testing.T) {
	segs := loadSession(t, "bug-5162-smb2-pipe.txt")
	s := New()
	run := func() {
		for _, g := range segs {
			s.Feed(g.toServer, g.b)
		}
		s.Release(func(*Tx) bool { return true })
		s.Reset()
	}
	run()
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Errorf("%v allocs per session", n)
	}
}

// TestSMB1Session runs an SMB1 session (suricata-verify smb-named-pipe-ascii): negotiate,
// two NTLMSSP session setups, an IPC$ tree connect, an echo and a tree disconnect, with the
// names and ids Suricata logs for them.
func TestSMB1Session(t *testing.T) {
	s := New()
	for _, g := range loadSession(t, "smb1-named-pipe-ascii.txt") {
		s.Feed(g.toServer, g.b)
	}
	txs := s.Txs()
	want := []string{"SMB1_COMMAND_NEGOTIATE_PROTOCOL", "SMB1_COMMAND_SESSION_SETUP_ANDX", "SMB1_COMMAND_SESSION_SETUP_ANDX",
		"SMB1_COMMAND_TREE_CONNECT_ANDX", "SMB1_COMMAND_ECHO", "SMB1_COMMAND_TREE_DISCONNECT"}
	if len(txs) != len(want) || s.Stats.Malformed != 0 {
		t.Fatalf("%d txs (want %d), %d malformed", len(txs), len(want), s.Stats.Malformed)
	}
	for i, w := range want {
		if txs[i].CommandName() != w || !txs[i].Done[1] || txs[i].Status != StatusSuccess && i != 1 {
			t.Errorf("tx %d: %s done %v status %#x", i, txs[i].CommandName(), txs[i].Done, txs[i].Status)
		}
	}
	if string(s.Dialect1) != "NT LM 0.12" || s.Dialect != 0 || txs[0].ServerGUID == [16]byte{} {
		t.Errorf("dialect %q/%#x server guid %x", s.Dialect1, s.Dialect, txs[0].ServerGUID)
	}
	if ss := txs[2]; ss.SessionID != 4096 || string(ss.NTLMSSP.User) != "Administrateur" || string(ss.NTLMSSP.Domain) != "WORKGROUP" ||
		string(ss.ReqHost.OS) != "Unix" || string(ss.ReqHost.LM) != "Samba" || string(ss.RespHost.OS) != "Windows Server 2019 Standard 17763" {
		t.Errorf("session setup: session %d ntlmssp %q/%q hosts %q/%q %q", ss.SessionID, ss.NTLMSSP.Domain, ss.NTLMSSP.User,
			ss.ReqHost.OS, ss.ReqHost.LM, ss.RespHost.OS)
	}
	if tc := txs[3]; string(tc.Share) != `\127.0.0.1\IPC$` || !tc.IsPipe || tc.TreeID != 2049 ||
		string(tc.Service1[0]) != "?????" || string(tc.Service1[1]) != "IPC" {
		t.Errorf("tree connect %q pipe %v tree %d services %q", tc.Share, tc.IsPipe, tc.TreeID, tc.Service1)
	}
}

func TestDOSErrorName(t *testing.T) {
	for _, c := range []struct {
		class uint8
		code  uint16
		want  string
	}{{2, 91, "SRV_BADUID"}, {1, 5, "DOS_ACCESS_DENIED"}, {1, 300, "300"}, {3, 0x5b, "UNKNOWN_03_005b"}} {
		if got := DOSErrorName(c.class, c.code); got != c.want {
			t.Errorf("%d/%d: %q, want %q", c.class, c.code, got, c.want)
		}
	}
}

// TestFileTransactions: a file written, read back, renamed and set delete-on-close makes
// Suricata's transactions: one per file and direction, named from its create and completed by
// its close, and one per set info.
func TestFileTransactions(t *testing.T) {
	s := New()
	const session, tree = 7, 3
	fid := [16]byte{1, 2, 3}
	hdr := func(cmd uint16, msgID uint64, response bool) []byte {
		b := make([]byte, smb2HeaderLen)
		copy(b, "\xfeSMB")
		binary.LittleEndian.PutUint16(b[12:], cmd)
		if response {
			b[16] = 1
		}
		binary.LittleEndian.PutUint64(b[24:], msgID)
		binary.LittleEndian.PutUint32(b[36:], tree)
		binary.LittleEndian.PutUint64(b[40:], session)
		return b
	}
	record := func(toServer bool, msg []byte) {
		s.Feed(toServer, append([]byte{0, 0, byte(len(msg) >> 8), byte(len(msg))}, msg...))
	}
	utf := func(s string) []byte {
		var b []byte
		for _, c := range s {
			b = append(b, byte(c), 0)
		}
		return b
	}
	// Tree connect to a disk share.
	path := utf(`\\srv\data`)
	req := append(hdr(Cmd2TreeConnect, 1, false), make([]byte, 8)...)
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+4:], uint16(len(req)))
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+6:], uint16(len(path)))
	record(true, append(req, path...))
	record(false, append(hdr(Cmd2TreeConnect, 1, true), 16, 0, 1, 0)) // share type 1: a disk
	// Create "a.txt".
	name := utf("a.txt")
	req = append(hdr(Cmd2Create, 2, false), make([]byte, 56)...)
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+44:], uint16(len(req)))
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+46:], uint16(len(name)))
	record(true, append(req, name...))
	resp := append(hdr(Cmd2Create, 2, true), make([]byte, 88)...)
	copy(resp[smb2HeaderLen+64:], fid[:])
	record(false, resp)
	// Write 4 bytes, then read them back.
	req = append(hdr(Cmd2Write, 3, false), make([]byte, 48)...)
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+2:], uint16(len(req)))
	binary.LittleEndian.PutUint32(req[smb2HeaderLen+4:], 4)
	copy(req[smb2HeaderLen+16:], fid[:])
	record(true, append(req, "data"...))
	req = append(hdr(Cmd2Read, 4, false), make([]byte, 48)...)
	copy(req[smb2HeaderLen+16:], fid[:])
	record(true, req)
	resp = append(hdr(Cmd2Read, 4, true), make([]byte, 16)...)
	resp[smb2HeaderLen+2] = byte(len(resp))
	binary.LittleEndian.PutUint32(resp[smb2HeaderLen+4:], 4)
	record(false, append(resp, "data"...))
	// Set delete on close, then close.
	req = append(hdr(Cmd2SetInfo, 5, false), make([]byte, 32)...)
	req[smb2HeaderLen+2], req[smb2HeaderLen+3] = infoTypeFile, classDisposition
	binary.LittleEndian.PutUint32(req[smb2HeaderLen+4:], 1)
	binary.LittleEndian.PutUint16(req[smb2HeaderLen+8:], uint16(len(req)))
	copy(req[smb2HeaderLen+16:], fid[:])
	record(true, append(req, 1))
	record(false, append(hdr(Cmd2SetInfo, 5, true), 2, 0))
	req = append(hdr(Cmd2Close, 6, false), make([]byte, 24)...)
	copy(req[smb2HeaderLen+8:], fid[:])
	record(true, req)

	var files, setInfo []*Tx
	for _, tx := range s.Txs() {
		switch tx.Kind {
		case KindFile:
			files = append(files, tx)
		case KindSetInfo:
			setInfo = append(setInfo, tx)
		}
	}
	if len(files) != 2 || len(setInfo) != 1 || s.Stats.Malformed != 0 {
		t.Fatalf("%d file and %d set-info txs, %d malformed", len(files), len(setInfo), s.Stats.Malformed)
	}
	w, r := files[0], files[1]
	if w.Command != Cmd2Write || string(w.Name) != "a.txt" || len(w.Share) != 0 || w.FUID != fid || !w.Done[1] {
		t.Errorf("write tx %s %q share %q done %v", w.CommandName(), w.Name, w.Share, w.Done)
	}
	if r.Command != Cmd2Read || string(r.Name) != "a.txt" || string(r.Share) != `\\srv\data` || !r.Done[1] ||
		r.File != (FileInfo{End: 4, Closed: true, seen: 4}) || w.File != (FileInfo{End: 4, Closed: true, seen: 4}) {
		t.Errorf("read tx %s %q share %q done %v", r.CommandName(), r.Name, r.Share, r.Done)
	}
	if si := setInfo[0]; string(si.Name) != "a.txt" || !si.DeleteOnClose || si.Rename || !si.Done[1] {
		t.Errorf("set info %q delete %v rename %v done %v", si.Name, si.DeleteOnClose, si.Rename, si.Done)
	}
}
