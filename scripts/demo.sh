#!/usr/bin/env bash
# make demo: run the sensor over the captures shipped in testdata/demo and say what came out.
set -euo pipefail
bin=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
echo "== nightjar read over testdata/demo/*.pcap"
status=0
"$bin" read -r testdata/demo/arkime_synthetic.pcap -r testdata/demo/http-methods.pcap \
	-S testdata/demo/demo.rules -l "$out" || status=$?
echo
echo "== what is in $out"
ls -l "$out" "$out"/flows "$out"/alerts | sed 's/^/  /'
if [ -s "$out/eve.json" ]; then
	echo
	echo "== EVE events by type"
	grep -o '"event_type":"[a-z_]*"' "$out/eve.json" | sort | uniq -c | sed 's/^/  /'
	echo
	echo "== alerts by signature (fast.log)"
	sed -E 's/.*\[\*\*\] \[([0-9:]+)\] (.*) \[\*\*\].*/\1 \2/' "$out/fast.log" | sort | uniq -c | sort -rn | sed 's/^/  /'
	echo
	echo "== one alert"
	grep -m1 '"event_type":"alert"' "$out/eve.json" | sed 's/^/  /'
	echo
	echo "== one flow record"
	grep -m1 '"event_type":"flow"' "$out/eve.json" | sed 's/^/  /'
fi
exit $status
