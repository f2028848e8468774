package sensor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/http"
)

func TestHeaderParamFilename(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`attachment; filename="eicar.txt"`, "eicar.txt", true},
		{`attachment; filename=eicar.txt`, "eicar.txt", true},
		{`attachment;filename=a.exe;size=3`, "a.exe", true},
		{`attachment; FileName="A.EXE"`, "A.EXE", true},                     // the name is case-insensitive
		{`attachment; filename="a;b.txt"; x=1`, "a;b.txt", true},            // ';' inside quotes does not split
		{`attachment; filename="a\";b.txt"`, `a\";b.txt`, true},             // an escaped quote does not count
		{`  attachment;   filename="x"`, "x", true},                         // spaces before the value and after ';'
		{`attachment; filename="x" ; y`, `x" `, true},                       // the space before ';' stays, so only the leading quote goes
		{`attachment; filename*=UTF-8''e%20x.txt`, "", false},               // RFC 6266 extended form: not Suricata's
		{`attachment; filename*=UTF-8''x; filename="y.txt"`, "y.txt", true}, // falls through to the plain form
		{`attachment; filename =x`, "", false},                              // nothing allowed before '='
		{`attachment; filename=`, "", false},                                // an empty value is not a name
		{`attachment; filename="`, "", false},                               // an unbalanced quote hides the last piece
		{`attachment`, "", false},
		{``, "", false},
		{`filename=first`, "first", true}, // the first piece is a candidate too
	}
	for _, c := range cases {
		got, ok := headerParam([]byte(c.in), "filename=")
		if ok != c.ok || string(got) != c.want {
			t.Errorf("%q: got %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestFileNames(t *testing.T) {
	p := http.NewParser(http.DefaultConfig())
	p.Feed(true, []byte("POST /up/%61.bin?q=%3F HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"+
		"PUT /put/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz"+
		"POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 1\r\n\r\nz"+
		"GET /dl/name.txt HTTP/1.1\r\nHost: h\r\n\r\n"))
	p.Feed(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Disposition: inline; filename=\"real.exe\"\r\nContent-Length: 2\r\n\r\nMZ"))
	txs := p.Txs()
	if len(txs) != 4 {
		t.Fatalf("%d transactions", len(txs))
	}
	if got := requestFileName(txs[0]); string(got) != "/up/a.bin" {
		t.Errorf("POST file name %q, want the normalised path without the query", got)
	}
	if got := requestFileName(txs[1]); string(got) != "/put/x" {
		t.Errorf("PUT file name %q", got)
	}
	if got := requestFileName(txs[2]); got != nil {
		t.Errorf("multipart POST got a whole-body file %q", got)
	}
	if got := requestFileName(txs[3]); got != nil {
		t.Errorf("GET request got a file %q", got)
	}
	if got := responseFileName(txs[3]); string(got) != "real.exe" {
		t.Errorf("response file name %q, want Content-Disposition's", got)
	}
	if got := responseFileName(txs[0]); string(got) != "/up/a.bin" {
		t.Errorf("response file name without Content-Disposition %q, want the URI path", got)
	}
	long := make([]byte, 2000)
	if got := capName(long); len(got) != maxFileName {
		t.Errorf("name of %d bytes kept %d", len(long), len(got))
	}
}

// TestFileInfoEvent reads an http-evader capture (a 68-byte download named by
// Content-Disposition) and checks the one fileinfo event against the http event of the same
// transaction.
func TestFileInfoEvent(t *testing.T) {
	pcap, err := filepath.Abs(filepath.Join("..", "..", "shared", "suricata-verify", "tests", "http-evader", "http-evader-001", "input.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pcap); err != nil {
		t.Skipf("suricata-verify capture absent (../shared is missing): %v", err)
	}
	_, out := runRead(t, []string{pcap}, 1)
	var files, https []map[string]any
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		switch ev["event_type"] {
		case "fileinfo":
			files = append(files, ev)
		case "http":
			https = append(https, ev)
		}
	}
	if len(files) != 1 || len(https) != 1 {
		t.Fatalf("%d fileinfo and %d http events, want 1 and 1", len(files), len(https))
	}
	f, h := files[0], https[0]
	fi, _ := f["fileinfo"].(map[string]any)
	fh, _ := f["http"].(map[string]any)
	hh, _ := h["http"].(map[string]any)
	if fi["filename"] != "eicar.txt" || fi["state"] != "CLOSED" || fi["gaps"] != false || fi["stored"] != false ||
		fi["tx_id"] != h["tx_id"] || fi["size"] != hh["length"] {
		t.Errorf("fileinfo %v (http event: tx_id %v, length %v)", fi, h["tx_id"], hh["length"])
	}
	for _, k := range []string{"hostname", "url", "http_method", "protocol", "status", "length", "http_content_type"} {
		if fh[k] != hh[k] {
			t.Errorf("fileinfo http.%s = %v, http event has %v", k, fh[k], hh[k])
		}
	}
	// A download travels from the server: the tuple is the http event's, reversed.
	if f["src_ip"] != h["dest_ip"] || f["src_port"] != h["dest_port"] || f["dest_ip"] != h["src_ip"] ||
		f["flow_id"] != h["flow_id"] || f["app_proto"] != "http" || f["tx_id"] != nil || f["community_id"] != h["community_id"] {
		t.Errorf("fileinfo header %v vs http %v", f, h)
	}

	// Switched off, as Suricata's eve-log types without "files".
	_, out = runRead(t, []string{pcap}, 1, "outputs.eve-log.files=false")
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "fileinfo" {
			t.Fatalf("fileinfo written with outputs.eve-log.files off: %v", ev)
		}
	}
}
