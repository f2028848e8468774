package sensor

import (
	"testing"
)

// TestDetectOnlyProtocols: SMTP, FTP, SMB and DCE/RPC are detected as Suricata detects them
// (patterns on any port, SMB's NetBIOS set-up on its ports 139 and 445), name their flows, count in
// app_layer.flow.*, and let rules for them inspect the stream; a dcerpc rule runs on SMB
// flows too (DCE/RPC over named pipes), an smtp rule runs on no other protocol.
func TestDetectOnlyProtocols(t *testing.T) {
	const (
		smb2Negotiate = "\x00\x00\x00\x48\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00NEGOTIATE-nj"
		dceBind       = "\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00bind-nj"
	)
	c := newDACapture(t)
	conv := func(cport, sport uint16, msgs ...string) {
		v := c.conv(cport, sport)
		v.handshake()
		for i, m := range msgs {
			v.send(i%2 == 0, m)
		}
		v.close()
	}
	// Client first on each, except SMTP and FTP, whose servers greet first.
	conv(40001, 445, smb2Negotiate, "\x00\x00\x00\x10\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00")
	conv(40002, 8445, smb2Negotiate, "")                                       // SMB by its pattern, off its port
	conv(40003, 139, "\x81\x00\x00\x04ABCD"+smb2Negotiate, "\x82\x00\x00\x00") // set-up first, on 139: a probing port too
	conv(40004, 135, dceBind, "\x05\x00\x0c\x03\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00")
	ftp := c.conv(40005, 21)
	ftp.handshake()
	ftp.send(false, "220 (vsFTPd 3.0.5)\r\n")
	ftp.send(true, "USER anonymous\r\n")
	ftp.send(false, "331 Please specify the password.\r\n")
	ftp.close()
	smtp := c.conv(40006, 25)
	smtp.handshake()
	smtp.send(false, "220 mail.example ESMTP\r\n")
	smtp.send(true, "EHLO client.example\r\n")
	smtp.send(false, "250 mail.example\r\n")
	smtp.close()

	r := runAppRules(t, c.write(), []string{
		`alert smb any any -> any any (msg:"smb"; flow:to_server; content:"NEGOTIATE-nj"; sid:1;)`,
		`alert dcerpc any any -> any any (msg:"dcerpc or smb"; flow:to_server; content:"-nj"; sid:2;)`,
		`alert ftp any any -> any any (msg:"ftp"; flow:to_server; content:"USER anonymous"; sid:3;)`,
		`alert smtp any any -> any any (msg:"smtp"; flow:to_server; content:"EHLO"; sid:4;)`,
		`alert smtp any any -> any any (msg:"not smtp"; content:"-nj"; sid:5;)`,
		`alert tcp any any -> any any (msg:"app-layer-protocol"; app-layer-protocol:dcerpc; content:"bind-nj"; sid:6;)`,
	}, 1)

	want := map[float64]string{445: "smb", 8445: "smb", 139: "smb", 135: "dcerpc", 21: "ftp", 25: "smtp"}
	for _, ev := range r.events {
		if ev["event_type"] != "flow" {
			continue
		}
		port, _ := ev["dest_port"].(float64)
		if ev["app_proto"] != want[port] {
			t.Errorf("flow to port %v: app_proto %v, want %s", port, ev["app_proto"], want[port])
		}
		delete(want, port)
	}
	if len(want) > 0 {
		t.Errorf("no flow record for %v", want)
	}
	got := map[[2]int]int{} // sid, server port
	for _, a := range r.alerts {
		port, _ := daNum(a, "dest_port")
		got[[2]int{daSID(a), port}]++
	}
	wantAlerts := map[[2]int]int{
		{1, 445}: 1, {1, 8445}: 1, {1, 139}: 1,
		{2, 445}: 1, {2, 8445}: 1, {2, 139}: 1, {2, 135}: 1,
		{3, 21}:  1,
		{4, 25}:  1,
		{6, 135}: 1,
	}
	for k, n := range wantAlerts {
		if got[k] != n {
			t.Errorf("sid %d on port %d: %d alerts, want %d", k[0], k[1], got[k], n)
		}
	}
	for k, n := range got {
		if wantAlerts[k] == 0 {
			t.Errorf("unexpected: sid %d on port %d alerted %d times", k[0], k[1], n)
		}
	}
}
