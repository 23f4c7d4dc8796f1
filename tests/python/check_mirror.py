"""Mirrored features (mtl-extract --mirror) against the backbone's output on the images flipped by
OpenCV here: writes cv2.flip(image, 1) of every image the store lists as a lossless PNG under
WORKDIR, runs mtl-extract (without --mirror, the same preprocessing) on them, and compares its
features and logits with the store's features_mirror and logits_mirror, row by row.

Usage: check_mirror.py MTL_EXTRACT BACKBONE IMAGE_ROOT MIRROR_STORE WORKDIR [--tol 1e-5]
Exits 77 (skipped) without cv2, h5py or numpy; 1 when a value differs by more than the tolerance.
"""
import argparse
import os
import subprocess
import sys

try:
    import cv2
    import h5py
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("extract")
    ap.add_argument("backbone")
    ap.add_argument("root")
    ap.add_argument("store")
    ap.add_argument("work")
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    with h5py.File(a.store, "r") as f:
        if int(f.attrs.get("mirror", 0)) != 1 or "features_mirror" not in f:
            print(f"{a.store}: no mirrored features")
            return 1
        images = list(f["image"].asstr()[:])
        want = {k: f[k][:].astype(np.float32) for k in ("features_mirror", "logits_mirror") if k in f}
        size, resize = int(f.attrs["input_size"]), f.attrs["resize"]
        resize = resize.decode() if isinstance(resize, bytes) else str(resize)
    root = os.path.join(a.work, "flipped")
    names = []
    for rel in images:
        img = cv2.imread(os.path.join(a.root, rel), cv2.IMREAD_COLOR)
        out = os.path.splitext(rel)[0] + ".png"
        os.makedirs(os.path.dirname(os.path.join(root, out)) or root, exist_ok=True)
        if not cv2.imwrite(os.path.join(root, out), cv2.flip(img, 1)):
            print(f"cannot write {out}")
            return 1
        names.append(out)
    lst = os.path.join(a.work, "flipped.txt")
    with open(lst, "w") as f:
        f.write("".join(n + "\n" for n in names))
    got_path = os.path.join(a.work, "flipped.h5")
    subprocess.run([a.extract, "-q", "--backbone", a.backbone, "--image-root", root, "--size", str(size),
                    "--resize", resize, "-o", got_path, lst], check=True)
    with h5py.File(got_path, "r") as f:
        got = {"features_mirror": f["features"][:], "logits_mirror": f["logits"][:] if "logits" in f else None}
    worst = {}
    for key, w in want.items():
        g = got[key]
        if g is None or g.shape != w.shape:
            print(f"{key}: shape {None if g is None else g.shape}, expected {w.shape}")
            return 1
        worst[key] = float(np.abs(g - w).max())
    # The mirror is not the image: a store whose mirrored features were the originals would pass above
    # only if every image were symmetric.
    with h5py.File(a.store, "r") as f:
        moved = float(np.abs(f["features"][:] - want["features_mirror"]).max())
    print(f"{len(images)} images; largest differences from the flipped images' features: {worst}; "
          f"originals differ from the mirrored by up to {moved:.3g}")
    return 0 if worst and all(v <= a.tol for v in worst.values()) and moved > 10 * a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
