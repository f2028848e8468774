package decoders

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// oracleFeatures picks the captures the gopacket comparison runs on: a few Ethernet files for
// each of these features, so plain TCP/UDP, IPv6, VLAN, PPPoE, MPLS and IPv4 options are covered.
var oracleFeatures = []string{"tcp", "udp", "ipv6", "icmp", "icmpv6", "vlan", "qinq", "pppoe", "mpls", "ipv4_options", "ipv6_hopopts", "sctp", "llc", "arp"}

const oracleFilesPerFeature = 3

// TestOracleGopacket decodes Ethernet captures with this package and with gopacket's layers and
// compares addresses, protocol, ports, TCP flags and sequence numbers, ICMP type and VLAN ids.
// Where only one side decodes a header, this package must have said why (an event, a fragment,
// or a tunnel that took the packet inward).
func TestOracleGopacket(t *testing.T) {
	shared := sharedDir(t)
	var picked []captureEntry
	seen := map[string]bool{}
	for _, feat := range oracleFeatures {
		var cands []captureEntry
		for _, e := range readIndex(t, shared) {
			if e.linkType == "ether" && e.validity == "ok" && e.packets >= 10 && e.packets <= 3000 &&
				slices.Contains(e.features, feat) && !seen[e.path] {
				cands = append(cands, e)
			}
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].path < cands[j].path })
		for i := 0; i < len(cands) && i < oracleFilesPerFeature; i++ {
			seen[cands[i].path] = true
			picked = append(picked, cands[i])
		}
	}
	if len(picked) == 0 {
		t.Skip("no Ethernet captures in the index")
	}
	cfg := DefaultConfig()
	cfg.Checksums = ChecksumNone
	var compared, mismatches int
	for _, e := range picked {
		d := NewDecoder(cfg)
		var p Packet
		idx := 0
		_, err := readCapture(e.path, func(data []byte, lt LinkType, ts int64, wire int) {
			idx++
			if lt != LinkEthernet {
				return
			}
			d.Decode(&p, data, lt, ts, wire)
			gp := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
			if diff := compareWithGopacket(&p, gp); diff != "" {
				mismatches++
				if mismatches <= 15 {
					t.Errorf("%s frame %d: %s", strings.TrimPrefix(e.path, shared), idx, diff)
				}
			}
			compared++
		})
		if err != nil {
			t.Logf("skip %s: %v", e.path, err)
		}
	}
	t.Logf("%d captures, %d frames compared, %d mismatches", len(picked), compared, mismatches)
	if compared == 0 {
		t.Fatal("nothing compared")
	}
}

