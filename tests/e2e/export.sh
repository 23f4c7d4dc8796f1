# mtl-export: the exported model, opened with torch.jit.load in Debian's python3, gives mtl-predict's
# outputs (from features, and from images through the backbone) for each attention variant, with
# and without a thresholds file; mtl-export refuses inconsistent inputs. Skipped (77) without
# python3-torch, python3-h5py, python3-opencv or python3-pil.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
require_python torch h5py cv2 numpy PIL
CHECK="$PY $SRC/python/check_export.py"
T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q"
BB="--backbone $DATA/backbone.pt"
IMG="$BB --image-root $DATA/cropped_aligned"
use_heads "$WORK" au ex_paper ex_additive ex_none va va_f  # trained once by e2e/heads.sh

# compare NAME HEADS... -- [EXPORT OPTIONS]: exports the heads from features and with the backbone,
# predicts the validation rows with mtl-predict both ways, and compares in Python.
compare() {
  local name=$1 heads=() extra=()
  shift
  while [ "$1" != "--" ]; do heads+=("$1"); shift; done
  shift
  extra=("$@")
  expect_exit 0 "export $name" -- mtl-export "${heads[@]}" "${extra[@]}" -o "$WORK/m_$name.pt"
  expect_grep "self-check: largest difference from the toolkit's heads" "$WORK/err" "export $name: the C++ self-check ran"
  mtl-predict "${heads[@]}" "$DATA/val.h5" > "$WORK/p_$name.jsonl"
  expect_exit 0 "$name: the model equals mtl-predict from features" -- \
    $CHECK "$WORK/m_$name.pt" "$WORK/p_$name.jsonl" --features "$DATA/val.h5" ${thr:+--thresholds "$thr"}
  cat "$WORK/out"
  expect_exit 0 "export $name with the backbone" -- mtl-export $BB "${heads[@]}" "${extra[@]}" -o "$WORK/mi_$name.pt"
  mtl-predict $IMG "${heads[@]}" "$DATA/val.txt" > "$WORK/pi_$name.jsonl"
  expect_exit 0 "$name: the model equals mtl-predict from images" -- \
    $CHECK "$WORK/mi_$name.pt" "$WORK/pi_$name.jsonl" --images "$DATA/val.txt" --image-root "$DATA/cropped_aligned" \
    ${thr:+--thresholds "$thr"}
  cat "$WORK/out"
}
thr=
for att in paper additive none; do
  compare "$att" --au "$WORK/au.pt" --ex "$WORK/ex_$att.pt" --va "$WORK/va.pt" --
done
# Batches of another size than mtl-predict's round the matrix products otherwise: one row at a time.
expect_exit 0 "paper, one row per forward: within 1e-4 of mtl-predict" -- \
  $CHECK "$WORK/m_paper.pt" "$WORK/p_paper.jsonl" --features "$DATA/val.h5" --batch 1 --tol 1e-4
cat "$WORK/out"
compare va_only --va "$WORK/va.pt" --
compare ex_none_alone --ex "$WORK/ex_none.pt" --
compare mixed_inputs --au "$WORK/au.pt" --va "$WORK/va_f.pt" --

# A thresholds file: per-AU thresholds at the median probability and expression offsets, so that
# both change decisions; the expected decisions come from mtl-predict's probabilities.
thr="$WORK/thresholds.json"
"$PY" - "$WORK/p_additive.jsonl" "$thr" <<'PYEOF'
import json, sys
import numpy as np
rows = [json.loads(l) for l in open(sys.argv[1])]
p = np.array([r["au_prob"] for r in rows])
names = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
json.dump({"format": "mtl-thresholds", "version": 1, "au_names": names,
           "au_thresholds": [round(float(v), 4) for v in np.median(p, 0)],
           "ex_offsets": [0.8, -0.5, 0.3, 0.0, -1.0, 0.6, -0.2, 1.2]}, open(sys.argv[2], "w"), indent=1)
PYEOF
compare thresholds --au "$WORK/au.pt" --ex "$WORK/ex_additive.pt" --va "$WORK/va.pt" -- --thresholds "$thr"
"$PY" - "$WORK/p_thresholds.jsonl" "$WORK/m_thresholds.pt" "$DATA/val.h5" <<'PYEOF' && pass "the thresholds file changes decisions" || fail "the thresholds file changes no decision"
import json, sys
import h5py, numpy as np, torch
rows = [json.loads(l) for l in open(sys.argv[1])]
m = torch.jit.load(sys.argv[2])
with h5py.File(sys.argv[3], "r") as f:
    x = torch.from_numpy(np.concatenate([f["features"][:], f["logits"][:]], 1))
