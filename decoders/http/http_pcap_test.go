package http

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// repoRoot is the directory holding go.mod (two levels above this package).
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// tcpStream is one connection reassembled naively: segments in order of sequence number,
// retransmitted bytes dropped. Good enough for clean captures.
type tcpStream struct {
	server string // "ip:port" of the side on port 80 or 8080
	order  []dirChunk
}

type dirChunk struct {
	toServer bool
	data     []byte
}

type dirState struct {
	next    uint32
	started bool
	pending map[uint32][]byte
}

func readPackets(path string) ([]gopacket.Packet, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pkts []gopacket.Packet
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		for {
			data, _, err := r.ReadPacketData()
			if err != nil {
				return pkts, nil
			}
			pkts = append(pkts, gopacket.NewPacket(data, r.LinkType(), gopacket.Default))
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return pkts, nil
		}
		pkts = append(pkts, gopacket.NewPacket(data, r.LinkType(), gopacket.Default))
	}
}

// reassemble returns the TCP connections to or from port 80 or 8080, data in capture order per direction.
func reassemble(pkts []gopacket.Packet) []*tcpStream {
	type key struct{ a, b string }
	streams := map[key]*tcpStream{}
	dirs := map[string]*dirState{}
	var out []*tcpStream
	for _, pk := range pkts {
		tl, ok := pk.TransportLayer().(*layers.TCP)
		if !ok || pk.NetworkLayer() == nil {
			continue
		}
		isHTTP := func(p layers.TCPPort) bool { return p == 80 || p == 8080 }
		if !isHTTP(tl.SrcPort) && !isHTTP(tl.DstPort) {
			continue
		}
		nf := pk.NetworkLayer().NetworkFlow()
		src := fmt.Sprintf("%s:%d", nf.Src(), tl.SrcPort)
		dst := fmt.Sprintf("%s:%d", nf.Dst(), tl.DstPort)
		k := key{src, dst}
		if src > dst {
			k = key{dst, src}
		}
		s := streams[k]
		if s == nil {
			s = &tcpStream{server: dst}
			if isHTTP(tl.SrcPort) {
				s.server = src
			}
			streams[k] = s
			out = append(out, s)
		}
		d := dirs[src+">"+dst]
		if d == nil {
			d = &dirState{pending: map[uint32][]byte{}}
			dirs[src+">"+dst] = d
		}
		seq := tl.Seq
		if tl.SYN {
			d.next, d.started = seq+1, true
			continue
		}
		if len(tl.Payload) == 0 {
			continue
		}
		if !d.started {
			d.next, d.started = seq, true
		}
		d.pending[seq] = append([]byte(nil), tl.Payload...)
		for {
			progressed := false
			seqs := make([]uint32, 0, len(d.pending))
			for q := range d.pending {
				seqs = append(seqs, q)
			}
			sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
			for _, q := range seqs {
				b := d.pending[q]
				if int32(q-d.next) > 0 {
					continue
				}
				delete(d.pending, q)
				skip := d.next - q
				if int(skip) >= len(b) {
					continue
				}
				b = b[skip:]
				s.order = append(s.order, dirChunk{toServer: dst == s.server, data: b})
				d.next += uint32(len(b))
				progressed = true
			}
			if !progressed {
				break
			}
		}
	}
	return out
}

func TestPcapSessions(t *testing.T) {
	root := repoRoot(t)
	shared := filepath.Join(root, "..", "shared", "pcaps")
	// http-methods.pcap (Zeek's methods trace) is a method fuzzer: malformed request lines
	// on purpose, so only framing is checked there.
	adversarial := filepath.Join(root, "testdata", "demo", "http-methods.pcap")
	files := []string{adversarial}
	for _, f := range []string{
		"arkime+arkime/tests/pcap/http-simple-get.pcap",
		"arkime+arkime/tests/pcap/http-content-gzip.pcap",
		"arkime+arkime/tests/pcap/http-100-continue.pcap",
		"arkime+arkime/tests/pcap/http-post-upload.pcap",
		"arkime+arkime/tests/pcap/http-no-length.pcap",
		"arkime+arkime/tests/pcap/http-500-head.pcap",
		"chrissanders+packets/http_post.pcapng",
		"chrissanders+packets/http_dvwa_sqlinjection.pcapng",
		"chrissanders+packets/http_google.pcapng",
		"arkime+arkime/tests/pcap/http-wrapped-header.pcap",
	} {
		files = append(files, filepath.Join(shared, f))
	}
	if _, err := os.Stat(shared); err != nil {
		t.Logf("../shared/pcaps not found (%v): only the repository's demo capture is checked", err)
	}
	total := 0
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			pkts, err := readPackets(f)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range reassemble(pkts) {
				p := NewParser(Config{})
				for _, c := range s.order {
					p.Feed(c.toServer, c.data)
				}
				p.Finish(true)
				p.Finish(false)
				for _, tx := range p.Txs() {
					n++
					t.Logf("tx %d %q %s %q host=%q status=%d body=%d/%d events=%s", tx.ID, tx.Method, tx.Protocol, tx.URI, tx.Host, tx.Status, len(tx.ResponseBody), tx.ResponseBodyLen, eventNamesOf(tx.Events))
					if f == adversarial {
						if !tx.ResponseStarted || tx.Status < 100 {
							t.Errorf("tx %d: no response parsed (line %q)", tx.ID, tx.ResponseLine)
						}
						continue
					}
					if !knownMethod(tx.Method) {
						t.Errorf("tx %d: method %q", tx.ID, tx.Method)
					}
					if len(tx.URIRaw) == 0 || (string(tx.Method) != "CONNECT" && (len(tx.URI) == 0 || tx.URI[0] != '/')) {
						t.Errorf("tx %d: uri %q raw %q", tx.ID, tx.URI, tx.URIRaw)
					}
					if tx.ResponseStarted && (tx.Status < 100 || tx.Status > 599) {
						t.Errorf("tx %d: status %d line %q", tx.ID, tx.Status, tx.ResponseLine)
					}
					if tx.Events != 0 {
						t.Errorf("tx %d %s %q: events %s", tx.ID, tx.Method, tx.URIRaw, eventNamesOf(tx.Events))
					}
				}
			}
			if n == 0 {
				t.Errorf("no HTTP transactions found")
			}
			total += n
		})
	}
	if total == 0 {
		t.Skip("no captures available")
	}
}
