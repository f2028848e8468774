package ftp

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// session is a vsFTPd exchange as captured (suricata-verify bug-3519): banner, login, an
// active NLST and RETR, QUIT.
var session = []struct {
	toServer bool
	data     string
}{
	{false, "220 (vsFTPd 2.3.5)\r\n"},
	{true, "USER anonymous\r\n"},
	{false, "331 Please specify the password.\r\n"},
	{true, "PASS anonymous\r\n"},
	{false, "230 Login successful.\r\n"},
	{true, "PORT 192,168,0,13,234,10\r\n"},
	{false, "200 PORT command successful. Consider using PASV.\r\n"},
	{true, "NLST\r\n"},
	{false, "150 Here comes the directory listing.\r\n"},
	{false, "226 Directory send OK.\r\n"},
	{true, "PORT 192,168,0,13,234,22\r\n"},
	{false, "200 PORT command successful. Consider using PASV.\r\n"},
	{true, "RETR temp.txt\r\n"},
	{false, "150 Opening BINARY mode data connection for temp.txt (1164 bytes).\r\n"},
	{false, "226 Transfer complete.\r\n"},
	{true, "QUIT\r\n"},
	{false, "221 Goodbye.\r\n"},
}

func replies(t *Tx) (codes, texts []string) {
	for i := range t.NumReplies() {
		r, text := t.Reply(i)
		if r.HasCode {
			codes = append(codes, string(r.Code[:]))
		}
		texts = append(texts, string(text))
	}
	return codes, texts
}

func TestSession(t *testing.T) {
	p := NewParser(Config{})
	var chans []DataChannel
	for _, m := range session {
		p.Feed(m.toServer, []byte(m.data))
		for _, c := range p.TakeDataChannels() {
			c.FileName = bytes.Clone(c.FileName)
			chans = append(chans, c)
		}
	}
	txs := p.Txs()
	want := []struct {
		cmd, data string
		codes     string
		port      uint16
	}{
		{"", "", "220", 0},
		{"USER", "anonymous", "331", 0},
		{"PASS", "anonymous", "230", 0},
		{"PORT", "192,168,0,13,234,10", "200", 59914},
		{"NLST", "", "150 226", 0},
		{"PORT", "192,168,0,13,234,22", "200", 59926},
		{"RETR", "temp.txt", "150 226", 0},
		{"QUIT", "", "221", 0},
	}
	if len(txs) != len(want) {
		t.Fatalf("%d transactions, want %d", len(txs), len(want))
	}
	for i, w := range want {
		tx := txs[i]
		codes, _ := replies(tx)
		if tx.ID != uint64(i) || tx.Command.String() != w.cmd || string(tx.CommandData()) != w.data ||
			strings.Join(codes, " ") != w.codes || tx.DynPort != w.port || !tx.Done {
			t.Errorf("tx %d: id %d %q %q codes %v port %d done %v, want %+v", i, tx.ID, tx.Command,
				tx.CommandData(), codes, tx.DynPort, tx.Done, w)
		}
	}
	if _, texts := replies(txs[6]); strings.Join(texts, "|") != "Opening BINARY mode data connection for temp.txt (1164 bytes).|Transfer complete." {
		t.Errorf("RETR replies %q", texts)
	}
	if !txs[3].Active || !txs[3].HasMode() || txs[3].Endpoint.Addr != netip.MustParseAddr("192.168.0.13") {
		t.Errorf("PORT: active %v mode %v endpoint %v", txs[3].Active, txs[3].HasMode(), txs[3].Endpoint)
	}
	if txs[0].HasRequest || !txs[1].HasRequest {
		t.Error("the banner is reply-only, USER is not")
	}
	wantChans := []DataChannel{
		{Port: 59914, Active: true, Command: CmdNLST, FileName: []byte{}, ToClient: false, TxID: 4},
		{Port: 59926, Active: true, Command: CmdRETR, FileName: []byte("temp.txt"), ToClient: false, TxID: 6},
	}
	if len(chans) != len(wantChans) {
		t.Fatalf("data channels %+v", chans)
	}
	for i, w := range wantChans {
		c := chans[i]
		if c.Port != w.Port || c.Active != w.Active || c.Command != w.Command ||
			string(c.FileName) != string(w.FileName) || c.ToClient != w.ToClient || c.TxID != w.TxID {
			t.Errorf("channel %d: %+v, want %+v", i, c, w)
		}
	}
	p.ReleaseDone(5)
	if len(p.Txs()) != 2 || p.Txs()[0].ID != 6 {
		t.Errorf("after release: %d transactions", len(p.Txs()))
	}
}

