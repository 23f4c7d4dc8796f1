"""Makes inputs for mtl-plot --timeline and checks what it writes against a join computed here,
independently of the toolkit (tests/e2e/plot.sh runs it).

  check_timeline.py make DIR
      DIR/faces.jsonl     mtl-faces' lines (--faces all layout) of video "clip", 40 frames at 25 fps:
                          no face in frames 11-15 and 36-37, track 1 elsewhere but in 31-33, track 2 in
                          25-33 (listed before track 1); the crop of track 1 at frame 20 has no prediction
      DIR/pred.jsonl      mtl-predict's lines for the other crops, shuffled, with lines of other images
      DIR/pred-va.jsonl   the same with valence and arousal only
      DIR/faces-two.jsonl faces.jsonl and 3 frames of a video "other"
      DIR/faces-notime.jsonl  faces.jsonl with "time" null (a folder of images)
      DIR/faces-bad.jsonl faces.jsonl with line 3 cut short
  check_timeline.py check-csv CSV FACES PRED VIDEO TRACK   (TRACK 0: the lowest in each frame)
      the CSV's header, and each row against the join made here: every cell, blanks where expected
  check_timeline.py check-png PNG WIDTH HEIGHT [GAPS]
      a PNG of that size; with GAPS ("5,2:1" for the default track of make's data: no-face runs of
      5 and 2 frames, then runs of faces without a prediction), the shaded columns of the figure
      form those runs, in proportion and in place, and nothing is drawn over them

Exits 77 (skipped) without numpy and PIL, 1 with a message on the first failed check.
"""
import csv
import json
import math
import random
import sys

try:
    import numpy as np
    from PIL import Image
except ImportError:
    print("numpy or PIL is missing: skipped")
    sys.exit(77)