// compareWithGopacket returns a description of how p differs from gopacket's view, or "".
func compareWithGopacket(p *Packet, gp gopacket.Packet) string {
	var (
		ips    []gopacket.Layer
		vlans  []uint16
		tcp    *layers.TCP
		udp    *layers.UDP
		icmp4  *layers.ICMPv4
		failed bool
		l2     int // Ethernet headers before the first IP header
	)
	for _, l := range gp.Layers() {
		switch l := l.(type) {
		case *layers.Ethernet:
			if len(ips) == 0 {
				l2++
			}
		case *layers.IPv4, *layers.IPv6:
			ips = append(ips, l)
		case *layers.Dot1Q:
			if len(ips) == 0 {
				vlans = append(vlans, l.VLANIdentifier)
			}
		case *layers.TCP:
			if tcp == nil {
				tcp = l
			}
		case *layers.UDP:
			if udp == nil {
				udp = l
			}
		case *layers.ICMPv4:
			icmp4 = l
		case *gopacket.DecodeFailure:
			failed = true
		}
	}
	// Tunnels put the inner packet in p; gopacket's first IP layer is the outer one. An Ethernet
	// header inside another without IP between is an L2 tunnel (ERSPAN, pseudowire, TEB) that
	// the two decoders may take differently.
	if p.Tunnel != TunnelNone || len(ips) > 1 || l2 > 1 {
		return ""
	}
	explained := p.EventCount > 0 || p.Layers&IsFragment != 0
	if len(vlans) > MaxVLAN {
		vlans = vlans[:MaxVLAN]
	}
	if got := p.VLAN[:p.VLANCount]; !slices.Equal(got, vlans) && !(len(got) == 0 && len(vlans) == 0) && !explained {
		return fmt.Sprintf("vlan %v, gopacket %v", got, vlans)
	}
	if len(ips) == 0 {
		if p.Layers&(HasIPv4|HasIPv6) != 0 && !failed {
			return fmt.Sprintf("IP %v -> %v found, gopacket found none", p.Src, p.Dst)
		}
		return ""
	}
	var src, dst netip.Addr
	var proto uint8
	fragment := false
	switch ip := ips[0].(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		proto = uint8(ip.Protocol)
		fragment = ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
		proto = uint8(ip.NextHeader)
	}
	if p.Layers&(HasIPv4|HasIPv6) == 0 {
		if explained || failed {
			return ""
		}
		return fmt.Sprintf("no IP decoded and no event; gopacket %v -> %v", src, dst)
	}
	if p.Src != src || p.Dst != dst {
		return fmt.Sprintf("addresses %v -> %v, gopacket %v -> %v", p.Src, p.Dst, src, dst)
	}
	if _, v4 := ips[0].(*layers.IPv4); v4 && p.IPProto != proto {
		return fmt.Sprintf("proto %d, gopacket %d", p.IPProto, proto)
	}
	if fragment != (p.Layers&IsFragment != 0) && p.Layers&IsReassembled == 0 {
		return fmt.Sprintf("fragment %v, gopacket %v", p.Layers&IsFragment != 0, fragment)
	}
	if p.Layers&(IsFragment|IsReassembled) != 0 {
		return ""
	}
	switch {
	case tcp != nil && p.Layers&HasTCP != 0:
		if p.SrcPort != uint16(tcp.SrcPort) || p.DstPort != uint16(tcp.DstPort) || p.Seq != tcp.Seq || p.Ack != tcp.Ack ||
			p.Window != tcp.Window || p.TCPFlags != tcpFlagsOf(tcp) || p.IPProto != IPProtoTCP {
			return fmt.Sprintf("tcp %d->%d seq %d ack %d flags %#x, gopacket %d->%d seq %d ack %d flags %#x",
				p.SrcPort, p.DstPort, p.Seq, p.Ack, p.TCPFlags, tcp.SrcPort, tcp.DstPort, tcp.Seq, tcp.Ack, tcpFlagsOf(tcp))
		}
		if len(p.Payload) != len(tcp.Payload) && !gp.Metadata().Truncated {
			return fmt.Sprintf("tcp payload %d bytes, gopacket %d", len(p.Payload), len(tcp.Payload))
		}
	case tcp != nil:
		if !explained {
			return "gopacket decoded TCP, this package did not and raised no event"
		}
	case udp != nil && p.Layers&HasUDP != 0:
		if p.SrcPort != uint16(udp.SrcPort) || p.DstPort != uint16(udp.DstPort) || p.IPProto != IPProtoUDP {
			return fmt.Sprintf("udp %d->%d, gopacket %d->%d", p.SrcPort, p.DstPort, udp.SrcPort, udp.DstPort)
		}
	case udp != nil:
		if !explained {
			return "gopacket decoded UDP, this package did not and raised no event"
		}
	case icmp4 != nil && p.Layers&HasICMPv4 != 0:
		if p.ICMPType != icmp4.TypeCode.Type() || p.ICMPCode != icmp4.TypeCode.Code() {
			return fmt.Sprintf("icmp %d/%d, gopacket %v", p.ICMPType, p.ICMPCode, icmp4.TypeCode)
		}
	}
	return ""
}

func tcpFlagsOf(t *layers.TCP) uint8 {
	var f uint8
	for _, b := range []struct {
		on  bool
		bit uint8
	}{{t.FIN, TCPFin}, {t.SYN, TCPSyn}, {t.RST, TCPRst}, {t.PSH, TCPPsh}, {t.ACK, TCPAck}, {t.URG, TCPUrg}, {t.ECE, TCPEce}, {t.CWR, TCPCwr}} {
		if b.on {
			f |= b.bit
		}
	}
	return f
}
