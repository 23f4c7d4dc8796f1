#!/usr/bin/env python3
"""Writes N rows of truth (annotation CSV) and predictions (JSON lines) for the scoring benchmark:
make_scoring.py TRUTH.csv PRED.jsonl N. Some rows miss labels, as in Aff-Wild2."""
import sys

import numpy as np

truth, pred, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(3)
au_t = (rng.random((n, 12)) < 0.3).astype(int)
au_t[rng.random(n) < 0.2] = -1
au_p = np.where(rng.random((n, 12)) < 0.7, np.abs(au_t), 1 - np.abs(au_t))
ex_t = rng.integers(0, 8, n)
ex_t[rng.random(n) < 0.2] = -1
ex_p = np.where(rng.random(n) < 0.5, np.maximum(ex_t, 0), rng.integers(0, 8, n))
va_t = np.clip(rng.normal(0, 0.4, (n, 2)), -1, 1).round(4)
va_t[rng.random(n) < 0.2] = -5
va_p = np.clip(np.where(va_t > -5, va_t, 0) * 0.6 + rng.normal(0, 0.3, (n, 2)), -1, 1).round(5)
with open(truth, "w") as f:
    f.write("image,valence,arousal,expression,AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26\n")
    for i in range(n):
        f.write(f"v{i // 1000}/{i % 1000:05d}.jpg,{va_t[i, 0]},{va_t[i, 1]},{ex_t[i]}," + ",".join(map(str, au_t[i])) + "\n")
with open(pred, "w") as f:
    for i in range(n):
        f.write('{"image":"v%d/%05d.jpg","au":[%s],"ex":%d,"va":[%s,%s]}\n' % (
            i // 1000, i % 1000, ",".join(map(str, au_p[i])), ex_p[i], va_p[i, 0], va_p[i, 1]))
