package stream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/tcpassembly"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// sharedDir finds ../shared beside the repository root, or skips.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "pcaps", "index.tsv")); err != nil {
		tb.Skipf("test captures not available at %s (needs ../shared/pcaps beside the repository)", shared)
	}
	return shared
}

// httpCaptures lists valid captures whose index features say they carry TCP port 80 payload
// and nothing a plain IP decoder would key differently from ours (tunnels, fragments).
func httpCaptures(tb testing.TB, shared string, limit int) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join(shared, "pcaps", "index.tsv"))
	if err != nil {
		tb.Fatalf("open index: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	col := map[string]int{}
	var out []string
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, n := range fields {
				col[n] = i
			}
			for _, need := range []string{"path", "packets", "features", "validity"} {
				if _, ok := col[need]; !ok {
					tb.Fatalf("index.tsv lacks column %q", need)
				}
			}
			continue
		}
		if len(fields) < len(col) || fields[col["validity"]] != "ok" {
			continue
		}
		feats := fields[col["features"]]
		if !strings.Contains(feats, "tcp80_payload") {
			continue
		}
		skip := false
		for _, bad := range []string{"gre", "vxlan", "erspan", "geneve", "frag", "mpls", "teredo", "gtp", "ipip", "6in4", "4in6", "pppoe"} {
			if strings.Contains(feats, bad) {
				skip = true
			}
		}
		n, _ := strconv.Atoi(fields[col["packets"]])
		if skip || n < 8 || n > 3000 {
			continue
		}
		out = append(out, fields[col["path"]])
	}
	sort.Strings(out)
	// Spread the pick over the sorted list so several projects' captures are used.
	if len(out) > limit {
		picked := make([]string, 0, limit)
		for i := 0; i < limit; i++ {
			picked = append(picked, out[i*len(out)/limit])
		}
		out = picked
	}
	return out
}

type frameReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func eachFrame(tb testing.TB, path string, fn func(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var rd frameReader
	var lt layers.LinkType
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	if string(magic) == "\x0a\x0d\x0d\x0a" { // pcapng section header, whatever the file is called
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		rd, lt = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		rd, lt = r, r.LinkType()
	}
	for {
		data, ci, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			return // a truncated last record: stop where the data stops
		}
		fn(data, ci, lt)
	}
}

func dirLabel(src netip.Addr, sp uint16, dst netip.Addr, dp uint16) string {
	return fmt.Sprintf("%s:%d>%s:%d", src, sp, dst, dp)
}

// oursByDirection reassembles path with a Reassembler (midstream on, as gopacket needs no
// handshake) and returns each direction's bytes, gaps as '~', and the directions not fit for
// comparison: those where overlapping segments carried different bytes (the overlap policy
// decides; gopacket keeps the first) and labels two flows share (same tuple on two VLANs:
// gopacket merges them).
func oursByDirection(tb testing.TB, path string) (map[string]string, map[string]bool) {
	type conn struct {
		s              Stream
		client, server netip.AddrPort
	}
	cfg := DefaultConfig()
	cfg.Midstream = true
	cfg.Depth = 0
	r := NewReassembler(cfg)
	dcfg := decoders.DefaultConfig()
	dcfg.Checksums = decoders.ChecksumNone
	dec := decoders.NewDecoder(dcfg)
	var p decoders.Packet
	conns := map[flow.Key]*conn{}
	var order []flow.Key
	out := map[string]*strings.Builder{}
	sink := &funcSink{}
	unfit := map[string]bool{}
	owner := map[string]flow.Key{}
	eachFrame(tb, path, func(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
		dec.Decode(&p, data, decoders.LinkType(lt), ci.Timestamp.UnixNano(), ci.Length)
		if p.Layers&decoders.HasTCP == 0 {
			return
		}
		k, ok := flow.KeyOf(&p)
		if !ok {
			return
		}
		c := conns[k]
		src, dst := netip.AddrPortFrom(p.Src, p.SrcPort), netip.AddrPortFrom(p.Dst, p.DstPort)
		if c == nil {
			c = &conn{client: src, server: dst}
			if p.TCPFlags&(decoders.TCPSyn|decoders.TCPAck) == decoders.TCPSyn|decoders.TCPAck {
				c.client, c.server = dst, src
			}
			conns[k] = c
			order = append(order, k)
		}
		sink.c = c.client
		sink.sv = c.server
		label := dirLabel(p.Src, p.SrcPort, p.Dst, p.DstPort)
		if o, ok := owner[label]; ok && o != k {
			unfit[label] = true
		}
		owner[label] = k
		diff := r.Stats.OverlapDiff
		r.Packet(&c.s, &p, src == c.client, sink)
		if r.Stats.OverlapDiff != diff {
			unfit[label] = true
		}
	})
	for _, k := range order {
		c := conns[k]
		sink.c, sink.sv = c.client, c.server
		r.Close(&c.s, sink)
	}
	if r.MemUse() != 0 {
		tb.Errorf("%s: %d bytes held after closing every stream", path, r.MemUse())
	}
	for l, b := range sink.out {
		out[l] = b
	}
	res := map[string]string{}
	for l, b := range out {
		res[l] = b.String()
	}
	return res, unfit
}

