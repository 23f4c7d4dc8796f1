# README.md's "Python interop" snippets (h5py, torch.jit.load, pandas), run exactly as written on the
# demo data, so that the documentation cannot rot. Skipped (77) without python3-h5py, -torch,
# -pandas or -pil.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
require_python h5py torch pandas PIL
DEMO="$WORK/demo"
mkdir "$DEMO"
for f in val.h5 val.txt cropped_aligned backbone.pt; do ln -s "$DATA/$f" "$DEMO/$f"; done
use_heads "$DEMO" au ex_additive va  # trained once by e2e/heads.sh; additive is mtl-train-ex's default
mv "$DEMO/ex_additive.pt" "$DEMO/ex.pt"
H="--au $DEMO/au.pt --ex $DEMO/ex.pt --va $DEMO/va.pt"
expect_exit 0 "export from features" -- mtl-export -q $H -o "$DEMO/model.pt"
expect_exit 0 "export from images" -- mtl-export -q --backbone "$DEMO/backbone.pt" $H -o "$DEMO/model-images.pt"
expect_exit 0 "predict" -- mtl-predict $H "$DEMO/val.h5"
cp "$WORK/out" "$DEMO/val.pred.jsonl"
expect_exit 0 "README.md's Python interop snippets run" -- "$PY" "$SRC/python/readme_snippets.py" \
  "$SRC/../README.md" "$DEMO" "$SRC/../share/mtl"
cat "$WORK/out"
finish