out = m(x)
au = (out["au"].numpy() != np.array([r["au"] for r in rows])).sum()
ex = (out["ex"].numpy() != np.array([r["ex"] for r in rows])).sum()
print(f"the thresholds file changed {au} AU decisions and {ex} expression decisions")
sys.exit(0 if au > 0 and ex > 0 else 1)
PYEOF

# -o /dev/stdout writes the model itself to standard output: the bytes of -o FILE.
expect_exit 0 "export to a file" -- mtl-export -q --au "$WORK/au.pt" -o "$WORK/m_file.pt"
mtl-export -q --au "$WORK/au.pt" -o /dev/stdout | cat > "$WORK/m_stdout.pt"
expect_true "-o /dev/stdout gives the bytes of -o FILE" -- cmp -s "$WORK/m_file.pt" "$WORK/m_stdout.pt"
# /dev/stdout redirected with >> to a file: the model is appended, what was there is kept.
echo "kept" > "$WORK/m_append"
mtl-export -q --au "$WORK/au.pt" -o /dev/stdout >> "$WORK/m_append"
{ echo "kept"; cat "$WORK/m_file.pt"; } > "$WORK/m_append_want"
expect_true "-o /dev/stdout >> FILE appends the model to FILE" -- cmp -s "$WORK/m_append_want" "$WORK/m_append"
# A NaN or infinite row is an error in the exported model, as in mtl-predict (not "no AUs").
if "$PY" -c 'import torch' 2>/dev/null; then
  "$PY" - "$WORK/m_file.pt" <<'PY' && pass "the exported model refuses NaN and infinite rows" || fail "the exported model took a NaN or infinite row"
import sys, torch
m = torch.jit.load(sys.argv[1])
x = torch.zeros(2, m.input_dim)
m(x)  # finite rows pass
for bad in (float("nan"), float("inf")):
    x[1, 3] = bad
    try:
        m(x)
    except Exception as e:
        assert "NaN or infinite" in str(e), str(e)
    else:
        sys.exit(1)
PY
fi
# SIGTERM at moments through an export with the backbone: exit 143, and neither the model nor a
# temporary file is left (an export that ended before the signal is passed over).
stopped=0
for delay in 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0 1.1 1.2 1.5; do
  rm -f "$WORK"/mt.pt*
  mtl-export -q $BB --au "$WORK/au.pt" -o "$WORK/mt.pt" 2>/dev/null &
  pid=$!
  sleep $delay
  kill -TERM $pid 2>/dev/null
  wait $pid; code=$?
  [ $code -eq 0 ] && continue
  stopped=$((stopped + 1))
  [ $code -eq 143 ] || fail "SIGTERM after $delay s: exit $code"
  left=$(ls "$WORK" | grep '^mt\.pt')
  [ -z "$left" ] && pass "SIGTERM after $delay s: exit 143, nothing left" || fail "SIGTERM after $delay s left $left"
done
[ $stopped -gt 0 ] || echo "note: every export ended before its SIGTERM"

