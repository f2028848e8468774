package flow

import (
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
)

const sec = int64(1e9)

// base is an arbitrary capture start time (2024-01-01T00:00:00Z).
const base = int64(1704067200) * sec

func tcpPkt(at int64, src, dst string, sp, dp uint16, flags uint8, seq, ack uint32, payload int) *decoders.Packet {
	p := ipPkt(at, src, dst, protoTCP)
	p.Layers |= decoders.HasTCP
	p.SrcPort, p.DstPort = sp, dp
	p.TCPFlags, p.Seq, p.Ack = flags, seq, ack
	p.Window = 1000
	p.Payload = make([]byte, payload)
	p.Data = make([]byte, 54+payload)
	return p
}

func udpPkt(at int64, src, dst string, sp, dp uint16, payload int) *decoders.Packet {
	p := ipPkt(at, src, dst, protoUDP)
	p.Layers |= decoders.HasUDP
	p.SrcPort, p.DstPort = sp, dp
	p.Payload = make([]byte, payload)
	p.Data = make([]byte, 42+payload)
	return p
}

func icmpPkt(at int64, src, dst string, typ, code uint8) *decoders.Packet {
	proto := uint8(protoICMP)
	layer := decoders.HasICMPv4
	if netip.MustParseAddr(src).Is6() {
		proto, layer = protoICMPv6, decoders.HasICMPv6
	}
	p := ipPkt(at, src, dst, proto)
	p.Layers |= layer
	p.ICMPType, p.ICMPCode = typ, code
	p.L4 = make([]byte, 8+32)
	p.L4[0], p.L4[1] = typ, code
	p.Data = make([]byte, 14+20+len(p.L4))
	return p
}

// icmpUnreach builds an ICMPv4 destination unreachable from src quoting a packet
// qsrc:qsp → qdst:qdp of protocol qproto.
func icmpUnreach(at int64, src, dst string, qsrc, qdst string, qproto uint8, qsp, qdp uint16, quoted int) *decoders.Packet {
	p := icmpPkt(at, src, dst, 3, 3)
	ip := make([]byte, 20+quoted)
	ip[0] = 0x45
	ip[9] = qproto
	s, d := netip.MustParseAddr(qsrc).As4(), netip.MustParseAddr(qdst).As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	if quoted >= 4 {
		ip[20], ip[21] = byte(qsp>>8), byte(qsp)
		ip[22], ip[23] = byte(qdp>>8), byte(qdp)
	}
	p.L4 = append(p.L4[:8], ip...)
	return p
}

func ipPkt(at int64, src, dst string, proto uint8) *decoders.Packet {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	p := &decoders.Packet{Time: at, Src: s, Dst: d, IPProto: proto, Layers: decoders.HasEthernet}
	if s.Is4() {
		p.Layers |= decoders.HasIPv4
	} else {
		p.Layers |= decoders.HasIPv6
	}
	return p
}

// recorder collects the flows a table ends, as filled records.
type recorder struct {
	recs    []export.FlowRecord
	reasons []Reason
}

func (r *recorder) onEnd(f *Flow, reason Reason) {
	var rec export.FlowRecord
	f.Fill(&rec, reason)
	r.recs = append(r.recs, rec)
	r.reasons = append(r.reasons, reason)
}

func newTestTable(t *testing.T, mod func(*Config)) (*Table, *recorder) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Memcap = 1 << 20 // keeps tests quick; sizing is tested on its own
	if mod != nil {
		mod(&cfg)
	}
	rec := &recorder{}
	return NewTable(cfg, rec.onEnd), rec
}

// mustUpdate feeds p and fails the test when it gets no flow.
func mustUpdate(t *testing.T, tb *Table, p *decoders.Packet) (*Flow, bool) {
	t.Helper()
	f, ts := tb.Update(p)
	if f == nil {
		t.Fatalf("packet %v→%v got no flow", p.Src, p.Dst)
	}
	return f, ts
}

// onlyRecord flushes the table and returns its one record.
func onlyRecord(t *testing.T, tb *Table, rec *recorder) export.FlowRecord {
	t.Helper()
	tb.Flush(ReasonShutdown)
	if len(rec.recs) != 1 {
		t.Fatalf("got %d flow records, want 1", len(rec.recs))
	}
	return rec.recs[0]
}
