package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

// session parses a whole request stream and response stream and finishes both sides.
func session(t testing.TB, cfg Config, req, resp string) *Parser {
	t.Helper()
	p := NewParser(cfg)
	p.Feed(true, []byte(req))
	p.Feed(false, []byte(resp))
	p.Finish(true)
	p.Finish(false)
	return p
}

func eventNamesOf(s EventSet) string {
	var n []string
	s.Each(func(e Event) { n = append(n, e.String()) })
	return strings.Join(n, ",")
}

const basicReq = "GET /a/./b/../c%2Fd?x=%41+y#f HTTP/1.1\r\n" +
	"Host: WWW.Example.COM:8080\r\n" +
	"User-Agent: curl/8.0\r\n" +
	"Cookie: a=b\r\n" +
	"Accept: */*\r\n" +
	"Accept-Encoding: gzip\r\n" +
	"Accept-Language: en\r\n" +
	"Referer: http://r.example/\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

const basicResp = "HTTP/1.1 302 Found\r\n" +
	"Server: nginx\r\n" +
	"Location: /next\r\n" +
	"Set-Cookie: s=1\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 5\r\n" +
	"\r\n" +
	"hello"

func TestBasicTransaction(t *testing.T) {
	p := session(t, Config{}, basicReq, basicResp)
	txs := p.Txs()
	if len(txs) != 1 {
		t.Fatalf("want 1 tx, got %d", len(txs))
	}
	tx := txs[0]
	checks := []struct{ name, got, want string }{
		{"method", string(tx.Method), "GET"},
		{"uri.raw", string(tx.URIRaw), "/a/./b/../c%2Fd?x=%41+y#f"},
		{"uri", string(tx.URI), "/a/c/d?x=A+y#f"},
		{"protocol", string(tx.Protocol), "HTTP/1.1"},
		{"host", string(tx.Host), "www.example.com"},
		{"host.raw", string(tx.HostRaw), "WWW.Example.COM:8080"},
		{"request_line", string(tx.RequestLine), "GET /a/./b/../c%2Fd?x=%41+y#f HTTP/1.1"},
		{"user_agent", string(tx.UserAgent()), "curl/8.0"},
		{"cookie", string(tx.Cookie()), "a=b"},
		{"accept", string(tx.Accept()), "*/*"},
		{"accept_enc", string(tx.AcceptEncoding()), "gzip"},
		{"accept_lang", string(tx.AcceptLanguage()), "en"},
		{"referer", string(tx.Referer()), "http://r.example/"},
		{"connection", string(tx.Connection()), "keep-alive"},
		{"stat_code", string(tx.StatusCode), "302"},
		{"stat_msg", string(tx.StatusMsg), "Found"},
		{"response_line", string(tx.ResponseLine), "HTTP/1.1 302 Found"},
		{"location", string(tx.Location()), "/next"},
		{"server", string(tx.Server()), "nginx"},
		{"content_len", string(tx.ContentLength(false)), "5"},
		{"content_type", string(tx.ContentType(false)), "text/html; charset=utf-8"},
		{"response_body", string(tx.ResponseBody), "hello"},
		{"file.data", string(tx.FileData(false)), "hello"},
		{"header to_server", string(tx.Header(true)), "Host: WWW.Example.COM:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nReferer: http://r.example/\r\nConnection: keep-alive\r\n"},
		{"header to_client", string(tx.Header(false)), "Server: nginx\r\nLocation: /next\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n"},
		{"header_names", string(tx.HeaderNames(true)), "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nAccept-Encoding\r\nAccept-Language\r\nReferer\r\nConnection\r\n\r\n"},
		{"start to_client", string(tx.Start(false)), "HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /next\r\nSet-Cookie: s=1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\n"},
		{"header.raw", string(tx.HeaderRaw(true)), basicReq[strings.Index(basicReq, "\r\n")+2:]},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if tx.ID != 0 || tx.Status != 302 || tx.Port != 8080 || !tx.Done() || tx.Events != 0 {
		t.Errorf("id %d status %d port %d done %v events %s", tx.ID, tx.Status, tx.Port, tx.Done(), eventNamesOf(tx.Events))
	}
	var e EVE
	tx.FillEVE(&e)
	if string(e.Hostname) != "www.example.com" || string(e.ContentType) != "text/html" || e.Length != 5 ||
		string(e.Redirect) != "/next" || e.Status != 302 || string(e.URL) != string(tx.URIRaw) || e.Port != 8080 {
		t.Errorf("EVE = %+v", e)
	}
	if n := p.ReleaseDone(); n != 1 || len(p.Txs()) != 0 {
		t.Errorf("ReleaseDone = %d, live %d", n, len(p.Txs()))
	}
}

func TestPipelining(t *testing.T) {
	req := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
		"HEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr1" +
		"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nr2\r\n0\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 99\r\n\r\n"
	p := session(t, Config{}, req, resp)
	txs := p.Txs()
	if len(txs) != 3 {
		t.Fatalf("want 3 txs, got %d", len(txs))
	}
	want := []struct {
		uri, body, reqBody string
		status             int
	}{{"/1", "r1", "", 200}, {"/2", "r2", "abc", 201}, {"/3", "", "", 404}}
	for i, w := range want {
		tx := txs[i]
		if tx.ID != uint64(i) || string(tx.URI) != w.uri || tx.Status != w.status ||
			string(tx.ResponseBody) != w.body || string(tx.RequestBody) != w.reqBody || tx.Events != 0 {
			t.Errorf("tx %d: id %d uri %q status %d body %q reqbody %q events %s", i, tx.ID, tx.URI,
				tx.Status, tx.ResponseBody, tx.RequestBody, eventNamesOf(tx.Events))
		}
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func deflated(t testing.TB, b []byte, zlibWrap bool) []byte {
	var buf bytes.Buffer
	if zlibWrap {
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
	} else {
		w, _ := flate.NewWriter(&buf, 6)
		w.Write(b)
		w.Close()
	}
	return buf.Bytes()
}

func respWithBody(ce string, body []byte, chunked bool) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n")
	if ce != "" {
		b.WriteString("Content-Encoding: " + ce + "\r\n")
	}
	if chunked {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for i := 0; i < len(body); i += 7 {
			c := body[i:min(i+7, len(body))]
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
		}
		b.WriteString("0\r\n\r\n")
	} else {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	}
	return b.String()
}

func TestDecompression(t *testing.T) {
	plain := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 50))
	cases := []struct {
		name, ce string
		body     []byte
		chunked  bool
	}{
		{"gzip", "gzip", gzipped(t, plain), false},
		{"gzip chunked", "gzip", gzipped(t, plain), true},
		{"x-gzip", "x-gzip", gzipped(t, plain), false},
		{"deflate zlib", "deflate", deflated(t, plain, true), false},
		{"deflate raw", "deflate", deflated(t, plain, false), true},
		{"two layers", "deflate, gzip", gzipped(t, deflated(t, plain, true)), false},
		{"identity", "identity", plain, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := session(t, Config{}, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", respWithBody(c.ce, c.body, c.chunked))
			tx := p.Txs()[0]
			if !bytes.Equal(tx.ResponseBody, plain) || tx.Events != 0 || tx.ResponseBodyLen != int64(len(c.body)) {
				t.Errorf("body %d bytes (want %d), len %d, events %s", len(tx.ResponseBody), len(plain), tx.ResponseBodyLen, eventNamesOf(tx.Events))
			}
		})
	}
}

