package signatures

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Hand-built frames for the engine tests: Ethernet / IPv4 / TCP or UDP with correct checksums,
// decoded by the real decoder.

type pktSpec struct {
	proto          uint8 // 6 or 17
	src, dst       string
	sport, dport   uint16
	payload        string
	time           int64 // ns
	tcpFlags       uint8
	hasFlow, toSrv bool
	est            bool
	slot           int
	gen            uint32
}

func csum(chunks ...[]byte) uint16 {
	var sum uint32
	for _, b := range chunks {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func buildFrame(s pktSpec) []byte {
	src, dst := netip.MustParseAddr(s.src).As4(), netip.MustParseAddr(s.dst).As4()
	var l4 []byte
	if s.proto == 17 {
		l4 = make([]byte, 8, 8+len(s.payload))
		binary.BigEndian.PutUint16(l4[0:], s.sport)
		binary.BigEndian.PutUint16(l4[2:], s.dport)
		binary.BigEndian.PutUint16(l4[4:], uint16(8+len(s.payload)))
	} else {
		l4 = make([]byte, 20, 20+len(s.payload))
		binary.BigEndian.PutUint16(l4[0:], s.sport)
		binary.BigEndian.PutUint16(l4[2:], s.dport)
		binary.BigEndian.PutUint32(l4[4:], 1000)
		binary.BigEndian.PutUint32(l4[8:], 2000)
		l4[12] = 5 << 4
		fl := s.tcpFlags
		if fl == 0 {
			fl = decoders.TCPAck | decoders.TCPPsh
		}
		l4[13] = fl
		binary.BigEndian.PutUint16(l4[14:], 65535)
	}
	l4 = append(l4, s.payload...)
	pseudo := append(append(append([]byte{}, src[:]...), dst[:]...), 0, s.proto, byte(len(l4)>>8), byte(len(l4)))
	ck := csum(pseudo, l4)
	if s.proto == 17 {
		binary.BigEndian.PutUint16(l4[6:], ck)
	} else {
		binary.BigEndian.PutUint16(l4[16:], ck)
	}
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	ip[8] = 64
	ip[9] = s.proto
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	binary.BigEndian.PutUint16(ip[10:], csum(ip))
	eth := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}
	return append(append(eth, ip...), l4...)
}

// tcpTo returns a to-server TCP packet spec on flow slot 1 gen 1 with payload.
func tcpTo(dport uint16, payload string) pktSpec {
	return pktSpec{proto: 6, src: "10.0.0.1", dst: "192.168.1.2", sport: 40000, dport: dport,
		payload: payload, hasFlow: true, toSrv: true, est: true, slot: 1, gen: 1}
}

// reply turns a to-server spec into the server's answer on the same flow.
func (s pktSpec) reply(payload string) pktSpec {
	r := s
	r.src, r.dst, r.sport, r.dport = s.dst, s.src, s.dport, s.sport
	r.toSrv, r.payload = false, payload
	return r
}

type engineHarness struct {
	t   testing.TB
	e   *Engine
	m   *Matcher
	dec *decoders.Decoder
	pkt decoders.Packet
	out []Match
}

func newHarness(t testing.TB, rules string, opts EngineOptions) *engineHarness {
	t.Helper()
	rs, errs := LoadReader(strings.NewReader(rules), "test.rules", DefaultVars(), Options{})
	if len(errs) > 0 {
		t.Fatalf("rules not loaded: %v", errs)
	}
	e, lerrs, err := Compile(rs, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if len(lerrs) > 0 {
		t.Fatalf("Compile refused rules: %v", lerrs)
	}
	return &engineHarness{t: t, e: e, m: e.NewMatcher(), dec: decoders.NewDecoder(decoders.DefaultConfig())}
}

// inspect decodes and inspects one packet and returns the sids that alerted, in order.
func (h *engineHarness) inspect(s pktSpec) []uint32 {
	h.t.Helper()
	frame := buildFrame(s)
	h.dec.Decode(&h.pkt, frame, decoders.LinkEthernet, s.time, len(frame))
	if !h.pkt.Has(decoders.HasIPv4) {
		h.t.Fatalf("test frame did not decode: layers %b", h.pkt.Layers)
	}
	in := PacketInput{Pkt: &h.pkt, HasFlow: s.hasFlow, ToServer: s.toSrv, Established: s.est,
		FlowSlot: s.slot, FlowGen: s.gen}
	h.out = h.m.Inspect(&in, h.out[:0])
	var sids []uint32
	for _, m := range h.out {
		sids = append(sids, m.Rule.SID)
	}
	return sids
}

func sidsEqual(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *engineHarness) expect(s pktSpec, want ...uint32) {
	h.t.Helper()
	if got := h.inspect(s); !sidsEqual(got, want) {
		h.t.Errorf("payload %q port %d toServer %v: alerts %v, want %v", s.payload, s.dport, s.toSrv, got, want)
	}
}