AUS = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26".split(",")
EXS = ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"]
FPS = 25
NO_FACE = set(range(11, 16)) | {36, 37}
TRACK1 = [f for f in range(1, 41) if f not in NO_FACE and f not in (31, 32, 33)]
TRACK2 = list(range(25, 34))
UNPREDICTED = {"clip_t1/00020.jpg"}
# The shades of lib/plot/timeline.cpp: no face, a face without a prediction.
SHADE_NO_FACE = (230, 230, 230)
SHADE_NO_PRED = (250, 214, 182)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def face(track, frame, rng):
    x, y = rng.uniform(50, 400), rng.uniform(40, 200)
    return {"track": track, "box": [x, y, x + 120, y + 150], "score": round(rng.uniform(0.96, 1), 4),
            "landmarks": [[x + 30 + 15 * k, y + 60 + 10 * (k // 2)] for k in range(5)],
            "crop": "clip_t%d/%05d.jpg" % (track, frame)}


def make(d):
    rng = random.Random(11)
    lines, crops = [], []
    for f in range(1, 41):
        faces = []
        if f in TRACK2:
            faces.append(face(2, f, rng))
        if f in TRACK1:
            faces.append(face(1, f, rng))
        crops += [x["crop"] for x in faces]
        lines.append({"video": "clip", "frame": f, "time": (f - 1) / FPS, "faces": faces})
    write = lambda name, rows: open(d + "/" + name, "w").write("".join(json.dumps(r) + "\n" for r in rows))
    write("faces.jsonl", lines)
    write("faces-notime.jsonl", [dict(r, time=None) for r in lines])
    other = [{"video": "other", "frame": f, "time": None, "faces": []} for f in (1, 2, 3)]
    write("faces-two.jsonl", lines[:20] + other + lines[20:])
    text = open(d + "/faces.jsonl").read().splitlines()
    text[2] = text[2][:40]
    open(d + "/faces-bad.jsonl", "w").write("\n".join(text) + "\n")
    preds = []
    for c in crops + ["other_t1/%05d.jpg" % f for f in range(1, 6)]:
        if c in UNPREDICTED:
            continue
        prob = [round(rng.random(), 6) for _ in AUS]
        e = [rng.random() ** 3 for _ in EXS]
        e = [round(v / sum(e), 6) for v in e]
        preds.append({"image": c, "au": [int(p >= 0.5) for p in prob], "au_prob": prob,
                      "ex": max(range(8), key=lambda k: e[k]), "ex_prob": e,
                      "va": [round(rng.uniform(-1, 1), 6), round(rng.uniform(-1, 1), 6)]})
    rng.shuffle(preds)
    write("pred.jsonl", preds)
    write("pred-va.jsonl", [{"image": p["image"], "va": p["va"]} for p in preds])


def expected_rows(faces_path, pred_path, video, track):
    frames = [json.loads(l) for l in open(faces_path) if l.strip()]
    frames = sorted((f for f in frames if f["video"] == video), key=lambda f: f["frame"])
    preds = {}
    for l in open(pred_path):
        if l.strip():
            p = json.loads(l)
            preds[p["image"]] = p
    rows = []
    for f in frames:
        cands = [x for x in f["faces"] if track == 0 or x["track"] == track]
        chosen = min(cands, key=lambda x: x["track"]) if cands else None
        p = preds.get(chosen["crop"]) if chosen else None
        row = {"video": video, "frame": str(f["frame"]),
               "time": "" if f["time"] is None else f["time"], "face": chosen["crop"] if chosen else ""}
        for k, a in enumerate(AUS):
            row[a] = p["au_prob"][k] if p and "au_prob" in p else ""
        row["expression"] = EXS[p["ex"]] if p and "ex" in p else ""
        row["valence"] = p["va"][0] if p and "va" in p else ""
        row["arousal"] = p["va"][1] if p and "va" in p else ""
        rows.append(row)
    return rows


def check_csv(path, faces_path, pred_path, video, track):
    with open(path, newline="") as f:
        got = list(csv.reader(f))
    header = ["video", "frame", "time", "face"] + AUS + ["expression", "valence", "arousal"]
    if got[0] != header:
        fail("%s: header %s, expected %s" % (path, got[0], header))
    want = expected_rows(faces_path, pred_path, video, track)
    if len(got) - 1 != len(want):
        fail("%s: %d rows, expected %d (one per frame of %s)" % (path, len(got) - 1, len(want), video))
    blanks = 0
    for i, (g, w) in enumerate(zip(got[1:], want)):
        if len(g) != len(header):
            fail("%s row %d (frame %s): %d cells, expected %d" % (path, i + 1, w["frame"], len(g), len(header)))
        for name, cell in zip(header, g):
            exp = w[name]
            if isinstance(exp, float):
                # The toolkit reads the predictions' numbers as float32 and writes them back exactly.
                ok = cell != "" and math.isclose(float(cell), exp, rel_tol=1e-6, abs_tol=1e-7)
            else:
                ok = cell == exp
            if not ok:
                fail("%s row %d (frame %s), %s: %r, expected %r" % (path, i + 1, w["frame"], name, cell, exp))
        blanks += g[4] == ""
    print("%s: %d rows as joined here, %d without AU values" % (path, len(want), blanks))


def check_png(path, width, height, gaps=None):
    img = Image.open(path)
    img.load()
    if img.mode != "RGB" or img.size != (width, height):
        fail("%s: %s %dx%d, expected RGB %dx%d" % (path, img.mode, img.size[0], img.size[1], width, height))
    a = np.asarray(img).astype(int)
    if len(np.unique(a.reshape(-1, 3), axis=0)) < 20:
        fail(path + ": looks blank")
    if gaps is None:
        return
    no_face, no_pred = ([int(x) for x in part.split(",") if x] for part in gaps.split(":"))

    def shaded_runs(colour):
        # Columns with a tall patch of the shade (the legend's swatches are 10 pixels high); a
        # grid line of the valence-arousal panel may cross a run.
        tall = ((a == colour).all(axis=2).sum(axis=0)) >= 30
        idx = np.flatnonzero(tall)
        out = []
        for i in idx:
            if out and i <= out[-1][1] + 4:
                out[-1][1] = i
            else:
                out.append([i, i])
        return [(s, e - s + 1) for s, e in out]

    nf, npred = shaded_runs(SHADE_NO_FACE), shaded_runs(SHADE_NO_PRED)
    if [len(nf), len(npred)] != [len(no_face), len(no_pred)]:
        fail("%s: shaded runs %s (no face) and %s (no prediction), expected %d and %d" %
             (path, nf, npred, len(no_face), len(no_pred)))
    px = nf[0][1] / no_face[0]  # one frame's width
    for (start, w), n in list(zip(nf, no_face)) + list(zip(npred, no_pred)):
        if abs(w - n * px) > 2:
            fail("%s: a shaded run of %d px for %d frames (a frame is %.1f px)" % (path, w, n, px))
    print("%s: %dx%d, shaded runs %s and %s (%.1f px a frame)" % (path, width, height, nf, npred, px))
    return nf, npred, px


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make":
        make(args[0])
    elif cmd == "check-csv":
        check_csv(args[0], args[1], args[2], args[3], int(args[4]))
    elif cmd == "check-png":
        r = check_png(args[0], int(args[1]), int(args[2]), args[3] if len(args) > 3 else None)
        if r and len(args) > 4:  # the runs in place: frames START,START... of the runs, in order
            starts = [int(x) for x in args[4].split(",")]
            nf, npred, px = r
            runs = sorted(nf + npred)
            for (s, _), f in zip(runs[1:], starts[1:]):
                if abs((s - runs[0][0]) - (f - starts[0]) * px) > 2:
                    fail("%s: the run of frame %d starts %d px after the first, expected %.1f" %
                         (args[0], f, s - runs[0][0], (f - starts[0]) * px))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
