package flow

import (
	"net/netip"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/export"
)

// FuzzTableUpdate feeds packets built from fuzz bytes (few addresses and ports, so flows meet
// again, any flags, times that jump both ways) into a tiny table and checks its invariants.
func FuzzTableUpdate(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{6, 2, 0, 0, 6, 0x12, 1, 0, 6, 0x10, 0, 1, 17, 0, 3, 3, 1, 8, 0, 0, 1, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		active := 0
		tb := NewTable(Config{Memcap: 8 * flowBytes, Timeouts: DefaultConfig().Timeouts,
			EmergencyTimeouts: DefaultConfig().EmergencyTimeouts, Midstream: len(data)%2 == 0}, func(fl *Flow, r Reason) {
			var rec export.FlowRecord
			fl.Fill(&rec, r)
			if rec.FlowID == 0 || rec.End < rec.Start || rec.CommunityID.IsZero() {
				t.Fatalf("bad record %+v", rec)
			}
			active--
		})
		at := base
		for len(data) >= 4 {
			b := data[:4]
			data = data[4:]
			p := fuzzPacket(b, at)
			at += int64(int8(b[3])) * sec / 4
			created := tb.Stats.Created
			fl, _ := tb.Update(p)
			active += int(tb.Stats.Created - created)
			if fl != nil && (fl.Proto() != p.IPProto && p.IPProto != protoICMP) {
				t.Fatalf("flow proto %d for packet proto %d", fl.Proto(), p.IPProto)
			}
			tb.Expire(at)
			if uint64(active) != tb.Stats.Active || active > tb.Cap() {
				t.Fatalf("active %d, stats say %d, cap %d", active, tb.Stats.Active, tb.Cap())
			}
		}
		tb.Flush(ReasonShutdown)
		if active != 0 || tb.Stats.Active != 0 {
			t.Fatalf("%d flows left after flush", active)
		}
	})
}

func fuzzPacket(b []byte, at int64) *decoders.Packet {
	hosts := [...]string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "fe80::1", "fe80::2"}
	v6 := b[0]&0x80 != 0
	src, dst := hosts[b[1]%3], hosts[b[2]%3]
	if v6 {
		src, dst = hosts[3+b[1]%2], hosts[3+b[2]%2]
	}
	var p *decoders.Packet
	switch b[0] & 3 {
	case 0:
		p = tcpPkt(at, src, dst, uint16(b[1]&3), uint16(b[2]&3), b[3], uint32(b[2])<<8, uint32(b[1])<<8, int(b[0]>>4))
		p.Window = uint16(b[0] & 4)
		p.BadL4Checksum = b[0]&8 != 0 && b[3]&1 != 0
	case 1:
		p = udpPkt(at, src, dst, uint16(b[1]&3), uint16(b[2]&3), int(b[3]&7))
	case 2:
		p = icmpPkt(at, src, dst, b[3]&15, b[2]&3)
		if !v6 && b[3]&15 == 3 {
			p.L4 = append(p.L4[:8], fuzzQuote(b, src, dst)...)
		}
		if v6 {
			p.ICMPType = 126 + b[3]&15
		}
	default:
		p = ipPkt(at, src, dst, b[3])
		if b[3]&1 != 0 {
			p.Layers |= decoders.IsFragment
		}
	}
	if b[0]&0x40 != 0 {
		p.VLAN[0], p.VLANCount = uint16(b[1]), 1
	}
	return p
}

func fuzzQuote(b []byte, src, dst string) []byte {
	q := make([]byte, 20+int(b[1]&31))
	q[0] = 0x40 | (5 + b[2]&1)
	q[9] = []byte{6, 17, 1, 0}[b[2]&3]
	s, d := netip.MustParseAddr(dst).As4(), netip.MustParseAddr(src).As4()
	copy(q[12:], s[:])
	copy(q[16:], d[:])
	if len(q) > 24 {
		q[21], q[23] = b[1]&3, b[2]&3
	}
	return q
}
