package decoders

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

// findShared locates ../shared beside the repository root (the directory holding go.mod).
func findShared() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "pcaps", "index.tsv")); err != nil {
		return "", fmt.Errorf("test captures not available at %s (needs ../shared/pcaps beside the repository): %w", shared, err)
	}
	return shared, nil
}

// sharedDir is findShared for tests that cannot run without the captures: they skip.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := findShared()
	if err != nil {
		tb.Skip(err)
	}
	return dir
}

// captureEntry is one row of pcaps/index.tsv.
type captureEntry struct {
	path     string
	linkType string
	packets  int
	features []string
	validity string
}

func readIndex(tb testing.TB, shared string) []captureEntry {
	tb.Helper()
	f, err := os.Open(filepath.Join(shared, "pcaps", "index.tsv"))
	if err != nil {
		tb.Fatalf("open index: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var col map[string]int
	var out []captureEntry
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if col == nil {
			col = map[string]int{}
			for i, name := range fields {
				col[name] = i
			}
			for _, need := range []string{"path", "packets", "link_type", "features", "validity"} {
				if _, ok := col[need]; !ok {
					tb.Fatalf("index.tsv lacks column %q", need)
				}
			}
			continue
		}
		if len(fields) < len(col) {
			continue
		}
		var n int
		fmt.Sscan(fields[col["packets"]], &n)
		out = append(out, captureEntry{
			path:     filepath.Join(shared, "pcaps", fields[col["path"]]),
			linkType: fields[col["link_type"]],
			packets:  n,
			features: strings.Split(fields[col["features"]], ","),
			validity: fields[col["validity"]],
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read index: %v", err)
	}
	return out
}

// frameFunc receives one captured frame; data is only valid during the call.
type frameFunc func(data []byte, lt LinkType, ts int64, wireLen int)

// readCapture feeds every frame of a pcap or pcapng file to fn. It stops quietly at a damaged or
// truncated record (what the frames before it decode to is still worth checking) and returns an
// error only when the file cannot be opened as a capture at all.
func readCapture(path string, fn frameFunc) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return 0, err
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return n, nil
				}
				return n, nil
			}
			iface, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				return n, nil
			}
			fn(data, LinkType(iface.LinkType), ci.Timestamp.UnixNano(), ci.Length)
			n++
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	lt := LinkType(r.LinkType())
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			return n, nil
		}
		fn(data, lt, ci.Timestamp.UnixNano(), ci.Length)
		n++
	}
}

// checkInvariants reports what a decoded packet must satisfy whatever the input.
func checkInvariants(p *Packet) string {
	ip := p.Layers & (HasIPv4 | HasIPv6)
	switch {
	case ip == HasIPv4|HasIPv6:
		return "both IPv4 and IPv6 set"
	case ip == 0 && p.Layers&(HasTCP|HasUDP|HasICMPv4|HasICMPv6|HasSCTP) != 0:
		return "L4 without L3"
	case ip != 0 && (!p.Src.IsValid() || !p.Dst.IsValid() || len(p.L3) == 0):
		return "IP layer without addresses"
	case p.Layers&HasIPv4 != 0 && !p.Src.Is4():
		return "IPv4 with a non-IPv4 address"
	case int(p.VLANCount) > MaxVLAN:
		return "too many VLANs"
	case p.Layers&IsFragment != 0 && p.Layers&(HasTCP|HasUDP) != 0:
		return "fragment with L4 decoded"
	}
	if len(p.L4) > 0 && len(p.L3) > 0 && !within(p.L4, p.L3) && p.Tunnel == TunnelNone && p.Layers&IsReassembled == 0 {
		return "L4 outside L3"
	}
	if len(p.Payload) > 0 && len(p.L4) > 0 && !within(p.Payload, p.L4) {
		return "payload outside L4"
	}
	return ""
}

// within reports whether inner lies inside outer's memory.
func within(inner, outer []byte) bool {
	if cap(outer) == 0 || cap(inner) == 0 {
		return true
	}
	oStart := &outer[:1][0]
	iStart := &inner[:1][0]
	for i := range outer {
		if &outer[i] == iStart {
			return len(inner) <= len(outer)-i
		}
	}
	return oStart == iStart && len(inner) == 0
}

// TestAllCapturesDecode decodes every frame of every readable capture the index calls valid:
// no panic, the packet invariants hold, and FlowHash finds an address pair wherever the
// decoder found an IP header on the link types it covers.
func TestAllCapturesDecode(t *testing.T) {
	shared := sharedDir(t)
	entries := readIndex(t, shared)
	var files, frames, skipped, hashMiss, hashChecked int
	d := NewDecoder(DefaultConfig())
	var p Packet
	for _, e := range entries {
		if !strings.HasPrefix(e.validity, "ok") {
			continue
		}
		idx := 0
		var failed string
		n, err := readCapture(e.path, func(data []byte, lt LinkType, ts int64, wire int) {
			idx++
			if failed != "" {
				return
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						failed = fmt.Sprintf("panic: %v", r)
					}
				}()
				d.Decode(&p, data, lt, ts, wire)
				h := FlowHash(data, lt)
				if msg := checkInvariants(&p); msg != "" {
					failed = msg
					return
				}
				if p.Layers&(HasIPv4|HasIPv6) != 0 && lt != LinkFrameRelay && p.Layers&(HasLLC|HasMPLS) == 0 {
					hashChecked++
					if h == 0 {
						hashMiss++
					}
				}
			}()
			if failed != "" {
				failed = fmt.Sprintf("%s frame %d (link type %d): %s", e.path, idx, lt, failed)
			}
		})
		if err != nil {
			skipped++
			continue
		}
		if failed != "" {
			t.Error(failed)
		}
		files++
		frames += n
	}
	st := &d.Stats
	t.Logf("%d files (%d unreadable by pcapgo), %d frames; invalid %d, unsupported link type %d, unknown EtherType %d, checksum offload assumed %v",
		files, skipped, frames, st.Invalid, st.Unsupported, st.UnknownEtherType, st.ChecksumOffload)
	for e := EventNone + 1; e < NumEvents; e++ {
		if st.PerEvent[e] > 0 {
			t.Logf("  %-45s %d", e, st.PerEvent[e])
		}
	}
	if st.Packets != uint64(frames) {
		t.Errorf("stats count %d packets, fed %d", st.Packets, frames)
	}
	if files == 0 {
		t.Fatal("no capture could be read")
	}
	if hashChecked > 0 && hashMiss*1000 > hashChecked {
		t.Errorf("FlowHash returned 0 for %d of %d frames the decoder found IP in", hashMiss, hashChecked)
	}
	t.Logf("FlowHash: %d of %d IP frames unhashed", hashMiss, hashChecked)
}
