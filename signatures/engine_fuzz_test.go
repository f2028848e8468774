package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// FuzzEngineInspect runs a fixed rule set over arbitrary frames: the decoder and the engine
// must never panic, and every alert names its rule with the rule's action.
func FuzzEngineInspect(f *testing.F) {
	h := newHarness(f, `
alert tcp any any -> any 80 (msg:"http"; content:"GET"; depth:3; content:"Host"; distance:0; flowbits:set,web; sid:1;)
alert tcp any any -> any any (msg:"after web"; content:"pass"; nocase; flowbits:isset,web; sid:2;)
alert udp any any -> any 53 (msg:"dns"; content:"|03|www"; offset:12; sid:3;)
alert ip any any -> any any (msg:"big"; dsize:>1000; sid:4;)
alert tcp any any -> any any (msg:"pcre"; pcre:"/a{3,}b/"; flowint:n,+,1; sid:5;)
alert icmp any any -> any any (msg:"icmp"; itype:8; sid:6;)
pass tcp any any -> any 22 (msg:"ssh"; content:"SSH-"; sid:7;)
alert tcp any any -> any any (msg:"limit"; content:"x"; threshold:type limit, track by_src, count 1, seconds 5; sid:8;)
alert ip 10.0.0.0/8 any -> any any (msg:"iponly"; sid:9;)
alert tcp any any -> any any (msg:"xbits"; content:"mark"; xbits:set,m,track ip_pair; sid:10;)
alert tcp any any <> any 8080 (msg:"bidir"; content:"zzz"; sid:11;)
`, EngineOptions{})
	for _, s := range benchPackets() {
		f.Add(buildFrame(s), uint8(0))
	}
	f.Add(buildFrame(tcpTo(22, "SSH-2.0-x")), uint8(1))
	f.Add([]byte{}, uint8(2))
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	var pkt decoders.Packet
	var out []Match
	slot := 0
	f.Fuzz(func(t *testing.T, frame []byte, mode uint8) {
		dec.Decode(&pkt, frame, decoders.LinkEthernet, int64(mode)*1e9, len(frame))
		slot++
		in := PacketInput{Pkt: &pkt, HasFlow: mode&1 == 0, ToServer: mode&2 == 0, Established: mode&4 == 0,
			FlowSlot: slot % 4096, FlowGen: uint32(slot)}
		for pass := 0; pass < 2; pass++ {
			out = h.m.Inspect(&in, out[:0])
			for _, m := range out {
				if m.Rule == nil || m.Action != m.Rule.Action || m.Rule.NoAlert {
					t.Fatalf("bad match %+v", m)
				}
			}
			// The second pass sees the state the first one left (bits, counters).
		}
		h.m.FlowEnded(in.FlowSlot, in.FlowGen)
	})
}