// TestSplitFeeding feeds the session a byte at a time: the transactions are the same.
func TestSplitFeeding(t *testing.T) {
	whole, split := NewParser(Config{}), NewParser(Config{})
	for _, m := range session {
		whole.Feed(m.toServer, []byte(m.data))
		for i := range len(m.data) {
			split.Feed(m.toServer, []byte(m.data[i:i+1]))
		}
	}
	if len(whole.Txs()) != len(split.Txs()) {
		t.Fatalf("%d vs %d transactions", len(whole.Txs()), len(split.Txs()))
	}
	for i, a := range whole.Txs() {
		b := split.Txs()[i]
		ca, ta := replies(a)
		cb, tb := replies(b)
		if a.Command != b.Command || string(a.Request()) != string(b.Request()) ||
			strings.Join(ca, ",") != strings.Join(cb, ",") || strings.Join(ta, ",") != strings.Join(tb, ",") {
			t.Errorf("tx %d differs: %q %q vs %q %q", i, a.Request(), ta, b.Request(), tb)
		}
	}
}

// TestPassiveAndMultiLine follows a ProFTPD session (suricata-verify ftp-epsv): an unknown
// command (FEAT) opens no transaction, its multi-line reply becomes a reply-only one, and
// EPSV's 229 reply gives the port a STOR then uses.
func TestPassiveAndMultiLine(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 ProFTPD 1.3.0a Server (ProFTPD Anonymous Server) [192.168.1.231]\r\n"))
	p.Feed(true, []byte("FEAT\r\n"))
	p.Feed(false, []byte("211-Features:\n MDTM\n REST STREAM\n SIZE\r\n"))
	p.Feed(false, []byte("211 End\r\n"))
	p.Feed(true, []byte("EPSV\r\n"))
	p.Feed(false, []byte("229 Entering Extended Passive Mode (|||36986|)\r\n"))
	p.Feed(true, []byte("STOR README\r\n"))
	chans := p.TakeDataChannels()
	if len(chans) != 1 || chans[0].Port != 36986 || chans[0].Active || chans[0].ToClient ||
		chans[0].Command != CmdSTOR || string(chans[0].FileName) != "README" {
		t.Fatalf("channels %+v", chans)
	}
	p.Feed(false, []byte("150 Opening BINARY mode data connection for README\r\n226 Transfer complete.\r\n"))
	txs := p.Txs()
	if len(txs) != 4 {
		t.Fatalf("%d transactions", len(txs))
	}
	codes, texts := replies(txs[1])
	if txs[1].Command != CmdUnknown || strings.Join(codes, ",") != "211" ||
		strings.Join(texts, "|") != "211-Features:| MDTM| REST STREAM| SIZE|End" || !txs[1].Done {
		t.Errorf("FEAT reply: %v %q done %v", codes, texts, txs[1].Done)
	}
	if txs[2].Command != CmdEPSV || txs[2].DynPort != 36986 || txs[2].Active || !txs[2].HasMode() {
		t.Errorf("EPSV: %+v", txs[2])
	}
	if codes, _ := replies(txs[3]); strings.Join(codes, ",") != "150,226" || !txs[3].Done {
		t.Errorf("STOR: %v", codes)
	}
}

