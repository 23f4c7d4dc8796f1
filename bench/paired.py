#!/usr/bin/env python3
"""Paired differences of all four scores from an examples/ablation.sh run.

ablation.sh prints P_AU, P_EX, P_VA and P_MTL as mean +- sd over the seeds and the paired
differences of P_EX and P_MTL only; this reads its OUT/scores.tsv and prints, per variant, the
mean +- sd of each score and of its paired difference (same seed) from a reference variant, as a
Markdown table, for one post-processing. Standard library only.

Usage: bench/paired.py OUT/scores.tsv REFERENCE [POST] [VARIANT,...]
  POST     raw (default), tuned, smoothed or tuned+smoothed
  VARIANT  the rows, in this order (default: every variant of the file, in its order)
"""
import statistics
import sys

KEYS = ["P_AU", "P_EX", "P_VA", "P_MTL"]


def pm(xs, sign=False):
    f = "{:+.4f}" if sign else "{:.4f}"
    if len(xs) < 2:
        return f.format(xs[0])
    return (f + " ± {:.4f}").format(statistics.mean(xs), statistics.stdev(xs))


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    path, ref = argv[1], argv[2]
    post = argv[3] if len(argv) > 3 else "raw"
    rows = [line.rstrip("\n").split("\t") for line in open(path)]
    if rows[0][:3] != ["variant", "seed", "post"] or rows[0][3:7] != KEYS:
        print(f"{path}: not an ablation.sh scores.tsv", file=sys.stderr)
        return 1
    score, order = {}, []
    for r in rows[1:]:
        if r[2] != post:
            continue
        if r[0] not in order:
            order.append(r[0])
        score[r[0], r[1]] = [float(x) for x in r[3:7]]
    variants = argv[4].split(",") if len(argv) > 4 else order
    if ref not in order:
        print(f"{path}: no variant {ref} with post {post}", file=sys.stderr)
        return 1
    print("| variant | seeds | " + " | ".join(KEYS) + " | " + " | ".join("d" + k for k in KEYS) + " |")
    print("| --- " * (2 + 2 * len(KEYS)) + "|")
    for v in variants:
        seeds = [s for (w, s) in score if w == v]
        if not seeds:
            print(f"{path}: no variant {v} with post {post}", file=sys.stderr)
            return 1
        cells = [pm([score[v, s][k] for s in seeds]) for k in range(4)]
        if v == ref:
            diffs = ["-"] * 4
        else:
            paired = [s for s in seeds if (ref, s) in score]
            diffs = [pm([score[v, s][k] - score[ref, s][k] for s in paired], sign=True) for k in range(4)]
        print(f"| {v} | {','.join(seeds)} | " + " | ".join(cells) + " | " + " | ".join(diffs) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
