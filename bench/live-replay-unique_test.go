package bench

import (
	"io"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// TestUniqueLoop moves every frame of a generated capture as pass 5 would and decodes it with
// every checksum checked: addresses moved, checksums still right, and a flow's two directions
// still one pair.
func TestUniqueLoop(t *testing.T) {
	path, _ := genFile(t, smallOpts(9, 1<<20))
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cfg := decoders.DefaultConfig()
	cfg.Checksums = decoders.ChecksumAll
	dec := decoders.NewDecoder(cfg)
	var f capture.Frame
	var before, after decoders.Packet
	moved := 0
	for {
		if err := src.Next(&f); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		orig := append([]byte(nil), f.Data...)
		dec.Decode(&before, orig, f.LinkType, 1, len(orig))
		if before.BadIPChecksum || before.BadL4Checksum || !before.Src.IsValid() {
			continue // only frames that were right before can prove anything
		}
		srcWas, dstWas := before.Src, before.Dst
		frame := append([]byte(nil), f.Data...)
		uniqueLoop(frame, 5)
		dec.Decode(&after, frame, f.LinkType, 1, len(frame))
		if after.BadIPChecksum || after.BadL4Checksum {
			t.Fatalf("frame %d: checksum wrong after moving %v→%v to %v→%v", f.Index, srcWas, dstWas, after.Src, after.Dst)
		}
		if after.Src == srcWas || after.Dst == dstWas {
			t.Fatalf("frame %d: addresses not moved (%v→%v)", f.Index, after.Src, after.Dst)
		}
		// The same move applies to any address, whichever side it is on.
		back := append([]byte(nil), frame...)
		uniqueLoop(back, 5)
		dec.Decode(&after, back, f.LinkType, 1, len(back))
		if after.Src != srcWas || after.Dst != dstWas {
			t.Fatalf("frame %d: moving twice did not give the addresses back", f.Index)
		}
		moved++
	}
	if moved < 100 {
		t.Fatalf("only %d frames checked", moved)
	}
}