func TestPASV(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("PASV\r\n"))
	p.Feed(false, []byte("227 Entering Passive Mode (192,168,1,1,185,13).\r\n"))
	p.Feed(true, []byte("RETR /etc/passwd\r\n"))
	tx := p.Txs()[0]
	if tx.DynPort != 47373 || tx.Active || tx.Endpoint.Addr != netip.MustParseAddr("192.168.1.1") {
		t.Errorf("PASV: port %d active %v %v", tx.DynPort, tx.Active, tx.Endpoint)
	}
	c := p.TakeDataChannels()
	if len(c) != 1 || c[0].Port != 47373 || !c[0].ToClient || string(c[0].FileName) != "/etc/passwd" {
		t.Errorf("channels %+v", c)
	}
	// The negotiated port serves one transfer: the next one has none.
	p.Feed(true, []byte("RETR again\r\n"))
	if tx := p.Txs()[len(p.Txs())-1]; !tx.Events.Has(EventFileBeforePort) {
		t.Error("a second RETR without a new PASV raised no file_before_port")
	}
}

func TestPortParsers(t *testing.T) {
	for _, c := range []struct {
		in   string
		ok   bool
		addr string
		port uint16
	}{
		{"192,168,0,13,234,10", true, "192.168.0.13", 59914},
		{" 1, 2,3,4 ,0,80", true, "1.2.3.4", 80},
		{"1,2,3,4,0,0", false, "", 0},
		{"1,2,3,256,0,80", false, "", 0},
		{"1,2,3,4,0", false, "", 0},
		{"1,2,3,4,0,80,9", false, "", 0},
		{"", false, "", 0},
	} {
		ep, ok := ParsePort([]byte(c.in))
		if ok != c.ok || ok && (ep.Addr.String() != c.addr || ep.Port != c.port) {
			t.Errorf("PORT %q: %v %v", c.in, ep, ok)
		}
	}
	for _, c := range []struct {
		in   string
		ok   bool
		addr string
		port uint16
	}{
		{"|1|132.235.1.2|6275|", true, "132.235.1.2", 6275},
		{"|2|1080::8:800:200C:417A|5282|", true, "1080::8:800:200c:417a", 5282},
		{"!1!10.0.0.1!21!", true, "10.0.0.1", 21},
		{"|1|132.235.1|6275|", false, "", 0},
		{"|3|132.235.1.2|6275|", false, "", 0},
		{"|1|132.235.1.2|70000|", false, "", 0},
		{"|2|1.2.3.4|80|", false, "", 0},
		{"|1|1.2.3.4|80", false, "", 0},
	} {
		ep, ok := ParseEPRT([]byte(c.in))
		if ok != c.ok || ok && (ep.Addr.String() != c.addr || ep.Port != c.port) {
			t.Errorf("EPRT %q: %v %v", c.in, ep, ok)
		}
	}
	for _, c := range []struct {
		in   string
		ok   bool
		port uint16
	}{
		{"227 Entering Passive Mode (212,27,32,66,221,243).", true, 56819},
		{"227 Entering Passive Mode 212,27,32,66,221,243", true, 56819},
		{"227 Entering Passive Mode (212,27,32,66,257,243).", false, 0},
		{"200 (212,27,32,66,221,243)", false, 0},
	} {
		ep, ok := ParsePASVReply([]byte(c.in))
		if ok != c.ok || ep.Port != c.port {
			t.Errorf("227 %q: %v %v", c.in, ep, ok)
		}
	}
	for _, c := range []struct {
		in   string
		ok   bool
		port uint16
	}{
		{"229 Entering Extended Passive Mode (|||48758|).", true, 48758},
		{"229 Entering Extended Passive Mode (!!!48758!)", true, 48758},
		{"229 Entering Extended Passive Mode (|||70000|)", false, 0},
		{"229 Entering Extended Passive Mode (||48758|)", false, 0},
		{"229 (|||", false, 0},
	} {
		port, ok := ParseEPSVReply([]byte(c.in))
		if ok != c.ok || port != c.port {
			t.Errorf("229 %q: %d %v", c.in, port, ok)
		}
	}
}

