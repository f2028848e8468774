package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// TestAnchoredRuleAlsoOnPacket: while a packet's payload goes to the stream, stream rules
// wait for the stream, except those with a content anchored by depth or offset, which
// Suricata also inspects on the packet (SIG_FLAG_REQUIRE_PACKET); they still inspect the
// stream.
func TestAnchoredRuleAlsoOnPacket(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (content:"GET "; depth:4; content:"HTTP/1."; sid:1;)
alert tcp any any -> any any (content:"GET "; content:"HTTP/1."; sid:2;)
alert tcp any any -> any any (content:"HTTP/1."; offset:4; sid:3;)
alert tcp any any -> any any (pcre:"/^GET /"; sid:4;)
`, EngineOptions{})
	const req = "GET / HTTP/1.1\r\n\r\n"
	frame := buildFrame(tcpTo(80, req))
	h.dec.Decode(&h.pkt, frame, decoders.LinkEthernet, 0, len(frame))
	in := PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 1, FlowGen: 1, Stream: true}
	var got []uint32
	for _, m := range h.m.Inspect(&in, nil) {
		got = append(got, m.Rule.SID)
	}
	if !sidsEqual(got, []uint32{1, 3}) {
		t.Errorf("packet whose payload goes to the stream: %v, want [1 3]", got)
	}
	got = got[:0]
	for _, m := range h.m.InspectStream(&in, []byte(req), 0, nil) {
		got = append(got, m.Rule.SID)
	}
	if !sidsEqual(got, []uint32{1, 2, 3, 4}) {
		t.Errorf("stream: %v, want [1 2 3 4]", got)
	}
}
