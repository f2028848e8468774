package capture

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
)

// The block walker is tested on blocks laid out by hand as the kernel lays them out, so that it
// runs without privileges; the live path itself is tested in cmd/nightjar (TestRunLiveMatchesRead).

type testPkt struct {
	frame  []byte
	vlan   bool
	tci    uint16
	tpid   uint16
	sec    uint32
	nsec   uint32
	macOff int // 0: the kernel's usual 82 + reserve
}

const testBlockSize = 4096

// buildBlock writes pkts into block number idx of mem, as a TPACKET_V3 block handed to user
// space.
func buildBlock(mem []byte, idx int, pkts []testPkt) {
	blk := mem[idx*testBlockSize : (idx+1)*testBlockSize]
	clear(blk)
	off := 48 // block descriptor, aligned
	ne.PutUint32(blk[blockNumOff:], uint32(len(pkts)))
	ne.PutUint32(blk[blockFirstOff:], uint32(off))
	for i, p := range pkts {
		mac := p.macOff
		if mac == 0 {
			mac = 82 + vlanReserve
		}
		h := blk[off:]
		ne.PutUint32(h[pktSecOff:], p.sec)
		ne.PutUint32(h[pktNsecOff:], p.nsec)
		ne.PutUint32(h[pktSnapOff:], uint32(len(p.frame)))
		ne.PutUint32(h[pktLenOff:], uint32(len(p.frame)))
		status := uint32(unix.TP_STATUS_USER)
		if p.vlan {
			status |= unix.TP_STATUS_VLAN_VALID
			if p.tpid != 0 {
				status |= unix.TP_STATUS_VLAN_TPID_VALID
			}
			ne.PutUint32(h[pktTCIOff:], uint32(p.tci))
			ne.PutUint16(h[pktTPIDOff:], p.tpid)
		}
		ne.PutUint32(h[pktStatusOff:], status)
		ne.PutUint16(h[pktMacOff:], uint16(mac))
		copy(h[mac:], p.frame)
		next := (mac + len(p.frame) + 15) &^ 15
		if i < len(pkts)-1 {
			ne.PutUint32(h[pktNextOff:], uint32(next))
		}
		off += next
	}
	ne.PutUint32(blk[blockLenOff:], uint32(off))
	ne.PutUint32(blk[blockStatusOff:], unix.TP_STATUS_USER)
}

func testRing(blocks int) *Ring {
	return &Ring{mem: make([]byte, blocks*testBlockSize), blockSize: testBlockSize, blocks: blocks, linkType: decoders.LinkEthernet}
}

func ethFrame(etherType uint16, payload string) []byte {
	f := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0}
	binary.BigEndian.PutUint16(f[12:], etherType)
	return append(f, payload...)
}

func TestBlockWalk(t *testing.T) {
	r := testRing(2)
	a, b := ethFrame(0x0800, "first"), ethFrame(0x86dd, "second packet")
	buildBlock(r.mem, 0, []testPkt{{frame: a, sec: 10, nsec: 5}, {frame: b, sec: 11, nsec: 7}})

	var blk Block
	var f Frame
	if !r.Acquire(&blk) {
		t.Fatal("block 0 is the user's but Acquire refused it")
	}
	var got [][]byte
	var times []int64
	for blk.Next(&f) {
		got = append(got, bytes.Clone(f.Data))
		times = append(times, f.Time)
		if f.LinkType != decoders.LinkEthernet || f.WireLen != len(f.Data) {
			t.Errorf("frame %d: link type %d, wire length %d for %d bytes", len(got), f.LinkType, f.WireLen, len(f.Data))
		}
	}
	if len(got) != 2 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) {
		t.Fatalf("frames %x, want %x and %x", got, a, b)
	}
	if times[0] != 10e9+5 || times[1] != 11e9+7 {
		t.Errorf("times %v", times)
	}
	r.Release(&blk)
	if st := ne.Uint32(r.mem[blockStatusOff:]); st != unix.TP_STATUS_KERNEL {
		t.Errorf("released block status %#x, want TP_STATUS_KERNEL", st)
	}
	if r.Acquire(&blk) {
		t.Error("block 1 belongs to the kernel but Acquire took it")
	}
	buildBlock(r.mem, 1, []testPkt{{frame: a}})
	if !r.Acquire(&blk) || !blk.Next(&f) || blk.Next(&f) {
		t.Fatal("block 1: want exactly one frame")
	}
	r.Release(&blk)
	if r.next != 0 {
		t.Errorf("after the last block the ring goes back to block 0, got %d", r.next)
	}
	if r.Malformed != 0 {
		t.Errorf("Malformed = %d on good blocks", r.Malformed)
	}
}