# Refusals: each leaves no model behind.
"$BIN/mtl-gen-demo" -q --out "$WORK/other" --train-videos 2 --val-videos 0 --frames 30 --feature-dim 32
mtl-extract -q --backbone "$WORK/other/backbone.pt" --image-root "$WORK/other/cropped_aligned" -o "$WORK/other.h5" "$WORK/other/train.txt"
mtl-train-va -q --train "$WORK/other.h5" --epochs 1 -o "$WORK/va_other.pt"
"$BIN/mtl-gen-demo" -q --out "$WORK/nolog" --train-videos 1 --val-videos 0 --frames 4 --features-only
mtl-train-au $T --seed 5 --epochs 1 --lr 0.1 --node-dim 16 -o "$WORK/au_other.pt"
bad() { printf '%s\n' "$1" > "$WORK/$2"; }
N='"au_names":["AU1","AU2","AU4","AU6","AU7","AU10","AU12","AU15","AU23","AU24","AU25","AU26"]'
V='"au_thresholds":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]'
bad "{\"format\":\"mtl-thresholds\",\"version\":1,$N,$V" t_json.json
bad "{\"format\":\"other\",\"version\":1,$N,$V}" t_format.json
bad "{\"format\":\"mtl-thresholds\",\"version\":2,$N,$V}" t_version.json
bad "{\"format\":\"mtl-thresholds\",\"version\":1,$N,\"au_thresholds\":[0.5]}" t_count.json
bad "{\"format\":\"mtl-thresholds\",\"version\":1,$N,\"au_thresholds\":[0.5,0.5,1.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]}" t_range.json
bad "{\"format\":\"mtl-thresholds\",\"version\":1,\"au_names\":[\"AU2\",\"AU1\",\"AU4\",\"AU6\",\"AU7\",\"AU10\",\"AU12\",\"AU15\",\"AU23\",\"AU24\",\"AU25\",\"AU26\"],$V}" t_names.json
bad "{\"format\":\"mtl-thresholds\",\"version\":1,$N,$V,\"ex_offsets\":[1,2]}" t_offsets.json
bad "{\"format\":\"mtl-thresholds\",\"version\":1,$N,$V,\"au_threshold\":0.5}" t_key.json
sum=$(sha256sum < "$WORK/au.pt")
run_table <<TABLE
2 | give at least one checkpoint | mtl-export -o $WORK/x.pt | $WORK/x.pt
2 | give the model file to write: -o MODEL.pt | mtl-export --au $WORK/au.pt
2 | ex_additive.pt reads the au head's output: give the au checkpoint it was trained with \(--au\) | mtl-export --ex $WORK/ex_additive.pt -o $WORK/x.pt | $WORK/x.pt
3 | ex_paper.pt was trained with another au head \(.*au.pt, SHA-256 .*\) than .*au_other.pt | mtl-export --au $WORK/au_other.pt --ex $WORK/ex_paper.pt -o $WORK/x.pt | $WORK/x.pt
3 | va.pt: a checkpoint of the va head, not of the au head | mtl-export --au $WORK/va.pt -o $WORK/x.pt | $WORK/x.pt
3 | va_other.pt was trained on 32 features per image, but .*au.pt on 256 | mtl-export --au $WORK/au.pt --va $WORK/va_other.pt -o $WORK/x.pt | $WORK/x.pt
3 | other/backbone.pt gives 32 features per image, but .*au.pt was trained on 256 | mtl-export --backbone $WORK/other/backbone.pt --au $WORK/au.pt -o $WORK/x.pt | $WORK/x.pt
3 | nolog/backbone.pt gives 0 logits per image, but .*au.pt was trained on features with 8 logits appended | mtl-export --backbone $WORK/nolog/backbone.pt --au $WORK/au.pt -o $WORK/x.pt | $WORK/x.pt
3 | train.txt: not a TorchScript file \(not a zip archive\); convert it with | mtl-export --backbone $DATA/train.txt --au $WORK/au.pt -o $WORK/x.pt | $WORK/x.pt
3 | missing.json: cannot open | mtl-export --au $WORK/au.pt --thresholds $WORK/missing.json -o $WORK/x.pt | $WORK/x.pt
3 | t_json.json: line 2: invalid JSON | mtl-export --au $WORK/au.pt --thresholds $WORK/t_json.json -o $WORK/x.pt | $WORK/x.pt
3 | t_format.json: not a thresholds file | mtl-export --au $WORK/au.pt --thresholds $WORK/t_format.json -o $WORK/x.pt | $WORK/x.pt
3 | t_version.json: thresholds format version 2, this toolkit reads version 1 | mtl-export --au $WORK/au.pt --thresholds $WORK/t_version.json -o $WORK/x.pt | $WORK/x.pt
3 | t_count.json: "au_thresholds" must be an array of 12 numbers | mtl-export --au $WORK/au.pt --thresholds $WORK/t_count.json -o $WORK/x.pt | $WORK/x.pt
3 | t_range.json: "au_thresholds"\[2\] = 1.5 is out of range \[0, 1\] | mtl-export --au $WORK/au.pt --thresholds $WORK/t_range.json -o $WORK/x.pt | $WORK/x.pt
3 | t_names.json: "au_names"\[0\] is "AU2", not "AU1" | mtl-export --au $WORK/au.pt --thresholds $WORK/t_names.json -o $WORK/x.pt | $WORK/x.pt
3 | t_offsets.json: "ex_offsets" must be an array of 8 numbers | mtl-export --au $WORK/au.pt --thresholds $WORK/t_offsets.json -o $WORK/x.pt | $WORK/x.pt
3 | t_key.json: unknown key "au_threshold" | mtl-export --au $WORK/au.pt --thresholds $WORK/t_key.json -o $WORK/x.pt | $WORK/x.pt
2 | --size must be positive | mtl-export --backbone $DATA/backbone.pt --au $WORK/au.pt --size 0 -o $WORK/x.pt | $WORK/x.pt
2 | --mean takes three values | mtl-export --au $WORK/au.pt --backbone $WORK/none.pt --mean 1,2 -o $WORK/x.pt | $WORK/x.pt
2 | --mean is for the backbone.s input: give --backbone | mtl-export --au $WORK/au.pt --mean 0.5,0.5,0.5 -o $WORK/x.pt | $WORK/x.pt
2 | -o | mtl-export --au $WORK/au.pt -o $WORK/au.pt
4 | | mtl-export --au $WORK/au.pt -o $WORK/nofolder/x.pt
TABLE
[ "$(sha256sum < "$WORK/au.pt")" = "$sum" ] && pass "the refused exports left au.pt alone" || fail "au.pt changed"
finish
