package decoders

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// v4frag builds an IPv4 fragment 10.0.0.1 → 10.0.0.2 carrying n bytes of fill at byte offset off.
func v4frag(proto uint8, id uint16, off int, mf bool, fill byte, n int) []byte {
	b := make([]byte, 20+n)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+n))
	binary.BigEndian.PutUint16(b[4:], id)
	fo := uint16(off / 8)
	if mf {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(b[6:], fo)
	b[8], b[9] = 64, proto
	copy(b[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	binary.BigEndian.PutUint16(b[10:], ^onesSum(b[:20]))
	for i := 20; i < len(b); i++ {
		b[i] = fill
	}
	return b
}

// v6frag builds an IPv6 fragment with the given extension headers (each a whole header whose
// first byte is patched to chain correctly) before the Fragment header.
func v6frag(id uint32, off int, mf bool, fill byte, n int, exts ...[]byte) (pkt []byte, fragOff int) {
	b := make([]byte, 40)
	b[0] = 0x60
	b[7] = 64
	b[8], b[23] = 0x20, 1
	b[24], b[39] = 0x20, 2
	nhAt := 6
	for _, e := range exts {
		b[nhAt] = 0 // hop-by-hop; destination options (60) after the first
		if nhAt != 6 {
			b[nhAt] = 60
		}
		nhAt = len(b)
		b = append(b, e...)
	}
	b[nhAt] = 44
	fragOff = len(b)
	fh := make([]byte, 8)
	fh[0] = 58 // ICMPv6
	v := uint16(off/8) << 3
	if mf {
		v |= 1
	}
	binary.BigEndian.PutUint16(fh[2:], v)
	binary.BigEndian.PutUint32(fh[4:], id)
	b = append(b, fh...)
	for range n {
		b = append(b, fill)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	return b, fragOff
}

func onesSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func hasEvent(p *Packet, e Event) bool {
	for _, x := range p.Events[:p.EventCount] {
		if x == e {
			return true
		}
	}
	return false
}

func TestDefragIPv4InOrderAndReverse(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		f := NewDefragger(DefaultDefragConfig())
		frags := [][]byte{v4frag(1, 7, 0, true, 'A', 8), v4frag(1, 7, 8, true, 'B', 8), v4frag(1, 7, 16, false, 'C', 3)}
		if reverse {
			frags[0], frags[2] = frags[2], frags[0]
		}
		var out []byte
		for i, fr := range frags {
			var p Packet
			out = f.IPv4(&p, fr)
			if (out != nil) != (i == len(frags)-1) {
				t.Fatalf("reverse=%v: fragment %d returned %v", reverse, i, out != nil)
			}
			if p.EventCount != 0 {
				t.Fatalf("unexpected events %v", p.Events[:p.EventCount])
			}
		}
		if got, want := string(out[20:]), "AAAAAAAABBBBBBBBCCC"; got != want {
			t.Fatalf("reverse=%v: data %q, want %q", reverse, got, want)
		}
		if binary.BigEndian.Uint16(out[2:]) != 39 || binary.BigEndian.Uint16(out[6:])&0x3fff != 0 {
			t.Fatalf("header not fixed: len %d off %#x", binary.BigEndian.Uint16(out[2:]), binary.BigEndian.Uint16(out[6:]))
		}
		if onesSum(out[:20]) != 0xffff {
			t.Fatalf("header checksum wrong after reassembly")
		}
		if f.Stats.IPv4Fragments != 3 || f.Stats.IPv4Reassembled != 1 || f.Active() != 0 || f.MemUsed() != 0 {
			t.Fatalf("stats %+v active %d mem %d", f.Stats, f.Active(), f.MemUsed())
		}
	}
}

// TestDefragSturgesNovak runs the overlap pattern of Novak and Sturges' "Target-Based
// Fragmentation Reassembly" (as Suricata's defrag tests do) under every policy.
func TestDefragSturgesNovak(t *testing.T) {
	type fr struct {
		off  int
		fill byte
		n    int
	}
	pattern := []fr{
		{0, 'A', 24}, {32, 'B', 16}, {48, 'C', 24}, {80, 'D', 8}, {104, 'E', 16}, {120, 'F', 24},
		{144, 'G', 16}, {160, 'H', 16}, {176, 'I', 8},
		{8, 'J', 32}, {48, 'K', 24}, {72, 'L', 24}, {96, 'M', 24}, {128, 'N', 8}, {152, 'O', 8},
		{160, 'P', 8}, {176, 'Q', 16},
	}
	want := map[DefragPolicy]string{
		DefragBSD:     "AAAJJBCCCLLLMMMFFFGGHHIQ",
		DefragLinux:   "AAAJJBKKKLLLMMMFFFGGPHQQ",
		DefragWindows: "AAAJBBCCCLLLMEEFFFGGHHIQ",
		DefragSolaris: "AAAJBBCCCLLLMMMFFFGGHHIQ",
		DefragFirst:   "AAAJBBCCCLDLMEEFFFGGHHIQ",
		DefragLast:    "AJJJJBKKKLLLMMMFNFGOPHQQ",
	}
	expand := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			b.WriteString(strings.Repeat(string(c), 8))
		}
		return b.String()
	}
	for pol, w := range want {
		for _, v6 := range []bool{false, true} {
			cfg := DefaultDefragConfig()
			cfg.Policy = pol
			f := NewDefragger(cfg)
			var out []byte
			overlaps := 0
			for i, x := range pattern {
				var p Packet
				last := i == len(pattern)-1
				if v6 {
					pkt, fo := v6frag(1, x.off, !last, x.fill, x.n)
					out = f.IPv6(&p, pkt, fo)
					overlaps += btoi(hasEvent(&p, EventIPv6FragOverlap))
				} else {
					out = f.IPv4(&p, v4frag(1, 1, x.off, !last, x.fill, x.n))
					overlaps += btoi(hasEvent(&p, EventIPv4FragOverlap))
				}
				if out != nil && !last {
					t.Fatalf("%v v6=%v: reassembled early at fragment %d", pol, v6, i)
				}
			}
			if out == nil {
				t.Fatalf("%v v6=%v: not reassembled", pol, v6)
			}
			hl := 20
			if v6 {
				hl = 40
			}
			if got := string(out[hl:]); got != expand(w) {
				t.Errorf("%v v6=%v:\n got %s\nwant %s", pol, v6, got, expand(w))
			}
			if overlaps != 8 {
				t.Errorf("%v v6=%v: %d overlap events, want 8", pol, v6, overlaps)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDefragLinuxLateMiddle is the case a Suricata user reported against Linux: a fragment that
// starts before a held one and covers its head must win there.
func TestDefragLinuxLateMiddle(t *testing.T) {
	cfg := DefaultDefragConfig()
	cfg.Policy = DefragLinux
	f := NewDefragger(cfg)
	var out []byte
	for _, fr := range [][]byte{
		v4frag(1, 1, 0, true, 'A', 24), v4frag(1, 1, 40, true, 'B', 48),
		v4frag(1, 1, 24, true, 'C', 48), v4frag(1, 1, 88, false, 'D', 14),
	} {
		var p Packet
		out = f.IPv4(&p, fr)
	}
	want := strings.Repeat("A", 24) + strings.Repeat("C", 48) + strings.Repeat("B", 16) + strings.Repeat("D", 14)
	if out == nil || string(out[20:]) != want {
		t.Fatalf("got %q", out)
	}
}

func TestDefragDuplicatesAndLastEnd(t *testing.T) {
	f := NewDefragger(DefaultDefragConfig())
	var p Packet
	// The fragment past the end the MF=0 fragment declares is not part of the datagram.
	f.IPv4(&p, v4frag(1, 9, 16, true, 'C', 8))
	f.IPv4(&p, v4frag(1, 9, 0, true, 'A', 8))
	f.IPv4(&p, v4frag(1, 9, 0, true, 'X', 8)) // exact duplicate range, different data: BSD keeps A
	if !hasEvent(&p, EventIPv4FragOverlap) {
		t.Fatalf("duplicate not flagged as overlap")
	}
	out := f.IPv4(&Packet{}, v4frag(1, 9, 8, false, 'B', 8))
	if out == nil || string(out[20:]) != "AAAAAAAABBBBBBBB" || binary.BigEndian.Uint16(out[2:]) != 36 {
		t.Fatalf("got %q", out)
	}
	if f.MemUsed() != 0 {
		t.Fatalf("memory not returned: %d", f.MemUsed())
	}
}

func TestDefragKeySeparation(t *testing.T) {
	f := NewDefragger(DefaultDefragConfig())
	// Different protocol, VLAN or tunnel depth: different datagrams.
	f.IPv4(&Packet{}, v4frag(1, 12, 0, true, 'A', 8))
	if f.IPv4(&Packet{}, v4frag(17, 12, 8, false, 'B', 8)) != nil {
		t.Fatal("protocol ignored in key")
	}
	if f.IPv4(&Packet{VLAN: [MaxVLAN]uint16{5}, VLANCount: 1}, v4frag(1, 12, 8, false, 'B', 8)) != nil {
		t.Fatal("VLAN ignored in key")
	}
	if f.IPv4(&Packet{Recursion: 1}, v4frag(1, 12, 8, false, 'B', 8)) != nil {
		t.Fatal("recursion ignored in key")
	}
	if f.IPv4(&Packet{}, v4frag(1, 12, 8, false, 'B', 8)) == nil {
		t.Fatal("matching fragment did not complete")
	}
}

func TestDefragTooLarge(t *testing.T) {
	f := NewDefragger(DefaultDefragConfig())
	var p Packet
	if f.IPv4(&p, v4frag(1, 1, 8183*8, false, 'A', 71)) != nil || !hasEvent(&p, EventIPv4FragPktTooLarge) {
		t.Fatal("IPv4 too large not flagged")
	}
	pkt, fo := v6frag(1, 65528, false, 'A', 16)
	p = Packet{}
	if f.IPv6(&p, pkt, fo) != nil || !hasEvent(&p, EventIPv6FragPktTooLarge) {
		t.Fatal("IPv6 too large not flagged")
	}
	if f.Active() != 0 {
		t.Fatal("too large fragment kept")
	}
}

func TestDefragTimeout(t *testing.T) {
	cfg := DefaultDefragConfig()
	cfg.Timeout = 1e9
	f := NewDefragger(cfg)
	f.IPv4(&Packet{Time: 0}, v4frag(1, 3, 0, true, 'A', 8))
	f.IPv4(&Packet{Time: 5e8}, v4frag(1, 4, 0, true, 'A', 8))
	// 1.2 s: the first datagram is stale, the second not yet.
	if f.IPv4(&Packet{Time: 12e8}, v4frag(1, 3, 8, false, 'B', 8)) != nil {
		t.Fatal("completed a timed-out datagram")
	}
	if f.Stats.Timeouts != 1 {
		t.Fatalf("timeouts %d", f.Stats.Timeouts)
	}
	if f.IPv4(&Packet{Time: 13e8}, v4frag(1, 4, 8, false, 'B', 8)) == nil {
		t.Fatal("live datagram not completed")
	}
}

func TestDefragMemcapAndTrackers(t *testing.T) {
	cfg := DefaultDefragConfig()
	cfg.MaxTrackers = 2
	f := NewDefragger(cfg)
	f.IPv4(&Packet{}, v4frag(1, 1, 0, true, 'A', 8))
	f.IPv4(&Packet{}, v4frag(1, 2, 0, true, 'A', 8))
	var p Packet
	f.IPv4(&p, v4frag(1, 3, 0, true, 'A', 8))
	if f.Stats.MaxTrackersReached != 1 || !hasEvent(&p, EventIPv4FragIgnored) {
		t.Fatalf("tracker exhaustion not counted: %+v", f.Stats)
	}

	cfg = DefaultDefragConfig()
	cfg.MaxBytes = 3 * defragPageSize
	f = NewDefragger(cfg)
	// Each datagram's data lands in its own page; the third cannot get one.
	for id := uint16(1); id <= 3; id++ {
		p = Packet{}
		f.IPv4(&p, v4frag(1, id, 0, true, 'A', 1000))
	}
	if f.Stats.MemcapDrops != 1 || !hasEvent(&p, EventIPv4FragIgnored) {
		t.Fatalf("memcap not enforced: %+v used %d", f.Stats, f.MemUsed())
	}
	if f.MemUsed() > cfg.MaxBytes {
		t.Fatalf("memory %d over cap %d", f.MemUsed(), cfg.MaxBytes)
	}
	// Completing a datagram frees room again.
	if f.IPv4(&Packet{}, v4frag(1, 1, 1000, false, 'B', 8)) == nil {
		t.Fatal("datagram 1 did not complete")
	}
	p = Packet{}
	f.IPv4(&p, v4frag(1, 3, 0, true, 'A', 1000))
	if p.EventCount != 0 {
		t.Fatalf("still refused after memory was freed: %v", p.Events[:p.EventCount])
	}
}

func TestDefragIPv6ExtHeaders(t *testing.T) {
	hop := []byte{0, 0, 1, 4, 0, 0, 0, 0} // hop-by-hop with PadN
	dst := []byte{0, 0, 1, 4, 0, 0, 0, 0}
	f := NewDefragger(DefaultDefragConfig())
	p1, fo1 := v6frag(77, 0, true, 'A', 16, hop, dst)
	p2, fo2 := v6frag(77, 16, false, 'B', 5, hop, dst)
	if f.IPv6(&Packet{}, p2, fo2) != nil {
		t.Fatal("early")
	}
	out := f.IPv6(&Packet{}, p1, fo1)
	if out == nil {
		t.Fatal("not reassembled")
	}
	if len(out) != 40+16+21 || int(binary.BigEndian.Uint16(out[4:])) != 16+21 {
		t.Fatalf("length %d plen %d", len(out), binary.BigEndian.Uint16(out[4:]))
	}
	if out[6] != 0 || out[40] != 60 || out[48] != 58 {
		t.Fatalf("next-header chain %d %d %d, want 0 60 58", out[6], out[40], out[48])
	}
	if !bytes.Equal(out[56:], []byte(strings.Repeat("A", 16)+strings.Repeat("B", 5))) {
		t.Fatalf("data %q", out[56:])
	}
	// Without extension headers the fixed header's next header is restored.
	a, fa := v6frag(78, 0, true, 'A', 8)
	b, fb := v6frag(78, 8, false, 'B', 8)
	f.IPv6(&Packet{}, a, fa)
	out = f.IPv6(&Packet{}, b, fb)
	if out == nil || out[6] != 58 || len(out) != 56 {
		t.Fatalf("plain IPv6 reassembly wrong: %v", out)
	}
	if f.Stats.IPv6Reassembled != 2 {
		t.Fatalf("stats %+v", f.Stats)
	}
}

func TestParseDefragPolicy(t *testing.T) {
	for i := DefragPolicy(0); i < numDefragPolicies; i++ {
		if got, err := ParseDefragPolicy(i.String()); err != nil || got != i {
			t.Fatalf("%v: %v %v", i, got, err)
		}
	}
	if _, err := ParseDefragPolicy("vista"); err == nil {
		t.Fatal("unknown policy accepted")
	}
}

// BenchmarkDefragIPv4 reassembles a 3-fragment datagram per iteration; the steady state must not
// allocate.
func BenchmarkDefragIPv4(b *testing.B) {
	f := NewDefragger(DefaultDefragConfig())
	frags := [][]byte{v4frag(17, 1, 0, true, 'A', 1480), v4frag(17, 1, 1480, true, 'B', 1480), v4frag(17, 1, 2960, false, 'C', 500)}
	var p Packet
	b.ReportAllocs()
	b.SetBytes(int64(3460))
	for i := 0; b.Loop(); i++ {
		id := uint16(i)
		for _, fr := range frags {
			binary.BigEndian.PutUint16(fr[4:], id)
		}
		p.Time = int64(i)
		f.IPv4(&p, frags[0])
		f.IPv4(&p, frags[2])
		if f.IPv4(&p, frags[1]) == nil {
			b.Fatal("not reassembled")
		}
	}
}

// FuzzDefragIPv4 feeds a sequence of fragments described by the fuzz bytes (5 bytes each:
// offset/8, length, flags, fill, id) and checks the defragger's invariants.
func FuzzDefragIPv4(f *testing.F) {
	f.Add([]byte{0, 8, 1, 'A', 1, 1, 8, 0, 'B', 1})
	f.Add([]byte{3, 16, 1, 'A', 1, 0, 40, 5, 'B', 1, 1, 2, 2, 'C', 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := DefaultDefragConfig()
		cfg.MaxBytes = 16 << 10
		cfg.MaxTrackers = 4
		d := NewDefragger(cfg)
		for len(in) >= 5 {
			off, n, fl, fill, id := int(in[0])*8, int(in[1]), in[2], in[3], in[4]
			in = in[5:]
			cfg.Policy = DefragPolicy(fl>>2) % numDefragPolicies
			d.cfg.Policy = cfg.Policy
			var p Packet
			p.Time = int64(fl) * 1e8
			out := d.IPv4(&p, v4frag(1, uint16(id), off, fl&1 != 0, fill, n))
			if out != nil {
				if int(binary.BigEndian.Uint16(out[2:])) != len(out) || len(out) < 20 {
					t.Fatalf("bad reassembled length %d vs %d", binary.BigEndian.Uint16(out[2:]), len(out))
				}
			}
			if d.MemUsed() > cfg.MaxBytes || d.MemUsed() < 0 {
				t.Fatalf("memory %d", d.MemUsed())
			}
		}
	})
}

// FuzzDefragIPv6 offers arbitrary packets as IPv6 fragments at arbitrary header offsets.
func FuzzDefragIPv6(f *testing.F) {
	a, fa := v6frag(5, 0, true, 'A', 8)
	b, _ := v6frag(5, 8, false, 'B', 8)
	f.Add(a, uint8(fa), b)
	f.Fuzz(func(t *testing.T, p1 []byte, off uint8, p2 []byte) {
		cfg := DefaultDefragConfig()
		cfg.MaxBytes = 16 << 10
		d := NewDefragger(cfg)
		for i := 0; i < 3; i++ {
			for _, pk := range [][]byte{p1, p2} {
				var p Packet
				if out := d.IPv6(&p, pk, int(off)); out != nil && int(binary.BigEndian.Uint16(out[4:]))+40 != len(out) {
					t.Fatalf("bad payload length")
				}
			}
			p1, p2 = p2, p1
		}
		if d.MemUsed() > cfg.MaxBytes {
			t.Fatalf("memory %d", d.MemUsed())
		}
	})
}
