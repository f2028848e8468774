package dns

import "testing"

func BenchmarkParseResponse(b *testing.B) {
	msg := bigResponse()
	var p Parser
	p.ParseMessage(false, msg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.ParseMessage(false, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msg)), "ns/byte")
}

func BenchmarkParseQuery(b *testing.B) {
	msg := newMsg(1, 0x0100, 1, 0, 0, 0).question("www.example.com", TypeA).b
	var p Parser
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.ParseMessage(true, msg)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msg)), "ns/byte")
}

func BenchmarkTCPFeed(b *testing.B) {
	stream := tcpStream(bigResponse(), bigResponse(), bigResponse())
	var s State
	n := 0
	s.OnMessage = func(bool, *Message, error) { n++ }
	s.Feed(false, stream)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Reset()
		// two pieces, so one message is reassembled in the buffer
		s.Feed(false, stream[:100])
		s.Feed(false, stream[100:])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(stream)), "ns/byte")
}
