# Features of several backbones for the same images: stores joined as A.h5+B.h5 (a demo backbone of
# 256 features and a "B2-sized" one of 282, made by mtl-gen-demo from the same images). A VA head
# trained on the join against a plain PyTorch forward on the two stores' features and logits
# concatenated here (h5py); an AU and an EX head on the join; rows that differ refused.
. "$(dirname "$0")/common.sh"
require_python torch h5py numpy
expect_exit 0 "a second demo backbone (282 features) on the same images" -- \
  mtl-gen-demo -q --out "$WORK/b2" --train-videos 8 --val-videos 3 --frames 80 --seed 7 --feature-dim 282
expect_true "its images and lists are the demo's" -- cmp -s "$WORK/b2/train.txt" "$DATA/train.txt"
for split in train val; do
  expect_exit 0 "extract $split with it" -- mtl-extract -q --threads 2 --backbone "$WORK/b2/backbone.pt" \
    --image-root "$DATA/cropped_aligned" -o "$WORK/${split}_b2.h5" "$DATA/$split.txt"
done
J="--train $DATA/train.h5+$WORK/train_b2.h5 --val $DATA/val.h5+$WORK/val_b2.h5 --batch 64 --seed 3 --threads 2 -q --epochs 3"
expect_exit 0 "VA head on the joined stores" -- mtl-train-va $J --lr 0.05 -o "$WORK/va.pt"
expect_grep '"in_dim":554' "$WORK/va.pt" "it reads 256 + 282 features and 8 + 8 logits"
expect_exit 0 "predict from the joined validation stores" -- mtl-predict --va "$WORK/va.pt" "$DATA/val.h5+$WORK/val_b2.h5"
cp "$WORK/out" "$WORK/va.jsonl"
cat > "$WORK/check.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import h5py, numpy as np, torch
from parity import load, va_forward
a, b = h5py.File(sys.argv[2], "r"), h5py.File(sys.argv[3], "r")
assert list(a["image"][:]) == list(b["image"][:])
x = torch.from_numpy(np.concatenate([a["features"][:], b["features"][:], a["logits"][:], b["logits"][:]], 1).astype(np.float32))
sd, meta = load(sys.argv[4])
with torch.no_grad():
    va = va_forward(sd, meta, x)
got = torch.tensor([json.loads(l)["va"] for l in open(sys.argv[5])])
d = (got - va).abs().max().item()
print(f"{len(got)} rows of {x.shape[1]} values; largest difference {d:.3g}")
sys.exit(0 if d <= 1e-5 else 1)
PY
expect_exit 0 "the lines equal a forward on the two stores' values side by side" -- "$PY" "$WORK/check.py" \
  "$(dirname "$0")/../python" "$DATA/val.h5" "$WORK/val_b2.h5" "$WORK/va.pt" "$WORK/va.jsonl"
cat "$WORK/out"
expect_exit 0 "mtl-score with the joined stores as the truth" -- mtl-score --truth "$DATA/val.h5+$WORK/val_b2.h5" "$WORK/va.jsonl"
expect_grep "^VA  *0\.[0-9]*  *226" "$WORK/out" "it scores VA on its 226 rows"
expect_exit 0 "AU head on the joined stores" -- mtl-train-au $J --lr 0.1 --node-dim 16 -o "$WORK/au.pt"
expect_exit 0 "EX head on the joined stores, on that AU head" -- mtl-train-ex $J --lr 0.1 --au "$WORK/au.pt" -o "$WORK/ex.pt"
expect_exit 0 "predict the three" -- mtl-predict --au "$WORK/au.pt" --ex "$WORK/ex.pt" --va "$WORK/va.pt" \
  "$DATA/val.h5+$WORK/val_b2.h5"
[ "$(wc -l < "$WORK/out")" -eq 240 ] && pass "a line per image" || fail "$(wc -l < "$WORK/out") lines, not 240"
expect_exit 3 "joined stores of other images" -- mtl-train-va --train "$DATA/train.h5+$WORK/val_b2.h5" -q --epochs 1 -o "$WORK/x.pt"
expect_grep "val_b2.h5 holds 240 rows, .*train.h5 640; stores joined with '+' must hold the same images in the same order" \
  "$WORK/err" "it says why"
# The same images in another order.
{ head -1 "$DATA/val.txt"; tail -n +2 "$DATA/val.txt" | sort -r; } > "$WORK/val_rev.txt"
mtl-extract -q --threads 2 --backbone "$WORK/b2/backbone.pt" --image-root "$DATA/cropped_aligned" -o "$WORK/val_rev.h5" "$WORK/val_rev.txt"
expect_exit 3 "joined stores of the same images in another order" -- mtl-predict --va "$WORK/va.pt" "$DATA/val.h5+$WORK/val_rev.h5"
expect_grep "row 0 of .*val_rev.h5 is '[^']*', not '108-3/00001.jpg' as in .*val.h5" "$WORK/err" "it names the first row that differs"
expect_exit 3 "a head of the join on one store" -- mtl-predict --va "$WORK/va.pt" "$DATA/val.h5"
expect_grep "expects 554 input values per image, but .*val.h5 gives 264" "$WORK/err" "it names the sizes"
expect_exit 3 "a join with a missing part" -- mtl-predict --va "$WORK/va.pt" "$DATA/val.h5+$WORK/none.h5"
expect_grep "none.h5: cannot open" "$WORK/err" "it names the part"
finish
