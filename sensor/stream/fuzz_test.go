package stream

import (
	"encoding/binary"
	"testing"
)

// fuzzSink checks what a direction receives: contiguous offsets by construction, every chunk
// non-empty and at most MaxChunk, and, when all segments carry the same byte for the same
// sequence number, each delivered byte is the one sent at its offset, so a byte delivered
// twice or out of place shows.
type fuzzSink struct {
	t       *testing.T
	s       *Stream
	check   bool
	depth   int64
	got     [2]int64 // offset reached (data plus gaps)
	data    [2]int64
	seenISN [2]uint32
}

func fuzzByte(seq uint32, dir int) byte { return byte(seq*7 + seq>>8 + uint32(dir)*3) }

func (f *fuzzSink) Data(toServer bool, b []byte) {
	d := di(toServer)
	if len(b) == 0 || len(b) > MaxChunk {
		f.t.Fatalf("chunk of %d bytes", len(b))
	}
	if f.check {
		isn1 := f.s.dir(toServer).isn1
		for i, c := range b {
			if want := fuzzByte(isn1+uint32(f.got[d])+uint32(i), d); c != want {
				f.t.Fatalf("dir %d offset %d: byte %#x, want %#x", d, f.got[d]+int64(i), c, want)
			}
		}
	}
	f.got[d] += int64(len(b))
	f.data[d] += int64(len(b))
	f.checkDepth(d)
}

func (f *fuzzSink) Gap(toServer bool, n int) {
	d := di(toServer)
	if n <= 0 {
		f.t.Fatalf("gap of %d", n)
	}
	f.got[d] += int64(n)
	f.checkDepth(d)
}

func (f *fuzzSink) checkDepth(d int) {
	if f.depth > 0 && f.got[d] > f.depth {
		f.t.Fatalf("dir %d: %d bytes delivered past depth %d", d, f.got[d], f.depth)
	}
}

// FuzzReassemble feeds segments with fuzzed sequence numbers, flags and lengths. Invariants: no
// panic, nothing delivered past the depth, no byte delivered twice or out of place (when the
// segments agree on their bytes), the lists stay well formed, and Close returns all memory.
func FuzzReassemble(f *testing.F) {
	f.Add([]byte{0x10, 0, 0, 0, 0, 1, 0x02, 0, 0, 10, 0, 0, 0x05, 0, 1, 20, 0, 0, 0x04, 0, 0, 0, 0, 21})
	f.Add([]byte{0x31, 1, 0xff, 0xff, 0xff, 0xf0, 0x06, 0, 0, 0, 0, 0, 0x05, 0, 10, 30, 0, 0, 0x05, 0, 0, 30, 0, 0, 0x04, 0, 0, 0, 0, 40})
	f.Add([]byte{0x8f, 2, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0x05, 0x7f, 0xff, 200, 0, 0, 0x0d, 0, 5, 10, 0, 0, 0xff, 0, 0, 0, 0, 0})
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, in []byte) {
	{
		if len(in) < 6 {
			return
		}
		cfg := DefaultConfig()
		cfg.Memcap = minMemcap
		cfg.MaxQueued = 64
		cfg.Depth = []int{0, 1, 100, 3000, 1 << 16}[int(in[0]&7)%5]
		cfg.Midstream = in[0]&0x08 != 0
		conflict := in[0]&0x80 != 0
		cfg.Policy = OverlapPolicy(in[1]) % numPolicies
		isn := binary.BigEndian.Uint32(in[2:6])
		in = in[6:]
		r := NewReassembler(cfg)
		var s Stream
		sink := &fuzzSink{t: t, s: &s, check: !conflict, depth: int64(cfg.Depth)}
		var payload [2048]byte
		for len(in) >= 6 {
			op := in[0]
			delta := int32(int16(binary.BigEndian.Uint16(in[1:3])))
			n := int(in[3]) * (1 + int(op>>6)) * 3 // up to 3060 bytes, crossing pages
			ackDelta := int32(int16(binary.BigEndian.Uint16(in[4:6])))
			in = in[6:]
			if op == 0xff {
				r.Close(&s, sink)
				if r.MemUse() != 0 {
					t.Fatalf("memory in use after Close: %d", r.MemUse())
				}
				sink.got, sink.data = [2]int64{}, [2]int64{}
				continue
			}
			toServer := op&1 == 0
			d := di(toServer)
			var fl uint8
			if op&0x02 != 0 {
				fl |= syn
			}
			if op&0x04 != 0 {
				fl |= ack
			}
			if op&0x08 != 0 {
				fl |= fin
			}
			if op&0x30 == 0x30 {
				fl |= rst
			}
			base := isn + uint32(d)*0x40000000
			seq := base + uint32(delta)*13
			n = min(n, len(payload))
			p := tcp(fl, seq, isn+uint32(1-d)*0x40000000+uint32(ackDelta)*17, "")
			start := seq
			if fl&syn != 0 {
				start++
			}
			for i := 0; i < n; i++ {
				payload[i] = fuzzByte(start+uint32(i), d)
				if conflict && op&0x20 != 0 {
					payload[i] ^= 0x5a
				}
			}
			p.Payload = payload[:n]
			r.Packet(&s, p, toServer, sink)
			r.checkList(t, &s.half[0])
			r.checkList(t, &s.half[1])
			if r.MemUse() > cfg.Memcap {
				t.Fatalf("memuse %d over memcap %d", r.MemUse(), cfg.Memcap)
			}
		}
		r.Close(&s, sink)
		if r.MemUse() != 0 {
			t.Fatalf("memory in use after Close: %d", r.MemUse())
		}
	}
}
