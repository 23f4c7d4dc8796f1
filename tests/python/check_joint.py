"""Joint fine-tuning (mtl-train-joint) against a plain PyTorch computation written here: the joint
loss lambda_AU L_AU + lambda_EX L_EX + lambda_VA L_VA over the rows with each task's label (class
weights fitted here from those rows), the heads in training mode (batch norms on the batch's
statistics, their running statistics moved on each forward), and one SAM step (gradient, climb to
w + rho g/|g|, gradient there, SGD with momentum and weight decay from w), in float64.

Run mtl-train-joint with --epochs 1, a --batch of at least every row (one batch), no --val, and
an AU head trained with --dropout 0. Compares the epoch's train_loss in LOG and every tensor of
OUT/au.pt, ex.pt and va.pt with the computation here.

Usage: check_joint.py STORE AU.pt EX.pt VA.pt OUT LOG [--lambda A,E,V] [--tol 1e-5]
Exits 77 (skipped) without torch, h5py or numpy; 1 when a value differs by more than the tolerance.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import h5py
    import numpy as np
    import torch
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)
from parity import load, linear  # noqa: E402


def bn_train(x, p, buffers, name, eps=1e-5, momentum=0.1):
    """Batch norm over dimension 1 on the batch's statistics; moves the running statistics."""
    red = [0] + list(range(2, x.dim()))
    shape = [1, -1] + [1] * (x.dim() - 2)
    mean, var = x.mean(red), x.var(red, unbiased=False)
    buffers[name + ".running_mean"] = (1 - momentum) * buffers[name + ".running_mean"] + momentum * mean.detach()
    buffers[name + ".running_var"] = (1 - momentum) * buffers[name + ".running_var"] + momentum * x.var(red, unbiased=True).detach()
    buffers[name + ".num_batches_tracked"] = buffers[name + ".num_batches_tracked"] + 1
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps) * p[name + ".weight"].view(shape) + p[name + ".bias"].view(shape)


def au_train(p, b, meta, x):
    n, c, k = x.shape[0], meta["node_dim"], meta["k"]
    v = torch.relu(bn_train(linear(x, p, "node_fc"), p, b, "node_bn")).view(n, 12, c)
    s = v @ v.transpose(1, 2)
    kth = s.topk(k, dim=-1).values[:, :, -1:]
    a = (s >= kth).to(s.dtype)
    d = a.sum(-1).pow(-0.5)
    a_hat = d[:, :, None] * a * d[:, None, :]
    v2 = torch.relu(v + bn_train(a_hat @ linear(v, p, "gnn_v") + linear(v, p, "gnn_u"), p, b, "gnn_bn"))
    sc = torch.relu(p["sc"])
    return (v2 / v2.norm(dim=-1, keepdim=True).clamp_min(1e-12) *
            (sc / sc.norm(dim=-1, keepdim=True).clamp_min(1e-12))[None]).sum(-1)


def ex_train(p, meta, x, p_au):
    z = linear(x, p, "fc")
    if meta["attention"] == "paper":
        return torch.tanh(p_au @ p["att_q.weight"].T + z @ p["att_k.weight"].T) * z
    if meta["attention"] == "additive":
        h = torch.tanh((p_au @ p["att_q.weight"].T)[:, None, :] + z[:, :, None] * p["att_k.weight"][:, 0][None, None, :])
        return torch.softmax((h @ p["att_v.weight"].T).squeeze(-1), dim=-1) * z
    return z


def va_train(p, b, x):
    return torch.tanh(bn_train(linear(x, p, "fc"), p, b, "bn"))


def ccc(x, y):
    mx, my = x.mean(), y.mean()
    dx, dy = x - mx, y - my
    return 2 * (dx * dy).mean() / ((dx * dx).mean() + (dy * dy).mean() + (mx - my) ** 2 + 1e-12)


