"""Compares mtl-score with scikit-learn's f1_score and a numpy CCC on random inputs, to 1e-6.

Usage: check_score_sklearn.py MTL_SCORE WORKDIR. Exits 77 (skipped) without scikit-learn.
"""
import json
import subprocess
import sys

try:
    import numpy as np
    from sklearn.metrics import f1_score
except ImportError:
    print("scikit-learn or numpy is missing: skipped")
    sys.exit(77)

AUS = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26".split(",")


def ccc(x, y):
    mx, my = x.mean(), y.mean()
    sxy = ((x - mx) * (y - my)).mean()
    return 2 * sxy / (x.var() + y.var() + (mx - my) ** 2)


def main():
    score_bin, work = sys.argv[1], sys.argv[2]
    failures = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(50, 400))
        au_t = (rng.random((n, 12)) < rng.random(12) * 0.6).astype(int)
        au_p = np.where(rng.random((n, 12)) < 0.7, au_t, 1 - au_t)
        au_p[:, 11] = 0  # an AU never predicted
        ex_t = rng.integers(0, 7, n)  # class 7 never in the truth
        ex_p = np.where(rng.random(n) < 0.5, ex_t, rng.integers(0, 8, n))
        va_t = np.clip(rng.normal(0, 0.4, (n, 2)), -1, 1).round(4)
        va_p = np.clip(va_t * 0.6 + rng.normal(0, 0.3, (n, 2)), -1, 1).astype(np.float32)
        truth, preds = f"{work}/t{seed}.txt", f"{work}/p{seed}.jsonl"
        with open(truth, "w") as f:
            f.write("image,valence,arousal,expression," + ",".join(AUS) + "\n")
            for i in range(n):
                f.write(f"v/{i}.jpg,{va_t[i,0]},{va_t[i,1]},{ex_t[i]}," + ",".join(map(str, au_t[i])) + "\n")
        with open(preds, "w") as f:
            for i in range(n):
                f.write(json.dumps({"image": f"v/{i}.jpg", "au": au_p[i].tolist(), "ex": int(ex_p[i]),
                                    "va": [float(va_p[i, 0]), float(va_p[i, 1])]}) + "\n")
        # stderr is not captured: a failure's message (or a sanitizer report) shows in the test's output
        out = json.loads(subprocess.run([score_bin, "--json", "--truth", truth, preds], check=True,
                                        stdout=subprocess.PIPE, text=True).stdout)
        want = {
            "P_AU": np.mean([f1_score(au_t[:, i], au_p[:, i], zero_division=0) for i in range(12)]),
            "P_EX": f1_score(ex_t, ex_p, labels=list(range(8)), average="macro", zero_division=0),
            "CCC_V": ccc(va_t[:, 0].astype(np.float32).astype(np.float64), va_p[:, 0].astype(np.float64)),
            "CCC_A": ccc(va_t[:, 1].astype(np.float32).astype(np.float64), va_p[:, 1].astype(np.float64)),
        }
        want["P_VA"] = (want["CCC_V"] + want["CCC_A"]) / 2
        want["P_MTL"] = want["P_AU"] + want["P_EX"] + want["P_VA"]
        for k, v in want.items():
            if abs(out[k] - v) > 1e-6:
                print(f"seed {seed}: {k} mtl-score {out[k]} scikit-learn/numpy {v}")
                failures += 1
        print(f"seed {seed}: n={n} " + " ".join(f"{k}={out[k]:.6f}" for k in want))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
