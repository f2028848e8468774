package ssh

import "testing"

func BenchmarkSSHHandshake(b *testing.B) {
	chunks := conversation()
	total := 0
	for _, c := range chunks {
		total += len(c.data)
	}
	s := New(Config{})
	feed(s, chunks, func(n int) int { return n })
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
