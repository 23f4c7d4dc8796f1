"""Runs a model written by mtl-export with torch.jit.load and compares its outputs with mtl-predict's
JSON lines for the same rows: au_prob, ex_prob and va to 1e-5 (--tol); au and ex exactly.

Usage: check_export.py MODEL.pt PRED.jsonl (--features FEATS.h5 | --images LIST --image-root DIR)
       [--thresholds FILE]
A model exported with --tta flip from features is given the store's features_mirror (and
logits_mirror) as its second argument; PRED.jsonl then comes from mtl-predict --tta flip.
With --thresholds, the expected au and ex come from mtl-predict's probabilities and the file
(p_i >= t_i; argmax of log p + offsets), since mtl-predict does not read thresholds. Images are
decoded as the toolkit does (OpenCV), resized as its default --resize pil does (Pillow's
antialiased bilinear) and scaled to [0,1]; the model normalises them itself. Exits 77 (skipped)
without torch, numpy, h5py, cv2 or PIL.
"""
import argparse
import json
import sys

try:
    import cv2
    import h5py
    from PIL import Image
    import numpy as np
    import torch
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)



def feature_rows(model, path, suffix=""):
    """The store's rows as the model's input; suffix "_mirror": those of the mirrored images."""
    with h5py.File(path, "r") as f:
        x = f["features" + suffix][:].astype(np.float32)
        if model.input == "features+logits":
            x = np.concatenate([x, f["logits" + suffix][:].astype(np.float32)], axis=1)
        images = list(f["image"].asstr()[:])
    return images, torch.from_numpy(x)


def image_rows(model, list_path, root):
    lines = open(list_path).read().splitlines()
    if lines and lines[0].split(",")[0] == "image":
        lines = lines[1:]
    images = [line.split(",")[0] for line in lines if line.strip()]
    s = model.input_size
    batch = np.empty((len(images), 3, s, s), np.float32)
    for i, rel in enumerate(images):
        rgb = np.ascontiguousarray(cv2.imread(f"{root}/{rel}", cv2.IMREAD_COLOR)[:, :, ::-1])
        if rgb.shape[:2] != (s, s):
            rgb = np.asarray(Image.fromarray(rgb).resize((s, s), Image.BILINEAR))
        rgb = rgb.astype(np.float32) / np.float32(255)
        batch[i] = rgb.transpose(2, 0, 1)
    return images, torch.from_numpy(batch)


def expected_decisions(preds, thresholds):
    """au and ex as mtl-predict printed them, or as the thresholds file decides them."""
    au = torch.tensor([p["au"] for p in preds]) if preds and "au" in preds[0] else None
    ex = torch.tensor([p["ex"] for p in preds]) if preds and "ex" in preds[0] else None
    if thresholds:
        t = json.load(open(thresholds))
        if au is not None:
            au = (torch.tensor([p["au_prob"] for p in preds]) >= torch.tensor(t["au_thresholds"])).long()
        if ex is not None and "ex_offsets" in t:
            logp = torch.log(torch.tensor([p["ex_prob"] for p in preds])) + torch.tensor(t["ex_offsets"])
            ex = torch.argmax(logp, 1)
    return au, ex


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("pred")
    ap.add_argument("--features")
    ap.add_argument("--images")
    ap.add_argument("--image-root", default=".")
    ap.add_argument("--thresholds")
    ap.add_argument("--tol", type=float, default=1e-5, help="largest difference accepted (default 1e-5)")
    ap.add_argument("--batch", type=int, default=0,
                    help="rows per forward (default: as mtl-predict, 4096 from a store, 64 from images)")
    a = ap.parse_args()
    model = torch.jit.load(a.model)
    model.eval()
    # A model exported with --tta flip from features takes the mirrored images' features as well.
    mirror = a.features and getattr(model, "tta", "none") == "flip"
    if a.features:
        images, x = feature_rows(model, a.features)
        xm = feature_rows(model, a.features, "_mirror")[1] if mirror else None
    else:
        images, x = image_rows(model, a.images, a.image_root)
    preds = [json.loads(line) for line in open(a.pred)]
    assert [p["image"] for p in preds] == images, "mtl-predict's rows are not the model's rows"
    # The same batches as mtl-predict: a matrix product's rounding can depend on the batch size.
    batch = a.batch or (4096 if a.features else 64)
    with torch.no_grad():
        outs = [model(x[i:i + batch], xm[i:i + batch]) if mirror else model(x[i:i + batch]) for i in range(0, len(x), batch)]
    out = {k: torch.cat([o[k] for o in outs]) for k in outs[0]}
    keys = set(preds[0]) - {"image"}
    ok = set(out) == keys
    if not ok:
        print(f"FAIL: the model gives {sorted(out)}, mtl-predict {sorted(keys)}")
    worst = {}
    for k in ("au_prob", "ex_prob", "va"):
        if k in out:
            worst[k] = (out[k] - torch.tensor([p[k] for p in preds])).abs().max().item()
            ok = ok and worst[k] <= a.tol
    au, ex = expected_decisions(preds, a.thresholds)
    mism = {}
    if "au" in out:
        mism["au"] = int((out["au"] != au).sum())
        ok = ok and out["au"].dtype == torch.int64
    if "ex" in out:
        mism["ex"] = int((out["ex"] != ex).sum())
    ok = ok and all(v == 0 for v in mism.values())
    print(f"{a.model}: {len(preds)} rows from {model.input} in batches of {batch}, tasks {list(model.tasks)}; "
          f"largest differences {worst}; mismatched au/ex decisions {mism}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
