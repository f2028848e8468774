package http

import (
	"fmt"
	"testing"
	"time"
)

// FuzzHTTP feeds arbitrary bytes as both directions: the first byte picks where the input
// splits into request and response streams, the second a segment size. It checks the parser
// never panics and that cutting the streams differently does not change what it reports.
func FuzzHTTP(f *testing.F) {
	req, resp := segmentationStreams(f)
	f.Add(append(append([]byte{byte(len(req) % 256), 7}, req...), resp...))
	f.Add(append(append([]byte{byte(len(benchReq)), 3}, benchReq...), benchResp...))
	f.Add([]byte("\x10\x01GET / HTTP/1.1\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("\x05\x02GET /\r\n<html>"))
	f.Add([]byte("\x20\x05CONNECT h:443 HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		// A stuck parser shows up as a crash carrying the input rather than a silent stall.
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("FuzzHTTP stuck on %q", data)) })
		defer watchdog.Stop()
		cut, seg := int(data[0]), int(data[1])%13+1
		data = data[2:]
		cut = min(cut, len(data))
		req, resp := data[:cut], data[cut:]
		whole := runSplit(req, resp, nil, nil)
		var rc, sc []int
		for i := seg; i < len(req); i += seg {
			rc = append(rc, i)
		}
		for i := seg; i < len(resp); i += seg {
			sc = append(sc, i)
		}
		if got := runSplit(req, resp, rc, sc); got != whole {
			t.Fatalf("segment size %d changed the result:\n%s\nwhole:\n%s", seg, got, whole)
		}
		p := NewParser(Config{})
		p.Feed(true, req)
		p.Gap(true, 3)
		p.Feed(false, resp)
		p.Gap(false, 7)
		p.Feed(true, req)
		p.Finish(false)
		p.Finish(true)
		p.ReleaseDone()
	})
}
