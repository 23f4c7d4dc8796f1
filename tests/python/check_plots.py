"""Makes inputs for the figures and checks the PNG files that mtl-score --plot and mtl-plot write,
from their pixels, against numbers computed here (tests/e2e/plot.sh runs it).

  check_plots.py make-score DIR         DIR/truth.txt, DIR/pred.jsonl, DIR/expected.json
  check_plots.py check-score PREFIX EXPECTED
  check_plots.py make-log FILE          a log of 10 epochs: losses fall, the score rises, linearly
  check_plots.py check-trend PNG        the curves of that log run the right way
  check_plots.py check-image PNG RUNS   a valid, non-blank PNG with RUNS distinct run colours; prints WxH

Exits 77 (skipped) without numpy and PIL, 1 with a message on the first failed check.
"""
import colorsys
import json
import random
import sys

try:
    import numpy as np
    from PIL import Image
except ImportError:
    print("numpy or PIL is missing: skipped")
    sys.exit(77)

AUS = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26".split(",")
# Expression rows (truth -> {predicted: count}); Happiness (4) has no rows.
CONFUSION = {0: {0: 10}, 1: {1: 2, 0: 2}, 2: {2: 1, 3: 4}, 3: {3: 3}, 5: {5: 2, 6: 1, 7: 3},
             6: {6: 1, 7: 1, 0: 1, 1: 1}, 7: {7: 6, 4: 2}}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def f1(t, p):
    tp = sum(1 for a, b in zip(t, p) if a and b)
    fp = sum(1 for a, b in zip(t, p) if not a and b)
    fn = sum(1 for a, b in zip(t, p) if a and not b)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def make_score(d):
    pairs = [(t, p) for t, row in CONFUSION.items() for p, n in row.items() for _ in range(n)]
    n = len(pairs)
    rng = random.Random(5)
    truth = [[rng.randint(0, 1) for _ in AUS] for _ in range(n)]
    pred = [[rng.randint(0, 1) for _ in AUS] for _ in range(n)]
    for i in range(n):
        truth[i][0] = pred[i][0] = i % 3 == 0                    # AU1: predicted exactly, F1 1
        truth[i][1], pred[i][1] = i % 2, 1 - i % 2                # AU2: always wrong, F1 0
        truth[i][2], pred[i][2] = i in (0, 1), i in (0, 2)        # AU4: TP 1, FP 1, FN 1, F1 0.5
        truth[i][11], pred[i][11] = i < 3, i < 4                  # AU26: TP 3, FP 1, F1 6/7
    with open(d + "/truth.txt", "w") as f:
        f.write("image,valence,arousal,expression," + ",".join(AUS) + "\n")
        for i, (t, _) in enumerate(pairs):
            f.write("v/%04d.jpg,0.1,0.2,%d,%s\n" % (i, t, ",".join(str(int(a)) for a in truth[i])))
        f.write("v/9999.jpg,0.1,0.2,-1,%s\n" % ",".join("-1" for _ in AUS))  # no labels: left out
    with open(d + "/pred.jsonl", "w") as f:
        for i, (_, p) in enumerate(pairs):
            f.write(json.dumps({"image": "v/%04d.jpg" % i, "au": [int(a) for a in pred[i]], "ex": p}) + "\n")
        f.write(json.dumps({"image": "v/9999.jpg", "au": [0] * 12, "ex": 3}) + "\n")
    au_f1 = [f1([r[k] for r in truth], [r[k] for r in pred]) for k in range(len(AUS))]
    assert au_f1[0] == 1 and au_f1[1] == 0 and au_f1[2] == 0.5 and abs(au_f1[11] - 6 / 7) < 1e-12
    shares = [[0.0] * 8 for _ in range(8)]
    for t, row in CONFUSION.items():
        for p, c in row.items():
            shares[t][p] = c / sum(row.values())
    with open(d + "/expected.json", "w") as f:
        json.dump({"au_f1": au_f1, "mean": sum(au_f1) / 12, "shares": shares, "rows": n}, f)


