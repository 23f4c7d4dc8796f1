# README.md's "Python interop" snippets (h5py, torch.jit.load, pandas), run exactly as written on the
# demo data, so that the documentation cannot rot. Skipped (77) without python3-h5py, -torch,
# -pandas or -pil.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
require_python h5py torch pandas PIL
DEMO="$WORK/demo"
mkdir "$DEMO"
for f in val.h5 val.txt cropped_aligned backbone.pt; do ln -s "$DATA/$f" "$DEMO/$f"; done
T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q"
expect_exit 0 "train AU" -- mtl-train-au $T --epochs 2 --lr 0.1 --node-dim 16 -o "$DEMO/au.pt"
expect_exit 0 "train EX" -- mtl-train-ex $T --epochs 2 --lr 0.3 --au "$DEMO/au.pt" -o "$DEMO/ex.pt"
expect_exit 0 "train VA" -- mtl-train-va $T --epochs 2 --lr 0.05 -o "$DEMO/va.pt"
H="--au $DEMO/au.pt --ex $DEMO/ex.pt --va $DEMO/va.pt"
expect_exit 0 "export from features" -- mtl-export -q $H -o "$DEMO/model.pt"
expect_exit 0 "export from images" -- mtl-export -q --backbone "$DEMO/backbone.pt" $H -o "$DEMO/model-images.pt"
expect_exit 0 "predict" -- mtl-predict $H "$DEMO/val.h5"
cp "$WORK/out" "$DEMO/val.pred.jsonl"
expect_exit 0 "README.md's Python interop snippets run" -- "$PY" "$SRC/python/readme_snippets.py" \
  "$SRC/../README.md" "$DEMO" "$SRC/../share/mtl"
cat "$WORK/out"
finish