// TestTooLongCommand: a RETR longer than the line limit is kept cut at the limit (4096 bytes:
// the command, a space and 4091 bytes of argument, as suricata-verify ftp-too-long-command
// expects), raises request_command_too_long, and the next command parses normally — whether
// the long line arrives whole or in pieces.
func TestTooLongCommand(t *testing.T) {
	long := "RETR " + strings.Repeat("A", 5000) + "\r\nRETR index.html\r\n"
	for _, step := range []int{len(long), 1000, 7} {
		p := NewParser(Config{})
		for i := 0; i < len(long); i += step {
			p.Feed(true, []byte(long[i:min(len(long), i+step)]))
		}
		txs := p.Txs()
		if len(txs) != 2 {
			t.Fatalf("step %d: %d transactions", step, len(txs))
		}
		if len(txs[0].CommandData()) != 4091 || !txs[0].RequestTruncated ||
			!txs[0].Events.Has(EventRequestCommandTooLong) {
			t.Errorf("step %d: long RETR: %d bytes, truncated %v, events %b", step,
				len(txs[0].CommandData()), txs[0].RequestTruncated, txs[0].Events)
		}
		if string(txs[1].CommandData()) != "index.html" || txs[1].RequestTruncated || txs[1].Events.Has(EventRequestCommandTooLong) {
			t.Errorf("step %d: next RETR %q truncated %v", step, txs[1].CommandData(), txs[1].RequestTruncated)
		}
	}
	// With a higher limit the same line is whole.
	p := NewParser(Config{MaxLineLen: 8192})
	p.Feed(true, []byte(long))
	if txs := p.Txs(); len(txs) != 2 || txs[0].RequestTruncated || len(txs[0].CommandData()) != 5000 {
		t.Errorf("higher limit: %d transactions", len(txs))
	}
}

func TestTooLongReply(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("PASV\r\n"))
	p.Feed(false, []byte("227 "+strings.Repeat("x", 6000)))
	p.Feed(false, []byte("(1,2,3,4,5,6)\r\n"))
	p.Feed(true, []byte("NOOP\r\n"))
	p.Feed(false, []byte("200 ok\r\n"))
	txs := p.Txs()
	if len(txs) != 2 || !txs[0].ReplyTruncated || !txs[0].Events.Has(EventResponseCommandTooLong) || !txs[0].Done {
		t.Fatalf("PASV tx: %+v", txs[0])
	}
	if txs[1].ReplyTruncated || !txs[1].Done {
		t.Errorf("NOOP tx: %+v", txs[1])
	}
}

// TestTooManyTransactions replays suricata-verify bug-8489-03 with max-tx 1: the second of
// three pipelined PWDs finds the limit, too_many_transactions lands on the open PWD, and the
// flow is parsed no further.
func TestTooManyTransactions(t *testing.T) {
	p := NewParser(Config{MaxTx: 1})
	for _, m := range []struct {
		toServer bool
		data     string
	}{
		{false, "220 (Ftp Server)\r\n"}, {true, "USER user\r\n"}, {false, "331 Please specify the password.\r\n"},
		{true, "PASS password\r\n"}, {false, "230 Login successful.\r\n"},
	} {
		p.Feed(m.toServer, []byte(m.data))
		p.ReleaseDone(^uint64(0))
	}
	p.Feed(true, []byte("PWD\r\nPWD\r\nPWD\r\n"))
	txs := p.Txs()
	if len(txs) != 1 || txs[0].Command != CmdPWD || !txs[0].Events.Has(EventTooManyTransactions) || !txs[0].Done {
		t.Fatalf("transactions %d: %+v", len(txs), txs)
	}
	p.ReleaseDone(^uint64(0))
	p.Feed(false, []byte("257 \"/\" is the current directory.\r\n"))
	p.Feed(true, []byte("CWD /tmp\r\n"))
	if !p.Dead() || len(p.Txs()) != 0 {
		t.Errorf("parsing went on: %d transactions", len(p.Txs()))
	}
}

