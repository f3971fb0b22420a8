#!/usr/bin/env python3
"""Precision and recall of a dedup run's dropped set against gold labels.

    dedup_score.py FEED.jsonl GOLD.jsonl DROPPED.jsonl [--keep first|original]

Truth (keep first): a record is a duplicate when an earlier record of the
feed has the same gold `cluster`. With --keep original, when it is not its
cluster's original (or, the original being absent, not the cluster's first
record). Also counts gold copy-groups left with exactly one record."""
import json
import sys

feed, gold_path, dropped_path = sys.argv[1:4]
keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else "first"
gold = {}
for line in open(gold_path, encoding="utf-8"):
    g = json.loads(line)
    gold[g["id"]] = g
ids = [json.loads(line)["id"] for line in open(feed, encoding="utf-8") if line.strip()]
present = set(ids)
first = {}
truth = set()
for i in ids:
    c = gold[i]["cluster"]
    if keep == "original":
        orig = gold[i]["original_id"]
        same = orig in present and gold[orig]["cluster"] == c
        if (same and i != orig) or (not same and c in first):
            truth.add(i)
        first.setdefault(c, i)
    else:
        if c in first:
            truth.add(i)
        else:
            first[c] = i
dropped = {json.loads(line)["id"] for line in open(dropped_path, encoding="utf-8") if line.strip()}
tp = len(truth & dropped)
p = tp / len(dropped) if dropped else 1.0
r = tp / len(truth) if truth else 1.0
kept = [i for i in ids if i not in dropped]
per_cluster = {}
for i in kept:
    per_cluster[gold[i]["cluster"]] = per_cluster.get(gold[i]["cluster"], 0) + 1
multi = {gold[i]["cluster"] for i in ids}
copy_groups = {c for c in multi if sum(1 for i in ids if gold[i]["cluster"] == c) > 1} if len(ids) < 20000 else None
print(f"records {len(ids)}, truly duplicate {len(truth)}, dropped {len(dropped)}, "
      f"precision {p:.4f}, recall {r:.4f}; gold groups with exactly one kept record: "
      f"{sum(1 for c, n in per_cluster.items() if n == 1)}/{len(per_cluster)}")
