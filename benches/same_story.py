#!/usr/bin/env python3
"""Same-story tier against generator gold labels.

Recall: share of rewrites whose group has a same-story link to the group of
their original. False links: links between groups that gold says are not the
same story (neither a rewrite and its original, nor two rewrites/copies of one
original), overall and among template look-alikes (same template family).

    python3 benches/same_story.py CORPUS.jsonl [--reprint BIN] [--score S ...]
"""
import argparse, json, subprocess, sys, collections


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reprint", default="target/release/reprint")
    ap.add_argument("--score", nargs="*", default=[None])
    a = ap.parse_args()
    gold = {g["id"]: g for g in map(json.loads, open(a.corpus[: -len(".jsonl")] + ".gold.jsonl"))}
    # the story an article tells: its original's id (rewrites keep their source's)
    story = {i: g["original_id"] for i, g in gold.items()}
    for score in a.score:
        cmd = [a.reprint, "cluster", a.corpus, "--format", "json", "-q", "--no-evidence"]
        if score:
            cmd += ["--same-story-score", score]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        lines = subprocess.run([a.reprint, "cluster", a.corpus, "--format", "jsonl", "-q", "--no-evidence"]
                               + (["--same-story-score", score] if score else []),
                               check=True, capture_output=True, text=True).stdout
        group = {p["id"]: p["group"] for p in map(json.loads, lines.splitlines())}
        members = collections.defaultdict(list)
        for i, g in group.items():
            members[g].append(i)
        links = {(l["group"], l["other"]) for l in r["same_story"]}
        links |= {(b, a_) for a_, b in links}
        rewrites = [i for i, g in gold.items() if g["transform"].startswith("rewrite")]
        found = sum((group[i], group[story[i]]) in links for i in rewrites)
        stories = lambda g: {story[i] for i in members[g]}
        false = [l for l in r["same_story"] if not (stories(l["group"]) & stories(l["other"]))]
        fam = lambda g: {gold[i].get("template_family") for i in members[g]} - {None, ""}
        tmpl_pairs = set()
        by_fam = collections.defaultdict(set)
        for g in members:
            for f in fam(g):
                by_fam[f].add(g)
        n_tmpl = sum(len(v) * (len(v) - 1) // 2 for v in by_fam.values())
        tmpl_false = sum(1 for l in false if fam(l["group"]) & fam(l["other"]))
        print(json.dumps({"min_score": score or "default", "links": len(r["same_story"]),
                          "rewrite_recall": round(found / max(1, len(rewrites)), 4),
                          "false_links": len(false),
                          "false_link_share": round(len(false) / max(1, len(r["same_story"])), 4),
                          "template_group_pairs": n_tmpl, "template_false_links": tmpl_false,
                          "template_false_rate": round(tmpl_false / max(1, n_tmpl), 4)}))


if __name__ == "__main__":
    sys.exit(main())
