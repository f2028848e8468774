package capture

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// FanoutMode is how the kernel spreads an interface's packets over the rings of a fanout group.
type FanoutMode int

// Fanout modes. Names follow Suricata's cluster-type values.
const (
	// FanoutHash (cluster_flow) sends each packet by the kernel's flow hash of its addresses
	// and ports, the same both ways, so a worker sees both directions of its flows.
	FanoutHash FanoutMode = iota
	// FanoutCPU (cluster_cpu) keeps a packet on the ring of the CPU that received it; pair it
	// with RSS and IRQ affinity.
	FanoutCPU
	// FanoutQM (cluster_qm) sends by the NIC's receive queue.
	FanoutQM
	// FanoutEBPF (cluster_ebpf) lets an eBPF program choose the ring (bpf/ steering).
	FanoutEBPF
)

// ParseFanoutMode reads a mode by its Nightjar name (hash, cpu, qm, ebpf) or Suricata's
// cluster-type (cluster_flow, cluster_cpu, cluster_qm, cluster_ebpf).
func ParseFanoutMode(s string) (FanoutMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "hash", "flow", "cluster_flow", "cluster_hash":
		return FanoutHash, nil
	case "cpu", "cluster_cpu":
		return FanoutCPU, nil
	case "qm", "cluster_qm":
		return FanoutQM, nil
	case "ebpf", "cluster_ebpf":
		return FanoutEBPF, nil
	}
	return 0, fmt.Errorf("fanout %q: want hash, cpu, qm or ebpf (cluster_flow, cluster_cpu, cluster_qm, cluster_ebpf)", s)
}

func (m FanoutMode) String() string {
	switch m {
	case FanoutHash:
		return "hash"
	case FanoutCPU:
		return "cpu"
	case FanoutQM:
		return "qm"
	case FanoutEBPF:
		return "ebpf"
	}
	return fmt.Sprintf("fanout(%d)", int(m))
}

// FanoutOptions places a ring in a fanout group.
type FanoutOptions struct {
	Group  uint16 // the group id, unique per interface in a network namespace; 0: no fanout
	Mode   FanoutMode
	Defrag bool // reassemble IP fragments before hashing, so all fragments meet (hash and ebpf modes)
	// ProgFD is the eBPF steering program for FanoutEBPF, set on the group by the first
	// socket that joins; later sockets may leave it -1.
	ProgFD int
}

func joinFanout(fd int, o FanoutOptions) error {
	var typ int
	switch o.Mode {
	case FanoutHash:
		typ = unix.PACKET_FANOUT_HASH
		if o.Defrag {
			typ |= unix.PACKET_FANOUT_FLAG_DEFRAG
		}
	case FanoutCPU:
		typ = unix.PACKET_FANOUT_CPU
	case FanoutQM:
		typ = unix.PACKET_FANOUT_QM
	case FanoutEBPF:
		typ = unix.PACKET_FANOUT_EBPF
		if o.Defrag {
			// The steering program then sees whole datagrams and can hash their ports.
			typ |= unix.PACKET_FANOUT_FLAG_DEFRAG
		}
	default:
		return fmt.Errorf("fanout: unknown mode %d", int(o.Mode))
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, int(o.Group)|typ<<16); err != nil {
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EALREADY) {
			return fmt.Errorf("fanout group %d (%s): %w: the group id is in use with other settings or on another interface (another sensor?); set a different af-packet cluster-id", o.Group, o.Mode, err)
		}
		return fmt.Errorf("fanout group %d (%s): %w", o.Group, o.Mode, err)
	}
	if o.Mode == FanoutEBPF && o.ProgFD >= 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT_DATA, o.ProgFD); err != nil {
			return fmt.Errorf("fanout group %d: attach eBPF steering program: %w", o.Group, err)
		}
	}
	return nil
}
