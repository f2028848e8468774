package sensor

import (
	"errors"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// fanoutProg is a loaded eBPF program that a fanout group runs to pick a ring.
type fanoutProg interface {
	FD() int
	Close() error
}

// errNoEBPFFanout is returned for --fanout ebpf until the steering program in bpf/ is built.
var errNoEBPFFanout = errors.New("fanout ebpf: the eBPF steering program is not built in this version; use hash (cluster_flow)")

// fanoutProgram loads the steering program a fanout mode needs; nil for the kernel's own modes.
func fanoutProgram(mode capture.FanoutMode) (fanoutProg, error) {
	if mode != capture.FanoutEBPF {
		return nil, nil
	}
	return nil, errNoEBPFFanout
}
