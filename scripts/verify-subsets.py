#!/usr/bin/env python3
"""Summarise a `nightjar verify` run by the index.tsv labels the issues judge by.

usage: scripts/verify-subsets.py VERIFY_OUTPUT [INDEX_TSV]
For each label group (a_plain|b_flow for detection, c_stream|d_sticky_applayer for the app
layer) it counts the tests that the t2_candidate or t2_alertchecks_subset columns mark as
judgeable, and how many of them passed, failed or were skipped.
"""
import csv, sys, collections

out = sys.argv[1]
index = sys.argv[2] if len(sys.argv) > 2 else "../shared/suricata-verify/index.tsv"
res = {}
for line in open(out, errors="replace"):
    parts = line.split(None, 2)
    if len(parts) >= 2 and parts[0] in ("PASS", "FAIL", "SKIP"):
        res[parts[1].rstrip(":")] = parts[0]
groups = {"detection (a_plain|b_flow)": {"a_plain", "b_flow"},
          "app layer (c_stream|d_sticky_applayer)": {"c_stream", "d_sticky_applayer"}}
for title, labels in groups.items():
    c = collections.Counter()
    fails = []
    for row in csv.DictReader(open(index), delimiter="\t"):
        if not (set(row["labels"].split(",")) & labels):
            continue
        if row.get("t2_candidate") != "1" and row.get("t2_alertchecks_subset") != "1":
            continue
        r = res.get(row["name"], "MISSING")
        c[r] += 1
        if r == "FAIL":
            fails.append(row["name"])
    n = sum(c.values())
    print(f"{title}: {n} judgeable: {c['PASS']} pass, {c['FAIL']} fail, {c['SKIP']} skip, {c['MISSING']} not run"
          + (f"; pass rate {100*c['PASS']/n:.1f}%" if n else ""))
    if "-v" in sys.argv:
        for f in fails:
            print("  FAIL", f)
