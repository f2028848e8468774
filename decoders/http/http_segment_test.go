package http

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// fingerprint renders everything a consumer can see of the transactions.
func fingerprint(p *Parser) string {
	var b strings.Builder
	for _, tx := range p.Txs() {
		fmt.Fprintf(&b, "tx %d line=%q m=%q uri=%q raw=%q proto=%q host=%q hostraw=%q port=%d 09=%v rc=%v\n",
			tx.ID, tx.RequestLine, tx.Method, tx.URI, tx.URIRaw, tx.Protocol, tx.Host, tx.HostRaw, tx.Port, tx.Is09, tx.RequestComplete)
		fmt.Fprintf(&b, " reqhdr=%q raw=%q body=%q len=%d cut=%v\n", tx.Header(true), tx.HeaderRaw(true), tx.RequestBody, tx.RequestBodyLen, tx.RequestBodyCut)
		fmt.Fprintf(&b, " resp=%q code=%q msg=%q hdr=%q names=%q start=%q raw=%q body=%q len=%d cut=%v done=%v tunnel=%v\n",
			tx.ResponseLine, tx.StatusCode, tx.StatusMsg, tx.Header(false), tx.HeaderNames(false), tx.Start(false),
			tx.HeaderRaw(false), tx.ResponseBody, tx.ResponseBodyLen, tx.ResponseBodyCut, tx.ResponseComplete, tx.Tunnel)
		fmt.Fprintf(&b, " events=%s\n", eventNamesOf(tx.Events))
	}
	return b.String()
}

// feedSplit feeds one direction at the given cut points.
func feedSplit(p *Parser, toServer bool, data []byte, cuts []int) {
	prev := 0
	for _, c := range cuts {
		p.Feed(toServer, data[prev:c])
		prev = c
	}
	p.Feed(toServer, data[prev:])
}

func runSplit(req, resp []byte, reqCuts, respCuts []int) string {
	p := NewParser(Config{})
	feedSplit(p, true, req, reqCuts)
	feedSplit(p, false, resp, respCuts)
	p.Finish(true)
	p.Finish(false)
	return fingerprint(p)
}

func allCuts(n int) []int {
	c := make([]int, 0, n)
	for i := 1; i < n; i++ {
		c = append(c, i)
	}
	return c
}

func randomCuts(r *rand.Rand, n int) []int {
	var c []int
	for i := 1 + r.Intn(5); i < n; i += 1 + r.Intn(40) {
		c = append(c, i)
	}
	return c
}

// segmentationStreams is a request/response pair exercising most of the parser.
func segmentationStreams(t testing.TB) (req, resp []byte) {
	gz := gzipped(t, []byte(strings.Repeat("compressed body ", 40)))
	req = []byte("\r\nGET /a/../b%41?q=1 HTTP/1.1\r\nHost: Example.COM\r\nX-Folded: one\r\n\ttwo\r\nCookie: c=1\r\n\r\n" +
		"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n" +
		"GET /noproto\r\nUser-Agent: u\r\n\r\n" +
		"PUT /cl HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbodyjunk line\r\n" +
		"GET /last HTTP/1.0\r\n\r\n")
	resp = []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nSet-Cookie: s\r\n\r\nabc" +
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n" +
		chunkBody(gz, 11) +
		"HTTP/1.1 204 No Content\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end")
	return req, resp
}

func chunkBody(b []byte, size int) string {
	var s strings.Builder
	for i := 0; i < len(b); i += size {
		c := b[i:min(i+size, len(b))]
		fmt.Fprintf(&s, "%x\r\n%s\r\n", len(c), c)
	}
	s.WriteString("0\r\n\r\n")
	return s.String()
}

func TestSegmentationIndependence(t *testing.T) {
	req, resp := segmentationStreams(t)
	whole := runSplit(req, resp, nil, nil)
	if !strings.Contains(whole, `uri="/b%41?q=1"`) && !strings.Contains(whole, `uri="/bA?q=1"`) {
		t.Fatalf("unexpected whole-stream parse:\n%s", whole)
	}
	if n := strings.Count(whole, "tx "); n != 5 {
		t.Fatalf("want 5 transactions, got %d:\n%s", n, whole)
	}
	if got := runSplit(req, resp, allCuts(len(req)), allCuts(len(resp))); got != whole {
		t.Fatalf("byte-by-byte differs:\n%s\nwhole:\n%s", got, whole)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		if got := runSplit(req, resp, randomCuts(r, len(req)), randomCuts(r, len(resp))); got != whole {
			t.Fatalf("random split %d differs:\n%s\nwhole:\n%s", i, got, whole)
		}
	}
}

// TestChunkedEveryBoundary cuts a chunked, gzip-encoded response in two at every offset.
func TestChunkedEveryBoundary(t *testing.T) {
	req := []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n" +
		chunkBody(gzipped(t, []byte("chunked and compressed")), 5) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	whole := runSplit(req, resp, nil, nil)
	if !strings.Contains(whole, `body="chunked and compressed"`) {
		t.Fatalf("whole parse wrong:\n%s", whole)
	}
	for i := 1; i < len(resp); i++ {
		if got := runSplit(req, resp, nil, []int{i}); got != whole {
			t.Fatalf("cut at %d differs:\n%s\nwhole:\n%s", i, got, whole)
		}
	}
}
