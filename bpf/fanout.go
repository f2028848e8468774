package bpf

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
)

// Fanout is the loaded steering program of fanout.c: a socket filter whose return value, modulo
// the rings in the group, is the ring a packet goes to.
type Fanout struct {
	prog *ebpf.Program
}

var memlockOnce sync.Once

// LoadFanout loads the steering program into the kernel. It needs CAP_BPF (or CAP_SYS_ADMIN)
// where unprivileged eBPF is off, as it is by default.
func LoadFanout() (*Fanout, error) {
	// Kernels before 5.11 charge eBPF memory to RLIMIT_MEMLOCK; later ones ignore it.
	memlockOnce.Do(func() { _ = rlimit.RemoveMemlock() })
	var objs fanoutObjects
	if err := loadFanoutObjects(&objs, nil); err != nil {
		var verr *ebpf.VerifierError
		if errors.As(err, &verr) {
			return nil, fmt.Errorf("eBPF fanout program rejected by the kernel verifier: %+v", verr)
		}
		return nil, fmt.Errorf("loading the eBPF fanout program: %w", err)
	}
	return &Fanout{prog: objs.FanoutFlow}, nil
}

// FD is the program's file descriptor, for PACKET_FANOUT_DATA.
func (f *Fanout) FD() int { return f.prog.FD() }

// Close drops this reference to the program; a fanout group it was given to keeps its own.
func (f *Fanout) Close() error { return f.prog.Close() }

// Hash runs the program on one Ethernet frame in the kernel (BPF_PROG_TEST_RUN) and returns
// what it would steer by; the ring is that value modulo the rings in the group.
func (f *Fanout) Hash(frame []byte) (uint32, error) {
	ret, err := f.prog.Run(&ebpf.RunOptions{Data: frame})
	if err != nil {
		return 0, fmt.Errorf("test run of the fanout program: %w", err)
	}
	return ret, nil
}
