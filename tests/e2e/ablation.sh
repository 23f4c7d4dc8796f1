# examples/ablation.sh on the demo data, locally, with 2 seeds and tiny heads: the halves are the
# alternate videos, every cell is there, and the table's means, sds and paired differences equal
# an independent computation (Python's statistics module) from the per-cell mtl-score files. A
# rerun does no work again and prints the same table; a rerun with other settings is refused. A
# temporal variant (t8-conv) added to the run trains AU, EX and VA heads with context, the AU and VA
# heads in their own folder, and leaves the per-frame heads and cells as they are. Flips and a
# second backbone (flip+tta, b0+b2) added to the run: the stores they need are extracted then and
# not before, the flipping heads and the joined ones in their own folders, the predictions of
# flip+tta are mtl-predict --tta flip's, and a second demo backbone with other images is refused.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$PY" ] || { echo "skipped: no Python at $PY"; exit 77; }
start=$(date +%s)
A="$SRC/examples/ablation.sh"
O="$WORK/abl"
POSTS=raw,tuned,smoothed,tuned+smoothed

# Tiny heads, so that the 2 x 2 heads and 3 x 2 EX heads train in seconds.
set -- installed "$DATA" --seeds 1,2 --post "$POSTS" --out "$O" --au-opts "--epochs 2 --node-dim 16" \
  --ex-opts "--epochs 4" --va-opts "--epochs 3"
ARGS=("$@")

run_table <<EOF
2 | unknown '?bogus'? | bash $A --variants paper,bogus
2 | --seeds must be | bash $A --seeds 3-1
2 | twice | bash $A --seeds 1,1
2 | unknown option | bash $A --epochs 3
1 | no-such.h5: no such file | bash $A --train $WORK/no-such.h5 installed $DATA
1 | no-such.pt: no such file .--backbone2 | bash $A --variants b2 --backbone2 $WORK/no-such.pt --out $WORK/bad installed $DATA
1 | no-such.txt: no such file .--train-list | bash $A --variants flip --train-list $WORK/no-such.txt --out $WORK/bad installed $DATA
1 | are not those of | bash $A --variants b2 --b2-demo-opts '--seed 8' --seeds 1 --post raw --out $WORK/bad installed $DATA
EOF
bash "$A" --help | grep -q '^  flip+tta  *--attention additive | --augment flip | predict: --tta flip' &&
  pass "--help lists the flip and backbone variants" || fail "--help lacks flip+tta"
bash "$A" --help | grep -q '^Usage: examples/ablation.sh' && pass "--help prints the usage" || fail "--help"

expect_exit 0 "the ablation runs (2 seeds x 3 variants x 4 post-processings)" -- bash "$A" "${ARGS[@]}"
cp "$WORK/out" "$WORK/table1.txt"
cat "$WORK/table1.txt"
echo "($(( $(date +%s) - start )) s) first run done"

# Independent checks in Python: the halves, the cells, the statistics (text and TSV tables).
"$PY" - "$DATA/val.txt" "$O" "$WORK/table1.txt" "$POSTS" <<'PY' && pass "the table equals Python's statistics of the cells" || fail "the table's numbers"
import json, math, statistics, sys
truth, out, text, posts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
variants, seeds, bad = ["paper", "additive", "none"], ["1", "2"], []
def check(ok, what):
    if not ok: bad.append(what)

# Halves: videos sorted, dealt alternately; each half keeps the header and the rows' order.
lines = open(truth).read().splitlines()
videos = sorted({l.split(",")[0].rsplit("/", 1)[0] for l in lines[1:]})
for k, name in ((0, "val-a.txt"), (1, "val-b.txt")):
    want = [lines[0]] + [l for l in lines[1:] if videos.index(l.split(",")[0].rsplit("/", 1)[0]) % 2 == k]
    check(open(f"{out}/{name}").read().splitlines() == want, f"{name} is not the alternate videos")

keys = ["P_AU", "P_EX", "P_VA", "P_MTL"]
score = {}
for v in variants:
    for s in seeds:
        for p in posts:
            j = json.load(open(f"{out}/cells/{v}/s{s}/{p}.json"))
            score[v, s, p] = [j[k] for k in keys]
            check(abs(j["P_MTL"] - (j["P_AU"] + j["P_EX"] + j["P_VA"])) < 1e-12, f"{v}/{s}/{p}: P_MTL")
            check(j["predictions_without_truth"] == 0 and j["truth_without_predictions"] == 0, f"{v}/{s}/{p}: rows")
