package signatures

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/nightjar-ids/nightjar/decoders"
)

// The prefilter may only drop rules that cannot match. These tests replay real captures through
// an engine and through a copy of it that verifies every rule of the packet's group, and demand
// the same alerts packet by packet.

// withoutPrefilter returns a copy of e whose groups verify all their rules on every packet.
func withoutPrefilter(e *Engine) *Engine {
	full := *e
	full.groups = make([]*group, len(e.groups))
	for gi, g := range e.groups {
		ng := &group{always: slices.Clone(g.always)}
		for _, er := range e.rules {
			if g.fp.has(er.idx) {
				ng.always = append(ng.always, er.idx)
			}
		}
		slices.Sort(ng.always)
		full.groups[gi] = ng
	}
	full.pfs = [nPFClasses][2]*prefilter{}
	return &full
}

type replayKey struct {
	a, b         netip.Addr
	aport, bport uint16
	proto        uint8
}

type replayFlow struct {
	slot    int
	fwd     replayKey // direction of the first packet: to server
	est     bool
	replied bool
}

// replayer feeds decoded captures to a callback with a minimal flow table: the first packet of
// a 5-tuple goes to the server, the flow is established once both sides have spoken.
type replayer struct {
	dec   *decoders.Decoder
	pkt   decoders.Packet
	flows map[replayKey]*replayFlow
}

func newReplayer() *replayer {
	return &replayer{dec: decoders.NewDecoder(decoders.DefaultConfig()), flows: map[replayKey]*replayFlow{}}
}

func (r *replayer) input(n uint64) PacketInput {
	p := &r.pkt
	in := PacketInput{Pkt: p, PktNum: n}
	if p.Layers&(decoders.HasIPv4|decoders.HasIPv6) == 0 {
		return in
	}
	k := replayKey{p.Src, p.Dst, p.SrcPort, p.DstPort, p.IPProto}
	rev := replayKey{p.Dst, p.Src, p.DstPort, p.SrcPort, p.IPProto}
	f := r.flows[k]
	if f == nil {
		f = r.flows[rev]
	}
	if f == nil {
		f = &replayFlow{slot: len(r.flows), fwd: k}
		r.flows[k] = f
	}
	toServer := f.fwd == k
	if !toServer {
		f.replied = true
	}
	if f.replied && toServer {
		f.est = true
	}
	in.HasFlow, in.ToServer, in.Established = true, toServer, f.est
	in.FlowSlot, in.FlowGen = f.slot, 1
	return in
}

// replayFile decodes every frame of a pcap or pcapng file and calls fn; false when the file
// cannot be read as such.
func (r *replayer) replayFile(path string, fn func(*PacketInput)) bool {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var next func() ([]byte, gopacket.CaptureInfo, error)
	var link decoders.LinkType
	if bytes.HasPrefix(raw, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		ng, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return false
		}
		next, link = ng.ReadPacketData, decoders.LinkType(ng.LinkType())
	} else {
		pr, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			return false
		}
		next, link = pr.ReadPacketData, decoders.LinkType(pr.LinkType())
	}
	clear(r.flows)
	for n := uint64(1); ; n++ {
		data, ci, err := next()
		if err != nil {
			if !errors.Is(err, io.EOF) && n == 1 {
				return false
			}
			return true
		}
		r.dec.Decode(&r.pkt, data, link, ci.Timestamp.UnixNano(), ci.Length)
		in := r.input(n)
		fn(&in)
	}
}

// corpusSample lists sound Ethernet captures of the shared corpus, every step-th one, up to
// maxPackets packets in all.
func corpusSample(tb testing.TB, step, maxPackets int) []string {
	tb.Helper()
	dir := filepath.Join(sharedDir(tb), "pcaps")
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		tb.Skipf("capture corpus not found in %s (shared test data absent)", dir)
	}
	defer f.Close()
	var out []string
	total, i := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 17 || col[5] != "ether" || col[16] != "ok" {
			continue
		}
		n, err := strconv.Atoi(col[2])
		if err != nil || n > 2000 {
			continue
		}
		if i++; i%step != 0 {
			continue
		}
		if total+n > maxPackets {
			break
		}
		total += n
		out = append(out, filepath.Join(dir, col[0]))
	}
	return out
}

func sids(ms []Match) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = uint32(m.Rule.SID)
	}
	return out
}

// TestPrefilterSoundETOpen replays part of the capture corpus through ET Open with and without
// the prefilter.
func TestPrefilterSoundETOpen(t *testing.T) {
	rs := loadETOpen(t)
	step, maxPackets := 3, 60000
	if testing.Short() {
		step, maxPackets = 12, 10000
	}
	files := corpusSample(t, step, maxPackets)
	e, _, err := Compile(rs, EngineOptions{})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	fast, full := e.NewMatcher(), withoutPrefilter(e).NewMatcher()
	rep := newReplayer()
	var a, b []Match
	packets, alerts, diffs := 0, 0, 0
	for _, path := range files {
		rep.replayFile(path, func(in *PacketInput) {
			packets++
			a = fast.Inspect(in, a[:0])
			b = full.Inspect(in, b[:0])
			alerts += len(a)
			if sa, sb := sids(a), sids(b); !slices.Equal(sa, sb) {
				if diffs++; diffs <= 10 {
					t.Errorf("%s packet %d: prefiltered alerts %v, full scan %v", filepath.Base(path), in.PktNum, sa, sb)
				}
			}
		})
	}
	t.Logf("%d files, %d packets, %d alerts, %d packets differ", len(files), packets, alerts, diffs)
	if packets == 0 {
		t.Skip("no capture could be replayed")
	}
}
