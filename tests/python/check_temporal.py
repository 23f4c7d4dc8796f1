"""Parity of mtl-predict with heads that see temporal context (--context T) against a plain PyTorch
forward written here from the equations in temporal_head.h: the windows are made here from the
store's image paths (a video is a path's folder, frames its numbered file names; frames that are
not there, at the edges and in gaps, are masked), the conv, GRU and transformer encoders are
written out step by step, and the task heads are parity.py's. Only the checkpoints' weights are
loaded (torch.jit.load(...).state_dict()).

Usage: check_temporal.py FEATS.h5 PRED.jsonl [--au AU.pt] [--ex EX.pt] [--va VA.pt] [--model MODEL.pt]
                         [--tolerance X (1e-5)]
With --model (an mtl-export of the same heads), also runs the model on the windows made here
and compares its outputs with the lines. Exits 77 (skipped) without torch or h5py; 1 when a value
differs from the float64 forward by more than its allowance (the larger of the tolerance and 10
times the float32 forward's own distance from it) or a decision differs.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import h5py
    import numpy as np
    import torch
except ImportError:
    print("python3-torch, python3-h5py or numpy is missing: skipped")
    sys.exit(77)
from parity import au_forward, ex_forward, va_forward, load, head_input, linear  # noqa: E402


def windows(images, t):
    """[N, 2t+1] rows of each row's window (frame f-t first), -1 where the video has no such frame."""
    where = {}
    for i, p in enumerate(images):
        video, name = p.rsplit("/", 1)
        where[(video, int(name.rsplit(".", 1)[0]))] = i
    w = []
    for p in images:
        video, name = p.rsplit("/", 1)
        f = int(name.rsplit(".", 1)[0])
        w.append([where.get((video, f + k), -1) for k in range(-t, t + 1)])
    return torch.tensor(w, dtype=torch.long)


