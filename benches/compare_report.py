#!/usr/bin/env python3
"""Tables and results.json for benches/compare, which calls it once its runs are done.

    python3 benches/compare_report.py --runs runs.tsv --scores scores.tsv --json results.json \
        --command CMD [--tools T --rounds R --seed S --threads T --peers-max M --reprint PATH
        --versions V --tree REV
        --floor absent|built|failed --nproc N --model NAME --mem-gib G --load-start L --load-end L]

runs.tsv (one row a run; status ok, FAILED or skipped; for skipped, log is the reason):
    size docs bytes corpus tool round status wall rss cpu log out
scores.tsv (one row a scored or reused score; score is a score.py --json file or FAILED):
    size tool round score same_as
A peer's `out` is its predictions and the last line of its log its stage times (benches/peers.py);
the floor's `out` holds its passes, one JSON line each: {"pass","seconds",...}.

Prints one markdown table a size (medians over the ok rounds) and the ratio lines to stdout and
writes everything, every run included, to --json. Exit status 1 when a run or a score failed.
Standard library only.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys

PEERS = ("gaoya", "gaoya-native", "rensa", "datasketch")


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def num(s: str):
    return float(s) if s not in ("", None) else None


def last_json_line(path: str):
    """The last line of a log that parses as a JSON object, else None."""
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def floor_passes(path: str) -> dict[str, float]:
    """{pass: seconds} from the floor bench's output (JSON lines; other lines ignored)."""
    out: dict[str, float] = {}
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return out
    with f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if isinstance(d, dict) and "pass" in d and isinstance(d.get("seconds"), (int, float)):
                out[str(d["pass"])] = float(d["seconds"])
    return out


def fmt(x, digits=2, thousands=False) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if thousands else f"{x:.{digits}f}"


def ratio_words(r: float, more: str, less: str) -> str:
    """'3.10x faster' for r = 3.1; '2.00x slower' for r = 0.5."""
    return f"{r:.2f}x {more}" if r >= 1 else f"{1 / r:.2f}x {less}"


def summarise(size: int, docs: int, mb: float, rows: list[dict], scores: dict) -> dict:
    """The per-tool entry of results.json for one tool's rows at one size."""
    tool = rows[0]["tool"]
    if rows[0]["status"] == "skipped":
        return {"status": "skipped", "reason": rows[0]["log"]}
    runs, ok = [], []
    for r in rows:
        run = {"round": int(r["round"]), "status": r["status"], "wall_s": num(r["wall"]),
               "peak_rss_mb": num(r["rss"]), "cpu_s": num(r["cpu"]), "log": r["log"],
               "out": r["out"]}
        if r["status"] == "ok":
            ok.append(run)
            if tool in PEERS:
                run["peer_report"] = last_json_line(r["log"])
            if tool == "floor":
                run["passes_s"] = floor_passes(r["out"])
            s = scores.get((size, tool, r["round"]))
            if s is not None:
                run["score_file"], run["same_output_as_round"] = s["score"], s["same_as"]
                run["score"] = None
                if s["score"] != "FAILED":
                    try:
                        j = json.load(open(s["score"], encoding="utf-8"))
                        run["score"] = {k: j.get(k) for k in (
                            "pair_precision", "pair_recall", "ari", "true_pairs", "pred_pairs",
                            "gold_pairs", "pred_groups", "gold_clusters", "missing")}
                    except (OSError, ValueError):
                        pass
        runs.append(run)
    failed = [r for r in runs if r["status"] != "ok"]
    e = {"status": "FAILED" if failed else "ok", "rounds": runs,
         "failed_logs": [r["log"] for r in failed]}
    if tool == "floor":
        names = list(dict.fromkeys(p for r in ok for p in r["passes_s"]))
        e["passes"] = {}
        for p in names:
            w = median([r["passes_s"].get(p) for r in ok])
            e["passes"][p] = {"rounds_s": [r["passes_s"].get(p) for r in ok], "median_s": w,
                              "docs_per_s": docs / w if w else None,
                              "mb_per_s": mb / w if w else None}
        if ok and not names:
            e["status"] = "FAILED"
            e["failed_logs"].append(ok[0]["log"])
            e["error"] = "no {\"pass\", \"seconds\"} JSON lines in its output"
        return e
    w = median([r["wall_s"] for r in ok])
    e.update({"median_wall_s": w, "median_peak_rss_mb": median([r["peak_rss_mb"] for r in ok]),
              "median_cpu_s": median([r["cpu_s"] for r in ok]),
              "docs_per_s": docs / w if w else None, "mb_per_s": mb / w if w else None})
    sc = [r["score"] for r in ok if r.get("score")]
    for k in ("pair_precision", "pair_recall", "ari"):
        e[k] = median([s[k] for s in sc])
    e["outputs_identical_across_rounds"] = all(
        r.get("same_output_as_round") not in (None, "") for r in ok[1:]) if ok else None
    if ok and not sc:
        e["status"] = "FAILED"
        e["error"] = "no score (see the .score.stderr beside its output)"
    return e


