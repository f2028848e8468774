package sensor

import (
	"fmt"

	"github.com/nightjar-ids/nightjar/bpf"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// fanoutProg is a loaded eBPF program that a fanout group runs to pick a ring.
type fanoutProg interface {
	FD() int
	Close() error
}

// fanoutProgram loads the steering program a fanout mode needs (bpf/fanout.c: a symmetric flow
// hash through VLAN tags, MPLS and one level of tunnel); nil for the kernel's own modes. It is
// loaded before privileges are dropped, with the sockets.
func fanoutProgram(mode capture.FanoutMode) (fanoutProg, error) {
	if mode != capture.FanoutEBPF {
		return nil, nil
	}
	p, err := bpf.LoadFanout()
	if err != nil {
		return nil, fmt.Errorf("fanout ebpf: %w (it needs CAP_BPF or root and a kernel with eBPF socket filters; fanout hash, cluster_flow, needs neither)", err)
	}
	return p, nil
}
