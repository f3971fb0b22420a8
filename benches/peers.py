#!/usr/bin/env python3
"""Group near-duplicate articles the way a user of a MinHash-LSH library would.

    python3 benches/peers.py --tool {datasketch,rensa,gaoya,gaoya-native} --input C.jsonl --out PRED.jsonl \
        [--threshold 0.5] [--num-perm 128] [--shingle 5] [--verify]

Pipeline, the same for every tool: text = title + "\\n" + text, lowercased; words = \\w+;
k-word shingles (a document with fewer than k words is one shingle of all its words); MinHash
with num_perm permutations; LSH at the threshold; query every document; union-find over the
returned candidate pairs. No verification of candidates (the usual practice) unless the library
does it itself (gaoya does: it filters candidates by estimated Jaccard >= threshold); --verify
adds that filter for datasketch and rensa too (datasketch's docs suggest it).

Each library's bulk APIs (read from their installed sources):
  datasketch  MinHash.bulk (update_batch per doc, SHA1 default hash), MinHashLSH with its own
              optimised (bands, rows), insertion_session, query per doc (no bulk query exists).
  rensa       RMinHash.from_token_sets, RMinHashLSH.insert_many / query_all; num_bands is the
              divisor of num_perm (rensa requires one) minimising datasketch's objective
              (equal-weight integrated false-positive + false-negative probability).
  gaoya       MinHashStringIndex (32-bit hashes, "vec" buckets: no removals) with (bands, rows) chosen by gaoya from the
              threshold (num_hashes=num_perm); its native par_bulk_insert_tokens and
              par_bulk_query_tokens (rayon threads) on our shingles, so tokenisation matches.
  gaoya-native  the same index fed raw texts: gaoya's own Rust word analyzer (lower-cased, 5-word
              n-grams; its word split is not exactly \\w+) with par_bulk_insert_docs and
              par_bulk_query. No Python shingling: the fastest pipeline any peer offers, and the
              one to beat.

Writes {"id","group"} per article in input order; prints one JSON line to stderr with wall
seconds per stage and in total, peak RSS (MB) and docs/s.
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time

import numpy as np

WORD = re.compile(r"\w+", re.UNICODE)


def shingle(title: str, text: str, k: int) -> list[str]:
    w = WORD.findall((title + "\n" + text).lower())
    if len(w) < k:
        return [" ".join(w)]
    return list({" ".join(w[i:i + k]) for i in range(len(w) - k + 1)})


def banding(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands * rows == num_perm minimising datasketch's objective."""
    def area(f, lo: float, hi: float) -> float:  # trapezoid rule
        s = np.linspace(lo, hi, 10001)
        y = f(s)
        return float(((y[1:] + y[:-1]) * 0.5 * np.diff(s)).sum())

    def err(b: int, r: int) -> float:
        p = lambda s: 1.0 - (1.0 - s ** r) ** b  # P(candidate | Jaccard s)
        return 0.5 * area(p, 0.0, threshold) + 0.5 * area(lambda s: 1.0 - p(s), threshold, 1.0)

    b = min((b for b in range(1, num_perm + 1) if num_perm % b == 0 and b >= 2),
            key=lambda b: err(b, num_perm // b))
    return b, num_perm // b


def run_datasketch(sets, a, t):
    from datasketch import MinHash, MinHashLSH
    mhs = MinHash.bulk(([x.encode("utf-8") for x in s] for s in sets), num_perm=a.num_perm)
    t.lap("minhash")
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m, check_duplication=False)
    t.lap("index")
    cands = [lsh.query(m) for m in mhs]
    t.lap("query")
    if a.verify:
        cands = [[j for j in c if mhs[i].jaccard(mhs[j]) >= a.threshold] for i, c in enumerate(cands)]
        t.lap("verify")
    return cands, {"bands": lsh.b, "rows": lsh.r}


def run_rensa(sets, a, t):
    from rensa import RMinHash, RMinHashLSH
    mhs = RMinHash.from_token_sets(sets, a.num_perm, 42)
    t.lap("minhash")
    bands, rows = banding(a.threshold, a.num_perm)
    lsh = RMinHashLSH(a.threshold, a.num_perm, bands)
    lsh.insert_many(mhs)
    t.lap("index")
    cands = lsh.query_all(mhs)
    t.lap("query")
    if a.verify:
        cands = [[j for j in c if mhs[i].jaccard(mhs[j]) >= a.threshold] for i, c in enumerate(cands)]
        t.lap("verify")
    return cands, {"bands": bands, "rows": rows}


def run_gaoya_native(texts, a, t):
    from gaoya.minhash import MinHashStringIndex
    index = MinHashStringIndex(hash_size=32, jaccard_threshold=a.threshold, num_bands=None,
                               band_size=None, num_hashes=a.num_perm, analyzer="word",
                               lowercase=True, ngram_range=(a.shingle, a.shingle),
                               id_container="vec")
    index.par_bulk_insert_docs(list(range(len(texts))), texts)
    t.lap("minhash+index")
    cands = index.par_bulk_query(texts)
    t.lap("minhash+query")
    m = re.search(r"bands = (\d+), rows_per_band = (\d+)", repr(index))
    return cands, ({"bands": int(m[1]), "rows": int(m[2])} if m else {"index": repr(index)})


def run_gaoya(sets, a, t):
    from gaoya.minhash import MinHashStringIndex
    index = MinHashStringIndex(hash_size=32, jaccard_threshold=a.threshold, num_bands=None,
                               band_size=None, num_hashes=a.num_perm, id_container="vec")
    native = index.minhash_index  # the wrapper's token path is single-threaded; use the par_ one
    native.par_bulk_insert_tokens(list(range(len(sets))), sets)
    t.lap("minhash+index")
    cands = native.par_bulk_query_tokens(sets)  # hashes again, then filters by est. Jaccard
    t.lap("minhash+query")
    m = re.search(r"bands = (\d+), rows_per_band = (\d+)", repr(index))
    return cands, ({"bands": int(m[1]), "rows": int(m[2])} if m else {"index": repr(index)})


class Timer:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(now - self.last, 3)
        self.last = now


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", required=True, choices=["datasketch", "rensa", "gaoya", "gaoya-native"])
    ap.add_argument("--input", required=True, help="corpus JSONL: {id, title, text, ...}")
    ap.add_argument("--out", required=True, help="predictions JSONL: {id, group}")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--shingle", type=int, default=5, help="words per shingle")
    ap.add_argument("--verify", action="store_true",
                    help="drop candidates whose estimated Jaccard < threshold (datasketch, rensa)")
    a = ap.parse_args(argv)

    t = Timer()
    ids, sets = [], []
    with open(a.input, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    t.lap("read")
    if a.tool == "gaoya-native":
        for d in docs:
            ids.append(d["id"])
            sets.append((d.get("title") or "") + "\n" + (d.get("text") or ""))
        del docs
        cands, params = run_gaoya_native(sets, a, t)
    else:
        for d in docs:
            ids.append(d["id"])
            sets.append(shingle(d.get("title") or "", d.get("text") or "", a.shingle))
        del docs
        t.lap("shingle")
        cands, params = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}[a.tool](sets, a, t)

    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n_pairs = 0
    for i, c in enumerate(cands):
        for j in c:
            if j != i:
                n_pairs += 1
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    t.lap("union")
    with open(a.out, "w", encoding="utf-8") as f:
        for i, id_ in enumerate(ids):
            f.write(json.dumps({"id": id_, "group": find(i)}) + "\n")
    t.lap("write")

    total = time.perf_counter() - t.start
    print(json.dumps({
        "tool": a.tool, "docs": len(ids), "threshold": a.threshold, "num_perm": a.num_perm,
        "shingle": a.shingle, "verify": a.verify, **params, "candidate_pairs": n_pairs,
        "groups": len({find(i) for i in range(len(ids))}), "stages_s": t.stages,
        "total_s": round(total, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "docs_per_s": round(len(ids) / total, 1) if total else None,
    }), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