def table(size: int, docs: int, mb: float, tools: dict, rounds: int) -> list[str]:
    out = [f"### {size:,} articles ({docs:,} in the corpus, {mb:,.1f} MB), {rounds} round(s)", "",
           "| tool | wall s | peak RSS MB | CPU s | docs/s | MB/s | pair P | pair R | wall s per round |",
           "|---|---|---|---|---|---|---|---|---|"]
    for tool, e in tools.items():
        if tool == "floor":
            continue
        if e["status"] == "skipped":
            out.append(f"| {tool} | skipped: {e['reason']} | | | | | | | |")
            continue
        name = tool
        if e["status"] == "FAILED":
            logs = ", ".join(e["failed_logs"]) or e.get("error", "")
            name = f"{tool} FAILED (log: {logs})"
        per_round = ", ".join(fmt(r["wall_s"]) if r["status"] == "ok" else "FAILED"
                              for r in e["rounds"])
        out.append(f"| {name} | {fmt(e.get('median_wall_s'))} | {fmt(e.get('median_peak_rss_mb'), 0)} "
                   f"| {fmt(e.get('median_cpu_s'), 1)} | {fmt(e.get('docs_per_s'), thousands=True)} "
                   f"| {fmt(e.get('mb_per_s'), 1)} | {fmt(e.get('pair_precision'), 3)} "
                   f"| {fmt(e.get('pair_recall'), 3)} | {per_round} |")
    f = tools.get("floor")
    if f is not None:
        if f["status"] == "FAILED" and not f.get("passes"):
            logs = ", ".join(f["failed_logs"])
            out.append(f"| floor FAILED (log: {logs}) | | | | | | | | |")
        for p, v in f.get("passes", {}).items():
            per_round = ", ".join(fmt(x, 3) for x in v["rounds_s"])
            out.append(f"| floor: {p} | {fmt(v['median_s'], 3)} | - | - "
                       f"| {fmt(v['docs_per_s'], thousands=True)} | {fmt(v['mb_per_s'], 1)} "
                       f"| - | - | {per_round} |")
    return out


def ratios(tools: dict) -> tuple[list[str], dict]:
    """Ratio lines, reprint against each peer and the floor passes, from the medians."""
    rp = tools.get("reprint")
    if not rp or rp.get("median_wall_s") is None:
        return [], {}
    w, m = rp["median_wall_s"], rp["median_peak_rss_mb"]
    lines, out = [], {}
    for tool, e in tools.items():
        if tool not in PEERS or e.get("median_wall_s") is None:
            continue
        pw, pm = e["median_wall_s"], e["median_peak_rss_mb"]
        out[tool] = {"wall_reprint_over_peer": w / pw if pw else None,
                     "rss_reprint_over_peer": m / pm if pm else None}
        speed = ratio_words(pw / w, "faster", "slower") if w and pw else "n/a"
        mem = ratio_words(pm / m, "less", "more") if m and pm else "n/a"
        lines.append(f"- reprint is {speed} than {tool} (median wall {w:.2f} s vs {pw:.2f} s) "
                     f"and uses {mem} memory (median peak RSS {m:.0f} MB vs {pm:.0f} MB)")
    passes = (tools.get("floor") or {}).get("passes", {})
    parts = []
    for p, v in passes.items():
        if v["median_s"]:
            out[f"floor:{p}"] = {"wall_reprint_over_floor": w / v["median_s"]}
            parts.append(f"{w / v['median_s']:.1f}x the {p} pass")
    if parts:
        lines.append(f"- reprint's median wall is {', '.join(parts)}")
    return lines, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--scores", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--command", required=True)
    for k in ("rounds", "seed", "threads", "peers-max", "nproc"):
        ap.add_argument(f"--{k}", type=int)
    ap.add_argument("--tools", default="reprint gaoya-native gaoya rensa datasketch", help="table order")
    for k in ("reprint", "versions", "tree", "floor", "model", "mem-gib", "load-start", "load-end"):
        ap.add_argument(f"--{k}")
    a = ap.parse_args(argv)

    with open(a.runs, encoding="utf-8") as f:
        runs = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    with open(a.scores, encoding="utf-8") as f:
        scores = {(int(r["size"]), r["tool"], r["round"]): r
                  for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}

    sizes: dict[int, dict] = {}
    for r in runs:
        s = sizes.setdefault(int(r["size"]), {"corpus": r["corpus"], "docs": int(r["docs"]),
                                              "bytes": int(r["bytes"]), "rows": {}})
        s["rows"].setdefault(r["tool"], []).append(r)

    result = {
        "command": a.command,
        "machine": {"nproc": a.nproc, "model": a.model, "mem_gib": num(a.mem_gib),
                    "load_start": a.load_start, "load_end": a.load_end},
        "params": {"rounds": a.rounds, "seed": a.seed, "threads": a.threads or "all cores",
                   "peers_max": a.peers_max, "reprint": a.reprint, "versions": a.versions,
                   "benches_tree": a.tree,
                   "shingle": 5, "num_perm": 128, "threshold": 0.5, "floor": a.floor},
        "units": {"mb": "10^6 bytes of input", "peak_rss_mb": "MiB (/usr/bin/time -v)",
                  "wall_s": "median over ok rounds", "docs_per_s": "docs / median wall"},
        "sizes": [],
    }
    bad = False
    for size in sorted(sizes):
        s = sizes[size]
        mb = s["bytes"] / 1e6
        order = a.tools.split() + ["floor"]
        tools = {t: summarise(size, s["docs"], mb, s["rows"][t], scores)
                 for t in sorted(s["rows"], key=lambda t: order.index(t) if t in order else 99)}
        bad |= any(e["status"] == "FAILED" for e in tools.values())
        lines, rat = ratios(tools)
        print()
        print("\n".join(table(size, s["docs"], mb, tools, a.rounds or 0)))
        if lines:
            print()
            print("\n".join(lines))
        result["sizes"].append({"size": size, "corpus": s["corpus"], "docs": s["docs"],
                                "bytes": s["bytes"], "tools": tools, "ratios": rat})
    print()
    print("Medians over the ok rounds; docs/s and MB/s: input / median wall (MB = 10^6 bytes); "
          "peak RSS in MiB from /usr/bin/time -v; pair P/R from benches/score.py; "
          f"floor rows: the pass's own seconds. Load average at the end: {a.load_end}.")
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
