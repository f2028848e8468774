package sensor

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/signatures"
)

// TestDCERPCAndSMBEvents: a DCERPC-over-TCP session and an SMB2 session carrying DCERPC over
// a named pipe (both from suricata-verify bug-5162) give Suricata's dcerpc and smb events:
// one per transaction, logged once complete, with the interfaces bound.
func TestDCERPCAndSMBEvents(t *testing.T) {
	c := newDACapture(t)
	dce := c.conv(40010, 49674)
	dce.handshake()
	for i, h := range []string{
		"05000b03100000007400000002000000d016d016000000000200000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b1048600200000001000100785634123412cdabef0001234567cffb010000002c1cb76c12984045030000000000000001000000",
		"05000c03100000005400000002000000d016d0162a1e000006003439363734000200000000000000045d888aeb1cc9119fe808002b10486002000000030003000000000000000000000000000000000000000000",
		"050000031000000036000000020000001e00000000000400000000000300000000000000030000004400430000000000000000000000",
		"050002031000000024000000020000000c00000000000000539d5f0e779ead0200000000",
	} {
		b, _ := hex.DecodeString(h)
		dce.send(i%2 == 0, string(b))
	}
	dce.close()
	smb := c.conv(40011, 445)
	smb.handshake()
	f, err := os.Open("../decoders/smb/testdata/bug-5162-smb2-pipe.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dir, h, _ := strings.Cut(sc.Text(), " ")
		b, _ := hex.DecodeString(h)
		smb.send(dir == ">", string(b))
	}
	smb.close()

	r := runAppRules(t, c.write(), []string{
		`alert tcp any any -> any 445 (msg:"smb"; content:"|fe|SMB"; sid:1;)`,
		`alert smb any any -> any any (msg:"pipe"; smb.named_pipe; content:"IPC$"; sid:3;)`,
		`alert smb any any -> any any (msg:"svcctl"; dcerpc.iface:367abb81-9844-35f1-ad32-98f038001003; dcerpc.opnum:12; dcerpc.stub_data; content:"|15 00 00 00|"; sid:4;)`,
		// Without a flow direction, inspected (and alerting) each way, as in Suricata
		// (suricata-verify dcerpc-dce-opnum's sid 2).
		`alert dcerpc any any -> any any (msg:"tcp iface"; dce_iface:12345678-1234-abcd-ef00-01234567cffb; dce_opnum:4; sid:5;)`,
	}, 1)
	alerts := map[int]int{}
	for _, a := range r.alerts {
		alerts[daSID(a)]++
	}
	if alerts[3] != 1 || alerts[4] != 1 || alerts[5] != 2 {
		t.Errorf("alerts by sid %v, want sid 3 and 4 once, 5 twice", alerts)
	}
	var dceEvents, smbEvents []map[string]any
	for _, ev := range r.events {
		switch ev["event_type"] {
		case "dcerpc":
			dceEvents = append(dceEvents, ev)
		case "smb":
			smbEvents = append(smbEvents, ev)
		}
	}
	if len(dceEvents) != 2 || len(smbEvents) != 11 {
		t.Fatalf("%d dcerpc and %d smb events, want 2 and 11", len(dceEvents), len(smbEvents))
	}
	bind := dceEvents[0]["dcerpc"].(map[string]any)
	ifs, _ := bind["interfaces"].([]any)
	if bind["request"] != "BIND" || bind["response"] != "BINDACK" || len(ifs) != 2 || bind["rpc_version"] != "5.0" {
		t.Errorf("bind event %v", bind)
	} else if i1 := ifs[1].(map[string]any); i1["uuid"] != "12345678-1234-abcd-ef00-01234567cffb" || i1["ack_result"] != 3.0 {
		t.Errorf("second interface %v", i1)
	}
	req := dceEvents[1]["dcerpc"].(map[string]any)
	if rq, _ := req["req"].(map[string]any); req["request"] != "REQUEST" || rq["opnum"] != 4.0 || rq["stub_data_size"] != 30.0 {
		t.Errorf("request event %v", req)
	}
	wantCmds := []string{"SMB1_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_SESSION_SETUP",
		"SMB2_COMMAND_SESSION_SETUP", "SMB2_COMMAND_TREE_CONNECT", "SMB2_COMMAND_CREATE", "SMB2_COMMAND_WRITE",
		"SMB2_COMMAND_WRITE", "SMB2_COMMAND_WRITE", "SMB2_COMMAND_WRITE", "SMB2_COMMAND_SESSION_LOGOFF"}
	for i, ev := range smbEvents {
		s := ev["smb"].(map[string]any)
		if s["command"] != wantCmds[i] || s["id"] != float64(i+1) || s["status"] == nil {
			t.Errorf("smb event %d: %v", i, s)
		}
	}
	if s := smbEvents[0]["smb"].(map[string]any); s["dialect"] != "2.??" {
		t.Errorf("the first negotiate is logged with the dialect of its time: %v", s["dialect"])
	}
	if s := smbEvents[4]["smb"].(map[string]any); s["named_pipe"] != `\\192.168.56.102\IPC$` || s["share_type"] != "PIPE" {
		t.Errorf("tree connect %v", s)
	}
	d := smbEvents[6]["smb"].(map[string]any)["dcerpc"].(map[string]any)
	if ifs, _ := d["interfaces"].([]any); d["request"] != "BIND" || len(ifs) != 1 || ifs[0].(map[string]any)["ack_reason"] != 0.0 {
		t.Errorf("pipe bind %v", d)
	}
}