func TestBlockRestoresVLAN(t *testing.T) {
	r := testRing(1)
	inner := ethFrame(0x0800, "ip")
	buildBlock(r.mem, 0, []testPkt{
		{frame: inner, vlan: true, tci: 0x2064},                    // 802.1Q, tpid not reported
		{frame: inner, vlan: true, tci: 0x0007, tpid: 0x88a8},      // 802.1ad outer tag
		{frame: inner, vlan: true, tci: 5, macOff: tpacket3HdrLen}, // no room in front
	})
	var blk Block
	var f Frame
	if !r.Acquire(&blk) {
		t.Fatal("no block")
	}
	want := func(tpid, tci uint16) []byte {
		w := append([]byte{}, inner[:12]...)
		w = binary.BigEndian.AppendUint16(w, tpid)
		w = binary.BigEndian.AppendUint16(w, tci)
		return append(w, inner[12:]...)
	}
	for i, w := range [][]byte{want(0x8100, 0x2064), want(0x88a8, 7), inner} {
		if !blk.Next(&f) {
			t.Fatalf("frame %d missing", i)
		}
		if !bytes.Equal(f.Data, w) {
			t.Errorf("frame %d: %x, want %x", i, f.Data, w)
		}
		if f.WireLen != len(w) {
			t.Errorf("frame %d: wire length %d, want %d", i, f.WireLen, len(w))
		}
	}
	if r.VLANNoRoom != 1 {
		t.Errorf("VLANNoRoom = %d, want 1", r.VLANNoRoom)
	}
}

// TestBlockMalformed feeds headers no sane kernel writes: the walker must stop at the damage,
// count it and never read outside the block.
func TestBlockMalformed(t *testing.T) {
	frame := ethFrame(0x0800, "x")
	cases := []struct {
		name    string
		damage  func(blk []byte)
		counted bool // Ring.Malformed must count it
	}{
		{"first offset past the block", func(blk []byte) { ne.PutUint32(blk[blockFirstOff:], testBlockSize-10) }, true},
		{"snaplen past the block", func(blk []byte) { ne.PutUint32(blk[48+pktSnapOff:], testBlockSize) }, true},
		{"mac inside the header", func(blk []byte) { ne.PutUint16(blk[48+pktMacOff:], 8) }, true},
		{"next offset past the block", func(blk []byte) { ne.PutUint32(blk[48+pktNextOff:], 1<<30) }, true},
		{"more packets than next links", func(blk []byte) { ne.PutUint32(blk[blockNumOff:], 1000) }, true},
		// A block length the block cannot hold is ignored: the packet offsets are checked anyway.
		{"block length past the block", func(blk []byte) { ne.PutUint32(blk[blockLenOff:], 1<<31) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRing(1)
			buildBlock(r.mem, 0, []testPkt{{frame: frame}, {frame: frame}})
			c.damage(r.mem)
			var blk Block
			var f Frame
			if !r.Acquire(&blk) {
				t.Fatal("no block")
			}
			n := 0
			for blk.Next(&f) {
				n++
				if n > 2 {
					t.Fatal("more frames than were written")
				}
			}
			r.Release(&blk)
			if c.counted != (r.Malformed > 0) {
				t.Errorf("Malformed = %d", r.Malformed)
			}
		})
	}
}

