// Package bpf holds Nightjar's eBPF programs (C beside this file) and loads them: the fanout
// steering program that `nightjar run --fanout ebpf` (af-packet cluster_ebpf) gives the kernel
// to pick a worker's ring for each packet, and the XDP bypass program (af-packet bypass: yes)
// that drops the packets of flows the sensor no longer inspects before they reach the rings,
// counting them per flow in a map the sensor reads when the flow ends. The compiled objects and
// their bpf2go bindings are committed, so building needs no clang; `go generate ./bpf` rebuilds
// them.
package bpf