func TestDecompressionFailures(t *testing.T) {
	plain := bytes.Repeat([]byte{0}, 8<<20)
	one := gzipped(t, plain)
	two := gzipped(t, one)
	cases := []struct {
		name, ce  string
		body      []byte
		wantLen   int
		wantEvent Event
		wantCut   bool
	}{
		{"capped bomb one layer", "gzip", one, 100 << 10, EventNone, true},
		{"bomb two layers", "gzip, gzip", two, 100 << 10, EventCompressionBomb, true},
		{"garbage", "gzip", []byte("definitely not gzip"), len("definitely not gzip"), EventGzipDecompressionFailed, false},
		{"unknown coding", "br", []byte("xx"), 2, EventAbnormalCEHeader, false},
		{"three layers", "gzip, gzip, gzip", gzipped(t, []byte("x")), 0, EventTooManyEncodingLayers, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := session(t, Config{}, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", respWithBody(c.ce, c.body, false))
			tx := p.Txs()[0]
			if c.name != "three layers" && len(tx.ResponseBody) != c.wantLen {
				t.Errorf("body %d, want %d", len(tx.ResponseBody), c.wantLen)
			}
			if c.wantEvent != EventNone && !tx.Events.Has(c.wantEvent) {
				t.Errorf("events %s, want %s", eventNamesOf(tx.Events), c.wantEvent)
			}
			if c.wantEvent == EventNone && tx.Events != 0 {
				t.Errorf("unexpected events %s", eventNamesOf(tx.Events))
			}
			if tx.ResponseBodyCut != c.wantCut {
				t.Errorf("cut = %v", tx.ResponseBodyCut)
			}
		})
	}
}

