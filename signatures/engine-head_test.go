package signatures

import (
	"strings"
	"testing"
)

// TestHeadPrefilter: a fast pattern anchored in the first bytes lives in the class's head
// database, which scans only those bytes; the whole-payload database keeps the others; both
// still wake their rules wherever they may match.
func TestHeadPrefilter(t *testing.T) {
	h := newHarness(t, `alert udp any any -> any any (msg:"anchored"; content:"ABCD"; depth:4; sid:1;)
alert udp any any -> any any (msg:"late anchor"; content:"WXYZ"; offset:80; depth:4; sid:2;)
alert udp any any -> any any (msg:"anywhere"; content:"EFGH"; sid:3;)
`, EngineOptions{})
	var pf *prefilter
	for _, sides := range h.e.pfs {
		if sides[pfPacket] != nil {
			pf = sides[pfPacket]
		}
	}
	if pf == nil || pf.head == nil || pf.headLen != 4 || len(pf.head.patRules) != 1 || len(pf.patRules) != 2 {
		t.Fatalf("want ABCD alone in a 4-byte head database and the other two in the whole-payload one, got %+v", pf)
	}
	pad := strings.Repeat(".", 100)
	udp := func(payload string) pktSpec {
		s := tcpTo(5000, payload)
		s.proto = 17
		return s
	}
	h.expect(udp("ABCD"+pad), 1)
	h.expect(udp("." + "ABCD" + pad)) // past its depth: the head database does not even see it
	h.expect(udp(pad[:80]+"WXYZ"), 2)
	h.expect(udp(pad+"EFGH"+"ABCD"), 3)
}
