package bpf

// The bindings and objects beside this file are generated from fanout.c and bypass.c and
// committed, so that building Nightjar needs no clang. Regenerate after editing the C (clang, llvm and libbpf-dev:
// scripts/install-deps.sh --bpf):
//
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu -I/usr/include/aarch64-linux-gnu" -target bpfel fanout fanout.c
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror -I/usr/include/x86_64-linux-gnu -I/usr/include/aarch64-linux-gnu" -target bpfel -type bypass_key -type bypass_val bypass bypass.c
