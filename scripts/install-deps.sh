#!/usr/bin/env bash
# Installs what building and testing Nightjar needs on Debian 12, and nothing when it is already there.
# Run as root (make demo / make test call it). Safe to run again.
set -euo pipefail

pkgs=(gcc make pkg-config libpcap-dev libhyperscan-dev libpcre2-dev iproute2 ca-certificates librsvg2-bin)
# --bpf: also what regenerating the eBPF objects in bpf/ needs (go generate ./bpf). Building does
# not: the compiled objects and their Go bindings are committed.
if [ "${1:-}" = "--bpf" ]; then
	pkgs+=(clang llvm libbpf-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	# Debian's Go is older than go.mod asks for; the go command fetches the right toolchain
	# from the module proxy by itself (GOTOOLCHAIN=auto).
	missing+=(golang-go)
fi
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
