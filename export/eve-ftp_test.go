package export

import (
	"strings"
	"testing"
)

// sampleFTPRetr is the RETR transaction of suricata-verify's bug-3519 capture.
func sampleFTPRetr() *FTPEvent {
	return &FTPEvent{AppHeader: sampleAppHeader(6, true), Command: "RETR", CommandData: []byte("temp.txt"),
		Replies: []FTPReply{
			{Code: []byte("150"), Text: []byte("Opening BINARY mode data connection for temp.txt (1164 bytes).")},
			{Code: []byte("226"), Text: []byte("Transfer complete.")},
		}, ReplyReceived: true}
}

func TestAppendFTP(t *testing.T) {
	line := defaultEVE.AppendFTP(nil, sampleFTPRetr())
	m := decodeLine(t, line)
	expect(t, m, map[string]any{"event_type": "ftp", "tx_id": 6, "ftp.command": "RETR",
		"ftp.command_data": "temp.txt", "ftp.command_truncated": false, "ftp.reply_received": "yes",
		"ftp.reply_truncated": false, "ftp.dynamic_port": nil, "ftp.mode": nil})
	s := string(line)
	for _, want := range []string{`"completion_code":["150","226"]`,
		`"reply":["Opening BINARY mode data connection for temp.txt (1164 bytes).","Transfer complete."]`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in %s", want, s)
		}
	}
	// Field order as Suricata writes it.
	order := []string{`"command"`, `"command_data"`, `"command_truncated"`, `"completion_code"`, `"reply"`,
		`"reply_received"`, `"reply_truncated"`}
	for i := 1; i < len(order); i++ {
		if strings.Index(s, order[i-1]) > strings.Index(s, order[i]) {
			t.Errorf("%s after %s: %s", order[i-1], order[i], s)
		}
	}

	// The banner: no command, a reply; a PORT: mode and dynamic port; a command without
	// argument writes no command_data nor command_truncated; a reply line without a code
	// adds to reply only.
	banner := &FTPEvent{AppHeader: sampleAppHeader(0, true), Replies: []FTPReply{{Code: []byte("220"),
		Text: []byte("(vsFTPd 2.3.5)")}, {Text: []byte("211-Features:")}}, ReplyReceived: true}
	m = decodeLine(t, defaultEVE.AppendFTP(nil, banner))
	expect(t, m, map[string]any{"ftp.command": nil, "ftp.command_data": nil, "ftp.command_truncated": nil})
	if s := string(defaultEVE.AppendFTP(nil, banner)); !strings.Contains(s, `"completion_code":["220"],"reply":["(vsFTPd 2.3.5)","211-Features:"]`) {
		t.Errorf("banner: %s", s)
	}
	port := &FTPEvent{AppHeader: sampleAppHeader(3, true), Command: "PASV", DynamicPort: 58612, Mode: "passive"}
	m = decodeLine(t, defaultEVE.AppendFTP(nil, port))
	expect(t, m, map[string]any{"ftp.dynamic_port": 58612, "ftp.mode": "passive", "ftp.reply_received": "no",
		"ftp.command_truncated": nil, "ftp.completion_code": nil, "ftp.reply": nil})
}

func TestAppendFTPData(t *testing.T) {
	e := &FTPDataEvent{AppHeader: sampleAppHeader(0, true), Filename: []byte("temp.txt"), Command: "RETR"}
	m := decodeLine(t, defaultEVE.AppendFTPData(nil, e))
	expect(t, m, map[string]any{"event_type": "ftp_data", "ftp_data.filename": "temp.txt", "ftp_data.command": "RETR"})
	m = decodeLine(t, defaultEVE.AppendFTPData(nil, &FTPDataEvent{AppHeader: sampleAppHeader(0, true), Command: "NLST"}))
	expect(t, m, map[string]any{"ftp_data.filename": nil, "ftp_data.command": "NLST"})
}

// TestAppendFileInfoFTPData: a file an ftp-data flow carried has the flow's ftp_data object
// where an HTTP file has the http object.
func TestAppendFileInfoFTPData(t *testing.T) {
	e := &FileInfoEvent{AppHeader: sampleAppHeader(0, false), AppProto: "ftp-data",
		FTPData: &FTPDataEvent{Filename: []byte("temp.txt"), Command: "RETR"},
		File:    FileInfo{Filename: []byte("temp.txt"), State: FileStateClosed, Size: 1164}}
	line := defaultEVE.AppendFileInfo(nil, e)
	m := decodeLine(t, line)
	expect(t, m, map[string]any{"ftp_data.filename": "temp.txt", "ftp_data.command": "RETR", "app_proto": "ftp-data",
		"fileinfo.size": 1164, "http": nil})
	if s := string(line); strings.Index(s, `"ftp_data"`) > strings.Index(s, `"app_proto"`) {
		t.Errorf("ftp_data after app_proto: %s", s)
	}
}
