package http

import (
	"strings"
	"testing"
)

var benchReq = []byte("GET /search?q=nightjar&lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"Connection: keep-alive\r\n\r\n")

var benchResp = []byte("HTTP/1.1 200 OK\r\n" +
	"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
	"Server: nginx/1.24.0\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 1400\r\n" +
	"Cache-Control: private, max-age=0\r\n" +
	"Set-Cookie: id=42; Path=/; HttpOnly\r\n" +
	"Connection: keep-alive\r\n\r\n" + strings.Repeat("<p>body</p>", 127) + "xxx")

// benchPair measures one request/response transaction per op on a long-lived flow, feeding
// each direction in segments of seg bytes, and releasing the transaction as a pipeline would.
func benchPair(b *testing.B, req, resp []byte, seg int) {
	p := NewParser(Config{})
	feed := func(toServer bool, d []byte) {
		for len(d) > 0 {
			n := min(seg, len(d))
			p.Feed(toServer, d[:n])
			d = d[n:]
		}
	}
	// Warm up so buffers reach their steady size.
	for i := 0; i < 4; i++ {
		feed(true, req)
		feed(false, resp)
		p.ReleaseDone()
	}
	b.SetBytes(int64(len(req) + len(resp)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		feed(true, req)
		feed(false, resp)
		tx := p.Txs()[0]
		_ = tx.Header(true) // the detection engine would build the sticky buffers
		if tx.Status != 200 || p.ReleaseDone() != 1 {
			b.Fatal("transaction not parsed")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(req)+len(resp)), "ns/byte")
}

func BenchmarkTransaction(b *testing.B) { benchPair(b, benchReq, benchResp, 1460) }

func BenchmarkTransactionSmallSegments(b *testing.B) { benchPair(b, benchReq, benchResp, 100) }

func BenchmarkTransactionGzipChunked(b *testing.B) {
	body := gzipped(b, []byte(strings.Repeat("<p>compressible body</p>", 200)))
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkBody(body, 512))
	benchPair(b, benchReq, resp, 1460)
}

// TestSteadyStateAllocs holds the hot path to zero allocations once buffers have grown.
func TestSteadyStateAllocs(t *testing.T) {
	p := NewParser(Config{})
	run := func() {
		p.Feed(true, benchReq)
		p.Feed(false, benchResp)
		_ = p.Txs()[0].Header(true)
		p.ReleaseDone()
	}
	for i := 0; i < 4; i++ {
		run()
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%.1f allocations per transaction, want 0", n)
	}
}
