#!/usr/bin/env python3
"""Adversarial corpora for benches/adversarial, cut from a normal generator
corpus (BASE, one JSON object per line) so that the rest of each corpus is
ordinary news:

  syndicated  N articles: one story syndicated 10,000 times (verbatim, with an
              outlet's intro and footer, or cut to its first paragraphs) among
              N - 10,000 normal articles
  footer      N normal articles, every one ending in the same 150-word footer
  briefs      10,000 one-line briefs (a sentence of a normal article; one in
              five repeated verbatim by another outlet)
  normal      the first N normal articles (the baseline of the same size)

usage: adversarial_gen.py BASE KIND N OUT
"""
import json
import random
import sys


def base_records(path, n):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(out) == n:
                break
            out.append(json.loads(line))
    if len(out) < n:
        sys.exit(f"{path} holds {len(out)} records, {n} needed")
    return out


def main():
    base, kind, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rnd = random.Random(7)
    with open(out, "w", encoding="utf-8") as f:
        def put(rec):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

        if kind == "normal":
            for r in base_records(base, n):
                put(r)
        elif kind == "syndicated":
            copies = 10_000
            recs = base_records(base, n - copies + 1)
            story = recs.pop()
            paras = story["text"].split("\n\n")
            for r in recs[: len(recs) // 2]:
                put(r)
            for i in range(copies):
                how = i % 3
                if how == 0:
                    text = story["text"]
                elif how == 1:
                    text = f"Outlet {i % 500} reports.\n\n{story['text']}\n\nFollow outlet {i % 500} for more."
                else:
                    text = "\n\n".join(paras[: max(1, len(paras) * 2 // 3)])
                put({"id": f"synd-{i:05d}", "title": story.get("title"), "text": text,
                     "source": f"outlet-{i % 500}",
                     "published_at": f"2024-03-{1 + i % 28:02d}T10:00:00Z"})
            for r in recs[len(recs) // 2:]:
                put(r)
        elif kind == "footer":
            words = ("subscribe newsletter privacy policy terms cookies partners advertising "
                     "rights reserved reproduction permission contact editor newsroom tips "
                     "follow social media download app notifications corrections ethics").split()
            footer = " ".join(rnd.choice(words) for _ in range(150)).capitalize() + "."
            for r in base_records(base, n):
                r["text"] = r["text"] + "\n\n" + footer
                put(r)
        elif kind == "briefs":
            recs = base_records(base, n)
            for i, r in enumerate(recs):
                body = [p for p in r["text"].split("\n\n")[1:] if p.strip()] or [r["text"]]
                sentence = body[0].split(". ")[0].strip().rstrip(".") + "."
                if i % 5 == 4:
                    sentence = prev
                prev = sentence
                put({"id": f"brief-{i:05d}", "text": sentence, "source": f"outlet-{i % 97}"})
        else:
            sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
