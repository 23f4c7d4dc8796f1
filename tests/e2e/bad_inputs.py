"""Makes the bad inputs of the catalogue (tests/e2e/catalogue.sh) in OUT, from the demo data in DATA.

    python3 bad_inputs.py DATA OUT

Stores are copies of DATA/val.h5 changed with h5py; backbones are TorchScript modules scripted
here; images are damaged copies of demo images. Nothing here is read by the toolkit's code.
"""
import json
import os
import shutil
import struct
import sys
import zlib

import h5py
import numpy as np
import torch

DATA, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(9)


def out(name):
    return os.path.join(OUT, name)


# ---- feature stores --------------------------------------------------------------------------
def store(name, change):
    path = out(name)
    shutil.copy(os.path.join(DATA, "val.h5"), path)
    with h5py.File(path, "r+") as f:
        change(f)


def set_value(dataset, index, value):
    def change(f):
        d = f[dataset]
        a = d[...]
        a[index] = value
        d[...] = a
    return change


def set_attr(name, value):
    def change(f):
        f.attrs[name] = value
    return change


def replace(name, array):
    def change(f):
        del f[name]
        f.create_dataset(name, data=array, chunks=True, maxshape=(None,) + array.shape[1:])
    return change


store("nan.h5", set_value("features", (5, 3), np.nan))
store("inf.h5", set_value("logits", (7, 0), np.inf))
store("ex9.h5", set_value("ex", 4, 9))
store("au2.h5", set_value("au", (2, 3), 2))
store("va3.h5", set_value("va", (1, 0), 3.0))
store("fdim.h5", set_attr("feature_dim", np.int64(128)))
store("negdim.h5", set_attr("feature_dim", np.int64(-1)))
store("hugedim.h5", set_attr("feature_dim", np.int64(1 << 40)))
store("fdimarr.h5", set_attr("feature_dim", np.arange(5, dtype=np.int64)))
store("meanarr.h5", set_attr("mean", np.ones(100, dtype=np.float32)))
store("version.h5", set_attr("format_version", np.int64(99)))
store("unfinished.h5", set_attr("complete", np.int64(0)))
store("rows.h5", set_attr("rows_committed", np.int64(100000)))
store("nofmt.h5", lambda f: f.attrs.__delitem__("format"))
store("nova.h5", lambda f: f.__delitem__("va"))
store("au11.h5", lambda f: replace("au", f["au"][:, :11])(f))
store("exfloat.h5", lambda f: replace("ex", f["ex"][...].astype(np.float32))(f))
# Finite features at the edge of the float range: a head's output overflows.
store("huge.h5", lambda f: f["features"].__setitem__(slice(None), np.full(f["features"].shape, 3e38, np.float32)))
# 128 real columns, consistently recorded: a head trained on 256 features must refuse it.
store("dim128.h5", lambda f: (replace("features", f["features"][:, :128])(f), set_attr("feature_dim", np.int64(128))(f)))


def corrupt(name, where):
    """4 KB of random bytes written over the store at a byte offset where(f)."""
    path = out(name)
    shutil.copy(os.path.join(DATA, "val.h5"), path)
    with h5py.File(path, "r") as f:
        offset = where(f)
    with open(path, "r+b") as g:
        g.seek(offset)
        g.write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())


corrupt("corrupt.h5", lambda f: f["features"].id.get_chunk_info(0).byte_offset + 20000)
corrupt("corrupt_meta.h5", lambda f: 48)  # the root group's object header follows the superblock
with open(os.path.join(DATA, "val.h5"), "rb") as f:
    whole = f.read()
