"""mtl-predict --tta flip against the mean of two plain runs: one on the store, one on the same store
with its features and logits swapped with their mirrored ones (h5py, here). Each probability and VA
value of a --tta line must be the mean of the two lines' (to --tol); its AU decisions those of the
mean probabilities at the threshold, its class the largest mean probability (unless two are within
--tol of each other).

Usage: check_tta.py TTA.jsonl PLAIN.jsonl MIRRORED.jsonl [--tol 1e-6] [--au-threshold 0.5]
       check_tta.py --swap STORE OUT   (writes OUT: STORE with features <-> features_mirror swapped)
Exits 77 (skipped) without h5py or numpy; 1 when a line differs.
"""
import argparse
import json
import shutil
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)


def swap(store, out):
    shutil.copyfile(store, out)
    with h5py.File(out, "r+") as f:
        for a, b in (("features", "features_mirror"), ("logits", "logits_mirror")):
            if a in f:
                f.move(a, "tmp")
                f.move(b, a)
                f.move("tmp", b)
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--swap":
        return swap(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("tta")
    ap.add_argument("plain")
    ap.add_argument("mirrored")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--au-threshold", type=float, default=0.5)
    a = ap.parse_args()
    lines = [[json.loads(x) for x in open(p)] for p in (a.tta, a.plain, a.mirrored)]
    if not lines[0] or not (len(lines[0]) == len(lines[1]) == len(lines[2])):
        print("the three runs have different numbers of lines: " + ", ".join(str(len(x)) for x in lines))
        return 1
    worst, bad = {}, []
    for i, (t, p, m) in enumerate(zip(*lines)):
        if not (t["image"] == p["image"] == m["image"]):
            print(f"line {i + 1}: images differ")
            return 1
        for key in ("au_prob", "ex_prob", "va"):
            if key not in p:
                continue
            mean = (np.array(p[key], np.float64) + np.array(m[key], np.float64)) / 2
            d = float(np.abs(np.array(t[key], np.float64) - mean).max())
            worst[key] = max(worst.get(key, 0.0), d)
            if key == "au_prob" and t["au"] != [int(v >= a.au_threshold) for v in t["au_prob"]]:
                bad.append(f"line {i + 1}: au decisions are not those of the mean probabilities")
            if key == "ex_prob":
                order = np.argsort(-mean)
                if mean[order[0]] - mean[order[1]] > a.tol and t["ex"] != int(order[0]):
                    bad.append(f"line {i + 1}: ex is {t['ex']}, the largest mean probability is class {order[0]}")
    # The mirrored run must differ from the plain one, or the test would prove nothing.
    moved = max(float(np.abs(np.array(p[k]) - np.array(m[k])).max())
                for p, m in zip(lines[1], lines[2]) for k in ("au_prob", "ex_prob", "va") if k in p)
    print(f"{len(lines[0])} lines; largest differences from the mean of the two runs: {worst}; "
          f"the two runs differ by up to {moved:.3g}")
    for b in bad[:5]:
        print(b)
    return 0 if worst and all(v <= a.tol for v in worst.values()) and not bad and moved > 100 * a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
