package sensor

import (
	"encoding/base64"
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/flow"
	"github.com/nightjar-ids/nightjar/signatures"
)

// TestDetectTag: a session tag of 3 packets tags the two packets after the alerting one and
// no more; a host tag on the client tags its packets in another flow too. Each tagged packet
// is an EVE packet event carrying the frame.
func TestDetectTag(t *testing.T) {
	c := newDACapture(t)
	v := c.conv(40000, 80)
	v.handshake()
	v.tcp(true, false, true, false, true, []byte("PING one"))
	v.tcp(false, false, true, false, false, nil) // acks the data: stream inspection alerts here
	for range 4 {
		v.send(true, "more") // 8 packets
	}
	// Another flow from the same client, later: only the host tag reaches it.
	c.conv(40001, 443).handshake() // 3 packets
	pcap := c.write()
	for _, tc := range []struct {
		rule            string
		inFlow, outOfIt int
	}{
		{`alert tcp any any -> any any (msg:"session"; content:"PING"; tag:session,3,packets; sid:1;)`, 2, 0},
		{`alert tcp any any -> any 80 (msg:"host"; content:"PING"; tag:host,20,packets,src; sid:2;)`, 8, 3},
		{`alert tcp any any -> any 80 (msg:"host"; content:"PING"; tag:host,5,packets,src; sid:3;)`, 4, 0},
	} {
		r := runAppRules(t, pcap, []string{tc.rule}, 1)
		var inFlow, outOfIt int
		for _, ev := range r.events {
			if ev["event_type"] != "packet" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(ev["packet"].(string))
			info, _ := ev["packet_info"].(map[string]any)
			if err != nil || len(raw) < 54 || info["linktype"] != float64(1) {
				t.Fatalf("packet event without a decodable Ethernet frame: %v", ev)
			}
			if ev["src_port"] == float64(40001) || ev["dest_port"] == float64(40001) {
				outOfIt++
			} else {
				inFlow++
			}
		}
		if len(r.alerts) != 1 || inFlow != tc.inFlow || outOfIt != tc.outOfIt {
			t.Errorf("%s: %d alerts; tagged %d packets in the flow, %d in the other; want 1, %d, %d",
				tc.rule, len(r.alerts), inFlow, outOfIt, tc.inFlow, tc.outOfIt)
		}
	}
}

func TestTaggerCounts(t *testing.T) {
	r := &signatures.Rule{SID: 7, GID: 1, Tags: []signatures.Tag{{Count: 100, Metric: signatures.TagBytes}}}
	var tg tagger
	p := &decoders.Packet{Data: make([]byte, 60), Time: 10e9, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}
	f := testFlow(t)
	tg.add(r, f, p)
	if tg.packet(f, p) {
		t.Fatal("the alerting packet itself must not be tagged")
	}
	// 60 bytes counted; the next 60 make 120 > 100: the tag runs out on the second packet.
	if tg.packet(f, p) {
		t.Error("second packet: 120 bytes > 100, the tag should have run out")
	}
	if tg.active != 0 {
		t.Errorf("%d tags in force after running out", tg.active)
	}
	// Seconds: tagged while within the count, restarted by a new alert.
	r.Tags[0] = signatures.Tag{Count: 5, Metric: signatures.TagSeconds}
	tg.add(r, f, p)
	tg.packet(f, p)
	p.Time = 14e9
	if !tg.packet(f, p) {
		t.Error("4 s into a 5 s tag: want tagged")
	}
	p.Time = 16e9
	if tg.packet(f, p) {
		t.Error("6 s into a 5 s tag: want run out")
	}
	tg.add(r, f, p)
	tg.flowEnded(f.Slot())
	if tg.active != 0 || len(tg.flows) != 0 {
		t.Errorf("flow end left %d tags", tg.active)
	}
	allocs := testing.AllocsPerRun(100, func() { tg.packet(f, p) })
	if allocs != 0 {
		t.Errorf("a packet with no tag in force allocates %.1f", allocs)
	}
}

// testFlow is a flow of a real table, made by one SYN.
func testFlow(t *testing.T) *flow.Flow {
	c := newDACapture(t)
	c.conv(1234, 80).tcp(true, true, false, false, false, nil)
	var p decoders.Packet
	decoders.NewDecoder(decoders.DefaultConfig()).Decode(&p, c.frames[0], decoders.LinkEthernet, 1e9, len(c.frames[0]))
	f, _ := flow.NewTable(flow.DefaultConfig(), func(*flow.Flow, flow.Reason) {}).Update(&p)
	if f == nil {
		t.Fatal("no flow for a SYN")
	}
	return f
}