def main():
    ap = argparse.ArgumentParser()
    for name in ("store", "au", "ex", "va", "out", "log"):
        ap.add_argument(name)
    ap.add_argument("--lambda", dest="lam", default="1,1,1")
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    lam = [float(v) for v in a.lam.split(",")]
    f = h5py.File(a.store, "r")
    feats = torch.from_numpy(f["features"][:].astype(np.float64))
    logits = torch.from_numpy(f["logits"][:].astype(np.float64)) if "logits" in f else None
    au_y = torch.from_numpy(f["au"][:].astype(np.float64))
    ex_y = torch.from_numpy(f["ex"][:].astype(np.int64))
    va_y = torch.from_numpy(f["va"][:].astype(np.float64))
    m_au, m_ex, m_va = (au_y >= 0).all(1), ex_y >= 0, (va_y != -5).all(1)
    keep = m_au | m_ex | m_va
    feats, au_y, ex_y, va_y, m_au, m_ex, m_va = (t[keep] for t in (feats, au_y, ex_y, va_y, m_au, m_ex, m_va))
    if logits is not None:
        logits = logits[keep]
    print(f"{int(keep.sum())} rows: {int(m_au.sum())} with AU labels, {int(m_ex.sum())} with an expression, "
          f"{int(m_va.sum())} with valence/arousal")
    if min(int(m.sum()) for m in (m_au, m_ex, m_va)) == 0 or min(int((~m).sum()) for m in (m_au, m_ex, m_va)) == 0:
        print("the store must hold rows with and without each task's label")
        return 1

    heads = {}
    for task, path in (("au", a.au), ("ex", a.ex), ("va", a.va)):
        sd, meta = load(path)
        params = {k: v.double().clone().requires_grad_(True) for k, v in sd.items()
                  if not (k.endswith("running_mean") or k.endswith("running_var") or k.endswith("num_batches_tracked"))}
        buffers = {k: v.double().clone() for k, v in sd.items() if k not in params}
        x = feats if not meta["input"] == "features+logits" else torch.cat([feats, logits], 1)
        heads[task] = {"p": params, "b": buffers, "meta": meta, "x": x}
    # Class weights from the rows with each label (losses.h): AU N (1/r_i) / sum_j (1/r_j), EX n / (8 n_c).
    ya = au_y[m_au]
    r = ya.mean(0).clamp_min(1.0 / max(len(ya), 1))
    w_au = 12 * (1 / r) / (1 / r).sum()
    ye = ex_y[m_ex]
    counts = torch.bincount(ye, minlength=8).double()
    w_ex = torch.where(counts > 0, len(ye) / (8 * counts), torch.zeros_like(counts))
    ex_mean = heads["ex"]["meta"].get("loss_mean", "authors")

    def joint_loss():
        A, E, V = heads["au"], heads["ex"], heads["va"]
        p_au = au_train(A["p"], A["b"], A["meta"], A["x"])
        e = ex_train(E["p"], E["meta"], E["x"], p_au)
        v = va_train(V["p"], V["b"], V["x"])
        pa, yy = p_au[m_au], au_y[m_au]
        l_au = -((yy * torch.log(pa.clamp_min(1e-8)) + (1 - yy) * pa.detach() * torch.log((1 - pa).clamp_min(1e-8)))
                 * w_au[None]).mean()
        ce = torch.nn.functional.cross_entropy(e[m_ex], ex_y[m_ex], reduction="none")
        wy = w_ex[ex_y[m_ex]]
        l_ex = (wy * ce).mean() if ex_mean == "authors" else (wy * ce).sum() / wy.sum()
        pv, yv = v[m_va], va_y[m_va]
        l_va = (1 - ccc(pv[:, 0], yv[:, 0])) + (1 - ccc(pv[:, 1], yv[:, 1]))
        return lam[0] * l_au + lam[1] * l_ex + lam[2] * l_va

    meta_joint = json.loads(torch.jit.load(a.out + "/au.pt").metadata)["joint"]
    lr, wd, rho = (meta_joint[k] for k in ("lr", "weight_decay", "rho"))
    params = [t for h in heads.values() for t in h["p"].values()]
    load_start = {f"{task}.{k}": v.detach().clone() for task, h in heads.items() for k, v in h["p"].items()}
    loss = joint_loss()
    g = torch.autograd.grad(loss, params, allow_unused=True)
    norm = torch.stack([gi.norm() for gi in g if gi is not None]).norm()
    e = [None if gi is None else gi * (rho / (norm + 1e-12)) for gi in g]
    with torch.no_grad():
        for t, ei in zip(params, e):
            if ei is not None:
                t.add_(ei)
    g2 = torch.autograd.grad(joint_loss(), params, allow_unused=True)
    with torch.no_grad():
        for t, ei, gi in zip(params, e, g2):
            if ei is not None:
                t.sub_(ei)
            if gi is not None:
                t.sub_(lr * (gi + wd * t))  # the first SGD step: the momentum buffer is the gradient
    moved = max((t.detach() - load_start[k]).abs().max().item() for k, t in
                ((f"{task}.{k}", v) for task, h in heads.items() for k, v in h["p"].items()))
    worst = {}
    logged = json.loads(open(a.log).readline())["train_loss"]
    worst["loss"] = abs(logged - loss.item())
    for task, h in heads.items():
        got = {k: v.double() for k, v in torch.jit.load(f"{a.out}/{task}.pt").state_dict().items()}
        for k, v in list(h["p"].items()) + list(h["b"].items()):
            d = (got[k] - v.detach().double()).abs().max().item() if v.numel() else 0.0
            worst[f"{task}.{k}"] = d
    bad = {k: v for k, v in worst.items() if not v <= a.tol}
    top = sorted(worst.items(), key=lambda kv: -kv[1])[:4]
    print(f"loss {loss.item():.6f} (logged {logged:.6f}); the step moved a weight by up to {moved:.3g}; largest differences: " +
          ", ".join(f"{k} {v:.2e}" for k, v in top))
    if bad:
        print("beyond the tolerance: " + ", ".join(bad))
    return 0 if not bad and moved > 100 * a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
