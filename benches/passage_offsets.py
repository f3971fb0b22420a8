#!/usr/bin/env python3
"""Passage offsets against the generator's known copied spans.

For copies the generator made verbatim (transform `verbatim`, with or
without a publisher's boilerplate), the copied span is the original's whole
body. Checks on a sample that (1) each passage's text in the copy equals its
text in the parent (`start..end` vs `parent_start..parent_end`, whitespace
normalised), (2) the passages of a verbatim copy cover the original body,
(3) the additions of a boilerplate copy are the publisher's header/footer,
i.e. lie outside the original body's span in the copy.

    python3 benches/passage_offsets.py CORPUS.jsonl [--reprint BIN] [--sample 500]
"""
import argparse, json, random, re, subprocess, sys


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reprint", default="target/release/reprint")
    ap.add_argument("--sample", type=int, default=500)
    a = ap.parse_args()
    arts = {x["id"]: x for x in map(json.loads, open(a.corpus))}
    gold = {g["id"]: g for g in map(json.loads, open(a.corpus[: -len(".jsonl")] + ".gold.jsonl"))}
    out = subprocess.run([a.reprint, "cluster", a.corpus, "--format", "jsonl", "-q"],
                         check=True, capture_output=True, text=True).stdout
    lines = [json.loads(l) for l in out.splitlines()]
    cands = [l for l in lines if l.get("passages") and l["parent"] == gold[l["id"]]["original_id"]
             and gold[l["id"]]["transform"] in ("verbatim", "verbatim+boilerplate")]
    random.Random(1).shuffle(cands)
    cands = cands[: a.sample]
    equal = total = covered = cov_total = outside = add_total = 0
    for l in cands:
        copy, orig = arts[l["id"]]["text"], arts[l["parent"]]["text"]
        for p in l["passages"]:
            total += 1
            equal += norm(copy[p["start"]:p["end"]]) == norm(orig[p["parent_start"]:p["parent_end"]])
        body = norm(orig)
        shared = sum(len(norm(orig[p["parent_start"]:p["parent_end"]])) for p in l["passages"])
        covered += min(shared, len(body))
        cov_total += len(body)
        at = copy.find(orig.strip()[:200])
        if at >= 0:
            end = at + len(orig.strip())
            for s in l.get("additions", []):
                add_total += 1
                outside += s["end"] <= at or s["start"] >= end
    print(json.dumps({
        "copies_checked": len(cands),
        "passages": total, "passages_equal_text": equal,
        "share_equal": round(equal / max(1, total), 4),
        "original_body_covered": round(covered / max(1, cov_total), 4),
        "additions": add_total, "additions_outside_copied_body": outside,
    }))


if __name__ == "__main__":
    sys.exit(main())
