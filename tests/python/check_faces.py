#!/usr/bin/env python3
"""Compares mtl-faces' frame lines and crops with the independent Python pipeline:

  check_faces.py OURS.jsonl REFERENCE.jsonl OURS_DIR MEDIA...

Detection: REFERENCE.jsonl is tests/python/faces_reference.py's output (the original ONNX in
onnxruntime, its own prior decoding and suppression). Every frame must be in both, in the same
order, with the same number of faces; each face's box must overlap the reference's by IoU >= 0.95
and its landmarks lie within 1 pixel; "time" must agree to 1e-6 s.

Alignment: each of our crops (PNG: mtl-faces --format png) must equal, within 1 grey level, the
crop made here from the same landmarks (those our line gives): a least-squares similarity onto
the ArcFace template written here (Umeyama's SVD form in numpy, which must agree to 1e-9 with the
plane's closed form, whose matrix is used), applied with cv2.warpAffine to the frame
decoded here from MEDIA (the input whose name is the line's video). The same landmarks, because
warpAffine interpolates on a 1/32-pixel grid: landmarks 1e-4 px apart (the two detectors) can
fall on either side of a grid line and move an edge pixel by 2 or 3 grey levels (measured: 6 of
37632 values of a crop; with the same landmarks, none).

Prints the worst figures; exit 0 when all hold, 1 otherwise.
"""
import json
import os
import sys

import cv2
import numpy as np


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                    [70.7299, 92.2041]])


def umeyama(src, dst):
    """The 2x3 similarity (no reflection) mapping src onto dst with the least squared error."""
    src, dst = np.asarray(src, float), np.asarray(dst, float)
    ms, md = src.mean(0), dst.mean(0)
    sc, dc = src - ms, dst - md
    cov = dc.T @ sc / len(src)
    u, sv, vt = np.linalg.svd(cov)
    d = np.array([1.0, -1.0 if np.linalg.det(cov) < 0 else 1.0])
    r = u @ np.diag(d) @ vt
    scale = (sv * d).sum() / (sc ** 2).sum(1).mean()
    return np.hstack([scale * r, (md - scale * r @ ms)[:, None]])


def closed_form(src, dst):
    """The same least-squares similarity in the plane's closed form, [[a, -b], [b, a]] + t, summed
    in the order mtl-faces sums (so that the two agree to the last bit and warpAffine's 1/32-pixel
    grid sees the same positions)."""
    n = len(src)
    msx = msy = mdx = mdy = 0.0
    for (sx, sy), (dx, dy) in zip(src, dst):
        msx, msy, mdx, mdy = msx + sx, msy + sy, mdx + dx, mdy + dy
    msx, msy, mdx, mdy = msx / n, msy / n, mdx / n, mdy / n
    na = nb = den = 0.0
    for (sx, sy), (dx, dy) in zip(src, dst):
        sx, sy, dx, dy = sx - msx, sy - msy, dx - mdx, dy - mdy
        na += sx * dx + sy * dy
        nb += sx * dy - sy * dx
        den += sx * sx + sy * sy
    a, b = na / den, nb / den
    return np.array([[a, -b, mdx - (a * msx - b * msy)], [b, a, mdy - (b * msx + a * msy)]])


def frames_of(path):
    """The frames of a video (numbered from 1), or the one frame of an image."""
    if os.path.splitext(path)[1].lower() in (".jpg", ".jpeg", ".png", ".bmp"):
        yield 1, cv2.imread(path, cv2.IMREAD_COLOR)
        return
    cap = cv2.VideoCapture(path)
    n = 0
    while True:
        ok, f = cap.read()
        if not ok:
            return
        n += 1
        yield n, f


def main():
    ours_file, ref_file, ours_dir = sys.argv[1:4]
    media = {os.path.splitext(os.path.basename(m))[0]: m for m in sys.argv[4:]}
    ours = [json.loads(l) for l in open(ours_file) if l.strip()]
    ref = [json.loads(l) for l in open(ref_file) if l.strip()]
    problems = []
    if [(f["video"], f["frame"]) for f in ours] != [(f["video"], f["frame"]) for f in ref]:
        problems.append("the frames differ: %d lines here, %d in the reference" % (len(ours), len(ref)))
    worst_iou, worst_lm, worst_px, worst_t, crops, worst_m = 1.0, 0.0, 0, 0.0, 0, 0.0
    for o, r in zip(ours, ref):
        where = "%s frame %d" % (o["video"], o["frame"])
        if (o["time"] is None) != (r["time"] is None):
            problems.append(where + ": time %r, reference %r" % (o["time"], r["time"]))
        elif o["time"] is not None:
            worst_t = max(worst_t, abs(o["time"] - r["time"]))
        if len(o["faces"]) != len(r["faces"]):
            problems.append(where + ": %d faces, reference %d" % (len(o["faces"]), len(r["faces"])))
            continue
        # Faces in the same order (largest first, or by score); match each to its best overlap.
        for fo in o["faces"]:
            fr = max(r["faces"], key=lambda f: iou(fo["box"], f["box"]))
            i = iou(fo["box"], fr["box"])
            d = float(np.abs(np.array(fo["landmarks"]) - np.array(fr["landmarks"])).max())
            worst_iou, worst_lm = min(worst_iou, i), max(worst_lm, d)
            if i < 0.95:
                problems.append(where + ": box IoU %.4f with the reference's" % i)
            if d > 1.0:
                problems.append(where + ": a landmark %.3f px from the reference's" % d)
    # The crops, from each input's frames decoded here.
    by_frame = {(o["video"], o["frame"]): o for o in ours}
    for name, path in media.items():
        for n, frame in frames_of(path):
            o = by_frame.get((name, n))
            if o is None:
                continue
            for fo in o["faces"]:
                if not fo.get("crop", "").endswith(".png"):
                    continue
                # The line's numbers are float32 (the shortest text that reads back as the same float).
                lm = [[float(v) for v in p] for p in np.array(fo["landmarks"], dtype=np.float32)]
                tmpl = [[float(v) for v in p] for p in ARCFACE.astype(np.float32)]  # as mtl-faces holds it
                m = closed_form(lm, tmpl)
                worst_m = max(worst_m, float(np.abs(m - umeyama(lm, tmpl)).max()))
                mine = cv2.warpAffine(frame, m, (112, 112), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                      borderValue=0)
                theirs = cv2.imread(os.path.join(ours_dir, fo["crop"]), cv2.IMREAD_COLOR)
                diff = int(np.abs(mine.astype(int) - theirs.astype(int)).max())
                worst_px = max(worst_px, diff)
                crops += 1
                if diff > 1:
                    problems.append("%s frame %d: the crop is %d grey levels from the one made here" % (name, n, diff))
    if crops == 0:
        problems.append("no crop was compared (give the inputs, and mtl-faces --format png)")
    if worst_m > 1e-9:
        problems.append("the closed form and the SVD differ by %g" % worst_m)
    if worst_t > 1e-6:
        problems.append("a time differs by %g s" % worst_t)
    print("%d frames, %d faces; worst box IoU %.5f, worst landmark %.4f px; %d crops compared, worst %d grey levels; "
          "worst time %.2g s; closed-form similarity vs SVD %.2g" % (len(ours), sum(len(f["faces"]) for f in ours), worst_iou,
                                                          worst_lm, crops, worst_px, worst_t, worst_m))
    for p in problems[:20]:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
