package decoders

import "testing"

// nsh builds an NSH header: version, length in 4-byte words, MD type and next protocol, then
// the service path header and len*4-8 bytes of context headers.
func nsh(ver, words, md, next byte) []byte {
	h := []byte{ver << 6, words & 0x3f, md, next, 0, 0, 1, 0xff}
	if n := int(words)*4 - len(h); n > 0 {
		h = append(h, make([]byte, n)...)
	}
	return h
}

func TestDecodeNSH(t *testing.T) {
	v4 := ip4(IPProtoUDP, nil, udpDgram(52377, 52464, []byte("data\n\n")))
	v6 := ip6(IPProtoUDP, nil, udpDgram(5353, 53, []byte("hello")))
	udp4 := want{layers: HasEthernet | HasIPv4 | HasUDP, src: ip4A, dst: ip4B, proto: IPProtoUDP, sport: 52377, dport: 52464, payload: 6}
	udp6 := want{layers: HasIPv6 | HasUDP, src: ip6A, dst: ip6B, proto: IPProtoUDP, sport: 5353, dport: 53, payload: 5}
	stop := func(e Event) want {
		return want{layers: HasEthernet, notLayers: HasIPv4 | HasIPv6, events: []Event{e}, payload: -1}
	}
	runCases(t, DefaultConfig(), []decodeCase{
		{"md1 ipv4", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 6, 1, 1), v4)), udp4},
		{"md2 ipv6", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 3, 2, 2), v6)), udp6},
		{"md2 ethernet", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 2, 2, 3), eth(EtherTypeIPv4, v4))), udp4},
		{"too small", LinkEthernet, eth(EtherTypeNSH, []byte{0, 6, 1, 1, 0, 0, 1}), stop(EventNSHHeaderTooSmall)},
		{"version 1", LinkEthernet, eth(EtherTypeNSH, cat(nsh(1, 6, 1, 1), v4)), stop(EventNSHUnsupportedVersion)},
		{"no payload", LinkEthernet, eth(EtherTypeNSH, nsh(0, 6, 1, 1)), stop(EventNSHBadHeaderLength)},
		{"md1 wrong length", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 2, 1, 1), v4)), stop(EventNSHBadHeaderLength)},
		{"md2 inside base", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 1, 2, 1), v4)), stop(EventNSHBadHeaderLength)},
		{"reserved md", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 6, 0xf, 1), v4)), stop(EventNSHReservedType)},
		{"unsupported md", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 6, 3, 1), v4)), stop(EventNSHUnsupportedType)},
		{"gre nsh", LinkEthernet, eth(EtherTypeIPv4, ip4(IPProtoGRE, nil, cat([]byte{0, 0, 0x89, 0x4f}, nsh(0, 6, 1, 1), v4))),
			func() want {
				w := udp4
				w.check = func(t *testing.T, p *Packet) {
					if p.Tunnel != TunnelGRE {
						t.Errorf("tunnel %v, want gre", p.Tunnel)
					}
				}
				return w
			}()},
		{"nsh in nsh", LinkEthernet, eth(EtherTypeNSH, cat(nsh(0, 6, 1, 4), nsh(0, 6, 1, 1), v4)), stop(EventNSHUnknownPayload)},
	})

	// Each NSH header met counts, as decoder.nsh does.
	d := NewDecoder(DefaultConfig())
	var p Packet
	frame := eth(EtherTypeNSH, cat(nsh(0, 6, 1, 1), v4))
	d.Decode(&p, frame, LinkEthernet, 1, len(frame))
	if n := d.Stats.PerCounter[CountNSH]; n != 1 || CountNSH.String() != "nsh" {
		t.Errorf("decoder.%s = %d, want nsh = 1", CountNSH, n)
	}
}
