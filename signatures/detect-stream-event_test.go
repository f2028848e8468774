package signatures

import (
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

func TestStreamEventParse(t *testing.T) {
	r := mustRule(t, `alert tcp any any -> any any (stream-event:reassembly_seq_gap; sid:1;)`)
	if r.StreamEvents != StreamEventReassemblySeqGap {
		t.Fatalf("parsed as %b", r.StreamEvents)
	}
	for bad, why := range map[string]string{
		"pkt_invalid_timestamp":     "not raised",
		"no_such_event":             "unknown stream event",
		"stream.reassembly_seq_gap": "unknown stream event", // Suricata adds the prefix itself
	} {
		r, errs := loadOne(t, `alert tcp any any -> any any (stream-event:`+bad+`; sid:2;)`)
		if r != nil || len(errs) == 0 || !strings.Contains(errs[0].Error(), why) {
			t.Errorf("stream-event:%s: rule %v, errors %v (want %q)", bad, r != nil, errs, why)
		}
	}
}

func TestStreamEventMatch(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (msg:"gap"; stream-event:reassembly_seq_gap; sid:1;)
alert tcp any any -> any any (msg:"gap and x"; stream-event:reassembly_seq_gap; content:"x"; sid:2;)
`, EngineOptions{})
	if h.e.Stats().IPOnly != 0 {
		t.Errorf("stream-event rules counted IP-only")
	}
	inspect := func(payload string, ev StreamEvents) []uint32 {
		s := tcpTo(80, payload)
		frame := buildFrame(s)
		h.dec.Decode(&h.pkt, frame, decoders.LinkEthernet, 0, len(frame))
		in := PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 1, FlowGen: 1, StreamEvents: ev}
		h.out = h.m.Inspect(&in, h.out[:0])
		var sids []uint32
		for _, m := range h.out {
			sids = append(sids, m.Rule.SID)
		}
		return sids
	}
	if got := inspect("x", 0); len(got) != 0 {
		t.Errorf("no event: %v", got)
	}
	if got := inspect("y", StreamEventReassemblySeqGap); !sidsEqual(got, []uint32{1}) {
		t.Errorf("gap, payload y: %v, want [1]", got)
	}
	if got := inspect("x", StreamEventReassemblySeqGap); !sidsEqual(got, []uint32{1, 2}) {
		t.Errorf("gap, payload x: %v, want [1 2]", got)
	}
}
