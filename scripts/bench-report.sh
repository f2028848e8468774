#!/usr/bin/env bash
# bench-report.sh BIN [OUTDIR]: generates a synthetic capture (deleted afterwards), runs the
# benchmark lab over it (worker sweep, rule-set-size sweep, stage breakdown) and writes
# bench.json, bench.md and the SVG charts into OUTDIR (default out/bench).
# Tunables (environment): BENCH_SIZE (default 256mb), BENCH_SEED (1), BENCH_REPEAT (5),
# BENCH_WORKERS (1,2), BENCH_RULES (the ET Open rule files under ../shared), BENCH_RULE_SIZES
# (0,1000,5000,all).
set -euo pipefail

bin=${1:?usage: bench-report.sh BIN [OUTDIR]}
out=${2:-out/bench}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$root/../shared}
size=${BENCH_SIZE:-256mb}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-5}
workers=${BENCH_WORKERS:-1,2}
sizes=${BENCH_RULE_SIZES:-0,1000,5000,all}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nightjar-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rules=()
if [[ -n ${BENCH_RULES:-} ]]; then
	read -r -a rules <<<"$BENCH_RULES"
elif [[ -d $shared/rules/et-open-2024 ]]; then
	rules=("$shared"/rules/et-open-2024/emerging-*.rules)
else
	echo "bench-report: $shared/rules/et-open-2024 is absent: running without rules" >&2
fi
ruleflags=()
for r in "${rules[@]}"; do ruleflags+=(-S "$r"); done
if ((${#rules[@]} > 0)); then ruleflags+=(--rule-sizes "$sizes"); fi

"$bin" bench gen -q --seed "$seed" --size "$size" -o "$tmp/bench.pcap"
"$bin" bench run -r "$tmp/bench.pcap" "${ruleflags[@]}" --workers "$workers" \
	--repeat "$repeat" --stages --out "$out"
cp "$tmp/bench.pcap.expected.json" "$out/input.expected.json"
echo "bench-report: wrote $out (bench.json, bench.md, *.svg)" >&2
