package decoders

import (
	"net/netip"
	"testing"
)

// wifiData builds a radiotap + 802.11 data frame (FromDS, QoS when qos) around an IPv4/UDP packet.
func wifiData(qos, protected bool) []byte {
	rt := []byte{0, 0, 8, 0, 0, 0, 0, 0} // radiotap v0, length 8, nothing present
	fc0 := byte(wifiTypeData << 2)
	if qos {
		fc0 |= 0x80 // subtype 8: QoS data
	}
	flags := byte(wifiFlagFromDS)
	if protected {
		flags |= wifiFlagProtected
	}
	mac := []byte{fc0, flags, 0, 0,
		1, 1, 1, 1, 1, 1, // addr1: destination
		2, 2, 2, 2, 2, 2, // addr2: BSSID
		3, 3, 3, 3, 3, 3, // addr3: source
		0, 0}
	if qos {
		mac = append(mac, 0, 0)
	}
	snap := []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x30, 0x39, 0, 53, 0, 8, 0, 0}
	return append(append(append(rt, mac...), snap...), ip...)
}

func TestDecodeIEEE80211(t *testing.T) {
	for _, tc := range []struct {
		name      string
		frame     []byte
		wantIP    bool
		wantEvent bool
	}{
		{"data", wifiData(false, false), true, false},
		{"qos data", wifiData(true, false), true, false},
		{"protected", wifiData(false, true), false, false},
		{"management", append([]byte{0, 0, 8, 0, 0, 0, 0, 0}, make([]byte, 24)...), false, false},
		{"radiotap length past end", []byte{0, 0, 200, 0, 0, 0, 0, 0}, false, true},
		{"short mac header", append([]byte{0, 0, 8, 0, 0, 0, 0, 0}, 0x08, 0, 0), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(DefaultConfig())
			var p Packet
			d.Decode(&p, tc.frame, LinkIEEE80211Radiotap, 0, len(tc.frame))
			if got := p.Has(HasIPv4 | HasUDP); got != tc.wantIP {
				t.Fatalf("IPv4/UDP decoded = %v, want %v (layers %b)", got, tc.wantIP, p.Layers)
			}
			if tc.wantIP && (p.Src != netip.MustParseAddr("10.0.0.1") || p.DstPort != 53 || p.EthSrc[0] != 3) {
				t.Errorf("wrong fields: src %v dport %d ethsrc %x", p.Src, p.DstPort, p.EthSrc)
			}
			if (p.EventCount > 0) != tc.wantEvent {
				t.Errorf("events %v, want event %v", p.Events[:p.EventCount], tc.wantEvent)
			}
			if d.Stats.Unsupported != 0 {
				t.Errorf("radiotap counted as unsupported")
			}
		})
	}
}