// FuzzBlockNext walks arbitrary block contents: whatever the headers say, the walker must
// neither panic nor hand out bytes outside the block.
func FuzzBlockNext(f *testing.F) {
	r := testRing(1)
	buildBlock(r.mem, 0, []testPkt{{frame: ethFrame(0x0800, "seed")}, {frame: ethFrame(0x0800, "v"), vlan: true, tci: 9}})
	f.Add(bytes.Clone(r.mem[:512]))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := testRing(1)
		copy(r.mem, data)
		ne.PutUint32(r.mem[blockStatusOff:], unix.TP_STATUS_USER)
		var blk Block
		var fr Frame
		if !r.Acquire(&blk) {
			t.Fatal("no block")
		}
		for n := 0; blk.Next(&fr); n++ {
			if n > testBlockSize || len(fr.Data) > testBlockSize {
				t.Fatalf("frame %d of %d bytes from a %d-byte block", n, len(fr.Data), testBlockSize)
			}
		}
		r.Release(&blk)
	})
}

func TestBlockNextDoesNotAllocate(t *testing.T) {
	r := testRing(1)
	buildBlock(r.mem, 0, []testPkt{{frame: ethFrame(0x0800, "a")}, {frame: ethFrame(0x0800, "b"), vlan: true, tci: 3}})
	var blk Block
	var f Frame
	allocs := testing.AllocsPerRun(100, func() {
		ne.PutUint32(r.mem[blockStatusOff:], unix.TP_STATUS_USER)
		if r.Acquire(&blk) {
			for blk.Next(&f) {
			}
			r.Release(&blk)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per block, want 0", allocs)
	}
}

func BenchmarkBlockWalk(b *testing.B) {
	r := testRing(1)
	var pkts []testPkt
	for i := 0; i < 12; i++ {
		pkts = append(pkts, testPkt{frame: ethFrame(0x0800, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789")})
	}
	buildBlock(r.mem, 0, pkts)
	var blk Block
	var f Frame
	b.ReportAllocs()
	for b.Loop() {
		ne.PutUint32(r.mem[blockStatusOff:], unix.TP_STATUS_USER)
		r.Acquire(&blk)
		for blk.Next(&f) {
		}
		r.Release(&blk)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/frame")
}

func TestParseFanoutMode(t *testing.T) {
	for in, want := range map[string]FanoutMode{"": FanoutHash, "cluster_flow": FanoutHash, "hash": FanoutHash, "CPU": FanoutCPU, "cluster_qm": FanoutQM, "ebpf": FanoutEBPF} {
		got, err := ParseFanoutMode(in)
		if err != nil || got != want {
			t.Errorf("ParseFanoutMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseFanoutMode("cluster_random"); err == nil {
		t.Error("an unsupported mode was accepted")
	}
}

func TestRingOptionsChecked(t *testing.T) {
	good := DefaultRingOptions()
	good.Interface = "lo"
	if err := good.check(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	bad := []func(o *RingOptions){
		func(o *RingOptions) { o.Interface = "" },
		func(o *RingOptions) { o.BlockSize = 1000 },
		func(o *RingOptions) { o.BlockCount = 0 },
		func(o *RingOptions) { o.FrameSize = 24 },
		func(o *RingOptions) { o.FrameSize = o.BlockSize * 2 },
		func(o *RingOptions) { o.BlockTimeout = 0 },
	}
	for i, f := range bad {
		o := good
		f(&o)
		if err := o.check(); err == nil {
			t.Errorf("bad options %d accepted: %+v", i, o)
		}
	}
}

func TestCompileFilter(t *testing.T) {
	prog, err := CompileFilter("tcp port 80", decoders.LinkEthernet, 65535)
	if err != nil || len(prog) == 0 {
		t.Fatalf("CompileFilter: %v (%d instructions)", err, len(prog))
	}
	if prog[len(prog)-1].Code != bpfRetK {
		t.Errorf("program does not end in a return: %+v", prog[len(prog)-1])
	}
	if _, err := CompileFilter("tcp port", decoders.LinkEthernet, 65535); err == nil {
		t.Error("a broken expression compiled")
	}
}
