package tls

import (
	ctls "crypto/tls"
	"testing"
)

func benchFeed(b *testing.B, chunks []chunk) {
	var total int
	for _, c := range chunks {
		total += len(c.data)
	}
	s := New(Config{})
	feedSplit(s, chunks, func(n int) int { return n }) // grow the reused buffers
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Reset()
		for _, c := range chunks {
			s.Feed(c.toServer, c.data)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(total), "ns/byte")
}

// BenchmarkTLS13Handshake: ClientHello, ServerHello and encrypted records; no certificate is
// visible, so the steady state must not allocate.
func BenchmarkTLS13Handshake(b *testing.B) {
	benchFeed(b, handshake(b, makeCert(b), ctls.VersionTLS13))
}

// BenchmarkTLS12Handshake includes a certificate: crypto/x509 allocates once per certificate.
func BenchmarkTLS12Handshake(b *testing.B) {
	benchFeed(b, handshake(b, makeCert(b), ctls.VersionTLS12))
}

// BenchmarkTLSAppData: 16 KiB ciphertext records skipped after the handshake.
func BenchmarkTLSAppData(b *testing.B) {
	rec := record(recApplicationData, 0x0303, make([]byte, 16384))
	var data []byte
	for i := 0; i < 8; i++ {
		data = append(data, rec...)
	}
	benchFeed(b, []chunk{{true, greaseHello()}, {false, data}})
}

func BenchmarkJA4ClientHello(b *testing.B) {
	benchFeed(b, []chunk{{true, greaseHello()}})
}
