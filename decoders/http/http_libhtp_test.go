package http

import (
	"bytes"
	"strings"
	"testing"
)

// Response quirks libhtp (and browsers) accept and an evasion can hide a body behind. Each case
// states the body libhtp delivers; every case must also parse the same cut at every byte.

const lhReq = "GET /f HTTP/1.1\r\nHost: h\r\n\r\n"

const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

func chunked4(s string) string { return chunkBody([]byte(s), 4) }

// gzipFlagged is a gzip member of eicar with header flags and fields set as an evader would:
// the header CRC (when FHCRC is set) is wrong and reserved bits may be on.
func gzipFlagged(t *testing.T, flg byte, extra []byte) string {
	g := gzipped(t, []byte(eicar))
	out := append([]byte{}, g[:10]...)
	out[3] = flg
	out = append(out, extra...)
	return string(append(out, g[10:]...))
}

func TestLibhtpResponseQuirks(t *testing.T) {
	cases := []struct {
		name, resp, body string
	}{
		{"chunked with LF-only size lines before sizes",
			"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n\nf\r\nX5O!P%@AP[4\\PZX\r\n\n35\r\n" + eicar[15:] + "\r\n0\r\n\r\n", eicar},
		{"chunked claimed, body sent as is",
			"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\nContent-Length: 68\r\n\r\n" + eicar, eicar},
		{"chunked on HTTP/1.0",
			"HTTP/1.0 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"chunked inside another value",
			"HTTP/1.1 200 ok\r\nTransfer-Encoding: x chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"lone CR ends a header line",
			"HTTP/1.1 200 ok\r\nContent-Type: a\rTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"lone CR ends the status line",
			"HTTP/1.1 200\rTransfer-Encoding:chunked\r\nX: y\r\n\r\n" + chunked4(eicar), eicar},
		{"CR CR LF is not a blank line",
			"HTTP/1.1 200 ok\r\nConnection: close\r\n\r\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"CR CR before a header",
			"HTTP/1.1 200 ok\r\nConnection: close\r\n\r\rTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"LF CR line ends",
			"HTTP/1.1 200 ok\n\rTransfer-Encoding: chunked\n\rX: y\r\n\r\n" + chunked4(eicar), eicar},
		{"LF CR then CRLF CRLF is one blank line",
			"HTTP/1.1 200 ok\r\nContent-Length: 68\r\nX: y\n\r\r\n\r\n" + eicar, eicar},
		{"space LF ends the headers",
			"HTTP/1.1 200 ok\r\nContent-Length: 68\n \n" + eicar, eicar},
		{"folded line with a colon is a new header on HTTP/1.1",
			"HTTP/1.1 200 ok\r\nConnection: close\r\n\tTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"NUL inside the name and value",
			"HTTP/1.1 200 ok\r\nTransfer\x00-Encoding:chun\x00ked\r\n\r\n" + chunked4(eicar), eicar},
		{"NUL folds a value",
			"HTTP/1.1 200 ok\r\nTransfer-Encoding:\n\x00chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"vertical tab after the name",
			"HTTP/1.1 200 ok\r\nTransfer-Encoding\v: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"NUL before the status line",
			"\x00HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"junk line before the status line",
			"SIP/2.0 200 ok\r\nHTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"100 with a body", "HTTP/1.1 100 ok\r\nContent-Length: 68\r\n\r\n" + eicar, eicar},
		{"101 with a body", "HTTP/1.1 101 ok\r\nContent-Length: 68\r\n\r\n" + eicar, eicar},
		{"204 with a body", "HTTP/1.1 204 ok\r\nContent-Length: 68\r\n\r\n" + eicar, eicar},
		{"304 chunked", "HTTP/1.1 304 ok\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked4(eicar), eicar},
		{"no status line at all", eicar, eicar},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := session(t, Config{}, lhReq, c.resp)
			if len(p.Txs()) == 0 {
				t.Fatal("no transaction")
			}
			tx := p.Txs()[0]
			if string(tx.ResponseBody) != c.body {
				t.Fatalf("body %q, want %q\n%s", tx.ResponseBody, c.body, fingerprint(p))
			}
			if !tx.ResponseHeadersDone {
				t.Error("response headers not done: to_client rules would never see the body")
			}
			whole := runSplit([]byte(lhReq), []byte(c.resp), nil, nil)
			if got := runSplit([]byte(lhReq), []byte(c.resp), nil, allCuts(len(c.resp))); got != whole {
				t.Fatalf("byte-by-byte differs:\n%s\nwhole:\n%s", got, whole)
			}
		})
	}
}