func TestNormalizeURI(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/", "/"},
		{"", ""},
		{"/a/b/../c", "/a/c"},
		{"/a/./b/./", "/a/b/"},
		{"/../../etc/passwd", "/etc/passwd"},
		{"/a//b///c", "/a/b/c"},
		{"/a\\b\\..\\c", "/a/c"},
		{"/%2e%2e/x", "/x"},
		{"/a%2fb", "/a/b"},
		{"/a%5c..%5cb", "/b"},
		{"/%41%42%zz%4", "/AB%zz%4"},
		{"/%u0041%uFF21%u1234", "/AA?"},
		{"/caf%C3%A9", "/caf\xe9"},
		{"/\xff", "/?"},
		{"/p?q=%41%u0041+%2F&x=/../", "/p?q=A%u0041+/&x=/../"},
		{"/p#%41%u0042", "/p#AB"},
		{"http://Host.Example:80/x/../y?z", "/y?z"},
		{"http://host", ""},
		{"http:///x", "/x"},
		{"foo", "foo"},
		{"/a?", "/a?"},
		{"/a#", "/a#"},
		{"/.", "/"},
		{"/a/..", "/"},
		{"a/../../b", "/b"},
	}
	for _, c := range cases {
		if got := string(NormalizeURI(nil, []byte(c.in))); got != c.want {
			t.Errorf("NormalizeURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestProtocolVariants(t *testing.T) {
	cases := []struct {
		name, req, resp string
		check           func(t *testing.T, p *Parser)
	}{
		{"http/0.9", "GET /old\r\n", "<html>raw</html>", func(t *testing.T, p *Parser) {
			tx := p.Txs()[0]
			if !tx.Is09 || string(tx.URI) != "/old" || string(tx.ResponseBody) != "<html>raw</html>" || tx.Status != 0 || tx.Events != 0 {
				t.Errorf("09 %v uri %q body %q events %s", tx.Is09, tx.URI, tx.ResponseBody, eventNamesOf(tx.Events))
			}
		}},
		{"missing protocol", "GET /x\r\nUser-Agent: myscript\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nbody", func(t *testing.T, p *Parser) {
			tx := p.Txs()[0]
			if tx.Is09 || string(tx.UserAgent()) != "myscript" || !tx.Events.Has(EventRequestLineMissingProtocol) || string(tx.ResponseBody) != "body" {
				t.Errorf("09 %v ua %q events %s body %q", tx.Is09, tx.UserAgent(), eventNamesOf(tx.Events), tx.ResponseBody)
			}
		}},
		{"connect tunnel", "CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n\x16\x03\x01tls",
			"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03tls", func(t *testing.T, p *Parser) {
				tx := p.Txs()[0]
				if !tx.Tunnel || string(tx.Host) != "www.example.com" || tx.Port != 443 || len(p.Txs()) != 1 || len(tx.URI) != 0 || tx.Events != 0 {
					t.Errorf("tunnel %v host %q port %d txs %d events %s", tx.Tunnel, tx.Host, tx.Port, len(p.Txs()), eventNamesOf(tx.Events))
				}
			}},
		{"connect refused", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n",
			"HTTP/1.1 407 Proxy Auth\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", func(t *testing.T, p *Parser) {
				txs := p.Txs()
				if len(txs) != 2 || txs[0].Tunnel || txs[0].Status != 407 || string(txs[1].URI) != "/after" || txs[1].Status != 200 {
					t.Errorf("txs %d", len(txs))
				}
			}},
		{"connect origin form", "CONNECT / HTTP/1.1\r\nX-A: 1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", func(t *testing.T, p *Parser) {
			// No authority, no Host header: no host at all (Suricata bug 7851), the URI stays "/".
			tx := p.Txs()[0]
			if tx.Host != nil || tx.HostRaw != nil || string(tx.URIRaw) != "/" || !tx.Events.Has(EventRequestURIHostInvalid) {
				t.Errorf("host %q raw %q uri %q events %s", tx.Host, tx.HostRaw, tx.URIRaw, eventNamesOf(tx.Events))
			}
		}},
		{"100 continue", "POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata",
			"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", func(t *testing.T, p *Parser) {
				tx := p.Txs()[0]
				if len(p.Txs()) != 1 || tx.Status != 200 || string(tx.ResponseBody) != "ok" || string(tx.RequestBody) != "data" || tx.Events != 0 {
					t.Errorf("txs %d status %d events %s", len(p.Txs()), tx.Status, eventNamesOf(tx.Events))
				}
			}},
		{"double 100", "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
			"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", func(t *testing.T, p *Parser) {
				if tx := p.Txs()[0]; !tx.Events.Has(Event100ContinueAlreadySeen) || tx.Status != 200 {
					t.Errorf("events %s", eventNamesOf(tx.Events))
				}
			}},
		{"body to close", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nuntil the end", func(t *testing.T, p *Parser) {
			if tx := p.Txs()[0]; string(tx.ResponseBody) != "until the end" || !tx.ResponseComplete || tx.Events != 0 {
				t.Errorf("body %q events %s", tx.ResponseBody, eventNamesOf(tx.Events))
			}
		}},
		{"head and 304", "HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", func(t *testing.T, p *Parser) {
				txs := p.Txs()
				if len(txs) != 2 || txs[1].Status != 304 || len(txs[0].ResponseBody) != 0 {
					t.Errorf("txs %d", len(txs))
				}
			}},
		{"unmatched response", "", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", func(t *testing.T, p *Parser) {
			tx := p.Txs()[0]
			if string(tx.URIRaw) != unmatchedURI || !tx.Events.Has(EventUnableToMatchResponseToRequest) {
				t.Errorf("uri %q events %s", tx.URIRaw, eventNamesOf(tx.Events))
			}
		}},
		{"absolute uri host", "GET http://Proxy.Example./p HTTP/1.1\r\nHost: other\r\n\r\n", "", func(t *testing.T, p *Parser) {
			tx := p.Txs()[0]
			if string(tx.Host) != "proxy.example" || string(tx.URI) != "/p" || !tx.Events.Has(EventHostHeaderAmbiguous) {
				t.Errorf("host %q uri %q events %s", tx.Host, tx.URI, eventNamesOf(tx.Events))
			}
		}},
		{"folding and merge", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\nX-A: three\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n", "", func(t *testing.T, p *Parser) {
			tx := p.Txs()[0]
			if v := string(tx.RequestHeader("x-a")); v != "one two, three" || tx.Events != 0 || len(tx.RequestHeaders) != 3 {
				t.Errorf("x-a %q headers %d events %s", v, len(tx.RequestHeaders), eventNamesOf(tx.Events))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, session(t, Config{}, c.req, c.resp)) })
	}
}

