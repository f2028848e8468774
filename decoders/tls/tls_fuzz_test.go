package tls

import (
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzTLS feeds arbitrary bytes as a client stream followed by a server stream, once whole
// and once cut at a fuzzer-chosen point, and requires no panic and identical results.
func FuzzTLS(f *testing.F) {
	f.Add(greaseHello(), greaseHello()[:10], uint16(7))
	f.Add(dupSNIHello(), []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint16(3))
	cert := makeCert(f)
	for _, v := range []uint16{0x0303, 0x0304} {
		var cs, sc []byte
		for _, c := range handshake(f, cert, v) {
			if c.toServer {
				cs = append(cs, c.data...)
			} else {
				sc = append(sc, c.data...)
			}
		}
		f.Add(cs, sc, uint16(100))
	}
	if dir, err := sharedPath(); err == nil {
		for _, name := range []string{"tls12.pcap", "badcurveball.pcap", "tls-non-ascii-alpn.pcapng"} {
			for _, fl := range readTCPFlows(f, filepath.Join(dir, "pcaps", "FoxIO-LLC+ja4", "pcap", name)) {
				var cs, sc []byte
				for _, c := range fl.chunks {
					if c.toServer {
						cs = append(cs, c.data...)
					} else {
						sc = append(sc, c.data...)
					}
				}
				f.Add(cs, sc, uint16(len(cs)/3))
			}
		}
	}
	s := New(Config{MaxHandshake: 4096, MaxCertStore: 8192})
	f.Fuzz(func(t *testing.T, client, server []byte, cut uint16) {
		chunks := []chunk{{true, client}, {false, server}}
		whole := feedSplit(s, chunks, func(n int) int { return n })
		split := feedSplit(s, chunks, func(n int) int { return int(cut)%n + 1 })
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("split at %d changed the result:\nwhole %+v\nsplit %+v", cut, whole, split)
		}
		Probe(true, client)
		Probe(false, server)
	})
}