func TestLibhtpNoBody(t *testing.T) {
	for _, c := range []struct{ req, resp string }{
		{"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 ok\r\nContent-Length: 68\r\n\r\nHTTP/1.1 200 ok\r\n\r\n"},
		{lhReq, "HTTP/1.1 204 ok\r\n\r\nHTTP/1.1 200 ok\r\n\r\n"},
		{lhReq, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ok\r\nContent-Length: 2\r\n\r\nok"},
	} {
		p := session(t, Config{}, c.req, c.resp)
		tx := p.Txs()[0]
		if len(tx.ResponseBody) != 0 && string(tx.ResponseBody) != "ok" {
			t.Errorf("%q: body %q", c.resp, tx.ResponseBody)
		}
		if c.req == lhReq && strings.Contains(c.resp, "100 Continue") && (tx.Status != 200 || len(p.Txs()) != 1) {
			t.Errorf("100 Continue not interim:\n%s", fingerprint(p))
		}
	}
}

func TestLibhtpContentEncoding(t *testing.T) {
	gz := string(gzipped(t, []byte(eicar)))
	df := string(deflated(t, []byte(eicar), false))
	for _, c := range []struct {
		name, ce, body string
		limit          int
		event          Event
	}{
		{"unknown token beside gzip", "gzip x", gz, 0, EventAbnormalCEHeader},
		{"two headers, one token junk", "deflate, gzip x", df, 3, EventAbnormalCEHeader},
		{"NUL inside", "gz\x00ip", gz, 0, EventNone},
		{"trailing junk byte", "gzip;", gz, 0, EventAbnormalCEHeader},
		{"three layers under a limit of three", "gzip, deflate, gzip",
			string(gzipped(t, deflated(t, gzipped(t, []byte(eicar)), true))), 3, EventNone},
		{"header CRC wrong", "gzip", gzipFlagged(t, 0x02, []byte{0, 0}), 0, EventNone},
		{"reserved flag", "gzip", gzipFlagged(t, 0x80, nil), 0, EventNone},
		{"name and extra field", "gzip", gzipFlagged(t, 0x0c, []byte{3, 0, 'a', 'b', 'c', 'n', 0}), 0, EventNone},
		{"trailer cut", "gzip", gz[:len(gz)-8], 0, EventNone},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := "HTTP/1.1 200 ok\r\nContent-Encoding: " + c.ce + "\r\nContent-Length: " +
				itoa(len(c.body)) + "\r\n\r\n" + c.body
			p := session(t, Config{DecompressLayerLimit: c.limit}, lhReq, resp)
			tx := p.Txs()[0]
			if string(tx.ResponseBody) != eicar {
				t.Fatalf("body %q", tx.ResponseBody)
			}
			if c.event != EventNone && !tx.Events.Has(c.event) {
				t.Errorf("events %s, want %s", eventNamesOf(tx.Events), c.event)
			}
		})
	}
	// Past the limit libhtp keeps the first layers listed: the outer one is then not undone.
	resp := "HTTP/1.1 200 ok\r\nContent-Encoding: deflate, gzip\r\n\r\n" + gz
	p := session(t, Config{DecompressLayerLimit: 1}, lhReq, resp)
	if tx := p.Txs()[0]; !tx.Events.Has(EventTooManyEncodingLayers) || bytes.Equal(tx.ResponseBody, []byte(eicar)) {
		t.Errorf("layer limit: events %s body %q", eventNamesOf(tx.Events), tx.ResponseBody)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}

// TestLibhtpExtraBody: what follows a response and is not a status line is more of its body
// (libhtp's RES_FINALIZE), so it neither hides from file_data nor opens a phantom transaction.
func TestLibhtpExtraBody(t *testing.T) {
	resp := "HTTP/1.1 200 ok\r\nContent-Length: 34\r\n\r\n" + eicar
	p := session(t, Config{}, lhReq, resp)
	if n := len(p.Txs()); n != 1 || string(p.Txs()[0].ResponseBody) != eicar {
		t.Fatalf("want one tx with the whole body:\n%s", fingerprint(p))
	}
	whole := runSplit([]byte(lhReq), []byte(resp), nil, nil)
	if got := runSplit([]byte(lhReq), []byte(resp), nil, allCuts(len(resp))); got != whole {
		t.Fatalf("byte-by-byte differs:\n%s\nwhole:\n%s", got, whole)
	}

	// A stray LF after a body, before the next request arrives, does not claim a transaction.
	p = NewParser(Config{})
	p.Feed(true, []byte("GET /1 HTTP/1.0\r\n\r\n"))
	p.Feed(false, []byte("HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nHello World!\n"))
	p.Feed(true, []byte("GET /2 HTTP/1.0\r\n\r\n"))
	p.Feed(false, []byte("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nHello"))
	p.Finish(true)
	p.Finish(false)
	txs := p.Txs()
	if len(txs) != 2 || string(txs[1].URIRaw) != "/2" || txs[1].Status != 200 || txs[1].Events.Has(EventUnableToMatchResponseToRequest) {
		t.Fatalf("second response not paired with /2:\n%s", fingerprint(p))
	}
}

func TestLibhtpRequestLine(t *testing.T) {
	// Suricata 8: a URI with a space runs to the last space before a protocol.
	p := session(t, Config{}, "GET /uri afterspace HTTP/1.1\r\nHost: h\r\n\r\n", "")
	if tx := p.Txs()[0]; string(tx.URIRaw) != "/uri afterspace" || tx.ProtoVersion != Version11 {
		t.Errorf("uri %q protocol %q", tx.URIRaw, tx.Protocol)
	}
	// Anything but a little whitespace after a protocol-less request line means headers.
	for _, c := range []struct {
		req  string
		is09 bool
	}{
		{"GET /\nFakeHeader\nUser-Agent: myscript\n\n", false},
		{"GET /\n" + strings.Repeat(" \n", 20), false},
		{"GET /\r\n", true},
		{"GET /\r\n \r\n", true},
	} {
		p := session(t, Config{}, c.req, "")
		tx := p.Txs()[0]
		if tx.Is09 != c.is09 || !c.is09 && !tx.Events.Has(EventRequestLineMissingProtocol) {
			t.Errorf("%q: 0.9 %v events %s", c.req, tx.Is09, eventNamesOf(tx.Events))
		}
		if strings.Contains(c.req, "myscript") && string(tx.UserAgent()) != "myscript" {
			t.Errorf("%q: user agent %q", c.req, tx.UserAgent())
		}
	}
}
