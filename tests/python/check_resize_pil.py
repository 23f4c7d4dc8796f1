#!/usr/bin/env python3
"""mtl-extract --resize pil against Pillow's own Image.resize(BILINEAR), the resize that torchvision
applies to PIL images in HSEmotion's Python code: the pixels that reach the backbone must match
within 1 grey level when shrinking (400, 1000 and odd sizes to 224) and enlarging (112 to 224), on
random and on smooth images. --resize opencv is measured on the same images for comparison.

The backbone is a TorchScript module that returns one colour plane of its input as its features,
so the feature store holds the preprocessed pixels: ((f * std) + mean) * 255 gives them back.

Usage: check_resize_pil.py BIN WORKDIR     (exit 77 without numpy, PIL, torch or h5py)
"""
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
S = 224


class Plane(torch.nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.c = c

    def forward(self, x):
        return x[:, self.c].reshape(x.size(0), -1)


def images(rng):
    """(name, RGB uint8 array): random and smooth, shrunk and enlarged, square and not."""
    out = []
    for h, w in [(400, 400), (1000, 1000), (333, 517), (225, 223), (112, 112), (101, 150)]:
        out.append((f"noise-{h}x{w}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))
        y, x = np.mgrid[0:h, 0:w]
        smooth = np.stack([127.5 + 127.5 * np.sin(x / w * 7 + c) * np.cos(y / h * 5 - c) for c in range(3)], -1)
        out.append((f"smooth-{h}x{w}", np.clip(np.round(smooth), 0, 255).astype(np.uint8)))
    return out


def extract(bin_dir, work, backbone, listing, method):
    out = os.path.join(work, f"{os.path.basename(backbone)}-{method}.h5")
    cmd = [os.path.join(bin_dir, "mtl-extract"), "-q", "--backbone", backbone, "--image-root", work, "--resize", method,
           "--threads", "2", "-o", out, listing]
    subprocess.run(cmd, check=True)
    with h5py.File(out, "r") as f:
        assert f.attrs["resize"] == method, f.attrs["resize"]
        return f["features"][:]


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(11)
    pics = images(rng)
    with open(os.path.join(work, "list.txt"), "w") as f:
        for name, a in pics:
            Image.fromarray(a).save(os.path.join(work, name + ".png"))
            f.write(name + ".png\n")
    want = [np.asarray(Image.fromarray(a).resize((S, S), Image.BILINEAR), dtype=np.int32) for _, a in pics]
    worst = {"pil": 0, "opencv": 0}
    for c in (0, 2):  # R and B: a swapped channel order shows
        bb = os.path.join(work, f"plane{c}.pt")
        torch.jit.script(Plane(c)).save(bb)
        for method in ("pil", "opencv"):
            feats = extract(bin_dir, work, bb, os.path.join(work, "list.txt"), method)
            for (name, _), w, f in zip(pics, want, feats):
                got = np.round((f.reshape(S, S) * STD[c] + MEAN[c]) * 255).astype(np.int32)
                d = np.abs(got - w[:, :, c])
                worst[method] = max(worst[method], int(d.max()))
                print(f"{method:6} {name:16} channel {c}: max {d.max():3d}, mean {d.mean():.3f}, "
                      f"share > 1: {(d > 1).mean():.4f}")
                if method == "pil" and d.max() > 1:
                    print(f"FAIL: --resize pil differs from PIL by {d.max()} grey levels on {name}")
                    return 1
    print(f"largest difference from PIL: pil {worst['pil']}, opencv {worst['opencv']} grey levels")
    if worst["opencv"] <= 1:
        print("FAIL: --resize opencv matches PIL too: the test cannot tell the methods apart")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
