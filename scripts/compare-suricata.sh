#!/usr/bin/env bash
# Developer tooling, never part of the product: run Nightjar and Suricata 7 (the test oracle,
# from Debian's bookworm-backports) on the same capture with the same rules, one core each,
# alternating, and print the ratios (nightjar bench compare). "Same rules" means the rules
# Nightjar loads today: the rule files are filtered down to the sids `nightjar rules list`
# accepts, so neither engine runs rules the other skips.
#
#   scripts/compare-suricata.sh BIN PCAP|DIR RULES… [--repeat K] [--cpu LIST] [--workers N]
#
# --workers 1 (the default) runs Nightjar with one worker and Suricata in its single runmode;
# more runs Nightjar with N workers and Suricata in autofp (detect threads: one per online CPU,
# its default; make N the machine's CPU count to compare like with like). --cpu is the
# taskset CPU list both are confined to (default 1; give as many CPUs as workers). A directory
# is read whole by both (every capture below it for Nightjar; Suricata's pcap-file directory
# mode, so give a flat directory of regular files: Suricata skips symbolic links, and reads
# nothing from a folder of them). Both are also run on the input's first frame
# alone, and the processing figures subtract that start-up (Suricata spends tens of seconds
# loading a large rule set; Nightjar reads its compiled databases from its cache).
#
# A second phase then times processing by each engine's own clock, which start-up noise does
# not reach: Suricata's "time elapsed" (its log, from "engine started" to the end of the input)
# against the processing time `nightjar read` prints (from its first packet), alternating,
# --repeat runs each; it prints every run, the minimum and the median of each, and their
# ratios. On a shared machine the minimum is the figure least disturbed by other load.
set -euo pipefail
bin=${1:?usage: compare-suricata.sh BIN PCAP RULES…}
pcap=${2:?usage: compare-suricata.sh BIN PCAP RULES…}
shift 2
repeat=3 cpu=1 workers=1 rules=()
while [ $# -gt 0 ]; do
	case $1 in
	--repeat) repeat=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	*) rules+=("$1"); shift ;;
	esac
done

if ! command -v suricata >/dev/null; then
	if [ ! -f /etc/apt/sources.list.d/backports.sources ]; then
		printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			>/etc/apt/sources.list.d/backports.sources
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports suricata >/dev/null
fi
suricata -V

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" rules list "${rules[@]}" 2>/dev/null | cut -f1 | sort -u >"$tmp/sids"
cat "${rules[@]}" | grep -E '^(alert|drop|pass|reject)' |
	awk 'NR==FNR { s[$1] = 1; next } match($0, /sid:[ ]*[0-9]+/) { v = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); if (v in s) print }' \
		"$tmp/sids" - >"$tmp/common.rules"
echo "rules both engines run: $(wc -l <"$tmp/common.rules")"
mkdir -p "$tmp/suricata"
runmode=(--runmode single)
if ((workers > 1)); then
	# autofp: one reader, detect threads = online CPUs × threading.detect-thread-ratio (1.0).
	runmode=(--runmode autofp)
fi
taskset -c "$cpu" "$bin" bench compare -r "$pcap" --repeat "$repeat" --workers "$workers" --startup -S "$tmp/common.rules" -- \
	suricata -r '{pcap}' -S "$tmp/common.rules" -l "$tmp/suricata" -k none "${runmode[@]}"

echo
echo "processing by each engine's own clock (Suricata: \"time elapsed\"; Nightjar: \"processing\"), $repeat runs each:"
sur=() nj=()
for ((i = 1; i <= repeat; i++)); do
	rm -rf "$tmp/suricata" && mkdir -p "$tmp/suricata"
	taskset -c "$cpu" suricata -r "$pcap" -S "$tmp/common.rules" -l "$tmp/suricata" -k none "${runmode[@]}" >/dev/null 2>&1
	s=$(grep -o 'time elapsed [0-9.]*s' "$tmp/suricata/suricata.log" | grep -o '[0-9.]*')
	rm -rf "$tmp/nightjar"
	n=$(taskset -c "$cpu" "$bin" read -r "$pcap" -S "$tmp/common.rules" -l "$tmp/nightjar" --workers "$workers" -k none 2>/dev/null |
		sed -n 's/.*processing: \([0-9.]*\)s.*/\1/p')
	echo "  run $i: suricata ${s}s, nightjar ${n}s"
	sur+=("$s") nj+=("$n")
done
python3 - "${sur[*]}" "${nj[*]}" <<'PY'
import statistics, sys
s = [float(x) for x in sys.argv[1].split()]
n = [float(x) for x in sys.argv[2].split()]
print(f"  suricata: min {min(s):.3f}s, median {statistics.median(s):.3f}s")
print(f"  nightjar: min {min(n):.3f}s, median {statistics.median(n):.3f}s")
print(f"  suricata/nightjar: min {min(s)/min(n):.2f}, median {statistics.median(s)/statistics.median(n):.2f}")
PY
