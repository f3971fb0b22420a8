#!/usr/bin/env python3
"""Chaining stress test: do roundups chain unrelated stories into one group?

Adds "roundup" articles to a generator corpus: each quotes two unrelated
syndicated stories (their whole text, or three paragraphs of each), published
after both, on an outlet of its own. A grouping that chains stories through
a roundup puts the two stories' copy groups together. Reports how many of the
roundups' story pairs end up merged, and the usual scores.

    python3 benches/roundups.py CORPUS.jsonl [--n 300] [--mode whole|excerpt] [--reprint BIN]
"""
import argparse, json, random, subprocess, sys, tempfile, os, collections


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--mode", choices=["whole", "excerpt"], default="whole")
    ap.add_argument("--reprint", default="target/release/reprint")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    gold_path = a.corpus[: -len(".jsonl")] + ".gold.jsonl"
    arts = [json.loads(l) for l in open(a.corpus)]
    gold = {g["id"]: g for g in map(json.loads, open(gold_path))}
    by_id = {x["id"]: x for x in arts}
    sizes = collections.Counter(g["cluster"] for g in gold.values())
    # originals of syndicated, non-template stories
    pool = [g["id"] for g in gold.values()
            if g["transform"] == "original" and not g.get("template_family") and sizes[g["cluster"]] >= 2]
    r = random.Random(a.seed)
    r.shuffle(pool)
    extra, pairs = [], []
    for i in range(min(a.n, len(pool) // 2)):
        x, y = by_id[pool[2 * i]], by_id[pool[2 * i + 1]]
        px, py = x["text"].split("\n\n"), y["text"].split("\n\n")
        if a.mode == "excerpt":
            px, py = px[:3], py[:3]
        text = "\n\n".join(["Here is what you need to know today."] + px + ["In other news."] + py)
        when = max(x["published_at"], y["published_at"]).replace("Z", "") + "Z"
        rid = f"roundup-{i:05d}"
        extra.append({"id": rid, "title": f"Morning briefing {i}", "text": text,
                      "source": f"Briefing Site {i}", "published_at": when, "url": ""})
        pairs.append((gold[x["id"]]["cluster"], gold[y["id"]]["cluster"]))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.jsonl")
        with open(path, "w") as f:
            for x in arts + extra:
                f.write(json.dumps(x) + "\n")
        out = subprocess.run([a.reprint, "cluster", path, "--format", "jsonl", "-q"],
                             check=True, capture_output=True, text=True).stdout
    pred = {p["id"]: p["group"] for p in map(json.loads, out.splitlines())}
    groups_of = collections.defaultdict(set)
    for i, g in gold.items():
        groups_of[g["cluster"]].add(pred[i])
    chained = sum(1 for cx, cy in pairs if groups_of[cx] & groups_of[cy])
    joined = sum(1 for e in extra if any(pred[e["id"]] in groups_of[c] for c in pairs[extra.index(e)]))
    print(json.dumps({"mode": a.mode, "roundups": len(extra), "story_pairs_chained": chained,
                      "chained_share": chained / max(1, len(extra)),
                      "roundups_joined_a_story": joined}))


if __name__ == "__main__":
    sys.exit(main())
