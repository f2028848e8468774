package decoders

import (
	"github.com/nightjar-ids/nightjar/internal/benchcpu"
	"testing"
)

func benchDecode(b *testing.B, frame []byte, lt LinkType, mode ChecksumMode) {
	cfg := DefaultConfig()
	cfg.Checksums = mode
	d := NewDecoder(cfg)
	var p Packet
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	for b.Loop() {
		d.Decode(&p, frame, lt, 1, len(frame))
	}
	cpu.Report(b, "")
	if p.EventCount != 0 || p.BadL4Checksum || p.BadIPChecksum {
		b.Fatalf("benchmark frame decodes with events %v or bad checksums", p.Events[:p.EventCount])
	}
}

var (
	benchEthIPv4TCP = eth(EtherTypeIPv4, ip4(IPProtoTCP, nil, tcpSeg(40000, 443, 1, 2, TCPAck|TCPPsh,
		[]byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, make([]byte, 512))))
	benchEthIPv6UDP = eth(EtherTypeIPv6, ip6(IPProtoUDP, nil, udpDgram(5353, 53, make([]byte, 64))))
	benchVLANIPv4   = eth(EtherTypeVLAN, cat(vlanTag(100, EtherTypeIPv4), ip4(IPProtoTCP, nil,
		tcpSeg(40000, 443, 1, 2, TCPSyn, synOpts, nil))))
)

// BenchmarkDecodeEthIPv4TCP: Ethernet, IPv4, TCP with timestamps and 512 bytes of data,
// checksums off (as after auto-detection on offloaded captures).
func BenchmarkDecodeEthIPv4TCP(b *testing.B) {
	benchDecode(b, benchEthIPv4TCP, LinkEthernet, ChecksumNone)
}

// BenchmarkDecodeEthIPv4TCPChecksums is the same frame with IP and TCP checksums validated.
func BenchmarkDecodeEthIPv4TCPChecksums(b *testing.B) {
	benchDecode(b, benchEthIPv4TCP, LinkEthernet, ChecksumAll)
}

func BenchmarkDecodeEthIPv6UDP(b *testing.B) {
	benchDecode(b, benchEthIPv6UDP, LinkEthernet, ChecksumNone)
}

func BenchmarkDecodeVLANIPv4TCP(b *testing.B) {
	benchDecode(b, benchVLANIPv4, LinkEthernet, ChecksumNone)
}

// BenchmarkChecksumTCP validates the TCP checksum of a 1460-byte segment over IPv4.
func BenchmarkChecksumTCP(b *testing.B) {
	frame := ip4(IPProtoTCP, nil, tcpSeg(1, 2, 3, 4, TCPAck, nil, make([]byte, 1440)))
	d := NewDecoder(Config{Checksums: ChecksumAll})
	var p Packet
	d.Decode(&p, frame, LinkRaw, 0, len(frame))
	if !p.Has(HasTCP) || p.BadL4Checksum {
		b.Fatal("benchmark frame does not decode cleanly")
	}
	seg := p.L4
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	for b.Loop() {
		if !d.l4ChecksumOK(&p, IPProtoTCP, seg) {
			b.Fatal("checksum")
		}
	}
	cpu.Report(b, "")
}

func BenchmarkFlowHash(b *testing.B) {
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	for b.Loop() {
		FlowHash(benchVLANIPv4, LinkEthernet)
	}
	cpu.Report(b, "")
}
