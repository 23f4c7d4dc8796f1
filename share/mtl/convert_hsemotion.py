#!/usr/bin/env python3
"""Converts an HSEmotion EfficientNet checkpoint (a whole pickled timm model, e.g.
enet_b0_8_best_vgaf.pt) into the TorchScript backbone that mtl-extract runs: it takes a float
batch [B,3,S,S] (RGB, scaled to [0,1], ImageNet-normalised) and returns (features, logits).

Usage: convert_hsemotion.py CHECKPOINT.pt OUT.ts.pt [--size 224] (--sha256 HEX | --trust)
Needs torch and timm (the checkpoint unpickles into timm classes).

Security: a whole pickled model can only be read by unpickling it, and unpickling runs code from
the file. The script first tries torch.load(weights_only=True), which runs none; a file that needs
full unpickling is read only when its SHA-256 equals --sha256 (the checksum published with it) or
with --trust. The file's SHA-256 is printed either way.
"""
import argparse
import hashlib

import torch


class FeaturesAndLogits(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.classifier = model.classifier
        model.classifier = torch.nn.Identity()
        self.body = model

    def forward(self, x):
        f = self.body(x)
        return f, self.classifier(f)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(path, want_sha256, trust):
    digest = sha256_of(path)
    print(f"{path}: SHA-256 {digest}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a whole pickled model: weights_only refuses its classes
        pass
    if want_sha256 is not None and want_sha256.lower() != digest:
        raise SystemExit(f"{path}: SHA-256 {digest} is not the expected {want_sha256}: not unpickled")
    if want_sha256 is None and not trust:
        raise SystemExit(f"{path}: a pickled model, and unpickling runs code from the file. Compare its SHA-256 "
                         f"({digest}) with the published one, then rerun with --sha256 {digest} (or --trust)")
    return torch.load(path, map_location="cpu", weights_only=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("output")
    ap.add_argument("--size", type=int, default=224, help="input size S: 224 for B0, 260 for B2")
    ap.add_argument("--sha256", help="unpickle the checkpoint only if its SHA-256 is this (hex)")
    ap.add_argument("--trust", action="store_true", help="unpickle the checkpoint without a checksum")
    a = ap.parse_args()
    model = load(a.checkpoint, a.sha256, a.trust)
    if isinstance(model, dict):
        raise SystemExit(f"{a.checkpoint}: a state dict, not a whole model; HSEmotion checkpoints are whole models")
    wrapped = FeaturesAndLogits(model).eval()
    with torch.no_grad():
        traced = torch.jit.trace(wrapped, torch.zeros(1, 3, a.size, a.size))
        f, l = traced(torch.zeros(2, 3, a.size, a.size))
    traced.save(a.output)
    print(f"wrote {a.output}: {f.shape[1]} features, {l.shape[1]} logits, input {a.size}x{a.size}")


if __name__ == "__main__":
    main()
