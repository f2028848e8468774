package signatures

import "testing"

func TestFTPKeywordsParse(t *testing.T) {
	r := mustRule(t, `alert ftp any any -> any any (flow:to_server; ftp.dynamic_port: 59925-59927; sid:1;)`)
	if r.App != AppFTP || len(r.AppNumbers) != 1 || r.AppNumbers[0].ID != NumFTPDynamicPort || r.appDirs != bufToServer {
		t.Fatalf("ftp.dynamic_port parsed as app %v numbers %+v dirs %d", r.App, r.AppNumbers, r.appDirs)
	}
	r = mustRule(t, `alert tcp any any -> any any (msg:"FTP bounce attack"; ftpbounce; sid:2;)`)
	if r.App != AppFTP || r.appDirs != bufToServer || r.AppNumbers[0].ID != NumFTPBounce {
		t.Fatalf("ftpbounce parsed as app %v dirs %d", r.App, r.appDirs)
	}
	r = mustRule(t, `alert ftp any any -> any any (flow:established; ftp.reply; content:"Goodbye."; ftp.completion_code; content:"221"; sid:3;)`)
	if r.appDirs != bufToClient || len(r.Buffers) != 2 {
		t.Fatalf("reply rule dirs %d buffers %d", r.appDirs, len(r.Buffers))
	}
	r = mustRule(t, `alert ftp-data any any -> any any (fileext:"TXT"; filename:"temp"; sid:4;)`)
	if r.App != AppFTPData || len(r.Buffers) != 2 || !r.Buffers[0].Matchers[0].Content.EndsWith ||
		string(r.Buffers[0].Matchers[0].Content.Pattern) != ".TXT" {
		t.Fatalf("fileext parsed as %+v", r.Buffers[0].Matchers[0].Content)
	}
	mustRule(t, `alert ftp-data any any -> any any (flow:to_server; file_data; content:"root"; sid:5;)`)
	mustRule(t, `alert ftp-data any any -> any any (flow:established,to_client; ftpdata_command:retr; sid:6;)`)
	mustRule(t, `alert ftp any any -> any any (flow:to_client; app-layer-event:ftp.response_command_too_long; sid:7;)`)
	for _, bad := range []string{
		`alert ftp any any -> any any (ftp.mode: suricata; sid:1;)`,
		`alert ftp any any -> any any (ftp.mode: xactive; sid:1;)`,
		`alert ftp any any -> any any (ftp.reply_received: yes yes; sid:1;)`,
		`alert ftp any any -> any any (ftp.reply_received: suricata; sid:1;)`,
		`alert ftp any any -> any any (ftp.dynamic_port: 70000; sid:1;)`,
		`alert ftp-data any any -> any any (ftpdata_command:list; sid:1;)`,
		`alert ftp any any -> any any (flow:to_client; ftp.command; content:"PASS"; sid:1;)`,
		`alert ftp any any -> any any (app-layer-event:ftp.no_such_event; sid:1;)`,
		// File names are tracked for ftp-data only: elsewhere the rule would be loaded
		// without its keyword honoured.
		`alert http any any -> any any (file.name; content:"a.exe"; sid:1;)`,
		`alert tcp any any -> any any (fileext:"exe"; sid:1;)`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("loaded %s", bad)
		}
	}
}

// ftpFakeTx is an FTP transaction as the sensor reports it.
type ftpFakeTx struct {
	command, data string
	replies       []string
	codes         []string
	port, mode    uint64
	hasMode, done bool
}

func (f *ftpFakeTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	list := map[BufferID][]string{BufFTPCommand: {f.command}, BufFTPCommandData: {f.data},
		BufFTPReply: f.replies, BufFTPCompletionCode: f.codes}[id]
	if i >= len(list) || list[i] == "" {
		return nil, false
	}
	return []byte(list[i]), true
}

func (f *ftpFakeTx) Number(id NumberID, toServer bool, i int) (uint64, bool) {
	if i != 0 {
		return 0, false
	}
	switch id {
	case NumFTPDynamicPort:
		return f.port, f.port != 0
	case NumFTPMode:
		return f.mode, f.hasMode
	case NumFTPReplyReceived:
		if f.done {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func (f *ftpFakeTx) Event(string) bool { return false }

func TestFTPKeywordsMatch(t *testing.T) {
	h := newHarness(t, `alert ftp any any -> any any (flow:to_server; ftp.command; content:"RETR"; ftp.command_data; content:"temp.txt"; sid:1;)
alert ftp any any -> any any (ftp.completion_code; content:"226"; ftp.reply; content:"Transfer complete."; sid:2;)
alert ftp any any -> any any (flow:to_server; ftp.dynamic_port: >=59926; sid:3;)
alert ftp any any -> any any (ftp.mode: passive; sid:4;)
alert ftp any any -> any any (ftp.reply_received: no; sid:5;)
`, EngineOptions{})
	retr := &ftpFakeTx{command: "RETR", data: "temp.txt", replies: []string{"Opening BINARY mode data connection.", "Transfer complete."},
		codes: []string{"150", "226"}, done: true}
	// The request: the command buffers are there; the numbers wait for the final reply.
	if got := h.inspectTx(AppFTP, retr, true, [2]uint8{StageStart, 0}); !sidsEqual(got, []uint32{1}) {
		t.Errorf("RETR request: %v, want [1]", got)
	}
	// The replies are inspected once the final one is in; a preliminary one alone is not
	// enough.
	if got := h.inspectTx(AppFTP, retr, false, [2]uint8{StageStart, StageStart}); len(got) != 0 {
		t.Errorf("RETR after 150: %v", got)
	}
	if got := h.inspectTx(AppFTP, retr, false, [2]uint8{StageComplete, StageComplete}); !sidsEqual(got, []uint32{2}) {
		t.Errorf("RETR complete, to client: %v, want [2]", got)
	}
	pasv := &ftpFakeTx{command: "PASV", port: 59926, mode: FTPModePassive, hasMode: true, done: true}
	if got := h.inspectTx(AppFTP, pasv, true, [2]uint8{StageComplete, StageComplete}); !sidsEqual(got, []uint32{3, 4}) {
		t.Errorf("PASV complete, to server: %v, want [3 4]", got)
	}
	user := &ftpFakeTx{command: "USER", data: "x"}
	if got := h.inspectTx(AppFTP, user, false, [2]uint8{StageComplete, StageComplete}); !sidsEqual(got, []uint32{5}) {
		t.Errorf("unanswered USER at the end: %v, want [5]", got)
	}
}
