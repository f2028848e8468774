package signatures

import "fmt"

// Packet-header sticky buffers: ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr and
// icmpv6.hdr inspect the raw bytes of one header of the packet (options and IPv6 extension
// headers included), with the ordinary payload keywords; ip.src and ip.dst (Suricata 8) the
// raw address fields of the IP header, mostly for datasets of type ip.

// hdrBufferProtos lists, for each header buffer, the rule protocols it may appear under;
// Suricata refuses the keyword in a rule whose protocol cannot carry the header.
var hdrBufferProtos = map[string]struct {
	kind   hdrKind
	protos []Proto // nil: any protocol (the IP version is checked on its own)
}{
	"ipv4.hdr":   {hdrIPv4, nil},
	"ipv6.hdr":   {hdrIPv6, nil},
	"tcp.hdr":    {hdrTCP, []Proto{ProtoIP, ProtoTCP}},
	"udp.hdr":    {hdrUDP, []Proto{ProtoIP, ProtoUDP}},
	"icmpv4.hdr": {hdrICMPv4, []Proto{ProtoIP, ProtoICMP, ProtoICMPv4}},
	"icmpv6.hdr": {hdrICMPv6, []Proto{ProtoIP, ProtoICMP, ProtoICMPv6}},
	"ip.src":     {hdrIPSrc, nil},
	"ip.dst":     {hdrIPDst, nil},
}

// isHdrBuffer reports whether keyword selects a packet-header buffer.
func isHdrBuffer(keyword string) bool {
	_, ok := hdrBufferProtos[keyword]
	return ok
}

// hdrBuffer makes name the current list, checking it fits the rule's protocol (an app-layer
// rule's Proto is its transport, so tcp.hdr fits an http rule).
func (b *ruleBuilder) hdrBuffer(name string) error {
	r := b.r
	hb := hdrBufferProtos[name]
	if hb.protos != nil {
		ok := false
		for _, p := range hb.protos {
			ok = ok || p == r.Proto
		}
		if !ok {
			return fmt.Errorf("%s cannot match a rule for another protocol", name)
		}
	}
	if (name == "ipv4.hdr" && r.IPVersion == 6) || (name == "ipv6.hdr" && r.IPVersion == 4) {
		return fmt.Errorf("%s cannot match a rule for the other IP version", name)
	}
	for _, x := range r.HdrBuffers {
		if x.Name == name {
			b.cur = x
			b.transforms = false
			return nil
		}
	}
	x := &Buffer{Name: name, hdr: hb.kind}
	r.HdrBuffers = append(r.HdrBuffers, x)
	b.cur = x
	b.transforms = false
	return nil
}
