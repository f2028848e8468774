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

// TestFlowPassRecord: an IP-only pass rule passes the rest of its flow, whose record says
// flow.action "pass" (Suricata's FLOW_ACTION_PASS); a flow no pass rule matched has no action.
func TestFlowPassRecord(t *testing.T) {
	c := newDACapture(t)
	for _, sport := range []uint16{8080, 9090} {
		v := c.conv(40000+sport%1000, sport)
		v.handshake()
		v.send(true, "hello")
		v.close()
	}
	r := runAppRules(t, c.write(), []string{
		`pass ip 10.0.0.2 8080 -> any any (msg:"server 8080"; sid:2;)`,
		`alert tcp any any -> any any (msg:"syn"; flags:S+; sid:1;)`,
	}, 1)
	actions := map[float64]any{}
	for _, ev := range r.events {
		if ev["event_type"] == "flow" {
			f, _ := ev["flow"].(map[string]any)
			actions[ev["dest_port"].(float64)] = f["action"]
		}
	}
	if actions[8080] != "pass" || actions[9090] != nil || len(actions) != 2 {
		t.Errorf("flow.action by server port: %v, want pass on 8080 only", actions)
	}
	// The client's SYN alerts on both; the SYN-ACK on 8080 is passed, the one on 9090 alerts.
	got := map[int]int{}
	for _, a := range r.alerts {
		port, _ := daNum(a, "src_port")
		got[port]++
	}
	if got[40080] != 1 || got[8080] != 0 || got[40090] != 1 || got[9090] != 1 {
		t.Errorf("alerts by source port: %v", got)
	}
}

// TestFlowVarsOnEvents: the flowbits and flowints a flow's rules set ride on every later event
// of that flow (alert, http, flow) as Suricata writes them: metadata.flowbits,
// metadata.flowints, and the top-level traffic object for traffic/id/ and traffic/label/
// flowbits; a flow whose rules set nothing carries neither.
func TestFlowVarsOnEvents(t *testing.T) {
	c := newDACapture(t)
	for i, sport := range []uint16{80, 8080} {
		v := c.conv(uint16(41000+i), sport)
		v.handshake()
		ua := "curl/8.0"
		if sport == 8080 {
			ua = "wget/1.0"
		}
		v.send(true, "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: "+ua+"\r\n\r\n")
		v.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
		v.close()
	}
	r := runAppRules(t, c.write(), []string{
		`alert http any any -> any any (msg:"curl"; http.user_agent; content:"curl"; flowbits:set,traffic/id/curl; flowbits:set,traffic/label/cli; flowbits:set,seen.curl; flowint:uas,=,7; sid:1;)`,
	}, 1)
	seen := map[string]bool{}
	for _, ev := range r.events {
		typ, _ := ev["event_type"].(string)
		sp, _ := ev["src_port"].(float64)
		dp, _ := ev["dest_port"].(float64)
		if typ == "stats" {
			continue
		}
		md, _ := ev["metadata"].(map[string]any)
		tr, _ := ev["traffic"].(map[string]any)
		if sp == 8080 || dp == 8080 { // the wget flow (replies are written server first)
			if tr != nil || md["flowbits"] != nil {
				t.Errorf("%s event of the flow without vars carries some: %v %v", typ, tr, md)
			}
			continue
		}
		seen[typ] = true
		ids, _ := tr["id"].([]any)
		labels, _ := tr["label"].([]any)
		bits, _ := md["flowbits"].([]any)
		ints, _ := md["flowints"].(map[string]any)
		if len(ids) != 1 || ids[0] != "curl" || len(labels) != 1 || labels[0] != "cli" ||
			len(bits) != 1 || bits[0] != "seen.curl" || ints["uas"] != 7.0 {
			t.Errorf("%s event: traffic %v, metadata %v", typ, tr, md)
		}
		if typ == "flow" && ints["missed_bytes"] == nil {
			t.Errorf("flow record lost missed_bytes: %v", md)
		}
	}
	for _, typ := range []string{"alert", "http", "fileinfo", "flow"} {
		if !seen[typ] {
			t.Errorf("no %s event on the curl flow", typ)
		}
	}
}
