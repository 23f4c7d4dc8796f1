"""Parity of mtl-predict with a plain PyTorch forward of each head, written here from the model's
equations and loading only the checkpoints' weights (torch.jit.load(...).state_dict()).

Usage: parity.py FEATS.h5 PRED.jsonl AU.pt EX.pt VA.pt. Exits 77 (skipped) without torch or h5py.
"""
import json
import sys

try:
    import h5py
    import numpy as np
    import torch
except ImportError:
    print("python3-torch, python3-h5py or numpy is missing: skipped")
    sys.exit(77)


def bn(x, sd, name, eps=1e-5):
    """Batch norm in evaluation mode over dimension 1 of x."""
    shape = [1, -1] + [1] * (x.dim() - 2)
    mean, var = sd[name + ".running_mean"].view(shape), sd[name + ".running_var"].view(shape)
    return (x - mean) / torch.sqrt(var + eps) * sd[name + ".weight"].view(shape) + sd[name + ".bias"].view(shape)


def linear(x, sd, name):
    y = x @ sd[name + ".weight"].T
    return y + sd[name + ".bias"] if name + ".bias" in sd else y


def au_forward(sd, meta, x):
    b, c, k = x.shape[0], meta["node_dim"], meta["k"]
    v = torch.relu(bn(linear(x, sd, "node_fc"), sd, "node_bn")).view(b, 12, c)
    s = v @ v.transpose(1, 2)
    kth = s.topk(k, dim=-1).values[:, :, -1:]
    a = (s >= kth).to(s.dtype)
    d = a.sum(-1).pow(-0.5)
    a_hat = d[:, :, None] * a * d[:, None, :]
    v2 = torch.relu(v + bn(a_hat @ linear(v, sd, "gnn_v") + linear(v, sd, "gnn_u"), sd, "gnn_bn"))
    sc = torch.relu(sd["sc"])
    return (v2 / v2.norm(dim=-1, keepdim=True).clamp_min(1e-12) *
            (sc / sc.norm(dim=-1, keepdim=True).clamp_min(1e-12))[None]).sum(-1)


def ex_forward(sd, meta, x, p_au):
    z = linear(x, sd, "fc")
    if meta["attention"] == "paper":
        return torch.tanh(p_au @ sd["att_q.weight"].T + z @ sd["att_k.weight"].T) * z
    if meta["attention"] == "additive":
        h = torch.tanh((p_au @ sd["att_q.weight"].T)[:, None, :] + z[:, :, None] * sd["att_k.weight"][:, 0][None, None, :])
        e = (h @ sd["att_v.weight"].T).squeeze(-1)
        return torch.softmax(e, dim=-1) * z
    return z


def va_forward(sd, meta, x):
    return torch.tanh(bn(linear(x, sd, "fc"), sd, "bn"))


def load(path):
    m = torch.jit.load(path)
    return {k: v.float() for k, v in m.state_dict().items()}, json.loads(m.metadata)


def head_input(f, meta):
    x = torch.from_numpy(f["features"][:].astype(np.float32))
    if meta["input"] == "features+logits":
        x = torch.cat([x, torch.from_numpy(f["logits"][:].astype(np.float32))], 1)
    return x


def main():
    feats, pred_path, au_path, ex_path, va_path = sys.argv[1:6]
    f = h5py.File(feats, "r")
    preds = [json.loads(line) for line in open(pred_path)]
    images = [s.decode() if isinstance(s, bytes) else s for s in f["image"][:]]
    assert [p["image"] for p in preds] == images, "mtl-predict's rows are not the store's rows"
    with torch.no_grad():
        au_sd, au_meta = load(au_path)
        p_au = au_forward(au_sd, au_meta, head_input(f, au_meta))
        ex_sd, ex_meta = load(ex_path)
        ex_prob = torch.softmax(ex_forward(ex_sd, ex_meta, head_input(f, ex_meta), p_au), dim=-1)
        va_sd, va_meta = load(va_path)
        va = va_forward(va_sd, va_meta, head_input(f, va_meta))
    got = {k: torch.tensor([p[k] for p in preds]) for k in ("au_prob", "ex_prob", "va")}
    worst = {"au_prob": (got["au_prob"] - p_au).abs().max().item(),
             "ex_prob": (got["ex_prob"] - ex_prob).abs().max().item(),
             "va": (got["va"] - va).abs().max().item()}
    print(f"{len(preds)} rows, attention {ex_meta['attention']}; largest differences:", worst)
    sys.exit(0 if all(v <= 1e-5 for v in worst.values()) else 1)


if __name__ == "__main__":
    main()
