#!/usr/bin/env bash
# Developer tooling: count the machine instructions the packet path executes (everything under
# sensor.(*worker).packet, Hyperscan and PCRE included) for one `nightjar read`, with
# valgrind's callgrind. Unlike CPU time on a shared, noisy machine the count is repeatable, so
# two binaries can be compared on a short capture (a few tens of thousands of packets: callgrind
# runs about 50x slower than native).
#
#   scripts/packet-instructions.sh BIN PCAP [RULES…]
#
# Prints "instructions N" (callgrind's Ir total inside the packet path). Go's asynchronous
# preemption signals crash callgrind, hence GODEBUG=asyncpreemptoff=1; GOGC=off keeps the
# garbage collector's threads, which callgrind would count while the packet path runs, out of
# the figure (a short capture fits in memory without collection).
set -euo pipefail
bin=$1 pcap=$2
shift 2
rules=()
for r in "$@"; do rules+=(-S "$r"); done
command -v valgrind >/dev/null || { echo "packet-instructions: valgrind is not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --collect-atstart=no \
	"--toggle-collect=*sensor.(*worker).packet" "$bin" read -r "$pcap" "${rules[@]}" -l "$tmp/out" --workers 1 -q \
	>"$tmp/log" 2>&1 || { grep -v "rule not loaded" "$tmp/log" | tail -20 >&2; exit 1; }
awk '/^totals:/ {print "instructions", $2}' "$tmp/cg.out"
