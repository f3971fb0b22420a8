#!/usr/bin/env python3
"""Index-then-export equals cluster: same groups (as sets of ids), same
originals. Usage: index_equivalence.py CLUSTER.jsonl EXPORT.jsonl"""
import json
import sys


def groups(path):
    by_group, original = {}, {}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        by_group.setdefault(r["group"], set()).add(r["id"])
        original[r["group"]] = r["original_id"]
    out = {}
    for g, members in by_group.items():
        out[frozenset(members)] = original[g]
    return out


a, b = groups(sys.argv[1]), groups(sys.argv[2])
only_a = [m for m in a if m not in b]
only_b = [m for m in b if m not in a]
orig = [m for m in a if m in b and a[m] != b[m]]
multi = sum(1 for m in a if len(m) > 1)
print(f"groups: cluster {len(a)} ({multi} with copies), index {len(b)}; "
      f"only in cluster {len(only_a)}, only in index {len(only_b)}, "
      f"different original {len(orig)}")
for m in only_a[:5]:
    print("  cluster:", sorted(m))
for m in only_b[:5]:
    print("  index:  ", sorted(m))
for m in orig[:5]:
    print("  original:", sorted(m), a[m], b[m])
sys.exit(1 if only_a or only_b or orig else 0)
