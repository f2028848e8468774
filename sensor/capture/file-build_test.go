package capture

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Hand-built capture files for table tests, benchmarks and fuzz seeds. The builders write
// what the formats specify, independently of the reader under test.

// wireOrder both reads and appends in one byte order.
type wireOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func orderOf(big bool) wireOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

type pcapBuilder struct {
	o      wireOrder
	magic  uint32
	modify bool // records carry the 8 extra bytes of the modified format
	swap   bool // write original length before captured length (pre-2.3 layout)
	b      []byte
}

func newPcap(big bool, magic uint32, major, minor uint16, snaplen, link uint32) *pcapBuilder {
	p := &pcapBuilder{o: orderOf(big), magic: magic, modify: magic == pcapMagicModified}
	p.b = p.o.AppendUint32(p.b, magic)
	p.b = p.o.AppendUint16(p.b, major)
	p.b = p.o.AppendUint16(p.b, minor)
	p.b = p.o.AppendUint32(p.b, 0) // thiszone
	p.b = p.o.AppendUint32(p.b, 0) // sigfigs
	p.b = p.o.AppendUint32(p.b, snaplen)
	p.b = p.o.AppendUint32(p.b, link)
	return p
}

// record appends one record and returns its offset.
func (p *pcapBuilder) record(sec, frac uint32, data []byte, wire uint32) int64 {
	off := int64(len(p.b))
	p.b = p.o.AppendUint32(p.b, sec)
	p.b = p.o.AppendUint32(p.b, frac)
	first, second := uint32(len(data)), wire
	if p.swap {
		first, second = second, first
	}
	p.b = p.o.AppendUint32(p.b, first)
	p.b = p.o.AppendUint32(p.b, second)
	if p.modify {
		p.b = p.o.AppendUint32(p.b, 2)      // ifindex
		p.b = p.o.AppendUint16(p.b, 0x0800) // protocol
		p.b = append(p.b, 0, 0)             // pkt_type, pad
	}
	p.b = append(p.b, data...)
	return off
}

type ngBuilder struct {
	o wireOrder
	b []byte
}

type ngOpt struct {
	code uint16
	val  []byte
}

func appendOpts(o wireOrder, b []byte, opts []ngOpt) []byte {
	if len(opts) == 0 {
		return b
	}
	for _, op := range opts {
		b = o.AppendUint16(b, op.code)
		b = o.AppendUint16(b, uint16(len(op.val)))
		b = append(b, op.val...)
		b = append(b, make([]byte, pad4(len(op.val)))...)
	}
	return append(b, 0, 0, 0, 0) // opt_endofopt
}

func pad4(n int) int { return (4 - n%4) % 4 }

// block appends a block with the given body (padded to 4) and returns its offset.
func (n *ngBuilder) block(btype uint32, body []byte) int64 {
	off := int64(len(n.b))
	total := uint32(12 + len(body) + pad4(len(body)))
	n.b = n.o.AppendUint32(n.b, btype)
	n.b = n.o.AppendUint32(n.b, total)
	n.b = append(n.b, body...)
	n.b = append(n.b, make([]byte, pad4(len(body)))...)
	n.b = n.o.AppendUint32(n.b, total)
	return off
}

// shb starts a section in the given byte order.
func (n *ngBuilder) shb(big bool, opts ...ngOpt) int64 {
	n.o = orderOf(big)
	var body []byte
	body = n.o.AppendUint32(body, ngBOM)
	body = n.o.AppendUint16(body, 1)
	body = n.o.AppendUint16(body, 0)
	body = n.o.AppendUint64(body, ^uint64(0)) // section length unknown
	return n.block(ngSHBType, appendOpts(n.o, body, opts))
}

func (n *ngBuilder) idb(link uint16, snaplen uint32, opts ...ngOpt) int64 {
	var body []byte
	body = n.o.AppendUint16(body, link)
	body = n.o.AppendUint16(body, 0)
	body = n.o.AppendUint32(body, snaplen)
	return n.block(ngIDBType, appendOpts(n.o, body, opts))
}

func (n *ngBuilder) epb(iface uint32, ts uint64, data []byte, wire uint32, opts ...ngOpt) int64 {
	var body []byte
	body = n.o.AppendUint32(body, iface)
	body = n.o.AppendUint32(body, uint32(ts>>32))
	body = n.o.AppendUint32(body, uint32(ts))
	body = n.o.AppendUint32(body, uint32(len(data)))
	body = n.o.AppendUint32(body, wire)
	body = append(body, data...)
	body = append(body, make([]byte, pad4(len(data)))...)
	return n.block(ngEPBType, appendOpts(n.o, body, opts))
}

func (n *ngBuilder) pb(iface uint16, ts uint64, data []byte, wire uint32) int64 {
	var body []byte
	body = n.o.AppendUint16(body, iface)
	body = n.o.AppendUint16(body, 0) // drops
	body = n.o.AppendUint32(body, uint32(ts>>32))
	body = n.o.AppendUint32(body, uint32(ts))
	body = n.o.AppendUint32(body, uint32(len(data)))
	body = n.o.AppendUint32(body, wire)
	body = append(body, data...)
	return n.block(ngPBType, body)
}

func (n *ngBuilder) spb(data []byte, wire uint32) int64 {
	var body []byte
	body = n.o.AppendUint32(body, wire)
	body = append(body, data...)
	return n.block(ngSPBType, body)
}

func optU8(code uint16, v uint8) ngOpt { return ngOpt{code, []byte{v}} }

func optI64(o wireOrder, code uint16, v int64) ngOpt {
	return ngOpt{code, o.AppendUint64(nil, uint64(v))}
}

// frameBytes makes a recognisable payload of n bytes.
func frameBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// findShared locates ../shared relative to the repository root (the folder holding go.mod).
func findShared() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("repository root (go.mod) not found above the test directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "pcaps", "index.tsv")); err != nil {
		return "", fmt.Errorf("shared test data not available at %s: %w", shared, err)
	}
	return shared, nil
}

// sharedDir is findShared for tests that need the data: they skip without it.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := findShared()
	if err != nil {
		tb.Skip(err)
	}
	return dir
}