def load(path):
    with open(path, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail(path + ": not a PNG file")
    img = Image.open(path)
    img.verify()  # checksums and structure
    img = Image.open(path)
    img.load()
    if img.mode != "RGB":
        fail("%s: mode %s, not RGB" % (path, img.mode))
    a = np.asarray(img).astype(int)
    h, w, _ = a.shape
    if not (400 <= w <= 2000 and 300 <= h <= 2000):
        fail("%s: size %dx%d out of the sensible range" % (path, w, h))
    colours = len(np.unique(a.reshape(-1, 3), axis=0))
    ink = (a.sum(axis=2) < 600).mean()
    if colours < 20 or not 0.005 < ink < 0.8:
        fail("%s: looks blank: %d colours, %.3f of it ink" % (path, colours, ink))
    return a


def saturated_colours(a, min_pixels):
    """The exact colours of saturated pixels, most frequent first, with their pixel counts."""
    px = a.reshape(-1, 3)
    px = px[px.max(axis=1) - px.min(axis=1) >= 80]
    cols, counts = np.unique(px, axis=0, return_counts=True)
    order = np.argsort(-counts)
    return [(cols[i], counts[i]) for i in order if counts[i] >= min_pixels]


def hue(c):
    return colorsys.rgb_to_hsv(*(np.asarray(c) / 255.0))[0]


def distinct(colours, n, apart=0.06):
    """The first n colours of the list whose hues lie `apart` (of a turn) from each other's:
    blends of one colour with white, at the edges of its shapes, keep its hue."""
    out = []
    for c, _ in colours:
        if all(min(abs(hue(c) - hue(o)), 1 - abs(hue(c) - hue(o))) > apart for o in out):
            out.append(c)
        if len(out) == n:
            break
    return out


def runs(mask_1d, max_gap=0):
    """(start, end) of the runs of True, gaps up to max_gap joined."""
    idx = np.flatnonzero(mask_1d)
    out = []
    for i in idx:
        if out and i - out[-1][1] <= max_gap + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def check_au_f1(path, exp):
    a = load(path)
    bar, mean_ink = distinct(saturated_colours(a, 50), 2)
    mask = (a == bar).all(axis=2)
    bars = [r for r in runs(mask.sum(axis=0) >= 3) if r[1] - r[0] >= 5]
    f1s = exp["au_f1"]
    want = [k for k in range(12) if f1s[k] > 0.01]
    if len(bars) != len(want):
        fail("%s: %d bars, expected %d (one per AU with F1 > 0)" % (path, len(bars), len(want)))
    centres = [(b[0] + b[1]) / 2 for b in bars]
    pitch = (centres[-1] - centres[0]) / (want[-1] - want[0])
    # A bar's extent in its middle column (the mean line may cross it): from its top to the base.
    base = max(np.flatnonzero(mask[:, int(c)]).max() for c in centres)
    heights = [base + 1 - np.flatnonzero(mask[:, int(c)]).min() for c in centres]
    full = heights[0]  # AU1, F1 1
    for c, hgt in zip(centres, heights):
        k = want[0] + round((c - centres[0]) / pitch)
        if k not in want:
            fail("%s: a bar at x=%d, where AU %s has F1 0" % (path, c, AUS[k]))
        if abs(hgt - f1s[k] * full) > 2.5:
            fail("%s: bar of %s is %d px, %.3f of the F1-1 bar; its F1 is %.3f" % (path, AUS[k], hgt, hgt / full, f1s[k]))
    x0, x1 = bars[0][0], bars[-1][1]
    near = (np.abs(a[:, x0:x1] - mean_ink).sum(axis=2) < 60).sum(axis=1)
    y_line = int(np.argmax(near))
    mean_drawn = (base + 0.5 - y_line) / full
    if abs(mean_drawn - exp["mean"]) * full > 2.5:
        fail("%s: the mean line is at F1 %.3f, the mean is %.3f" % (path, mean_drawn, exp["mean"]))
    print("ok: %s: %d bars, heights match F1 (AU1 %d px, AU2 none), mean line at %.3f (mean %.3f)"
          % (path, len(bars), full, mean_drawn, exp["mean"]))


def check_confusion(path, exp):
    a = load(path)
    blue = (a[:, :, 2] - a[:, :, 0] >= 5)
    rows = runs(blue.sum(axis=1) > 0.4 * a.shape[1], 3)
    y0, y1 = max(rows, key=lambda r: r[1] - r[0])
    cols = runs(blue[y0:y1 + 1].sum(axis=0) > 0.5 * (y1 - y0), 3)
    x0, x1 = max(cols, key=lambda r: r[1] - r[0])
    cw, ch = (x1 - x0 + 1) / 8, (y1 - y0 + 1) / 8
    if not (40 < cw < 200 and 25 < ch < 120):
        fail("%s: found a grid of cells %.0fx%.0f px" % (path, cw, ch))
    bright = [[a[int(y0 + (t + 0.15) * ch), int(x0 + (p + 0.1) * cw)].sum() for p in range(8)] for t in range(8)]
    cells = [(exp["shares"][t][p], bright[t][p], t, p) for t in range(8) for p in range(8)]
    for s1, b1, t1, p1 in cells:
        for s2, b2, t2, p2 in cells:
            if s1 < s2 - 0.02 and not b1 > b2:
                fail("%s: cell (%d,%d) (share %.2f) is not lighter than (%d,%d) (share %.2f)" % (path, t1, p1, s1, t2, p2, s2))
            if abs(s1 - s2) < 1e-9 and abs(b1 - b2) > 6:
                fail("%s: cells (%d,%d) and (%d,%d) share %.2f but differ in shade" % (path, t1, p1, t2, p2, s1))
    print("ok: %s: an 8x8 grid of %.0fx%.0f px cells, shaded in the order of the row shares" % (path, cw, ch))


def make_log(path):
    with open(path, "w") as f:
        for e in range(1, 11):
            f.write(json.dumps({"task": "ex", "epoch": e, "train_loss": 1.1 - 0.1 * e, "val_loss": 1.0 - 0.08 * e,
                                "val_score": 0.1 * e, "best_epoch": e, "wall_s": 0.5}) + "\n")


def check_trend(path):
    a = load(path)
    h, w, _ = a.shape
    (run,) = distinct(saturated_colours(a, 50), 1)
    mask = np.abs(a - run).sum(axis=2) < 60
    mask[h - 60:] = False  # the legend
    for name, half, sign in (("loss", mask[:, : w // 2], 1), ("score", mask[:, w // 2:], -1)):
        ys, xs = np.nonzero(half)
        if len(xs) < 100:
            fail("%s: the %s panel has %d pixels of the run's colour" % (path, name, len(xs)))
        r = np.corrcoef(xs, ys)[0, 1]
        if sign * r < 0.9:
            fail("%s: the %s curve does not run the right way (correlation of x and y %.3f)" % (path, name, r))
        print("ok: %s: the %s curve runs the right way (correlation of x and y %.3f)" % (path, name, r))


def check_image(path, n_runs):
    a = load(path)
    found = distinct(saturated_colours(a, 200), n_runs)
    if len(found) < n_runs:
        fail("%s: %d distinct run colours, expected %d" % (path, len(found), n_runs))
    print("%dx%d" % (a.shape[1], a.shape[0]))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make-score":
        make_score(args[0])
    elif cmd == "check-score":
        exp = json.load(open(args[1]))
        check_confusion(args[0] + "-confusion.png", exp)
        check_au_f1(args[0] + "-au-f1.png", exp)
    elif cmd == "make-log":
        make_log(args[0])
    elif cmd == "check-trend":
        check_trend(args[0])
    elif cmd == "check-image":
        check_image(args[0], int(args[1]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