# The AU and VA heads are shared by the variants: their raw scores agree within a seed.
for s in seeds:
    check(len({(score[v, s, "raw"][0], score[v, s, "raw"][2]) for v in variants}) == 1, f"seed {s}: AU/VA differ")
check(score["none", "1", "raw"] != score["none", "2", "raw"], "the seeds gave the same scores")

rows = [l.split("\t") for l in open(f"{out}/scores.tsv").read().splitlines()]
check(rows[0] == ["variant", "seed", "post"] + keys, "scores.tsv header")
check(len(rows) == 1 + len(variants) * len(seeds) * len(posts), "scores.tsv rows")
for r in rows[1:]:
    check([float(x) for x in r[3:]] == score[r[0], r[1], r[2]], f"scores.tsv {r[:3]}")

def close(a, b, tol):
    return a == b == "NA" or (a != "NA" and b != "NA" and abs(float(a) - float(b)) <= tol)
table = [l.split("\t") for l in open(f"{out}/table.tsv").read().splitlines()]
check(len(table) == 1 + len(variants) * len(posts), "table.tsv rows")
printed = {}
for l in open(text).read().splitlines():
    f = l.replace(" ± ", "±").split()
    if len(f) == 8 and f[0] in variants: printed[f[0], f[1]] = f[2:]
check(len(printed) == len(variants) * len(posts), f"printed rows: {len(printed)}")
for r in table[1:]:
    v, p = r[0], r[1]
    want = []
    for i in range(4):
        x = [score[v, s, p][i] for s in seeds]
        want += [statistics.mean(x), statistics.stdev(x)]
    for i in (1, 3):
        if v == "none": want += ["NA", "NA"]; continue
        d = [score[v, s, p][i] - score["none", s, p][i] for s in seeds]
        want += [statistics.mean(d), statistics.stdev(d)]
    check(r[2] == "2", f"{v} {p}: n")
    for k, (got, w) in enumerate(zip(r[3:], want)):
        check(close(got, w, 1e-7 * max(1, abs(w) if w != "NA" else 1)), f"table.tsv {v} {p} column {k + 4}: {got} != {w}")
    # The printed table: "mean±sd" with 4 decimals, "-" for no difference.
    cells = printed.get((v, p), [])
    for k, c in enumerate(cells):
        m, sd = want[2 * k], want[2 * k + 1]
        if m == "NA": check(c == "-", f"printed {v} {p} {k}: {c}"); continue
        pm, ps = c.split("±")
        check(abs(float(pm) - m) <= 5.001e-5 and abs(float(ps) - sd) <= 5.001e-5, f"printed {v} {p} {k}: {c} vs {m} {sd}")
for b in bad: print("mismatch:", b)
sys.exit(1 if bad else 0)
PY

# A rerun finds everything done: no file changes, the same table.
touch "$WORK/mark"
sleep 1
expect_exit 0 "a rerun" -- bash "$A" "${ARGS[@]}"
expect_true "the rerun prints the same table" -- cmp -s "$WORK/out" "$WORK/table1.txt"
changed=$(find "$O/cells" "$O/heads" -newer "$WORK/mark" -type f | head -3)
[ -z "$changed" ] && pass "the rerun wrote no cell file" || fail "the rerun rewrote $changed"
# A lost score file is made again, from the cell's predictions (no training).
rm "$O/cells/additive/s2/raw.json"
expect_exit 0 "a rerun after a lost score file" -- bash "$A" "${ARGS[@]}"
expect_true "it prints the same table" -- cmp -s "$WORK/out" "$WORK/table1.txt"
[ "$(find "$O/cells" "$O/heads" -newer "$WORK/mark" -type f -name '*.pt' | wc -l)" -eq 0 ] &&
  pass "no head was trained again" || fail "a head was trained again"
# Other training settings into the same folder are refused before any work.
run_table <<EOF
2 | other settings | bash $A installed $DATA --seeds 1,2 --post $POSTS --out $O --ex-opts "--epochs 5"
EOF
# A temporal variant added to the same run (one seed, raw scores: a minute at most): its AU and VA
# heads are trained once more, with --context 8 (the text after '|' in its line), in their own
# folder; the per-frame heads and the other variants' cells are used as they are; its EX head has
# the context too.
G="$O/heads/context_8_temporal_conv"
touch "$WORK/mark"
sleep 1
expect_exit 0 "a temporal variant (t8-conv) added to the run" -- \
  bash "$A" "${ARGS[@]}" --variants none,t8-conv --seeds 1 --post raw
