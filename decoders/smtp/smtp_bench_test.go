package smtp

import (
	"strings"
	"testing"
)

// BenchmarkSession measures a whole session (a mail with a base64 attachment), fed in
// segments of up to 1460 bytes in lock step, on a parser reused from flow to flow. It must not
// allocate.
func BenchmarkSession(b *testing.B) {
	client, server := conversation()
	var steps []step
	playTo(func(toServer bool, b []byte) {
		steps = append(steps, step{toServer, append([]byte(nil), b...)})
	}, client, server, 1460)
	p := NewParser(Config{})
	b.SetBytes(int64(len(client) + len(server)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Reset()
		for _, s := range steps {
			p.Feed(s.toServer, s.b)
		}
		p.ReleaseDone(^uint64(0))
	}
}

// step is one Feed call.
type step struct {
	toServer bool
	b        []byte
}

// BenchmarkMessageBody measures the steady state of a long base64 attachment: lines go
// through the MIME decoder into the file, past its stored limit.
func BenchmarkMessageBody(b *testing.B) {
	p := NewParser(Config{FileDataLimit: 1 << 10})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("354 go\r\n"))
	p.Feed(true, []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
	chunk := []byte(strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n", 20))
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Feed(true, chunk[:700])
		p.Feed(true, chunk[700:])
	}
}
