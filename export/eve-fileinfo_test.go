package export

import (
	"bytes"
	"encoding/json"
	"testing"
)

// sampleFileInfo is a download: the tuple is the server's side, the http object the tx's.
func sampleFileInfo() *FileInfoEvent {
	h := sampleHTTP()
	e := &FileInfoEvent{AppHeader: sampleAppHeader(0, false), AppProto: "http", HTTP: h,
		File: FileInfo{Filename: []byte("eicar \"x\".txt"), State: FileStateClosed, Size: 68, TxID: 3}}
	e.SrcIP, e.DestIP = e.DestIP, e.SrcIP
	e.SrcPort, e.DestPort = e.DestPort, e.SrcPort
	return e
}

func TestFileInfoFields(t *testing.T) {
	e := sampleFileInfo()
	line := defaultEVE.AppendFileInfo(nil, e)
	if !bytes.HasSuffix(line, []byte("}\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if m["event_type"] != "fileinfo" || m["app_proto"] != "http" || m["tx_id"] != nil ||
		m["src_ip"] != e.SrcIP.String() || m["src_port"] != float64(e.SrcPort) || m["community_id"] == nil {
		t.Errorf("header: %s", line)
	}
	h, _ := m["http"].(map[string]any)
	if h["hostname"] != "example.com" || h["http_method"] != "GET" || h["status"] != 200.0 || h["length"] != 1234.0 {
		t.Errorf("http object: %v", h)
	}
	fi, _ := m["fileinfo"].(map[string]any)
	if fi["filename"] != `eicar "x".txt` || fi["gaps"] != false || fi["state"] != "CLOSED" || fi["stored"] != false ||
		fi["size"] != 68.0 || fi["tx_id"] != 3.0 || fi["sid"] != nil {
		t.Errorf("fileinfo object: %v", fi)
	}

	// Suricata's order: header, community_id, http, app_proto, then the fileinfo fields.
	keys := []string{`"timestamp"`, `"flow_id"`, `"pcap_cnt"`, `"event_type"`, `"src_ip"`, `"proto"`, `"community_id"`,
		`"http":{`, `"app_proto"`, `"fileinfo":{"filename"`, `"gaps"`, `"state"`, `"stored"`, `"size"`, `"tx_id"`}
	last := -1
	for _, k := range keys {
		i := bytes.Index(line, []byte(k))
		if i <= last {
			t.Errorf("%s out of order (at %d, previous at %d): %s", k, i, last, line)
		}
		last = i
	}

	// No http object when the transaction has none; an unset state reads as Suricata's UNKNOWN.
	e.HTTP, e.File.State = nil, ""
	line = defaultEVE.AppendFileInfo(nil, e)
	if bytes.Contains(line, []byte(`"http":{`)) || !bytes.Contains(line, []byte(`"state":"UNKNOWN"`)) {
		t.Errorf("without http: %s", line)
	}
}

func TestFileInfoDoesNotAllocate(t *testing.T) {
	e := sampleFileInfo()
	buf := make([]byte, 0, 1<<12)
	if n := testing.AllocsPerRun(100, func() { _ = defaultEVE.AppendFileInfo(buf[:0], e) }); n != 0 {
		t.Errorf("AppendFileInfo allocates %v times per run", n)
	}
}