// TestSMBMidstreamReversed: a session picked up midstream whose first segment is the server's
// SMB2 answer is turned around, so that the server (445) is the server and the tree connect
// after it is logged from its request and answer (suricata-verify smb3-03-midstream).
func TestSMBMidstreamReversed(t *testing.T) {
	c := newDACapture(t)
	v := c.conv(445, 38166) // the capture starts with the server's segment: it looks like the client
	smb2 := func(cmd uint16, response bool, body []byte) string {
		h := make([]byte, 64)
		copy(h, "\xfeSMB\x40")
		binary.LittleEndian.PutUint16(h[12:], cmd)
		if response {
			h[16] = 1
		}
		binary.LittleEndian.PutUint64(h[24:], 9)
		binary.LittleEndian.PutUint32(h[36:], 5)
		binary.LittleEndian.PutUint64(h[40:], 77)
		m := append(h, body...)
		return string(append([]byte{0, 0, byte(len(m) >> 8), byte(len(m))}, m...))
	}
	path := []byte("\\\x00\\\x00h\x00\\\x00I\x00P\x00C\x00$\x00")
	req := make([]byte, 8, 8+len(path))
	binary.LittleEndian.PutUint16(req[4:], 72)
	binary.LittleEndian.PutUint16(req[6:], uint16(len(path)))
	v.send(true, smb2(2, true, []byte{4, 0, 0, 0}))     // the server's logoff answer: seen first
	v.send(false, smb2(3, false, append(req, path...))) // the client's tree connect
	v.send(true, smb2(3, true, []byte{16, 0, 2, 0}))    // its answer: a pipe
	_, out := runReadOpts(t, ReadOptions{Files: []string{c.write()}, Workers: 1}, "stream.midstream=true")
	var smbEvents []map[string]any
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "smb" {
			smbEvents = append(smbEvents, ev)
		}
	}
	if len(smbEvents) != 1 {
		t.Fatalf("%d smb events, want 1", len(smbEvents))
	}
	ev := smbEvents[0]
	if s := ev["smb"].(map[string]any); ev["dest_port"] != 445.0 || s["command"] != "SMB2_COMMAND_TREE_CONNECT" || s["named_pipe"] != `\\h\IPC$` {
		t.Errorf("event %v", ev)
	}
}

// TestSMBShareBuffers: until the tree connect's answer, smb.share sees every tree path (a
// pipe's too, as Suricata's does: suricata-verify smb-filename); once the answer names a pipe,
// smb.named_pipe sees it and smb.share no longer does.
func TestSMBShareBuffers(t *testing.T) {
	tx := &smb.Tx{Kind: smb.KindTreeConnect, Share: []byte(`\\h\IPC$`)}
	x := &smbTx{tx: tx}
	if b, ok := x.Buffer(signatures.BufSMBShare, true, 0); !ok || string(b) != `\\h\IPC$` {
		t.Errorf("share before the answer: %q %v", b, ok)
	}
	if _, ok := x.Buffer(signatures.BufSMBNamedPipe, true, 0); ok {
		t.Error("named pipe before the answer")
	}
	tx.IsPipe, tx.Done[1] = true, true
	if _, ok := x.Buffer(signatures.BufSMBShare, true, 0); ok {
		t.Error("share after the answer named a pipe")
	}
	if b, ok := x.Buffer(signatures.BufSMBNamedPipe, true, 0); !ok || string(b) != `\\h\IPC$` {
		t.Errorf("named pipe after the answer: %q %v", b, ok)
	}
}

// TestRPCSteadyStateAllocations replays a capture of DCERPC over TCP and SMB named pipes
// (suricata-verify bug-5162) through one worker, each pass 700 s after the last so that every
// flow ends and its slot starts a new one: the SMB and DCERPC parsers and their EVE events must
// reuse what the first passes made. Ending a flow allocates its record's history string (the
// flow table's cost), so a pass may allocate once per flow.
func TestRPCSteadyStateAllocations(t *testing.T) {
	pcap := filepath.Join("..", "..", "shared", "suricata-verify", "tests", "bug-5162", "input.pcap")
	if _, err := os.Stat(pcap); err != nil {
		t.Skipf("capture %s absent (../shared is missing): %v", pcap, err)
	}
	frames := loadFrames(t, pcap)
	// Without the Arrow outputs, whose batches grow with every flow record until a flush,
	// what remains is the app layer's own cost.
	cfg, _, err := LoadConfig("", []string{"outputs.arrow.enabled=false"})
	if err != nil {
		t.Fatal(err)
	}
	w := testWorker(t, &cfg, nil, true)
	replay := replayPasses(w, frames)
	for range 5 {
		replay()
	}
	if w.app.stats.txDCERPC == 0 || w.app.stats.txSMB == 0 {
		t.Fatalf("%d dcerpc and %d smb transactions: the capture was not parsed", w.app.stats.txDCERPC, w.app.stats.txSMB)
	}
	ended := w.flows.Stats.EndedTimeout
	allocs := testing.AllocsPerRun(3, replay)
	flowsPerPass := float64(w.flows.Stats.EndedTimeout-ended) / 4
	if flowsPerPass == 0 {
		t.Fatal("no flow ended during the measured passes: the test proves nothing")
	}
	if allocs > flowsPerPass {
		t.Errorf("a pass allocated %.1f times for %.0f flows: the SMB/DCERPC path allocates in the steady state", allocs, flowsPerPass)
	}
	t.Logf("%.1f allocations per pass of %.0f flows", allocs, flowsPerPass)
}
