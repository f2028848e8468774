package dns

import (
	"reflect"
	"testing"
)

// FuzzDNS parses arbitrary bytes as a datagram, and as a TCP stream whole and cut at a
// fuzzer-chosen point: no panic, and the cut changes nothing.
func FuzzDNS(f *testing.F) {
	f.Add(bigResponse(), uint16(5))
	f.Add(newMsg(1, 0x0100, 1, 0, 0, 0).question("a.example", TypeA).b, uint16(1))
	f.Add(newMsg(1, 0x0100, 1, 0, 0, 0).ptr(12).u16(1).u16(1).b, uint16(3))
	var p Parser
	var s State
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		p.ParseMessage(true, b)
		p.ParseMessage(false, b)
		ProbeDatagram(true, b)
		Probe(false, b)
		stream := []tcpChunk{{true, tcpStream(b)}, {false, b}}
		whole := feedTCP(&s, stream, func(n int) int { return n })
		split := feedTCP(&s, stream, func(n int) int { return int(cut)%n + 1 })
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("cut %d changed the result:\n%v\n%v", cut, whole, split)
		}
	})
}
