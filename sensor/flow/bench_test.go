package flow

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// mixPackets builds packets of n concurrent flows: 60 % TCP (handshake, data, teardown), 30 %
// UDP request/response, 10 % ICMP echo, spread over IPv4 and IPv6 and both directions.
func mixPackets(n int, seed uint64) []*decoders.Packet {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var out []*decoders.Packet
	at := base
	for i := range n {
		c4 := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		s4 := [4]byte{192, 0, 2, byte(rng.IntN(200))}
		cli, srv := netip.AddrFrom4(c4).String(), netip.AddrFrom4(s4).String()
		if i%5 == 0 {
			cli = netip.AddrFrom16([16]byte{0x20, 0x01, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, c4[0], c4[1], c4[2], c4[3]}).String()
			srv = "2001:db8::80"
		}
		cp := uint16(1024 + rng.IntN(60000))
		switch r := i % 10; {
		case r < 6:
			seq := [2]uint32{rng.Uint32(), rng.Uint32()}
			for _, s := range []struct {
				cli   bool
				flags uint8
				n     int
			}{{true, S, 0}, {false, SA, 0}, {true, A, 0}, {true, PA, 300}, {false, PA, 1400}, {true, A, 0}, {false, PA, 1400}, {true, FA, 0}, {false, FA, 0}, {true, A, 0}} {
				j := 1
				src, dst, sp, dp := srv, cli, uint16(443), cp
				if s.cli {
					j = 0
					src, dst, sp, dp = cli, srv, cp, 443
				}
				out = append(out, tcpPkt(at, src, dst, sp, dp, s.flags, seq[j], seq[1-j], s.n))
				seq[j] += uint32(s.n)
				if s.flags&(S|F) != 0 {
					seq[j]++
				}
			}
		case r < 9:
			out = append(out, udpPkt(at, cli, srv, cp, 53, 40), udpPkt(at, srv, cli, 53, cp, 120))
		default:
			if i%5 == 0 {
				out = append(out, icmpPkt(at, cli, srv, 128, 0), icmpPkt(at, srv, cli, 129, 0))
			} else {
				out = append(out, icmpPkt(at, cli, srv, 8, 0), icmpPkt(at, srv, cli, 0, 0))
			}
		}
		at += 1000
	}
	// Interleave the flows as a busy link would.
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	for i, p := range out {
		p.Time = base + int64(i)*1000
	}
	return out
}

// BenchmarkTableUpdate: steady state with ~10k concurrent flows; every flow is already in the
// table, so this is lookup plus accounting plus the state machines, with Expire per packet.
// The packets sit in one contiguous array read in order, as frames in a capture ring: the
// measured misses are the flow table's, not those of scattered test packets.
func BenchmarkTableUpdate(b *testing.B) { benchUpdate(b, 10000) }

// BenchmarkTableUpdateHot is the same with 100 flows, all in cache: the CPU cost alone.
func BenchmarkTableUpdateHot(b *testing.B) { benchUpdate(b, 100) }

func benchUpdate(b *testing.B, flows int) {
	pkts := packTemplates(mixPackets(flows, 7))
	tb := NewTable(DefaultConfig(), nil)
	var p decoders.Packet
	for i := range pkts {
		pkts[i].decode(&p)
		tb.Update(&p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		pkts[i].decode(&p)
		tb.Update(&p)
		tb.Expire(p.Time)
		i++
		if i == len(pkts) {
			i = 0
		}
	}
}

// BenchmarkTableChurn: flows come and go (each flow is new, the pool recycles slots).
func BenchmarkTableChurn(b *testing.B) {
	pkts := packTemplates(mixPackets(10000, 9))
	tb := NewTable(DefaultConfig(), nil)
	var p decoders.Packet
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		pkts[i].decode(&p)
		tb.Update(&p)
		i++
		if i == len(pkts) {
			i = 0
			tb.Flush(ReasonShutdown)
		}
	}
}

// template is the compact essence of a test packet. decode writes it into a reused Packet the
// way the decoder leaves a packet for the flow stage: the fields are hot in cache, the frame
// bytes are not read. Benchmarks measure the flow table's work and memory traffic, not the
// cache misses of thousands of scattered test packets.
type template struct {
	src, dst     netip.Addr
	time         int64
	seq, ack     uint32
	layers       decoders.Layers
	sp, dp       uint16
	plen, dlen   uint16
	proto, flags uint8
	icmpT, icmpC uint8
}

var frame [2048]byte

func (t *template) decode(p *decoders.Packet) {
	p.Layers, p.Time, p.Src, p.Dst, p.IPProto = t.layers, t.time, t.src, t.dst, t.proto
	p.SrcPort, p.DstPort, p.TCPFlags, p.Seq, p.Ack = t.sp, t.dp, t.flags, t.seq, t.ack
	p.ICMPType, p.ICMPCode, p.Window = t.icmpT, t.icmpC, 1000
	p.Data, p.Payload, p.L4 = frame[:t.dlen], frame[:t.plen], frame[:8]
}

func packTemplates(ps []*decoders.Packet) []template {
	out := make([]template, len(ps))
	for i, p := range ps {
		out[i] = template{src: p.Src, dst: p.Dst, time: p.Time, seq: p.Seq, ack: p.Ack, layers: p.Layers,
			sp: p.SrcPort, dp: p.DstPort, plen: uint16(len(p.Payload)), dlen: uint16(len(p.Data)),
			proto: p.IPProto, flags: p.TCPFlags, icmpT: p.ICMPType, icmpC: p.ICMPCode}
	}
	return out
}

func BenchmarkKeyHash(b *testing.B) {
	var ki keyInfo
	keyFromPacket(tcpPkt(0, "2001:db8::1", "2001:db8::2", 1000, 443, S, 0, 0, 0), &ki)
	var h uint64
	for b.Loop() {
		h += ki.key.Hash()
	}
	_ = h
}
