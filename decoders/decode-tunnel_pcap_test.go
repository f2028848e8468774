package decoders

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

// tunnelSharedDir finds ../shared beside the repository root (the test runs in decoders/).
func tunnelSharedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared")
	if _, err := os.Stat(filepath.Join(dir, "pcaps", "index.tsv")); err != nil {
		t.Skipf("shared test data not found at %s (%v); it lives beside the repository", dir, err)
	}
	return dir
}

// capturesWithFeature lists the captures whose index.tsv features column has feature.
func capturesWithFeature(t *testing.T, shared, feature string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(shared, "pcaps", "index.tsv"))
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols map[string]int
	var out []string
	for sc.Scan() {
		row := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range row {
				cols[c] = i
			}
			continue
		}
		fi, pi := cols["features"], cols["path"]
		if fi < len(row) && slices.Contains(strings.Split(row[fi], ","), feature) {
			out = append(out, filepath.Join(shared, "pcaps", row[pi]))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read index: %v", err)
	}
	return out
}

// captureSource reads pcap or pcapng frames.
type captureSource interface {
	ReadPacketData() ([]byte, captureMeta, error)
}

type captureMeta struct {
	ts     int64
	length int
}

type pcapFileSrc struct{ r *pcapgo.Reader }
type pcapngFileSrc struct{ r *pcapgo.NgReader }

func (s pcapFileSrc) ReadPacketData() ([]byte, captureMeta, error) {
	b, ci, err := s.r.ReadPacketData()
	return b, captureMeta{ci.Timestamp.UnixNano(), ci.Length}, err
}

func (s pcapngFileSrc) ReadPacketData() ([]byte, captureMeta, error) {
	b, ci, err := s.r.ReadPacketData()
	return b, captureMeta{ci.Timestamp.UnixNano(), ci.Length}, err
}

// decodeCaptureFile decodes every readable frame of a capture with d, calling fn after each.
func decodeCaptureFile(t *testing.T, d *Decoder, path string, fn func(p *Packet)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var src captureSource
	var lt LinkType
	if r, err := pcapgo.NewReader(f); err == nil {
		src, lt = pcapFileSrc{r}, LinkType(r.LinkType())
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatalf("rewind %s: %v", path, err)
		}
		r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Logf("%s: not a readable capture: %v", path, err)
			return
		}
		src, lt = pcapngFileSrc{r}, LinkType(r.LinkType())
	}
	var p Packet
	for {
		data, ci, err := src.ReadPacketData()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Logf("%s: stopped at %v", path, err)
			}
			return
		}
		d.Decode(&p, data, lt, ci.ts, ci.length)
		fn(&p)
	}
}

// TestTunnelCaptures decodes the real captures that carry each tunnel and checks the tunnels are
// found and their inner TCP/UDP packets decode.
func TestTunnelCaptures(t *testing.T) {
	shared := tunnelSharedDir(t)
	features := map[string][]TunnelKind{
		"gre":      {TunnelGRE, TunnelERSPAN1, TunnelERSPAN2, TunnelERSPAN3},
		"erspan":   {TunnelERSPAN1, TunnelERSPAN2, TunnelERSPAN3},
		"vxlan":    {TunnelVXLAN},
		"gtpu":     {TunnelGTPU},
		"teredo":   {TunnelTeredo},
		"ipip":     {TunnelIPIP, TunnelIP4in6},
		"ip6in4":   {TunnelIP6in4},
		"pptp_gre": {TunnelGRE},
	}
	for feature, kinds := range features {
		t.Run(feature, func(t *testing.T) {
			files := capturesWithFeature(t, shared, feature)
			if len(files) == 0 {
				t.Skipf("no capture lists %s", feature)
			}
			var found, innerL4, badPorts int
			filesWith := 0
			cfg := DefaultConfig()
			for _, path := range files {
				d := NewDecoder(cfg)
				n := 0
				decodeCaptureFile(t, d, path, func(p *Packet) {
					if !slices.Contains(kinds, p.Tunnel) {
						return
					}
					n++
					if p.Recursion == 0 {
						t.Errorf("%s: tunnel %d at depth 0", path, p.Tunnel)
					}
					if p.Has(HasTCP) || p.Has(HasUDP) {
						innerL4++
						if p.SrcPort == 0 && p.DstPort == 0 {
							badPorts++
						}
						if p.IPProto != IPProtoTCP && p.IPProto != IPProtoUDP {
							t.Errorf("%s: inner L4 flags but proto %d", path, p.IPProto)
						}
					}
				})
				found += n
				if n > 0 {
					filesWith++
				}
			}
			t.Logf("%s: %d/%d captures, %d tunneled packets, %d with inner TCP/UDP", feature, filesWith, len(files), found, innerL4)
			if found == 0 {
				t.Errorf("no %s packet decoded as a tunnel in %d captures", feature, len(files))
			}
			if innerL4 > 0 && badPorts*10 > innerL4 {
				t.Errorf("%d of %d inner TCP/UDP packets have no ports", badPorts, innerL4)
			}
		})
	}
}

// TestDefragCaptures reassembles the fragmented captures and checks that some datagrams complete
// and nothing is left holding memory beyond the cap.
func TestDefragCaptures(t *testing.T) {
	shared := tunnelSharedDir(t)
	for _, feature := range []string{"ipv4_frag", "ipv6_frag"} {
		t.Run(feature, func(t *testing.T) {
			files := capturesWithFeature(t, shared, feature)
			if len(files) == 0 {
				t.Skipf("no capture lists %s", feature)
			}
			var reassembled, frags uint64
			for _, path := range files {
				d := NewDecoder(DefaultConfig())
				decodeCaptureFile(t, d, path, func(p *Packet) {})
				st := d.defrag.Stats
				reassembled += st.IPv4Reassembled + st.IPv6Reassembled
				frags += st.IPv4Fragments + st.IPv6Fragments
				if d.defrag.MemUsed() > d.defrag.Config().MaxBytes {
					t.Errorf("%s: defrag holds %d bytes", path, d.defrag.MemUsed())
				}
			}
			t.Logf("%s: %d captures, %d fragments, %d datagrams reassembled", feature, len(files), frags, reassembled)
			if reassembled == 0 {
				t.Errorf("no datagram reassembled from %d fragments", frags)
			}
		})
	}
}