func TestAuthTLS(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("AUTH TLS\r\n"))
	p.Feed(false, []byte("234 Proceed with negotiation.\r\n"))
	if tx := p.Txs()[0]; tx.Command != CmdAUTHTLS || len(tx.CommandData()) != 0 {
		t.Errorf("AUTH TLS tx %q %q", tx.Command, tx.CommandData())
	}
	if !p.TLSUpgrade() || p.TLSUpgrade() {
		t.Error("the upgrade is reported once")
	}
	q := NewParser(Config{})
	q.Feed(true, []byte("AUTH TLS\r\n"))
	q.Feed(false, []byte("500 AUTH not understood\r\n"))
	if q.TLSUpgrade() {
		t.Error("a refused AUTH TLS upgraded")
	}
}

// TestGap: the line a gap cuts is dropped; the next whole line parses.
func TestGap(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("USER an"))
	p.Gap(true, 10)
	p.Feed(true, []byte("mous\r\nPASS x\r\n"))
	if txs := p.Txs(); len(txs) != 1 || txs[0].Command != CmdPASS {
		t.Fatalf("after a gap: %d transactions", len(txs))
	}
}

func TestReplyBounds(t *testing.T) {
	p := NewParser(Config{MaxReplyLines: 4, MaxReplyBytes: 64})
	p.Feed(true, []byte("HELP\r\n"))
	p.Feed(false, []byte("214-The following commands are recognized.\r\n"))
	for range 100 {
		p.Feed(false, []byte(" USER PASS ACCT CWD CDUP SMNT QUIT REIN PORT PASV TYPE\r\n"))
	}
	p.Feed(false, []byte("214 Help OK.\r\n"))
	tx := p.Txs()[0]
	if tx.NumReplies() > 4 || len(tx.arena) > 64+len(tx.Request()) || tx.RepliesDropped == 0 || !tx.Done {
		t.Errorf("%d replies, %d bytes, %d dropped, done %v", tx.NumReplies(), len(tx.arena), tx.RepliesDropped, tx.Done)
	}
}

func TestCommandNames(t *testing.T) {
	for c := CmdPORT; c < numCommands; c++ {
		if CommandByName([]byte(strings.ToLower(c.String()))) != c {
			t.Errorf("%s does not resolve", c)
		}
	}
	if c, off := splitCommand([]byte("retr file name.txt")); c != CmdRETR || off != 5 {
		t.Errorf("retr: %v %d", c, off)
	}
	if c, _ := splitCommand([]byte("FEAT")); c != CmdUnknown {
		t.Errorf("FEAT: %v", c)
	}
	if e, ok := EventByName("ftp.too_many_transactions"); !ok || e != EventTooManyTransactions {
		t.Error("event name")
	}
}

// TestHeldTransactions: finished transactions the app layer still holds do not count against
// MaxTx (Suricata would have freed them), but no more than twice MaxTx are kept: a flood of
// unsolicited replies while nothing is released stops the flow's parsing.
func TestHeldTransactions(t *testing.T) {
	p := NewParser(Config{MaxTx: 1})
	p.Feed(false, []byte("220 (Ftp Server)\r\n"))
	p.Txs()[0].Hold = true // its inspection waits for a packet to the server
	p.ReleaseDone(^uint64(0))
	p.Feed(true, []byte("USER user\r\n"))
	if txs := p.Txs(); len(txs) != 2 || txs[1].Command != CmdUSER || p.Dead() {
		t.Fatalf("USER after a held banner: %d transactions, dead %v", len(txs), p.Dead())
	}
	q := NewParser(Config{MaxTx: 2})
	for range 10 {
		q.Feed(false, []byte("200 unsolicited\r\n"))
		for _, tx := range q.Txs() {
			tx.Hold = true
		}
	}
	if len(q.Txs()) > 4 || !q.Dead() {
		t.Errorf("unsolicited replies, all held: %d transactions, dead %v", len(q.Txs()), q.Dead())
	}
}
