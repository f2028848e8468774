package export

import (
	"strings"
	"testing"
)

// appObject cuts the named object out of an app-layer line: the tests compare it byte for
// byte, since Suricata's field order is part of the contract.
func appObject(t *testing.T, line []byte, key string) string {
	t.Helper()
	s := string(line)
	i := strings.Index(s, `"`+key+`":{`)
	if i < 0 || !strings.HasSuffix(s, "}}\n") {
		t.Fatalf("no %s object at the end of %s", key, line)
	}
	return s[i : len(s)-2]
}

var (
	bindIface = DCERPCInterface{UUID: [16]byte{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0xab, 0xcd, 0xef, 0, 0x01, 0x23, 0x45, 0x67, 0xcf, 0xfb},
		Version: 1, Acked: true}
	pipeIface = DCERPCInterface{UUID: [16]byte{0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44, 0x35, 0xf1, 0xad, 0x32, 0x98, 0xf0, 0x38, 0, 0x10, 0x03},
		Version: 2, Acked: true}
)

// The expected objects are Suricata's, for the same transactions (suricata-verify bug-5162).
func TestDCERPCEvent(t *testing.T) {
	sch := eveSchema(t)
	second := bindIface
	second.AckResult = 3
	for _, c := range []struct {
		e    DCERPCInfo
		want string
	}{
		{DCERPCInfo{Request: "BIND", Response: "BINDACK", Interfaces: []DCERPCInterface{bindIface, second}, CallID: 2},
			`"dcerpc":{"request":"BIND","interfaces":[{"uuid":"12345678-1234-abcd-ef00-01234567cffb","version":"1.0","ack_result":0},{"uuid":"12345678-1234-abcd-ef00-01234567cffb","version":"1.0","ack_result":3}],"response":"BINDACK","call_id":2,"rpc_version":"5.0"}`},
		{DCERPCInfo{Request: "REQUEST", Response: "RESPONSE", HasReq: true, HasRes: true, Opnum: 4, ReqFrags: 1, ReqStub: 30,
			ResFrags: 1, ResStub: 20, CallID: 2},
			`"dcerpc":{"request":"REQUEST","req":{"opnum":4,"frag_cnt":1,"stub_data_size":30},"response":"RESPONSE","res":{"frag_cnt":1,"stub_data_size":20},"call_id":2,"rpc_version":"5.0"}`},
		{DCERPCInfo{Request: "REQUEST_LOST", Response: "ALTER_CONTEXT_RESP", CallID: 1, MinorVersion: 1},
			`"dcerpc":{"request":"REQUEST_LOST","response":"ALTER_CONTEXT_RESP","call_id":1,"rpc_version":"5.1"}`},
	} {
		line := defaultEVE.AppendDCERPC(nil, &DCERPCEvent{AppHeader: sampleAppHeader(0, false), DCERPCInfo: c.e})
		if got := appObject(t, line, "dcerpc"); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}

func TestSMBEvent(t *testing.T) {
	sch := eveSchema(t)
	guid := [16]byte{0x9f, 0xc5, 0x01, 0xa3, 0x7b, 0xb7, 0x9a, 0x4a, 0x97, 0xfc, 0xbd, 0x26, 0xc2, 0x1e, 0xe5, 0x1b}
	fuid := [16]byte{0xad, 0x05, 0, 0, 0x05, 0, 0, 0, 0x01, 0, 0, 0, 0x05, 0, 0, 0}
	base := SMBEvent{ID: 1, Dialect: "2.10", Status: "STATUS_SUCCESS", SessionID: 21990299664497, TreeID: 1}
	for _, c := range []struct {
		set  func(e *SMBEvent)
		want string
	}{
		{func(e *SMBEvent) {
			e.Dialect, e.Command, e.SessionID, e.TreeID, e.Kind, e.SMB1 = "2.??", "SMB1_COMMAND_NEGOTIATE_PROTOCOL", 0, 0, SMBNegotiate, true
			e.ClientDialects1, e.ServerGUID, e.MaxRead, e.MaxWrite = []byte("NT LM 0.12\x00SMB 2.002\x00SMB 2.???\x00"), guid, 8388608, 8388608
		}, `"smb":{"id":1,"dialect":"2.??","command":"SMB1_COMMAND_NEGOTIATE_PROTOCOL","status":"STATUS_SUCCESS","status_code":"0x0","session_id":0,"tree_id":0,"client_dialects":["NT LM 0.12","SMB 2.002","SMB 2.???"],"server_guid":"a301c59f-b77b-4a9a-fc97-26bd1be51ec2","max_read_size":8388608,"max_write_size":8388608}`},
		{func(e *SMBEvent) {
			e.Command, e.Status, e.StatusCode, e.TreeID, e.Kind = "SMB2_COMMAND_SESSION_SETUP", "STATUS_MORE_PROCESSING_REQUIRED", 0xc0000016, 0, SMBSessionSetup
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_SESSION_SETUP","status":"STATUS_MORE_PROCESSING_REQUIRED","status_code":"0xc0000016","session_id":21990299664497,"tree_id":0}`},
		{func(e *SMBEvent) {
			e.Command, e.TreeID, e.Kind = "SMB2_COMMAND_SESSION_SETUP", 0, SMBSessionSetupNTLM
			e.NTLMDomain, e.NTLMUser, e.NTLMHost = []byte{}, []byte("Administrator"), []byte("WIN10")
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_SESSION_SETUP","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":0,"ntlmssp":{"domain":"","user":"Administrator","host":"WIN10"}}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind, e.Share, e.NamedPipe, e.ShareType = "SMB2_COMMAND_TREE_CONNECT", SMBTreeConnect, []byte(`\\192.168.56.102\IPC$`), true, "PIPE"
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_TREE_CONNECT","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"named_pipe":"\\\\192.168.56.102\\IPC$","share_type":"PIPE"}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind, e.Filename, e.Disposition, e.FUID = "SMB2_COMMAND_CREATE", SMBCreate, []byte("svcctl"), "FILE_OPEN", fuid
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_CREATE","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"filename":"svcctl","disposition":"FILE_OPEN","access":"normal","created":0,"accessed":0,"modified":0,"changed":0,"size":0,"fuid":"000005ad-0005-0000-0001-000000000005"}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind = "SMB2_COMMAND_WRITE", SMBDCERPC
			e.DCERPC = DCERPCInfo{Request: "BIND", Response: "BINDACK", Interfaces: []DCERPCInterface{pipeIface}, CallID: 1}
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_WRITE","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"dcerpc":{"request":"BIND","response":"BINDACK","interfaces":[{"uuid":"367abb81-9844-35f1-ad32-98f038001003","version":"2.0","ack_result":0,"ack_reason":0}],"call_id":1}}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind = "SMB2_COMMAND_WRITE", SMBDCERPC
			e.DCERPC = DCERPCInfo{Request: "REQUEST", Response: "RESPONSE", HasReq: true, HasRes: true, Opnum: 15, ReqFrags: 1,
				ReqStub: 112, ResFrags: 1, ResStub: 24, CallID: 1}
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_WRITE","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"dcerpc":{"request":"REQUEST","response":"RESPONSE","opnum":15,"req":{"frag_cnt":1,"stub_data_size":112},"res":{"frag_cnt":1,"stub_data_size":24},"call_id":1}}`},
		{func(e *SMBEvent) {
			e.Command, e.Status, e.Kind, e.Function = "SMB2_COMMAND_IOCTL", "", SMBIoctl, "FSCTL_VALIDATE_NEGOTIATE_INFO"
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_IOCTL","session_id":21990299664497,"tree_id":1,"function":"FSCTL_VALIDATE_NEGOTIATE_INFO"}`},
		// Files, set info and renames (suricata-verify smb2-01, smb2-delete, smb2-async).
		{func(e *SMBEvent) {
			e.Dialect, e.Command, e.Kind, e.Filename, e.Share = "2.02", "SMB2_COMMAND_WRITE", SMBFile, []byte("file69.txt"), []byte{}
			e.FUID = [16]byte{0x81, 0xe0, 0xc8, 0x96, 0, 0, 0, 0, 0x1e, 0x44, 0x7e, 0xa4, 0, 0, 0, 0}
		}, `"smb":{"id":1,"dialect":"2.02","command":"SMB2_COMMAND_WRITE","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"filename":"file69.txt","share":"","fuid":"96c8e081-0000-0000-441e-a47e00000000"}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind, e.Filename, e.DeleteOnClose = "SMB2_COMMAND_SET_INFO", SMBSetInfo, []byte("test"), true
			e.FUID = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_SET_INFO","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"filename":"test","access":"delete on close","fuid":"ffffffff-ffff-ffff-ffff-ffffffffffff"}`},
		{func(e *SMBEvent) {
			e.Command, e.Kind, e.Filename, e.NewName = "SMB2_COMMAND_SET_INFO", SMBRename, []byte(`dir/b.pdf`), []byte(`dir/c.pdf`)
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_SET_INFO","status":"STATUS_SUCCESS","status_code":"0x0","session_id":21990299664497,"tree_id":1,"set_info":{"class":"FILE_INFO","info_level":"SMB2_FILE_RENAME_INFO"},"rename":{"from":"dir/b.pdf","to":"dir/c.pdf"},"fuid":"00000000-0000-0000-0000-000000000000"}`},
		{func(e *SMBEvent) {
			e.Command, e.Status, e.StatusCode, e.Kind, e.Filename, e.Disposition, e.NoFUID = "SMB2_COMMAND_CREATE", "STATUS_OBJECT_NAME_NOT_FOUND", 0xc0000034, SMBCreate, []byte(".hidden"), "FILE_OPEN", true
		}, `"smb":{"id":1,"dialect":"2.10","command":"SMB2_COMMAND_CREATE","status":"STATUS_OBJECT_NAME_NOT_FOUND","status_code":"0xc0000034","session_id":21990299664497,"tree_id":1,"filename":".hidden","disposition":"FILE_OPEN","access":"normal","created":0,"accessed":0,"modified":0,"changed":0,"size":0,"fuid":""}`},
		// SMB1 (suricata-verify smb1-02 and smb-named-pipe-ascii).
		{func(e *SMBEvent) {
			e.Dialect, e.DialectRaw = "", []byte("NT LM 0.12") // the SMB1 dialect, as the server chose it
			e.Command, e.Status, e.StatusCode, e.StatusDOS = "SMB1_COMMAND_LOGOFF_ANDX", "SRV_BADUID", 0x5b, true
			e.SessionID, e.TreeID = 27622, 65535
		}, `"smb":{"id":1,"dialect":"NT LM 0.12","command":"SMB1_COMMAND_LOGOFF_ANDX","status":"SRV_BADUID","status_code":"0x005b","session_id":27622,"tree_id":65535}`},
		{func(e *SMBEvent) {
			e.Dialect, e.Command, e.SessionID, e.TreeID, e.Kind = "NT LM 0.12", "SMB1_COMMAND_SESSION_SETUP_ANDX", 4096, 0, SMBSessionSetup
			e.ReqHost, e.RespHost = SMBHost{OS: []byte("Unix"), LM: []byte("Samba"), Set: true}, SMBHost{OS: []byte{}, LM: []byte{}, Set: true}
		}, `"smb":{"id":1,"dialect":"NT LM 0.12","command":"SMB1_COMMAND_SESSION_SETUP_ANDX","status":"STATUS_SUCCESS","status_code":"0x0","session_id":4096,"tree_id":0,"request":{"native_os":"Unix","native_lm":"Samba"},"response":{"native_os":"","native_lm":""}}`},
		{func(e *SMBEvent) {
			e.Dialect, e.Command, e.SessionID, e.TreeID, e.Kind = "NT LM 0.12", "SMB1_COMMAND_TREE_CONNECT_ANDX", 4096, 2049, SMBTreeConnect
			e.Share, e.NamedPipe, e.SMB1, e.Service = []byte(`\127.0.0.1\IPC$`), true, true, [2][]byte{[]byte("?????"), []byte("IPC")}
		}, `"smb":{"id":1,"dialect":"NT LM 0.12","command":"SMB1_COMMAND_TREE_CONNECT_ANDX","status":"STATUS_SUCCESS","status_code":"0x0","session_id":4096,"tree_id":2049,"named_pipe":"\\127.0.0.1\\IPC$","service":{"request":"?????","response":"IPC"}}`},
	} {
		e := base
		e.AppHeader = sampleAppHeader(0, false)
		c.set(&e)
		line := defaultEVE.AppendSMB(nil, &e)
		if got := appObject(t, line, "smb"); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}

func TestSMBAndDCERPCAllocs(t *testing.T) {
	smb := &SMBEvent{AppHeader: sampleAppHeader(0, false), ID: 1, Dialect: "2.10", Command: "SMB2_COMMAND_CREATE",
		Kind: SMBCreate, Disposition: "FILE_OPEN"}
	dce := &DCERPCEvent{AppHeader: sampleAppHeader(0, false), DCERPCInfo: DCERPCInfo{Request: "BIND", Response: "BINDACK",
		Interfaces: []DCERPCInterface{bindIface}}}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() {
		buf = defaultEVE.AppendSMB(buf[:0], smb)
		buf = defaultEVE.AppendDCERPC(buf[:0], dce)
	}); n != 0 {
		t.Errorf("%v allocs per event pair", n)
	}
}

// TestSMBFileInfo: a file read over SMB gives Suricata's fileinfo line (suricata-verify
// smb2-05): the smb object of its transaction, app_proto, then the fileinfo object.
func TestSMBFileInfo(t *testing.T) {
	s := &SMBEvent{ID: 12, Dialect: "2.10", Command: "SMB2_COMMAND_READ", Status: "STATUS_SUCCESS", SessionID: 4398046511121,
		TreeID: 1, Kind: SMBFile, Filename: []byte(`temp\mimikatz.exe`), Share: []byte(`\\admin-pc\c$`),
		FUID: [16]byte{0x55, 0, 0, 0, 0, 0, 0, 0, 0x0d, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}}
	e := &FileInfoEvent{AppHeader: sampleAppHeader(0, false), AppProto: "smb", SMB: s,
		File: FileInfo{Filename: s.Filename, State: FileStateClosed, Size: 804352, TxID: 11}}
	line := string(defaultEVE.AppendFileInfo(nil, e))
	want := `"smb":{"id":12,"dialect":"2.10","command":"SMB2_COMMAND_READ","status":"STATUS_SUCCESS","status_code":"0x0","session_id":4398046511121,"tree_id":1,"filename":"temp\\mimikatz.exe","share":"\\\\admin-pc\\c$","fuid":"00000055-0000-0000-000d-0000ffffffff"},"app_proto":"smb","fileinfo":{"filename":"temp\\mimikatz.exe","gaps":false,"state":"CLOSED","stored":false,"size":804352,"tx_id":11}}` + "\n"
	if !strings.HasSuffix(line, want) {
		t.Errorf("got  %s\nwant …%s", line, want)
	}
	if err := validateLine(eveSchema(t), []byte(line)); err != nil {
		t.Errorf("%s: %v", line, err)
	}
}