type funcSink struct {
	c, sv netip.AddrPort
	out   map[string]*strings.Builder
}

func (f *funcSink) buf(toServer bool) *strings.Builder {
	if f.out == nil {
		f.out = map[string]*strings.Builder{}
	}
	l := dirLabel(f.sv.Addr(), f.sv.Port(), f.c.Addr(), f.c.Port())
	if toServer {
		l = dirLabel(f.c.Addr(), f.c.Port(), f.sv.Addr(), f.sv.Port())
	}
	b := f.out[l]
	if b == nil {
		b = &strings.Builder{}
		f.out[l] = b
	}
	return b
}

func (f *funcSink) Data(toServer bool, b []byte) { f.buf(toServer).Write(b) }
func (f *funcSink) Gap(toServer bool, n int)     { f.buf(toServer).WriteString(strings.Repeat("~", n)) }

// gopacket's side.
type gpFactory struct{ out map[string]*gpStream }

type gpStream struct {
	b     strings.Builder
	skips int
}

func (f *gpFactory) New(netFlow, tcpFlow gopacket.Flow) tcpassembly.Stream {
	src, _ := netip.ParseAddr(netFlow.Src().String())
	dst, _ := netip.ParseAddr(netFlow.Dst().String())
	sp, _ := strconv.Atoi(tcpFlow.Src().String())
	dp, _ := strconv.Atoi(tcpFlow.Dst().String())
	s := &gpStream{}
	f.out[dirLabel(src, uint16(sp), dst, uint16(dp))] = s
	return s
}

func (s *gpStream) Reassembled(rs []tcpassembly.Reassembly) {
	for _, r := range rs {
		if r.Skip > 0 {
			s.skips += r.Skip
			s.b.WriteString(strings.Repeat("~", r.Skip))
		}
		s.b.Write(r.Bytes)
	}
}

func (s *gpStream) ReassemblyComplete() {}

func gopacketByDirection(tb testing.TB, path string) map[string]*gpStream {
	f := &gpFactory{out: map[string]*gpStream{}}
	asm := tcpassembly.NewAssembler(tcpassembly.NewStreamPool(f))
	eachFrame(tb, path, func(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
		pkt := gopacket.NewPacket(data, lt, gopacket.Default)
		nl, tl := pkt.NetworkLayer(), pkt.Layer(layers.LayerTypeTCP)
		if nl == nil || tl == nil {
			return
		}
		asm.AssembleWithTimestamp(nl.NetworkFlow(), tl.(*layers.TCP), ci.Timestamp)
	})
	asm.FlushOlderThan(time.Unix(1<<40, 0))
	asm.FlushAll()
	return f.out
}

// The bytes each client sent to port 80, reassembled here, are the bytes gopacket's
// tcpassembly reassembles from the same capture.
func TestPcapHTTPRequestsMatchGopacket(t *testing.T) {
	shared := sharedDir(t)
	caps := httpCaptures(t, shared, 48)
	if len(caps) == 0 {
		t.Skip("no capture with tcp80_payload in index.tsv")
	}
	compared := 0
	for _, c := range caps {
		path := filepath.Join(shared, "pcaps", c)
		ours, unfit := oursByDirection(t, path)
		theirs := gopacketByDirection(t, path)
		for label, g := range theirs {
			got := ours[label]
			// Where bytes are missing the two differ by design: gopacket skips any hole when
			// it flushes; here only acknowledged holes are skipped (a gap), an unacknowledged
			// one ends delivery, and acknowledged bytes never seen are a gap gopacket cannot
			// know about.
			if !strings.HasSuffix(label, ":80") || g.b.Len() == 0 || g.skips > 0 ||
				strings.Contains(got, "~") || unfit[label] {
				continue
			}
			want := g.b.String()
			if got != want {
				t.Errorf("%s %s: ours %d bytes, gopacket %d (skips %d)\nours   %.200q\ntheirs %.200q",
					c, label, len(got), len(want), g.skips, got, want)
				continue
			}
			compared++
		}
	}
	t.Logf("%d captures, %d request directions identical", len(caps), compared)
	if compared == 0 {
		t.Fatal("no request direction compared")
	}
}
