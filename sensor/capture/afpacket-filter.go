package capture

import (
	"fmt"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
)

// bpfRetK is BPF_RET|BPF_K: return the constant K (the bytes to keep; 0 drops the packet).
const bpfRetK = 0x06

// maxFilterInsns is the kernel's BPF_MAXINSNS.
const maxFilterInsns = 4096

// CompileFilter compiles a tcpdump-syntax expression to classic BPF for frames of link type lt,
// as OpenRing does for RingOptions.Filter. libpcap compiles it without a live handle, so the
// expressions it implements with Linux's ancillary loads on live sockets (vlan, once the kernel
// has taken the tag off) test the frame bytes instead.
func CompileFilter(expr string, lt decoders.LinkType, snaplen int) ([]unix.SockFilter, error) {
	insns, err := pcap.CompileBPFFilter(layers.LinkType(lt), snaplen, expr)
	if err != nil {
		return nil, fmt.Errorf("bpf filter %q: %w", expr, err)
	}
	if len(insns) == 0 || len(insns) > maxFilterInsns {
		return nil, fmt.Errorf("bpf filter %q: %d instructions, the kernel takes 1 to %d", expr, len(insns), maxFilterInsns)
	}
	out := make([]unix.SockFilter, len(insns))
	for i, in := range insns {
		out[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out, nil
}

func attachFilter(fd int, prog []unix.SockFilter) error {
	if len(prog) == 0 || len(prog) > maxFilterInsns {
		return fmt.Errorf("bpf filter: %d instructions", len(prog))
	}
	fp := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
		return fmt.Errorf("attach bpf filter: %w", err)
	}
	return nil
}
