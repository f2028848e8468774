package sensor

import (
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"

	"github.com/nightjar-ids/nightjar/decoders"
)

// bpfFilter applies a tcpdump-syntax filter to frames read from files. libpcap compiles the
// expression once per link type (pcapng files may mix them) and runs it with pcap_offline_filter.
type bpfFilter struct {
	expr   string
	byLink map[decoders.LinkType]*pcap.BPF
}

func newBPFFilter(expr string) (*bpfFilter, error) {
	f := &bpfFilter{expr: expr, byLink: map[decoders.LinkType]*pcap.BPF{}}
	// Compile for Ethernet up front so a bad expression fails before any packet is read.
	if _, err := f.compile(decoders.LinkEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *bpfFilter) compile(lt decoders.LinkType) (*pcap.BPF, error) {
	if b, ok := f.byLink[lt]; ok {
		return b, nil
	}
	b, err := pcap.NewBPF(layers.LinkType(lt), 262144, f.expr)
	if err != nil {
		f.byLink[lt] = nil
		return nil, fmt.Errorf("bpf filter %q for link type %d: %w", f.expr, lt, err)
	}
	f.byLink[lt] = b
	return b, nil
}

// match reports whether the frame passes. A link type the expression cannot be compiled for
// passes nothing: the filter asked for something that cannot be true of it.
func (f *bpfFilter) match(data []byte, wireLen int, lt decoders.LinkType) bool {
	b, err := f.compile(lt)
	if b == nil || err != nil {
		return false
	}
	return b.Matches(gopacket.CaptureInfo{CaptureLength: len(data), Length: wireLen}, data)
}
