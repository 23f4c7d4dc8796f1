#!/usr/bin/env python3
"""Are a data set's labels left-right symmetric, as far as trained heads can tell?

Runs mtl-predict with the given heads on a store written by mtl-extract --mirror twice: on its
features, and on a copy with the mirrored features (and logits) in their place (h5py). On faces
whose labels do not change in a mirror (the challenge's AUs are not lateralised; expression,
valence and arousal do not depend on the side) each output on the mirror correlates with the same
output on the image. Prints the correlations of valence and arousal, and for each AU the AU whose
probability on the mirror correlates best with its own on the image (itself on symmetric data).

Usage: bench/mirror_check.py STORE AU.pt EX.pt VA.pt [BIN_DIR]
  STORE    a feature store with features_mirror (mtl-extract --mirror)
  BIN_DIR  folder of mtl-predict (default: build/tools)
Needs numpy and h5py (Debian: python3-numpy, python3-h5py).
"""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

AUS = "AU1 AU2 AU4 AU6 AU7 AU10 AU12 AU15 AU23 AU24 AU25 AU26".split()


def predict(bin_dir, heads, store):
    au, ex, va = heads
    out = subprocess.run([os.path.join(bin_dir, "mtl-predict"), "--au", au, "--ex", ex, "--va", va, store],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    store, heads = argv[1], argv[2:5]
    bin_dir = argv[5] if len(argv) == 6 else "build/tools"
    with tempfile.TemporaryDirectory() as tmp:
        swapped = os.path.join(tmp, "swapped.h5")
        with h5py.File(store, "r") as s, h5py.File(swapped, "w") as d:
            if "features_mirror" not in s:
                print(f"{store}: no features_mirror (extract it with mtl-extract --mirror)", file=sys.stderr)
                return 1
            for k, v in s.attrs.items():
                if k != "mirror":
                    d.attrs[k] = v
            for k in s:
                if k in ("features", "logits", "features_mirror", "logits_mirror"):
                    continue
                s.copy(k, d)
            d.create_dataset("features", data=s["features_mirror"][:])
            if "logits_mirror" in s:
                d.create_dataset("logits", data=s["logits_mirror"][:])
        plain, mirror = predict(bin_dir, heads, store), predict(bin_dir, heads, swapped)
    vp, vm = np.array([p["va"] for p in plain]), np.array([m["va"] for m in mirror])
    print(f"rows: {len(plain)}")
    print(f"valence: corr(image, mirror) = {np.corrcoef(vp[:, 0], vm[:, 0])[0, 1]:+.3f}")
    print(f"arousal: corr(image, mirror) = {np.corrcoef(vp[:, 1], vm[:, 1])[0, 1]:+.3f}")
    ap, am = np.array([p["au_prob"] for p in plain]), np.array([m["au_prob"] for m in mirror])
    c = np.corrcoef(ap.T, am.T)[:12, 12:]
    for i, name in enumerate(AUS):
        j = int(np.nanargmax(c[i]))
        print(f"{name}: itself {c[i, i]:+.2f}; best {AUS[j]} {c[i, j]:+.2f}")
    ep, em = np.array([p["ex"] for p in plain]), np.array([m["ex"] for m in mirror])
    print(f"expression: the same class on the mirror in {np.mean(ep == em):.1%} of the rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
