#!/usr/bin/env python3
"""The plain PyTorch side of bench/run.sh: the same work as the toolkit, written the way a competent
user would (batched, no_grad/inference_mode, the same thread count, a DataLoader for decoding).

  baseline.py forward BACKBONE THREADS BATCH REPS [cpu|cuda [fp16] [channels-last]]
  baseline.py extract BACKBONE LIST ROOT OUT.h5 THREADS BATCH [cpu|cuda [fp16] [channels-last]]
  baseline.py train au|ex|va STORE.h5 THREADS EPOCHS [cpu|cuda]   (one JSON line per epoch)
  baseline.py score TRUTH PRED.jsonl

Timings are printed as JSON lines; run.sh times whole processes as well.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def flags(args, i):
    device = args[i] if len(args) > i else "cpu"
    rest = args[i + 1:]
    return device, "fp16" in rest, "channels-last" in rest


def load_backbone(path, device, fp16, channels_last):
    m = torch.jit.load(path, map_location=device).eval()
    if fp16:
        m = m.half()
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
    return m


def prepare(x, device, fp16, channels_last):
    x = x.to(device, non_blocking=True)
    if fp16:
        x = x.half()
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def forward(args):
    path, threads, batch, reps = args[0], int(args[1]), int(args[2]), int(args[3])
    device, fp16, cl = flags(args, 4)
    torch.set_num_threads(threads)
    m = load_backbone(path, device, fp16, cl)
    x = prepare(torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(1)), device, fp16, cl)
    secs = []
    with torch.inference_mode():
        for r in range(reps + 2):
            t0 = time.perf_counter()
            m(x).float().cpu()
            if r >= 2:
                secs.append(time.perf_counter() - t0)
    secs.sort()
    print(json.dumps({"images_per_s": batch / secs[len(secs) // 2]}))


class Crops(torch.utils.data.Dataset):
    """Face crops as the toolkit reads them: BGR decode, RGB, bilinear resize, ImageNet normalisation."""

    def __init__(self, paths, size=224):
        import numpy as np
        self.paths, self.size, self.np = paths, size, np
        self.mean = np.array([0.485, 0.456, 0.406], np.float32)
        self.std = np.array([0.229, 0.224, 0.225], np.float32)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        import cv2
        img = cv2.imread(self.paths[i], cv2.IMREAD_COLOR)
        img = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        img = (img[:, :, ::-1].astype(self.np.float32) / 255.0 - self.mean) / self.std
        return torch.from_numpy(self.np.ascontiguousarray(img.transpose(2, 0, 1)))


def extract(args):
    import h5py
    path, listfile, root, out, threads, batch = args[0], args[1], args[2], args[3], int(args[4]), int(args[5])
    device, fp16, cl = flags(args, 6)
    torch.set_num_threads(threads)
    cv2_threads(1)
    names = [l.strip() for l in open(listfile) if l.strip()]
    loader = torch.utils.data.DataLoader(Crops([f"{root}/{n}" for n in names]), batch_size=batch,
                                         num_workers=0 if threads == 1 else threads,
                                         pin_memory=device == "cuda")
    m = load_backbone(path, device, fp16, cl)
    t0 = time.perf_counter()
    feats = []
    with torch.inference_mode():
        for x in loader:
            feats.append(m(prepare(x, device, fp16, cl)).float().cpu())
    f = torch.cat(feats).numpy()
    with h5py.File(out, "w") as h:
        h.create_dataset("features", data=f)
        h.create_dataset("image", data=names, dtype=h5py.string_dtype("utf-8"))
    print(json.dumps({"loop_images_per_s": len(names) / (time.perf_counter() - t0)}))


def cv2_threads(n):
    import cv2
    cv2.setNumThreads(n)


# ---------------------------------------------------------------------------- the heads (DESIGN.md)
class AUHead(nn.Module):
    def __init__(self, d, c=None, n=12, k=4):
        super().__init__()
        c = c or d
        self.n, self.k = n, k
        self.drop = nn.Dropout(0.5)
        self.node_w = nn.Parameter(torch.randn(n, d, c) * math.sqrt(1.0 / c))
        self.node_b = nn.Parameter(torch.zeros(n, c))
        self.node_bn = nn.ModuleList(nn.BatchNorm1d(c) for _ in range(n))
        self.wu = nn.Linear(c, c)
        self.wv = nn.Linear(c, c)
        nn.init.normal_(self.wu.weight, 0, math.sqrt(2.0 / c))
        nn.init.normal_(self.wv.weight, 0, math.sqrt(2.0 / c))
        self.bn_nodes = nn.BatchNorm1d(n)
        self.s = nn.Parameter(nn.init.xavier_uniform_(torch.empty(n, c)))

    def forward(self, x):
        h = torch.einsum("bd,ndc->bnc", self.drop(x), self.node_w) + self.node_b
        v = torch.stack([F.relu(bn(h[:, i])) for i, bn in enumerate(self.node_bn)], 1)
        with torch.no_grad():
            s = v @ v.transpose(1, 2)
            kth = s.topk(self.k, -1).values[..., -1:]
            a = (s >= kth).float()
            dinv = a.sum(-1).rsqrt()
            a_hat = dinv[..., :, None] * a * dinv[..., None, :]
        v2 = F.relu(v + self.bn_nodes(a_hat @ self.wv(v) + self.wu(v)))
        return F.cosine_similarity(v2, F.relu(self.s)[None], dim=-1).clamp(0, 1)


def au_loss(p, y, w):
    pos = y * torch.log(p.clamp_min(1e-8))
    neg = (1 - y) * p.detach() * torch.log((1 - p).clamp_min(1e-8))
    return -(w * (pos + neg)).mean()


class EXHead(nn.Module):
    def __init__(self, d, hidden=64):
        super().__init__()
        self.fc = nn.Linear(d, 8)
        self.wq = nn.Linear(12, hidden, bias=False)
        self.wk = nn.Linear(1, hidden, bias=False)
        self.wv = nn.Linear(hidden, 1, bias=False)

    def forward(self, x, p_au):
        z = self.fc(x)
        e = self.wv(torch.tanh(self.wq(p_au)[:, None] + self.wk(z[..., None]))).squeeze(-1)
        return torch.softmax(e, -1) * z


class VAHead(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
        return torch.tanh(self.bn(self.fc(x)))


def ccc_loss(p, y):
    out = 0
    for j in range(2):
        a, b = p[:, j], y[:, j]
        ma, mb = a.mean(), b.mean()
        sab = ((a - ma) * (b - mb)).mean()
        out = out + 1 - 2 * sab / (a.var(unbiased=False) + b.var(unbiased=False) + (ma - mb) ** 2)
    return out


class SAM:
    """SAM around SGD with momentum, as in Foret et al.: ascend to w + rho g/|g|, descend from w."""

    def __init__(self, params, lr=1e-3, momentum=0.9, weight_decay=1 / 256, rho=0.05):
        self.params = [p for p in params if p.requires_grad]
        self.rho = rho
        self.sgd = torch.optim.SGD(self.params, lr=lr, momentum=momentum, weight_decay=weight_decay)

    def step(self, closure):
        self.sgd.zero_grad()
        loss = closure()
        loss.backward()
        with torch.no_grad():
            norm = torch.norm(torch.stack([p.grad.norm() for p in self.params if p.grad is not None]))
            scale = self.rho / (norm + 1e-12)
            e = [p.grad * scale if p.grad is not None else None for p in self.params]
            for p, ei in zip(self.params, e):
                if ei is not None:
                    p.add_(ei)
        self.sgd.zero_grad()
        closure().backward()
        with torch.no_grad():
            for p, ei in zip(self.params, e):
                if ei is not None:
                    p.sub_(ei)
        self.sgd.step()
        return loss.detach()


def read_store(store):
    """The store's features and labels; without h5py (the GPU machine's Python), random rows of the
    same size, which time the same (the rows are counted from the file name, s<N>.h5 or s103k.h5)."""
    try:
        import h5py
    except ImportError:
        import re
        n = re.search(r"s(\d+)(k?)\.h5$", store)
        rows = int(n.group(1)) * (1000 if n.group(2) else 1)
        print(json.dumps({"note": f"no h5py: {rows} random rows"}), file=sys.stderr)
        g = torch.Generator().manual_seed(0)
        return (torch.randn(rows, 1280, generator=g), (torch.rand(rows, 12, generator=g) < 0.3).long(),
                torch.randint(0, 8, (rows,), generator=g), torch.rand(rows, 2, generator=g) * 2 - 1)
    with h5py.File(store, "r") as h:
        return (torch.from_numpy(h["features"][:].astype("float32")), torch.from_numpy(h["au"][:].astype("int64")),
                torch.from_numpy(h["ex"][:].astype("int64")), torch.from_numpy(h["va"][:]))


def train(args):
    task, store, threads, epochs = args[0], args[1], int(args[2]), int(args[3])
    device = args[4] if len(args) > 4 else "cpu"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x, au, ex, va = read_store(store)
    d = x.shape[1]
    if task == "au":
        keep = (au >= 0).all(1)
        x, y = x[keep], au[keep].float()
        r = y.mean(0).clamp_min(1 / len(y))
        w = (12 * (1 / r) / (1 / r).sum()).to(device)
        model = AUHead(d)
        loss_fn = lambda xb, yb: au_loss(model(xb), yb, w)
    elif task == "ex":
        keep = ex >= 0
        x, y = x[keep], ex[keep]
        counts = torch.bincount(y, minlength=8).float()
        pw = (len(y) / (8 * counts.clamp_min(1))).to(device)
        # The frozen upstream AU head (C = D) gives each row the same output in every epoch: it is
        # computed once, before the epochs, as the toolkit does.
        au_model = AUHead(d).to(device).eval()
        with torch.no_grad():
            p_au_all = torch.cat([au_model(x[s:s + 1024].to(device)) for s in range(0, len(x), 1024)])
        model = EXHead(d)
        x = torch.cat([x.to(device), p_au_all], 1)

        def loss_fn(xb, yb):
            return (pw[yb] * F.cross_entropy(model(xb[:, :d], xb[:, d:]), yb, reduction="none")).mean()
    else:
        keep = (va > -2).all(1)
        x, y = x[keep], va[keep]
        model = VAHead(d)
        loss_fn = lambda xb, yb: ccc_loss(model(xb), yb)
    x, y = x.to(device), y.to(device)
    model.to(device).train()
    opt = SAM(model.parameters())
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        total = torch.zeros((), device=device)
        perm = torch.randperm(len(x), device=device)
        for s in range(0, len(x), 256):
            i = perm[s:s + 256]
            xb, yb = x[i], y[i]
            total += opt.step(lambda: loss_fn(xb, yb)) * len(i)
        loss = total.item() / len(x)
        print(json.dumps({"task": task, "epoch": epoch, "train_loss": loss, "wall_s": time.perf_counter() - t0}))


def score(args):
    import numpy as np
    import pandas as pd
    from sklearn.metrics import f1_score
    truth = pd.read_csv(args[0])
    pred = pd.read_json(args[1], lines=True)
    df = truth.merge(pred, on="image", how="inner")
    aus = [c for c in truth.columns if c.startswith("AU")]
    au_t = df[aus].to_numpy()
    au_p = np.stack(df["au"].to_numpy())
    lab = (au_t >= 0).all(1)
    p_au = np.mean([f1_score(au_t[lab, i], au_p[lab, i], zero_division=0) for i in range(len(aus))])
    exl = df["expression"].to_numpy() >= 0
    p_ex = f1_score(df["expression"][exl], df["ex"][exl], labels=list(range(8)), average="macro", zero_division=0)
    va_p = np.stack(df["va"].to_numpy())
    vl = (df["valence"] > -5) & (df["arousal"] > -5)

    def ccc(a, b):
        ma, mb = a.mean(), b.mean()
        return 2 * ((a - ma) * (b - mb)).mean() / (a.var() + b.var() + (ma - mb) ** 2)

    cv = ccc(df["valence"][vl].to_numpy(), va_p[vl, 0])
    ca = ccc(df["arousal"][vl].to_numpy(), va_p[vl, 1])
    p_va = (cv + ca) / 2
    print(json.dumps({"P_AU": p_au, "P_EX": p_ex, "P_VA": p_va, "P_MTL": p_au + p_ex + p_va}))


if __name__ == "__main__":
    {"forward": forward, "extract": extract, "train": train, "score": score}[sys.argv[1]](sys.argv[2:])
