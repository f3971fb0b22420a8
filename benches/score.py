#!/usr/bin/env python3
"""Score a predicted grouping of articles against gen_corpus.py gold labels.

    python3 benches/score.py --gold C.gold.jsonl --pred PRED.jsonl [--articles C.jsonl] [--json]

gold: {"id","cluster","original_id","transform","template_family"} per line.
pred: {"id","group", ...} per line (group: any string or int; other fields ignored).
An article missing from pred counts as a singleton group (reported as `missing`).

Metrics (all pair counts come from contingency tables, sum of C(n,2); no O(n^2)):
  pair_precision / pair_recall  pairs in one predicted group that are in one gold cluster, and back
  ari                           adjusted Rand index from the same table
  template_merge                pairs sharing a non-empty template_family but in different gold
                                clusters (hard negatives) that are predicted in one group
  wrapper_merge (--articles)    pairs from one source, in different gold clusters, where the source
                                carries boilerplate, predicted in one group. A source carries
                                boilerplate when >= 3 of its articles share an identical first or
                                last paragraph (paragraphs split on blank lines).
  per_transform                 per primary transform (first token of 'a+b'): fraction of copies
                                grouped with their gold original; for `rewrite` (not a copy) the
                                fraction wrongly grouped with it (should be ~0).
                                `+boilerplate` covers copies of any primary carrying boilerplate.
Fractions with an empty denominator are null ("n/a").  Needs numpy only.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict

import numpy as np

BOILERPLATE_MIN_ARTICLES = 3
BOILERPLATE_MIN_SHARE = 0.25  # of the source's articles; keeps wires' template families and
                              # big papers' repeated verbatim copies from looking like a wrapper
PARA_SPLIT = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


def codes(values) -> np.ndarray:
    """Map arbitrary hashable labels to dense int64 codes."""
    table: dict = {}
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64,
                       count=len(values))


def pairs(*cols: np.ndarray) -> int:
    """Number of unordered pairs of rows agreeing on every column: sum over cells of C(n,2)."""
    if len(cols[0]) == 0:
        return 0
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for c in cols:  # fold columns into one dense key; re-densify to avoid overflow
        key = np.unique(key * (int(c.max()) + 1) + c, return_inverse=True)[1].astype(np.int64)
    n = np.bincount(key).astype(np.int64)
    return int((n * (n - 1) // 2).sum())


def frac(num: int, den: int):
    return num / den if den else None


def read_sources(articles_path: str, index: dict) -> tuple[list, set, int]:
    """Source of each gold article, the set of boilerplate-carrying sources, and the number of
    corpus articles not in gold. Boilerplate: >= 3 (and >= 25%) of a source's articles share
    an identical first or last paragraph."""
    src: list = [None] * len(index)
    counts: dict = defaultdict(int)
    unknown = 0
    with open(articles_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            a = json.loads(line)
            i = index.get(a["id"])
            if i is None:
                unknown += 1
                continue
            s = src[i] = a.get("source") or ""
            paras = [p.strip() for p in PARA_SPLIT.split(a.get("text") or "") if p.strip()]
            if len(paras) >= 2:  # a one-paragraph article has no wrapper to tell apart
                counts[(s, 0, hash(paras[0]))] += 1
                counts[(s, 1, hash(paras[-1]))] += 1
    size = Counter(s for s in src if s is not None)
    flagged = {s for (s, _, _), n in counts.items()
               if n >= max(BOILERPLATE_MIN_ARTICLES, BOILERPLATE_MIN_SHARE * size[s])}
    return src, flagged, unknown


def score(gold_path: str, pred_path: str, articles_path: str | None = None) -> dict:
    gold = [json.loads(l) for l in open(gold_path, encoding="utf-8") if l.strip()]
    ids = [g["id"] for g in gold]
    index = {a: i for i, a in enumerate(ids)}
    n = len(ids)

    pred_label: list = [None] * n
    extra = dup = 0
    with open(pred_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            p = json.loads(line)
            i = index.get(p.get("id"))
            if i is None:
                extra += 1
                continue
            if pred_label[i] is not None:
                dup += 1
            pred_label[i] = ("g", str(p.get("group")))
    missing = sum(1 for x in pred_label if x is None)
    pred_label = [x if x is not None else ("missing", i) for i, x in enumerate(pred_label)]

    G = codes([g["cluster"] for g in gold])
    P = codes(pred_label)
    tp, gold_pairs, pred_pairs = pairs(G, P), pairs(G), pairs(P)
    total = n * (n - 1) // 2
    expected = gold_pairs * pred_pairs / total if total else 0.0
    max_index = (gold_pairs + pred_pairs) / 2
    ari = (tp - expected) / (max_index - expected) if max_index != expected else 1.0

    out = {
        "articles": n, "missing": missing, "extra_ids": extra, "duplicate_ids": dup,
        "gold_clusters": int(G.max()) + 1 if n else 0, "pred_groups": int(P.max()) + 1 if n else 0,
        "gold_pairs": gold_pairs, "pred_pairs": pred_pairs, "true_pairs": tp,
        "pair_precision": frac(tp, pred_pairs), "pair_recall": frac(tp, gold_pairs), "ari": ari,
    }

    # (a) template look-alikes: same template_family, different gold cluster
    sel = np.array([bool(g.get("template_family")) for g in gold], dtype=bool)
    F = codes([g.get("template_family") or "" for g in gold])[sel]
    g_, p_ = G[sel], P[sel]
    den = pairs(F) - pairs(F, g_)
    num = pairs(F, p_) - pairs(F, g_, p_)
    out["template_pairs"], out["template_merged_pairs"] = den, num
    out["template_merge"] = frac(num, den)

    # (b) wrapper-only look-alikes: same boilerplate-carrying source, different gold cluster
    if articles_path:
        src, flagged, unknown = read_sources(articles_path, index)
        sel = np.array([s in flagged for s in src], dtype=bool)
        S = codes(src)[sel]
        g_, p_ = G[sel], P[sel]
        den = pairs(S) - pairs(S, g_)
        num = pairs(S, p_) - pairs(S, g_, p_)
        out.update({"boilerplate_sources": len(flagged), "boilerplate_articles": int(sel.sum()),
                    "articles_without_source": sum(1 for s in src if s is None),
                    "articles_not_in_gold": unknown,
                    "wrapper_pairs": den, "wrapper_merged_pairs": num,
                    "wrapper_merge": frac(num, den)})

    # per-transform: copy grouped with its original? (rewrite: wrongly grouped?)
    hit, cnt = defaultdict(int), defaultdict(int)
    for i, g in enumerate(gold):
        t = g.get("transform") or ""
        if t == "original" or g["original_id"] == g["id"]:
            continue
        o = index.get(g["original_id"])
        if o is None:
            continue
        same = int(P[i] == P[o])
        ops = t.split("+")
        keys = [ops[0]] + (["+boilerplate"] if "boilerplate" in ops[1:] and ops[0] != "rewrite" else [])
        for k in keys:
            cnt[k] += 1
            hit[k] += same
    out["per_transform"] = {k: {"n": cnt[k], "with_original": hit[k], "frac": frac(hit[k], cnt[k])}
                            for k in sorted(cnt)}
    return out


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:6.2f}%"


def render(r: dict) -> str:
    lines = [
        f"articles            {r['articles']}  (missing from pred: {r['missing']}, "
        f"ids not in gold: {r['extra_ids']}, duplicate ids: {r['duplicate_ids']})",
        f"gold clusters       {r['gold_clusters']}",
        f"predicted groups    {r['pred_groups']}",
        f"pair precision      {pct(r['pair_precision'])}  ({r['true_pairs']}/{r['pred_pairs']})",
        f"pair recall         {pct(r['pair_recall'])}  ({r['true_pairs']}/{r['gold_pairs']})",
        f"ARI                 {r['ari']:.4f}",
        f"template merges     {pct(r['template_merge'])}  "
        f"({r['template_merged_pairs']}/{r['template_pairs']} look-alike pairs)",
    ]
    if "wrapper_merge" in r:
        lines.append(f"wrapper merges      {pct(r['wrapper_merge'])}  ({r['wrapper_merged_pairs']}/"
                     f"{r['wrapper_pairs']} pairs; {r['boilerplate_sources']} boilerplate sources, "
                     f"{r['boilerplate_articles']} articles)")
    else:
        lines.append("wrapper merges      n/a (needs --articles)")
    lines.append("per transform       grouped with original (rewrite: wrongly grouped, want ~0)")
    for k, v in r["per_transform"].items():
        lines.append(f"  {k:<17} {pct(v['frac'])}  ({v['with_original']}/{v['n']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--pred", required=True)
    ap.add_argument("--articles", help="corpus JSONL (needed for the wrapper-merge rate)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args(argv)
    r = score(a.gold, a.pred, a.articles)
    print(json.dumps(r) if a.json else render(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
