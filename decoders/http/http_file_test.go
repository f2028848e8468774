package http

import (
	"strings"
	"testing"
)

// TestBodyFile checks what file tracking reads besides the body: the URI path and the
// gap and truncation flags of each direction.
func TestBodyFile(t *testing.T) {
	get := "GET /a/%2e%2e/b%3Fc.txt?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
	cases := []struct {
		name      string
		cfg       Config
		resp      string
		gap       int // bytes lost after the first 2 of the response body; 0: none
		more      string
		truncated bool
		gaps      bool
	}{
		{"complete", Config{}, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 0, "", false, false},
		{"until close", Config{}, "HTTP/1.1 200 OK\r\n\r\nabcd", 0, "", false, false},
		{"short", Config{}, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabcd", 0, "", true, false},
		{"chunked short", Config{}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n", 0, "", true, false},
		{"chunked", Config{}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", 0, "", false, false},
		// A gap in the body truncates the file (Suricata's http-gap-* tests) and counts in its size.
		{"gap", Config{}, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nab", 3, "fgh", true, true},
		{"gap past the end", Config{}, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nab", 9, "", true, true},
		// Data up to the limit closes normally; data after it truncates, as Suricata's file does.
		{"at limit", Config{ResponseBodyLimit: 4}, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", 0, "", false, false},
		{"past limit", Config{ResponseBodyLimit: 2}, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", 0, "cd", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParser(c.cfg)
			p.Feed(true, []byte(get))
			p.Feed(false, []byte(c.resp))
			if c.gap > 0 {
				p.Gap(false, c.gap)
			}
			if c.more != "" {
				p.Feed(false, []byte(c.more))
			}
			p.Finish(true)
			p.Finish(false)
			tx := p.Txs()[0]
			if f := tx.ResponseFile; f.Truncated != c.truncated || f.Gaps != c.gaps {
				t.Errorf("response file %+v, want truncated %v gaps %v", f, c.truncated, c.gaps)
			}
			if want := int64(min(c.gap, 6)); tx.ResponseFile.GapBytes != want {
				t.Errorf("gap bytes %d, want %d (the hole, up to the body's end)", tx.ResponseFile.GapBytes, want)
			}
			if tx.RequestFile != (BodyFile{}) {
				t.Errorf("request without a body has file flags %+v", tx.RequestFile)
			}
			// The path is decoded before it is split from the query: %3F stays in it.
			if string(tx.URIPath) != "/b?c.txt" || string(tx.URI) != "/b?c.txt?x=1" {
				t.Errorf("path %q of uri %q", tx.URIPath, tx.URI)
			}
		})
	}
}

func TestBodyFileDecompressed(t *testing.T) {
	plain := []byte(strings.Repeat("0123456789", 100))
	z := gzipped(t, plain)
	p := session(t, Config{ResponseBodyLimit: 500}, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", respWithBody("gzip", z, false))
	if tx := p.Txs()[0]; len(tx.ResponseBody) != 500 || !tx.ResponseFile.Truncated {
		t.Errorf("decompressed past the limit: %d bytes, file %+v", len(tx.ResponseBody), tx.ResponseFile)
	}
	p = session(t, Config{}, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", respWithBody("gzip", z, true))
	if tx := p.Txs()[0]; len(tx.ResponseBody) != len(plain) || tx.ResponseFile.Truncated {
		t.Errorf("decompressed within the limit: %d bytes, file %+v", len(tx.ResponseBody), tx.ResponseFile)
	}
}

func TestRequestBodyFile(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(true, []byte("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab"))
	p.Gap(true, 3)
	p.Feed(true, []byte("cd"))
	p.Finish(true)
	p.Finish(false)
	if f := p.Txs()[0].RequestFile; !f.Gaps || !f.Truncated {
		t.Errorf("request file %+v, want gaps and truncated", f)
	}
}
