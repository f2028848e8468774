#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for FUZZTIME each (default 5m), JOBS at a time
# (default 2), and fails if any target finds a crasher. Findings land in the package's
# testdata/fuzz folder, where `go test` replays them from then on.
set -uo pipefail
fuzztime=${1:-5m}
jobs=${JOBS:-2}
mapfile -t targets < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
	pkg=$(dirname "$f")
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$pkg |"
done | sort -u)
logdir=${FUZZLOG:-out/fuzz}
mkdir -p "$logdir"
echo "fuzz: ${#targets[@]} targets, $fuzztime each, $jobs at a time; logs in $logdir"
fail=0
run() {
	local pkg=$1 name=$2 log="$logdir/$(echo "$1" | tr '/.' '__')-$2.log"
	if go test "$pkg" -run='^$' -fuzz="^$name\$" -fuzztime="$fuzztime" -fuzzminimizetime=5s -parallel=1 >"$log" 2>&1; then
		echo "ok   $pkg $name ($(grep -o 'execs: [0-9]*' "$log" | tail -n1))"
	else
		echo "FAIL $pkg $name: see $log"
		return 1
	fi
}
i=0
pids=()
for t in "${targets[@]}"; do
	run $t &
	pids+=($!)
	i=$((i + 1))
	if [ $((i % jobs)) -eq 0 ]; then
		for p in "${pids[@]}"; do wait "$p" || fail=1; done
		pids=()
	fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