cp "$WORK/out" "$WORK/table2.txt"
echo "($(( $(date +%s) - start )) s) t8-conv done"
[ "$(find "$O/heads/s1" "$O/heads/s2" "$O/cells/none" -newer "$WORK/mark" -type f -name '*.pt' | wc -l)" -eq 0 ] &&
  pass "t8-conv trained no per-frame head again" || fail "a per-frame head was trained again"
expect_true "t8-conv's heads are in their own folder" -- test "$(cat "$G/options")" = "--context 8 --temporal conv"
"$PY" - "$O" "$G" "$WORK/table2.txt" <<'PY' && pass "t8-conv's AU, EX and VA heads see 8 frames each side; its row is in the table" || fail "t8-conv"
import json, sys, torch
out, group, table = sys.argv[1:4]
bad = []
def meta(p):
    return json.loads(torch.jit.load(p).metadata)
for name, path in (("au", f"{group}/s1/au.pt"), ("va", f"{group}/s1/va.pt"), ("ex", f"{out}/cells/t8-conv/s1/ex.pt")):
    m = meta(path)
    if m.get("context") != 8 or m.get("temporal") != "conv" or m.get("head_kind") != f"{name}-temporal":
        bad.append(f"{path}: context {m.get('context')}, temporal {m.get('temporal')}, kind {m.get('head_kind')}")
if meta(f"{out}/heads/s1/au.pt").get("context", 0) != 0:
    bad.append("heads/s1/au.pt has a context")
# One printed row each (seed 1, raw); the scores are those of the cells' raw.json.
rows = {f[0]: f for f in (l.replace(" ± ", "±").split() for l in open(table)) if len(f) == 8 and f[1] == "raw"}
for v in ("none", "t8-conv"):
    j = json.load(open(f"{out}/cells/{v}/s1/raw.json"))
    want = [f"{j[k]:.4f}" for k in ("P_AU", "P_EX", "P_VA", "P_MTL")]
    if v not in rows or rows[v][2:6] != want:
        bad.append(f"{v}: printed {rows.get(v)}, raw.json {want}")
for b in bad: print("mismatch:", b)
sys.exit(1 if bad else 0)
PY
# Flips and two backbones added to the same run (one seed, raw scores). No variant so far needed a
# store with mirrored features or of a second backbone, and none was extracted; flip+tta (--augment
# flip for all three trainers, --tta flip for mtl-predict) and b0+b2 (the demo backbone's features
# joined with those of a second one, 282 features, made by mtl-gen-demo on the same images) have
# them extracted now, train their AU and VA heads in their own folders, and leave the other heads
# and cells as they are.
expect_true "no store beyond the halves' before a variant needs one" -- test ! -e "$O/stores" -a ! -e "$O/b2-demo"
touch "$WORK/mark"
sleep 1
expect_exit 0 "flip+tta and b0+b2 added to the run" -- \
  bash "$A" "${ARGS[@]}" --variants none,flip+tta,b0+b2 --seeds 1 --post raw
cp "$WORK/out" "$WORK/table3.txt"
echo "($(( $(date +%s) - start )) s) flip+tta and b0+b2 done"
[ "$(find "$O/heads/s1" "$O/heads/s2" "$O/cells/none" -newer "$WORK/mark" -type f -name '*.pt' | wc -l)" -eq 0 ] &&
  pass "flip+tta and b0+b2 trained no per-frame head again" || fail "a per-frame head was trained again"
expect_true "flip+tta's heads are in their own folder" -- test "$(cat "$O/heads/augment_flip/options")" = "--augment flip"
expect_true "b0+b2's heads are in their own folder" -- test "$(cat "$O/heads/features_b0+b2/options")" = "features: b0+b2"
expect_true "the second demo backbone was made (its copy of the images removed)" -- \
  test -f "$O/b2-demo/backbone.pt" -a ! -e "$O/b2-demo/cropped_aligned"