def layer_norm(x, sd, name, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * sd[name + ".weight"] + sd[name + ".bias"]


def conv_encoder(sd, h, m, depth):
    b, w, hid = h.shape
    for layer in range(depth):
        wt, bias, d = sd[f"encoder.conv{layer}.weight"], sd[f"encoder.conv{layer}.bias"], 2 ** layer
        out = bias.expand(b, w, hid).clone()
        for j in range(3):  # tap j reads frame t + (j - 1) d
            shift = (j - 1) * d
            src = torch.zeros_like(h)
            for t in range(w):
                if 0 <= t + shift < w:
                    src[:, t] = h[:, t + shift]
            out = out + src @ wt[:, :, j].T
        h = (h + torch.relu(out)) * m[..., None]
    return h


def gru_direction(sd, x, layer, suffix):
    wi, wh = sd[f"encoder.gru.weight_ih_l{layer}{suffix}"], sd[f"encoder.gru.weight_hh_l{layer}{suffix}"]
    bi, bh = sd[f"encoder.gru.bias_ih_l{layer}{suffix}"], sd[f"encoder.gru.bias_hh_l{layer}{suffix}"]
    n = wh.shape[1]
    state = torch.zeros(x.shape[0], n, dtype=x.dtype)
    steps = range(x.shape[1]) if suffix == "" else range(x.shape[1] - 1, -1, -1)
    out = [None] * x.shape[1]
    for t in steps:
        gi, gh = x[:, t] @ wi.T + bi, state @ wh.T + bh
        r = torch.sigmoid(gi[:, :n] + gh[:, :n])
        z = torch.sigmoid(gi[:, n:2 * n] + gh[:, n:2 * n])
        c = torch.tanh(gi[:, 2 * n:] + r * gh[:, 2 * n:])
        state = (1 - z) * c + z * state
        out[t] = state
    return torch.stack(out, 1)


def gru_encoder(sd, h, depth):
    for layer in range(depth):
        h = torch.cat([gru_direction(sd, h, layer, ""), gru_direction(sd, h, layer, "_reverse")], -1)
    return h


def transformer_encoder(sd, h, m, depth, heads):
    b, w, hid = h.shape
    hd = hid // heads
    h = h + sd["encoder.position"][None]
    for layer in range(depth):
        qkv = linear(h, sd, f"encoder.qkv{layer}")
        q, k, v = qkv[..., :hid], qkv[..., hid:2 * hid], qkv[..., 2 * hid:]
        att_out = torch.zeros(b, w, hid, dtype=h.dtype)
        for i in range(heads):
            s = slice(i * hd, (i + 1) * hd)
            scores = q[..., s] @ k[..., s].transpose(1, 2) / math.sqrt(hd)       # [B, query, key]
            scores = scores.masked_fill(m[:, None, :] == 0, float("-inf"))
            att_out[..., s] = torch.softmax(scores, -1) @ v[..., s]
        h = layer_norm(h + linear(att_out, sd, f"encoder.attn_out{layer}"), sd, f"encoder.norm_a{layer}")
        f = linear(torch.relu(linear(h, sd, f"encoder.ff_in{layer}")), sd, f"encoder.ff_out{layer}")
        h = layer_norm(h + f, sd, f"encoder.norm_f{layer}")
    return h


def head_in(sd, meta, frames, images):
    """The task head's input: the centre frame, plus the encoder's output when the head has context."""
    t = meta.get("context", 0)
    if t == 0:
        return frames, {k: v for k, v in sd.items()}
    w = windows(images, t)
    m = (w >= 0).to(frames.dtype)
    x = frames[w.clamp_min(0)] * m[..., None]
    h = torch.relu(linear(x, sd, "encoder.in_fc")) * m[..., None]
    kind, depth = meta["temporal"], meta["temporal_depth"]
    if kind == "conv":
        h = conv_encoder(sd, h, m, depth)
    elif kind == "gru":
        h = gru_encoder(sd, h, depth)
    else:
        h = transformer_encoder(sd, h, m, depth, meta["temporal_heads"])
    y = x[:, t] + linear(h[:, t], sd, "encoder.out_fc")
    return y, {k[len("head."):]: v for k, v in sd.items() if k.startswith("head.")}


def reference(a, f, images, dtype):
    """The heads' outputs from the equations, computed in dtype (weights and features cast to it)."""
    out, contexts = {}, {}
    with torch.no_grad():
        p_au = None
        for task in ("au", "ex", "va"):
            if not getattr(a, task):
                continue
            sd, meta = load(getattr(a, task))
            sd = {k: v.to(dtype) for k, v in sd.items()}
            x, hsd = head_in(sd, meta, head_input(f, meta).to(dtype), images)
            if task == "au":
                out["au_prob"] = p_au = au_forward(hsd, meta, x)
            elif task == "ex":
                out["ex_prob"] = torch.softmax(ex_forward(hsd, meta, x, p_au), dim=-1)
            else:
                out["va"] = va_forward(hsd, meta, x)
            contexts[task] = (meta.get("context", 0), meta.get("temporal"))
    return out, contexts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("feats")
    ap.add_argument("pred")
    for task in ("au", "ex", "va"):
        ap.add_argument("--" + task)
    ap.add_argument("--model")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    a = ap.parse_args()
    f = h5py.File(a.feats, "r")
    images = [s.decode() if isinstance(s, bytes) else s for s in f["image"][:]]
    preds = [json.loads(line) for line in open(a.pred)]
    assert [p["image"] for p in preds] == images, "mtl-predict's rows are not the store's rows"
    # The truth is the forward in float64. mtl-predict computes in float32, so it may stray from
    # it by float32 rounding, which a head with large logits (an expression head after two epochs
    # at lr 0.3: logits past 100) turns into 1e-5 of probability and more, by amounts that differ
    # between LibTorch builds and CPUs. The allowance for each output is therefore the larger of
    # --tolerance and 10 times the distance of the same equations run here in float32 from float64.
    exact, contexts = reference(a, f, images, torch.float64)
    single, _ = reference(a, f, images, torch.float32)
    outputs = {key: torch.tensor([p[key] for p in preds], dtype=torch.float64) for key in exact}
    if a.model:
        model = torch.jit.load(a.model)
        t = model.context
        w = windows(images, t)
        m = (w >= 0).float()
        x = torch.from_numpy(f["features"][:].astype(np.float32))
        if model.input == "features+logits":
            x = torch.cat([x, torch.from_numpy(f["logits"][:].astype(np.float32))], 1)
        with torch.no_grad():
            out = model(x[w.clamp_min(0)] * m[..., None], m)
        for key in ("au_prob", "ex_prob", "va"):
            if key in out:
                outputs["model " + key] = out[key].double()
    worst, bad = {}, []
    for name, value in outputs.items():
        key = name.split()[-1]
        err = (value - exact[key]).abs().max().item()
        allowed = max(a.tolerance, 10 * (single[key].double() - exact[key]).abs().max().item())
        worst[name] = f"{err:.2e} (allowed {allowed:.2e})"
        if err > allowed:
            bad.append(name)
    if a.model:
        for key in ("au", "ex"):
            if key in out and out[key].tolist() != [p[key] for p in preds]:
                print(f"the model's {key} decisions differ from the lines")
                bad.append("model " + key)
    masked = int((windows(images, max(c for c, _ in contexts.values())) < 0).sum())
    print(f"{len(preds)} rows, heads {contexts}, {masked} masked window slots; largest differences from "
          "the float64 forward:", worst)
    if bad:
        print("too far:", ", ".join(bad))
    sys.exit(0 if worst and not bad else 1)


if __name__ == "__main__":
    main()
