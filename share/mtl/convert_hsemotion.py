#!/usr/bin/env python3
"""Converts an HSEmotion EfficientNet checkpoint (a whole pickled timm model, e.g.
enet_b0_8_best_vgaf.pt) into the TorchScript backbone that mtl-extract runs: it takes a float
batch [B,3,S,S] (RGB, scaled to [0,1], ImageNet-normalised) and returns (features, logits).

Usage: convert_hsemotion.py CHECKPOINT.pt OUT.ts.pt [--size 224]
Needs torch and timm (the checkpoint unpickles into timm classes).
"""
import argparse

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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("output")
    ap.add_argument("--size", type=int, default=224, help="input size S: 224 for B0, 260 for B2")
    a = ap.parse_args()
    model = torch.load(a.checkpoint, map_location="cpu")
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