# The predictions of flip+tta are --tta flip's from the halves with mirrored features, which differ
# from those without --tta (the same heads).
F="$O/cells/flip+tta/s1"
H="--au $O/heads/augment_flip/s1/au.pt --ex $F/ex.pt --va $O/heads/augment_flip/s1/va.pt"
mtl-predict $H --tta flip "$O/stores/b0-mirror/val-b.h5" > "$WORK/tta.jsonl" 2>/dev/null
mtl-predict $H "$O/val-b.h5" > "$WORK/notta.jsonl" 2>/dev/null
expect_true "flip+tta's predictions are mtl-predict --tta flip's" -- cmp -s "$F/pred-b.jsonl" "$WORK/tta.jsonl"
expect_true "... which are not those without --tta" -- test -s "$WORK/notta.jsonl" -a -n "$(cmp "$WORK/tta.jsonl" "$WORK/notta.jsonl" 2>&1)"
"$PY" - "$O" "$DATA" "$WORK/table3.txt" <<'PY' && pass "flip+tta's heads flip and its stores hold the plain features and their mirrors; b0+b2's heads read 256 + 282 features; both rows are in the table" || fail "flip+tta, b0+b2"
import json, sys, h5py, numpy as np, torch
out, data, table = sys.argv[1:4]
bad = []
def meta(p):
    return json.loads(torch.jit.load(p).metadata)
for path in (f"{out}/heads/augment_flip/s1/au.pt", f"{out}/heads/augment_flip/s1/va.pt", f"{out}/cells/flip+tta/s1/ex.pt"):
    if meta(path).get("augment") != "flip": bad.append(f"{path}: augment {meta(path).get('augment')}")
if meta(f"{out}/heads/s1/au.pt").get("augment", "none") != "none": bad.append("heads/s1/au.pt flips")
# The stores with mirrored features hold the plain stores' features, and mirrored ones that differ;
# the second backbone's, 282 features of the same images.
for part, plain in (("train", f"{data}/train.h5"), ("val-a", f"{out}/val-a.h5"), ("val-b", f"{out}/val-b.h5")):
    with h5py.File(f"{out}/stores/b0-mirror/{part}.h5", "r") as m, h5py.File(plain, "r") as p:
        if not np.array_equal(m["features"][:], p["features"][:]): bad.append(f"{part}: features differ from {plain}")
        if m["features_mirror"].shape != p["features"].shape or np.array_equal(m["features_mirror"][:], p["features"][:]):
            bad.append(f"{part}: features_mirror {m['features_mirror'].shape}")
    with h5py.File(f"{out}/stores/b2/{part}.h5", "r") as b2, h5py.File(plain, "r") as p:
        if b2["features"].shape != (p["features"].shape[0], 282): bad.append(f"b2 {part}: {b2['features'].shape}")
        if list(b2["image"][:]) != list(p["image"][:]): bad.append(f"b2 {part}: other images")
# b0+b2: every head reads the joined features and logits (256 + 8 + 282 + 8).
for path in (f"{out}/heads/features_b0+b2/s1/au.pt", f"{out}/heads/features_b0+b2/s1/va.pt", f"{out}/cells/b0+b2/s1/ex.pt"):
    if meta(path).get("in_dim") != 554: bad.append(f"{path}: in_dim {meta(path).get('in_dim')}")
rows = {f[0]: f for f in (l.replace(" ± ", "±").split() for l in open(table)) if len(f) == 8 and f[1] == "raw"}
for v in ("none", "flip+tta", "b0+b2"):
    j = json.load(open(f"{out}/cells/{v}/s1/raw.json"))
    want = [f"{j[k]:.4f}" for k in ("P_AU", "P_EX", "P_VA", "P_MTL")]
    if v not in rows or rows[v][2:6] != want:
        bad.append(f"{v}: printed {rows.get(v)}, raw.json {want}")
for b in bad: print("mismatch:", b)
sys.exit(1 if bad else 0)
PY
# A stop signal (a Slurm job's TERM) reaches the running trainer, which saves its state
# (au.pt.resume, which tells ablation.sh that au.pt is not finished); the script exits 143.
S="$WORK/stopped"
bash "$A" installed "$DATA" --seeds 3 --variants none --post raw --out "$S" --au-opts "--epochs 500 --node-dim 16" \
  >/dev/null 2>"$WORK/stop.err" &
pid=$!
# (the live log is au.log.part: it replaces au.log with the checkpoint)
for _ in $(seq 600); do [ -f "$S/heads/s3/au.log.part" ] && [ "$(wc -l < "$S/heads/s3/au.log.part")" -ge 2 ] && break; sleep 0.1; done
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 143 ] && pass "TERM: ablation.sh exits 143" || fail "TERM: exit $rc: $(cat "$WORK/stop.err")"
[ -e "$S/heads/s3/au.pt.resume" ] && pass "the AU trainer saved its state (a rerun resumes it)" ||
  fail "after TERM: $(ls "$S/heads/s3")"
echo "ablation test wall time: $(( $(date +%s) - start )) s"
finish
