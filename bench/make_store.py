#!/usr/bin/python3
"""Writes a synthetic mtl-toolkit feature store (format version 1) of N rows of D float16 features
with random labels, for memory benchmarks of the trainers: python3 make_store.py OUT.h5 N [D]."""
import sys

import h5py
import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
d = int(sys.argv[3]) if len(sys.argv) > 3 else 1280
rng = np.random.default_rng(1)
chunk = 256
with h5py.File(out, "w") as f:
    feats = f.create_dataset("features", (n, d), dtype="<f2", chunks=(chunk, d), maxshape=(None, d))
    va = f.create_dataset("va", (n, 2), dtype="<f4", chunks=(chunk, 2), maxshape=(None, 2))
    w = rng.standard_normal((d, 2)).astype(np.float32) / np.sqrt(d)
    step = 65536
    for s in range(0, n, step):
        e = min(n, s + step)
        x = rng.standard_normal((e - s, d)).astype(np.float32)
        feats[s:e] = x.astype(np.float16)
        va[s:e] = np.tanh(x @ w)
    strings = h5py.string_dtype("utf-8")
    f.create_dataset("image", data=np.array([f"v{i // 1000}/{i % 1000:05d}.jpg" for i in range(n)], dtype=object),
                     dtype=strings, chunks=(chunk,), maxshape=(None,))
    f.create_dataset("au", data=np.full((n, 12), -1, np.int8), chunks=(chunk, 12), maxshape=(None, 12))
    f.create_dataset("ex", data=np.full((n,), -1, np.int8), chunks=(chunk,), maxshape=(None,))
    f.create_dataset("skipped", (0,), dtype=strings, maxshape=(None,))
    for k, v in {"format": "mtl-feature-store", "toolkit_version": "bench", "backbone": "synthetic",
                 "backbone_sha256": "0" * 64, "input_sha256": "synthetic", "shard": "1/1"}.items():
        f.attrs.create(k, v, dtype=strings)
    for k, v in {"format_version": 1, "input_size": 224, "feature_dim": d, "logits_dim": 0, "labelled": 1,
                 "rows_committed": n, "inputs_committed": n, "skipped_committed": 0, "complete": 1}.items():
        f.attrs[k] = np.int64(v)
    f.attrs["mean"] = np.array([0.485, 0.456, 0.406], np.float32)
    f.attrs["std"] = np.array([0.229, 0.224, 0.225], np.float32)
