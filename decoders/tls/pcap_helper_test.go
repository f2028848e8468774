package tls

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/nightjar-ids/nightjar/decoders"
)

// sharedPath is ../shared next to the repository root, if it exists.
func sharedPath() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dir := filepath.Join(root, "..", "shared")
	_, err := os.Stat(dir)
	return dir, err
}

// sharedDir is sharedPath, or skips the test when the data is absent.
func sharedDir(t testing.TB) string {
	dir, err := sharedPath()
	if err != nil {
		t.Skipf("test data %s absent: %v", dir, err)
	}
	return dir
}

// chunk is a piece of one TCP direction in capture order.
type chunk struct {
	toServer bool
	data     []byte
}

// tcpFlow is one TCP connection: client and server endpoints and its payload in order.
type tcpFlow struct {
	client, server netip.AddrPort
	chunks         []chunk
	next           [2]uint32 // next expected sequence number per direction (0 client, 1 server)
	seen           [2]bool
	isn            uint32 // client's SYN sequence number, to tell a retransmitted SYN from a new connection
}

type flowKey struct{ a, b netip.AddrPort }

// readTCPFlows splits a capture into TCP flows with naive in-order reassembly: a segment is
// appended if it starts at or before the next expected byte (the overlap is trimmed), so
// retransmissions vanish; out-of-order segments are dropped.
func readTCPFlows(t testing.TB, path string) []*tcpFlow {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var (
		next func() ([]byte, error)
		lt   decoders.LinkType
	)
	// The extension is not trusted: some ".pcapng" files are classic pcap.
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if magic == [4]byte{0x0a, 0x0d, 0x0d, 0x0a} {
		r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		lt = decoders.LinkType(r.LinkType())
		next = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
	} else {
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		lt = decoders.LinkType(r.LinkType())
		next = func() ([]byte, error) { d, _, err := r.ReadPacketData(); return d, err }
	}
	cfg := decoders.DefaultConfig()
	cfg.Checksums = decoders.ChecksumNone
	dec := decoders.NewDecoder(cfg)
	var p decoders.Packet
	flows := map[flowKey]*tcpFlow{}
	var order []*tcpFlow
	for {
		data, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Logf("%s: stop reading: %v", path, err)
			break
		}
		dec.Decode(&p, data, lt, 0, len(data))
		if p.Layers&decoders.HasTCP == 0 {
			continue
		}
		src := netip.AddrPortFrom(p.Src, p.SrcPort)
		dst := netip.AddrPortFrom(p.Dst, p.DstPort)
		fl := flows[flowKey{src, dst}]
		if fl == nil {
			fl = flows[flowKey{dst, src}]
		}
		syn := p.TCPFlags&(decoders.TCPSyn|decoders.TCPAck) == decoders.TCPSyn
		if fl == nil || (syn && fl.client == src && p.Seq != fl.isn) {
			// A new connection (or a reused tuple starting over).
			fl = &tcpFlow{client: src, server: dst, isn: p.Seq}
			flows[flowKey{src, dst}] = fl
			delete(flows, flowKey{dst, src})
			order = append(order, fl)
		}
		side := 0
		if src == fl.server {
			side = 1
		}
		seq := p.Seq
		if p.TCPFlags&decoders.TCPSyn != 0 {
			seq++
		}
		payload := p.Payload
		if !fl.seen[side] {
			fl.seen[side] = true
			fl.next[side] = seq
		}
		if len(payload) == 0 {
			continue
		}
		off := int32(fl.next[side] - seq)
		if off < 0 || int(off) >= len(payload) {
			continue // a hole before it, or wholly old data
		}
		payload = payload[off:]
		fl.next[side] += uint32(len(payload))
		fl.chunks = append(fl.chunks, chunk{toServer: side == 0, data: append([]byte(nil), payload...)})
	}
	return order
}
