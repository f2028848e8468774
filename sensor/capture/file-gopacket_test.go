package capture

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// packetReader is what both pcapgo readers offer.
type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// TestAgainstPcapgo compares frame bytes, lengths, timestamps and link types with gopacket's
// pcapgo readers on every sound shared capture (every `sample`-th in -short mode). pcapgo
// stops earlier than this reader on some legal files (captured length above snaplen, sections
// it refuses); the frames it does return must match exactly.
func TestAgainstPcapgo(t *testing.T) {
	dir, entries := loadCorpus(t)
	sample := 1
	if testing.Short() {
		sample = 10
	}
	var files, frames, cutShort int
	for i, e := range entries {
		if !e.readable() || i%sample != 0 {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.path))
		if err != nil {
			t.Fatal(err)
		}
		var ref packetReader
		linkOf := func(gopacket.CaptureInfo) layers.LinkType { return 0 }
		if bytes.HasPrefix(raw, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
			r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.NgReaderOptions{WantMixedLinkType: true})
			if err != nil {
				t.Logf("%s: pcapgo refuses it: %v", e.path, err)
				continue
			}
			ref = r
			linkOf = func(ci gopacket.CaptureInfo) layers.LinkType {
				if len(ci.AncillaryData) > 0 {
					if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
						return lt
					}
				}
				return r.LinkType()
			}
		} else {
			r, err := pcapgo.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Logf("%s: pcapgo refuses it: %v", e.path, err)
				continue
			}
			ref = r
			linkOf = func(gopacket.CaptureInfo) layers.LinkType { return r.LinkType() }
		}
		src, err := OpenReader(e.path, bytes.NewReader(raw))
		if err != nil {
			t.Errorf("%s: %v", e.path, err)
			continue
		}
		files++
		var f Frame
		for n := 1; ; n++ {
			want, ci, rerr := ref.ReadPacketData()
			err := src.Next(&f)
			if rerr != nil {
				if rerr != io.EOF || err != io.EOF {
					t.Logf("%s: pcapgo ended at frame %d with %v; this reader with %v", e.path, n, rerr, err)
					cutShort++
				}
				break
			}
			if err != nil {
				t.Errorf("%s frame %d: %v, pcapgo has a frame", e.path, n, err)
				break
			}
			frames++
			wire := max(ci.Length, ci.CaptureLength)
			// pcapgo multiplies the microsecond field by 1000 in 32 bits, so an out-of-range
			// field (fuzzed files, timestamp_invalid_micro.pcap) wraps there; this reader
			// does not. Such a difference is an exact multiple of 2^32 ns.
			diff := f.Time - ci.Timestamp.UnixNano()
			timeOK := diff == 0 || diff > 0 && diff < 1000<<32 && diff%(1<<32) == 0
			if !bytes.Equal(f.Data, want) || f.WireLen != wire || !timeOK ||
				layers.LinkType(f.LinkType) != linkOf(ci) {
				t.Errorf("%s frame %d: got len %d wire %d time %d link %d; pcapgo len %d wire %d time %d link %d",
					e.path, n, len(f.Data), f.WireLen, f.Time, f.LinkType,
					len(want), wire, ci.Timestamp.UnixNano(), linkOf(ci))
				break
			}
		}
	}
	if files == 0 {
		t.Fatal("no capture compared")
	}
	t.Logf("%d files, %d frames identical; pcapgo stopped early or failed on %d files", files, frames, cutShort)
}