open(out("trunc.h5"), "wb").write(whole[: len(whole) // 2])
open(out("text.h5"), "w").write("image,valence\n")
open(out("empty.h5"), "w").close()


# ---- backbones -------------------------------------------------------------------------------
class Pool(torch.nn.Module):
    """The shape of the demo backbone: pooled pixels to D features and 8 logits."""

    def __init__(self, dim: int = 256):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        self.w = torch.nn.Parameter(torch.randn(192, dim, generator=g) / 14.0, requires_grad=False)
        self.v = torch.nn.Parameter(torch.randn(dim, 8, generator=g) / 16.0, requires_grad=False)

    def features(self, x):
        b = x.size(0)
        p = torch.nn.functional.adaptive_avg_pool2d(x, 8).reshape(b, 192)
        return torch.relu(p @ self.w)


class NanSecond(Pool):
    def forward(self, x):
        f = self.features(x)
        if f.size(0) > 1:
            f[1, 0] = float("nan")
        return f, f @ self.v


class AllNan(Pool):
    def forward(self, x):
        f = self.features(x)
        if f.size(0) > 1:
            f = f * float("nan")
        return f


class InfLogits(Pool):
    def forward(self, x):
        f = self.features(x)
        return f, f @ self.v + float("inf")


class ZeroFeatures(Pool):
    def forward(self, x):
        return x.new_zeros(x.size(0), 0)


class LogitsBatchOne(Pool):
    def forward(self, x):
        f = self.features(x)
        return f, (f @ self.v)[:1]


class Raises(Pool):
    def forward(self, x):
        if x.size(0) > 1:
            raise RuntimeError("this backbone refuses batches")
        return self.features(x)


class ThreeDims(Pool):
    def forward(self, x):
        return self.features(x).unsqueeze(2)


class Dict(Pool):
    def forward(self, x):
        return {"f": self.features(x)}


class Integers(Pool):
    def forward(self, x):
        return self.features(x).long()


class Changing(Pool):
    def forward(self, x):
        return self.features(x)[:, : 32 + x.size(0)]


class LogitsOnly(Pool):
    """What an unconverted classifier gives: its 8 logits alone."""

    def forward(self, x):
        return self.features(x) @ self.v


class NarrowTuple(Pool):
    def forward(self, x):
        z = self.features(x) @ self.v
        return z, z[:, :2]


class Scaled(Pool):
    """A valid backbone of the demo's dims, but not the demo's: predictions should warn."""

    def forward(self, x):
        f = self.features(x)
        return f, f @ self.v


for cls in (NanSecond, AllNan, InfLogits, ZeroFeatures, LogitsBatchOne, Raises, ThreeDims, Dict, Integers, Changing,
            LogitsOnly, NarrowTuple,
            Scaled):
    torch.jit.save(torch.jit.script(cls().eval()), out("bb_" + cls.__name__.lower() + ".pt"))
open(out("bb_text.pt"), "w").write("def forward(x): return x\n")


# ---- checkpoints (given trained ones in OUT by catalogue.sh) -----------------------------------
def flip_tensor_bytes(src, dst, every=False):
    """Changes 16 bytes in the middle of the first tensor record of a LibTorch zip archive (with
    every, of each record of 64 bytes or more but the 5056-byte random generator state)."""
    import zipfile
    data = bytearray(open(src, "rb").read())
    with zipfile.ZipFile(src) as z:
        records = [i for i in z.infolist() if "/data/" in i.filename and i.file_size >= 64 and i.file_size != 5056]
    for info in records if every else records[:1]:
        name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
        start = info.header_offset + 30 + name_len + extra_len + info.file_size // 2
        data[start: start + 16] = bytes(255 - b for b in data[start: start + 16])
    open(dst, "wb").write(bytes(data))


if os.path.exists(out("au.pt")):
    flip_tensor_bytes(out("au.pt"), out("au_crc.pt"))
    # Head kinds: one this toolkit does not know (a newer toolkit's), and one of another task.
    for name, kind in (("kind_new.pt", "au-future"), ("kind_task.pt", "va-linear")):
        ckpt = torch.jit.load(out("au.pt"))
        meta = json.loads(ckpt.metadata)
        meta["head_kind"] = kind
        ckpt._c.setattr("metadata", json.dumps(meta))
        torch.jit.save(ckpt, out(name))
if os.path.exists(out("st.pt.resume")):  # the state a killed training run left
    # edited: its epoch set to -4 (the weights and the identity as they were)
    state = torch.jit.load(out("st.pt.resume"))
    state._c.setattr("epoch", -4)
    torch.jit.save(state, out("ep.pt.resume"))
    flip_tensor_bytes(out("st.pt.resume"), out("st.pt.resume"), every=True)


# ---- images ----------------------------------------------------------------------------------
root = out("img")
os.makedirs(os.path.join(root, "v"), exist_ok=True)
src = os.path.join(DATA, "cropped_aligned", "100-1")
good = sorted(os.listdir(src))[:4]
for i, name in enumerate(good):
    shutil.copy(os.path.join(src, name), os.path.join(root, "v", "good%d.jpg" % i))
jpeg = open(os.path.join(src, good[0]), "rb").read()
open(os.path.join(root, "v", "trunc.jpg"), "wb").write(jpeg[: len(jpeg) * 6 // 10])
open(os.path.join(root, "v", "garbage.jpg"), "wb").write(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
open(os.path.join(root, "v", "empty.jpg"), "wb").close()
os.makedirs(os.path.join(root, "v", "dir.jpg"), exist_ok=True)
if not os.path.lexists(os.path.join(root, "v", "zero.jpg")):
    os.symlink("/dev/zero", os.path.join(root, "v", "zero.jpg"))
if not os.path.exists(os.path.join(root, "v", "fifo.jpg")):
    os.mkfifo(os.path.join(root, "v", "fifo.jpg"))
with open(os.path.join(root, "v", "huge.jpg"), "wb") as f:  # sparse: takes no disk
    f.write(jpeg[:100])
    f.truncate(65 << 20)


def png(w, h):
    raw = b"".join(b"\0" + bytes(rng.integers(0, 256, 3 * w, dtype=np.uint8)) for _ in range(h))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


image = png(48, 48)
open(os.path.join(root, "v", "good.png"), "wb").write(image)
open(os.path.join(root, "v", "trunc.png"), "wb").write(image[: len(image) - 40])
open(os.path.join(OUT, "outside.jpg"), "wb").write(jpeg)