func TestMalformedEvents(t *testing.T) {
	cases := []struct {
		name, req, resp string
		want            Event
	}{
		{"header name not token", "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", "", EventRequestHeaderInvalid},
		{"lws before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", "", EventRequestHeaderInvalid},
		{"missing colon", "GET / HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n", "", EventRequestFieldMissingColon},
		{"response missing colon", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK\r\nnocolon\r\nContent-Length: 0\r\n\r\n", EventResponseFieldMissingColon},
		{"missing host", "GET / HTTP/1.1\r\n\r\n", "", EventMissingHostHeader},
		{"invalid host header", "GET / HTTP/1.1\r\nHost: a b:99999\r\n\r\n", "", EventRequestHeaderHostInvalid},
		{"duplicate cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", "", EventDuplicateContentLengthFieldInRequest},
		{"invalid cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", "", EventInvalidContentLengthFieldInRequest},
		{"invalid te", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", "", EventInvalidTransferEncodingValueInRequest},
		{"invalid chunk len", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "", EventInvalidRequestChunkLen},
		{"response invalid chunk", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", EventInvalidResponseChunkLen},
		{"chunk extension", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=1\r\nx\r\n0\r\n\r\n", "", EventRequestChunkExtension},
		{"field too long", "GET /" + strings.Repeat("a", 20000) + " HTTP/1.1\r\n\r\n", "", EventRequestFieldTooLong},
		{"invalid folding", "GET / HTTP/1.1\r\n folded: x\r\nHost: h\r\n\r\n", "", EventInvalidRequestFieldFolding},
		{"leading whitespace", "  GET / HTTP/1.1\r\nHost: h\r\n\r\n", "", EventRequestLineLeadingWhitespace},
		{"method delim", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", "", EventMethodDelimNonCompliant},
		{"uri delim", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", "", EventURIDelimNonCompliant},
		{"unexpected body", "GET / HTTP/1.1\r\nHost: h\r\n\r\nlogin=foo&password=bar\r\n", "", EventRequestBodyUnexpected},
		{"invalid request line", "blah\r\n\r\n", "", EventRequestLineInvalid},
		{"response invalid status", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", EventResponseInvalidStatus},
		{"response invalid protocol", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/9.9 200 OK\r\n\r\n", EventResponseInvalidProtocol},
		{"chunked old proto", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", EventResponseChunkedOldProto},
		{"abnormal te", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", EventResponseAbnormalTransferEncoding},
		{"request line incomplete", "GET /partial HT", "", EventRequestLineIncomplete},
		{"uri host invalid", "GET http://bad_host!/ HTTP/1.1\r\nHost: bad_host!\r\n\r\n", "", EventRequestURIHostInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := session(t, Config{}, c.req, c.resp)
			var all EventSet
			for _, tx := range p.Txs() {
				all |= tx.Events
			}
			if !all.Has(c.want) {
				t.Errorf("events %q, want %s", eventNamesOf(all), c.want)
			}
			if p.Stats().Events[c.want] == 0 {
				t.Errorf("%s not counted", c.want)
			}
		})
	}
}

func TestRequestBodyLimitAndRelease(t *testing.T) {
	body := strings.Repeat("b", 300)
	p := session(t, Config{RequestBodyLimit: 100}, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 300\r\n\r\n"+body, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	tx := p.Txs()[0]
	if len(tx.RequestBody) != 100 || !tx.RequestBodyCut || tx.RequestBodyLen != 300 || p.Stats().BodyTruncated != 1 {
		t.Errorf("body %d cut %v len %d", len(tx.RequestBody), tx.RequestBodyCut, tx.RequestBodyLen)
	}
}

func TestGap(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab"))
	p.Gap(true, 5)
	p.Feed(true, []byte("cde"))
	p.Feed(true, []byte("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"))
	p.Feed(true, []byte("GET /3 HTTP/1.1\r\nHo"))
	p.Gap(true, 100)
	p.Feed(true, []byte("lost header\r\nGET /4 HTTP/1.1\r\nHost: h\r\n\r\n"))
	var uris []string
	for _, tx := range p.Txs() {
		uris = append(uris, string(tx.URI))
	}
	if got := strings.Join(uris, " "); got != "/1 /2 /3 /4" {
		t.Fatalf("uris %q", got)
	}
	tx := p.Txs()[0]
	if !tx.RequestBodyCut || string(tx.RequestBody) != "abcde" || !tx.RequestComplete {
		t.Errorf("body %q cut %v", tx.RequestBody, tx.RequestBodyCut)
	}
	if p.Stats().Resyncs != 1 || !p.Txs()[2].RequestComplete {
		t.Errorf("resyncs %d", p.Stats().Resyncs)
	}
}

func TestProbe(t *testing.T) {
	cases := []struct {
		toServer bool
		in       string
		want     Verdict
	}{
		{true, "GET / HTTP/1.1", Match},
		{true, "POST\t/", Match},
		{true, "PROPF", NeedMore},
		{true, "", NeedMore},
		{true, "GETX /", NoMatch},
		{true, "get /", NoMatch},
		{true, "\x16\x03\x01", NoMatch},
		{false, "HTTP/1.1 200", Match},
		{false, "HTT", NeedMore},
		{false, "SSH-2.0", NoMatch},
	}
	for _, c := range cases {
		if got := Probe(c.toServer, []byte(c.in)); got != c.want {
			t.Errorf("Probe(%v, %q) = %d, want %d", c.toServer, c.in, got, c.want)
		}
	}
}

func TestEventNames(t *testing.T) {
	for e := Event(1); e < numEvents; e++ {
		n := e.String()
		if !strings.HasPrefix(n, "http.") {
			t.Errorf("event %d has name %q", e, n)
		}
		if back, ok := EventByName(n); !ok || back != e {
			t.Errorf("EventByName(%q) = %d", n, back)
		}
	}
}
