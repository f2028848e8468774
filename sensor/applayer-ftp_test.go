package sensor

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/signatures"
)

// TestFTPControlAndData: an FTP session in passive mode, end to end. The control channel gives
// one ftp event per transaction (the banner's included), the PASV's 227 reply the data port,
// and the RETR an expectation that makes the data connection to that port ftp-data (it carries
// no pattern of its own), with its ftp_data event; the ftp.* and ftp-data keywords match once
// each on their transaction, their alerts carrying its object. A later connection to the same
// port is not ftp-data: an expectation serves once. Two workers: the reader sends both
// connections (one address pair) to the same one, which holds the expectation.
func TestFTPControlAndData(t *testing.T) {
	c := newDACapture(t)
	ctl := c.conv(40100, 21)
	ctl.handshake()
	ctl.send(false, "220 (vsFTPd 3.0.5)\r\n")
	ctl.send(true, "USER anonymous\r\n")
	ctl.send(false, "331 Please specify the password.\r\n")
	ctl.send(true, "PASV\r\n")
	ctl.send(false, "227 Entering Passive Mode (10,0,0,2,195,80).\r\n")
	ctl.send(true, "RETR secret.txt\r\n")
	ctl.send(false, "150 Opening BINARY mode data connection for secret.txt (11 bytes).\r\n")
	data := c.conv(40101, 50000)
	data.handshake()
	data.send(false, "root:x:0:0\n")
	data.close()
	ctl.send(false, "226 Transfer complete.\r\n")
	ctl.send(true, "QUIT\r\n")
	ctl.send(false, "221 Goodbye.\r\n")
	ctl.close()
	again := c.conv(40102, 50000)
	again.handshake()
	again.send(false, "root:x:0:0\n")
	again.close()

	r := runAppRules(t, c.write(), []string{
		`alert ftp any any -> any any (msg:"retr"; flow:to_server; ftp.command; content:"RETR"; ftp.command_data; content:"secret.txt"; sid:1;)`,
		`alert ftp any any -> any any (msg:"port"; flow:to_server; ftp.dynamic_port:50000; sid:2;)`,
		`alert ftp any any -> any any (msg:"done"; ftp.completion_code; content:"226"; ftp.reply; content:"Transfer complete."; sid:3;)`,
		`alert ftp-data any any -> any any (msg:"cmd"; flow:to_client; ftpdata_command:retr; sid:4;)`,
		`alert ftp-data any any -> any any (msg:"name"; fileext:"TXT"; sid:5;)`,
		`alert ftp-data any any -> any any (msg:"data"; flow:to_client; file_data; content:"root:x"; sid:6;)`,
		`alert ftp-data any any -> any any (msg:"wrong way"; flow:to_server; file_data; content:"root:x"; sid:7;)`,
	}, 2)

	count := map[int]int{}
	for _, a := range r.alerts {
		sid := daSID(a)
		count[sid]++
		switch sid {
		case 1, 2, 3:
			if o, _ := a["ftp"].(map[string]any); o == nil || a["app_proto"] != "ftp" {
				t.Errorf("sid %d alert without its ftp object: %v", sid, a)
			}
		case 4, 5, 6:
			if o, _ := a["ftp_data"].(map[string]any); o == nil || o["filename"] != "secret.txt" || o["command"] != "RETR" ||
				a["app_proto"] != "ftp-data" {
				t.Errorf("sid %d alert without its ftp_data object: %v", sid, a)
			}
		}
	}
	for sid, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 0} {
		if count[sid] != want {
			t.Errorf("sid %d: %d alerts, want %d", sid, count[sid], want)
		}
	}

	var cmds []string
	ftpData, files := 0, 0
	for _, ev := range r.events {
		switch ev["event_type"] {
		case "ftp":
			o := ev["ftp"].(map[string]any)
			cmd, _ := o["command"].(string)
			cmds = append(cmds, cmd)
			if cmd == "PASV" && (o["dynamic_port"] != float64(50000) || o["mode"] != "passive" || o["reply_received"] != "yes") {
				t.Errorf("PASV event %v", o)
			}
		case "ftp_data":
			ftpData++
			o := ev["ftp_data"].(map[string]any)
			if o["filename"] != "secret.txt" || o["command"] != "RETR" || ev["dest_port"] != float64(50000) {
				t.Errorf("ftp_data event %v", ev)
			}
		case "fileinfo":
			files++
			fi := ev["fileinfo"].(map[string]any)
			o, _ := ev["ftp_data"].(map[string]any)
			// A download: the file came from the data connection's server.
			if fi["filename"] != "secret.txt" || fi["size"] != float64(11) || fi["state"] != "CLOSED" ||
				ev["app_proto"] != "ftp-data" || o == nil || o["command"] != "RETR" || ev["src_port"] != float64(50000) {
				t.Errorf("fileinfo event %v", ev)
			}
		case "flow":
			want := map[float64]string{21: "ftp", 50000: "ftp-data"}[ev["dest_port"].(float64)]
			if ev["src_port"] == float64(40102) {
				want = "failed" // the expectation was used: the second connection is not ftp-data
			}
			if ev["app_proto"] != want {
				t.Errorf("flow %v→%v: app_proto %v, want %s", ev["src_port"], ev["dest_port"], ev["app_proto"], want)
			}
		}
	}
	if got := fmtList(cmds); got != "[ USER PASV RETR QUIT]" {
		t.Errorf("ftp events for %s", got)
	}
	if ftpData != 1 || files != 1 {
		t.Errorf("%d ftp_data and %d fileinfo events, want 1 each", ftpData, files)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// TestFTPAuthTLS: once the server accepts AUTH TLS the control connection carries TLS: the
// ClientHello that follows is detected as TLS, the flow ends as tls with ftp as
// app_proto_orig, and the FTP transactions before it were logged and inspected.
func TestFTPAuthTLS(t *testing.T) {
	c := newDACapture(t)
	v := c.conv(40200, 21)
	v.handshake()
	v.send(false, "220 (vsFTPd 3.0.5)\r\n")
	v.send(true, "AUTH TLS\r\n")
	v.send(false, "234 Proceed with negotiation.\r\n")
	v.send(true, "\x16\x03\x01\x00\x31\x01\x00\x00\x2d\x03\x03"+string(make([]byte, 32))+"\x00\x00\x02\x00\x2f\x01\x00")
	v.close()
	r := runAppRules(t, c.write(), []string{
		`alert tls any any -> any any (msg:"tls"; flow:to_server; content:"|16 03 01|"; sid:1;)`,
		`alert ftp any any -> any any (msg:"auth"; flow:to_server; ftp.command; content:"AUTH TLS"; sid:2;)`,
	}, 1)
	count := map[int]int{}
	for _, a := range r.alerts {
		count[daSID(a)]++
	}
	if count[1] != 1 || count[2] != 1 {
		t.Errorf("alerts %v, want one each of sid 1 and 2", count)
	}
	var cmds []string
	for _, ev := range r.events {
		switch ev["event_type"] {
		case "ftp":
			cmd, _ := ev["ftp"].(map[string]any)["command"].(string)
			cmds = append(cmds, cmd)
		case "flow":
			if ev["app_proto"] != "tls" || ev["app_proto_orig"] != "ftp" {
				t.Errorf("flow app_proto %v orig %v, want tls from ftp", ev["app_proto"], ev["app_proto_orig"])
			}
		}
	}
	if got := fmtList(cmds); got != "[ AUTH TLS]" {
		t.Errorf("ftp events for %s", got)
	}
}

// TestFTPTxNoAlloc: inspecting an FTP transaction and encoding its event allocate nothing.
func TestFTPTxNoAlloc(t *testing.T) {
	p := ftp.NewParser(ftp.Config{})
	p.Feed(true, []byte("PORT 10,0,0,9,195,80\r\n"))
	p.Feed(false, []byte("200 PORT command successful.\r\n"))
	tx := &ftpTx{tx: p.Txs()[0], client: netip.MustParseAddr("10.0.0.1")}
	a := &appLayer{}
	var e export.FTPEvent
	var dst []byte
	f := export.NewEVEFormat(export.EVEOptions{})
	nums := []signatures.NumberID{signatures.NumFTPDynamicPort, signatures.NumFTPMode,
		signatures.NumFTPReplyReceived, signatures.NumFTPBounce}
	run := func() {
		for i := range 2 {
			tx.Buffer(signatures.BufFTPCommand, true, 0)
			tx.Buffer(signatures.BufFTPCommandData, true, 0)
			tx.Buffer(signatures.BufFTPReply, false, i)
			tx.Buffer(signatures.BufFTPCompletionCode, false, i)
		}
		for _, id := range nums {
			tx.Number(id, true, 0)
		}
		a.fillFTPEvent(&e, tx.tx)
		dst = f.AppendFTP(dst[:0], &e)
	}
	run()
	if v, ok := tx.Number(signatures.NumFTPBounce, true, 0); !ok || v != 1 {
		t.Errorf("PORT to 10.0.0.9 from 10.0.0.1: ftpbounce %d %v", v, ok)
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%.1f allocs per inspection and event", n)
	}
}

// TestFTPExpectationsBounded: a control channel that announces more transfers than a worker
// keeps expectations for pushes the oldest out (counted): a data connection to the first port
// is no longer ftp-data, one to the last is.
func TestFTPExpectationsBounded(t *testing.T) {
	c := newDACapture(t)
	ctl := c.conv(40300, 21)
	ctl.handshake()
	ctl.send(false, "220 (vsFTPd 3.0.5)\r\n")
	const n = ftpExpMax + 6
	for i := range n {
		port := 20000 + i
		ctl.send(true, "PASV\r\n")
		ctl.send(false, fmt.Sprintf("227 Entering Passive Mode (10,0,0,2,%d,%d).\r\n", port>>8, port&0xff))
		ctl.send(true, fmt.Sprintf("RETR f%d\r\n", i))
		ctl.send(false, "150 Here it comes.\r\n226 Done.\r\n")
	}
	for _, port := range []uint16{20000, 20000 + n - 1} {
		d := c.conv(41000+port%1000, port)
		d.handshake()
		d.send(false, "data\n")
		d.close()
	}
	ctl.close()
	r := runAppRules(t, c.write(), []string{`alert ftp any any -> any any (msg:"never"; ftp.command; content:"NOPE"; sid:1;)`}, 1)
	for _, ev := range r.events {
		switch ev["event_type"] {
		case "flow":
			want := map[float64]string{21: "ftp", 20000: "failed", 20000 + n - 1: "ftp-data"}[ev["dest_port"].(float64)]
			if ev["app_proto"] != want {
				t.Errorf("flow to %v: app_proto %v, want %s", ev["dest_port"], ev["app_proto"], want)
			}
		case "stats":
			m := ev
			for _, k := range []string{"stats", "app_layer", "expectations", "ftp-data"} {
				m, _ = m[k].(map[string]any)
			}
			if m["created"] != float64(n) || m["evicted"] != float64(6) || m["matched"] != float64(1) {
				t.Errorf("expectation counters %v", m)
			}
		}
	}
}
