package decoders

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestSuricataVerifyDecoderEvents decodes captures of Suricata's conformance suite whose checks
// name decoder events or counters and expects the same from this package.
func TestSuricataVerifyDecoderEvents(t *testing.T) {
	shared := sharedDir(t)
	type expect struct {
		pkt   int   // 1-based packet number, 0 for any
		event Event // must be raised on that packet
	}
	cases := []struct {
		pcap    string
		expect  []expect
		invalid int // Stats.Invalid after the file; -1 to skip
		check   func(t *testing.T, st *Stats)
	}{
		{"udp-5379/udp-len-invalid/input.pcap", []expect{{0, EventUDPLenInvalid}}, -1, nil},
		{"bug-7414-decoder-event-01/ip_secopt.pcap", []expect{{3, EventIPv4OptPadRequired}, {3, EventIPv4OptInvalidLen}}, 1, nil},
		{"ipv4-truncated/truncated.pcap", []expect{{0, EventIPv4TruncPkt}}, -1, nil},
		{"decode-unknown-1/input.pcap", nil, -1, func(t *testing.T, st *Stats) {
			if st.Layer(HasEthernet) != 1 || st.UnknownEtherType != 1 {
				t.Errorf("ethernet %d, unknown EtherType %d; want 1 and 1", st.Layer(HasEthernet), st.UnknownEtherType)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.pcap, func(t *testing.T) {
			d := NewDecoder(DefaultConfig())
			var p Packet
			found := make([]bool, len(c.expect))
			n := 0
			_, err := readCapture(filepath.Join(shared, "suricata-verify", "tests", c.pcap), func(data []byte, lt LinkType, ts int64, wire int) {
				n++
				d.Decode(&p, data, lt, ts, wire)
				for i, e := range c.expect {
					if (e.pkt == 0 || e.pkt == n) && slices.Contains(p.Events[:p.EventCount], e.event) {
						found[i] = true
					}
				}
			})
			if err != nil {
				t.Skipf("capture: %v", err)
			}
			for i, e := range c.expect {
				if !found[i] {
					t.Errorf("%s not raised (packet %d)", e.event, e.pkt)
				}
			}
			if c.invalid >= 0 && d.Stats.Invalid != uint64(c.invalid) {
				t.Errorf("invalid packets %d, want %d", d.Stats.Invalid, c.invalid)
			}
			if c.check != nil {
				c.check(t, &d.Stats)
			}
		})
	}
}
