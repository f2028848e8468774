package dhcp

import "testing"

// BenchmarkParse measures one request with the options a client usually sends, on a reused
// Message: it must not allocate.
func BenchmarkParse(b *testing.B) {
	msg := message(OpRequest, true, nil, nil, requestOpts)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := m.Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTruncated: reporting an error must not allocate either, since hostile traffic
// can make every datagram one.
func BenchmarkParseTruncated(b *testing.B) {
	msg := message(OpRequest, true, nil, nil, []byte{OptMessageType, 1, TypeDiscover, OptHostname, 9})
	var m Message
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Parse(msg); err == nil {
			b.Fatal("no error")
		}
	}
}
