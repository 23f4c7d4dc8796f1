#!/bin/sh
# The main job on the embedded demo data: generate -> extract -> train AU -> train EX -> train VA
# -> predict -> tune the thresholds -> tune the smoothing -> export -> score, with figures:
# OUT_DIR/val-confusion.png, val-au-f1.png and curves.png.
# Usage: examples/pipeline.sh [BUILD_DIR|installed] [OUT_DIR]
# BUILD_DIR is the CMake build folder; "installed" runs the programs on PATH (cmake --install).
#
# The demo is small (640 training images, a 256-feature backbone), so it trains smaller heads with
# larger learning rates and fewer epochs than the authors' recipe, which stays the programs' default.
set -eu
BUILD=${1:-build}
OUT=${2:-demo}
if [ "$BUILD" = installed ]; then B= G=mtl-gen-demo; else B=$BUILD/tools/ G=$BUILD/tests/mtl-gen-demo; fi
mkdir -p "$OUT"
"$G" -q --out "$OUT" --seed 7
for split in train val; do
  "${B}mtl-extract" --backbone "$OUT/backbone.pt" --image-root "$OUT/cropped_aligned" -o "$OUT/$split.h5" "$OUT/$split.txt"
done
common="--train $OUT/train.h5 --val $OUT/val.h5 --batch 64 --seed 1"
"${B}mtl-train-au" $common --epochs 40 --lr 0.1 --node-dim 64 -o "$OUT/au.pt" --log "$OUT/au.log"
"${B}mtl-train-ex" $common --epochs 40 --lr 0.3 --au "$OUT/au.pt" -o "$OUT/ex.pt" --log "$OUT/ex.log"
"${B}mtl-train-va" $common --epochs 20 --lr 0.05 -o "$OUT/va.pt" --log "$OUT/va.log"
"${B}mtl-predict" --au "$OUT/au.pt" --ex "$OUT/ex.pt" --va "$OUT/va.pt" "$OUT/val.h5" > "$OUT/val.pred.jsonl"
# Post-processing: AU thresholds and expression offsets (mtl-tune), then per-video temporal smoothing
# (mtl-smooth), both tuned on the validation predictions; val.post.jsonl is the result. Scored on the
# same rows the numbers are optimistic: examples/ablation.sh tunes on half of the videos and scores
# the other half (README: "Ablations").
"${B}mtl-tune" -q --truth "$OUT/val.txt" -o "$OUT/thresholds.json" "$OUT/val.pred.jsonl"
"${B}mtl-smooth" -q --tune "$OUT/val.txt" --thresholds "$OUT/thresholds.json" -o "$OUT/smoothing.json" "$OUT/val.pred.jsonl"
"${B}mtl-smooth" --params "$OUT/smoothing.json" --thresholds "$OUT/thresholds.json" "$OUT/val.pred.jsonl" > "$OUT/val.post.jsonl"
# One TorchScript file per use, for torch.jit.load (README: "Python interop"): from features, from images.
"${B}mtl-export" -q --au "$OUT/au.pt" --ex "$OUT/ex.pt" --va "$OUT/va.pt" -o "$OUT/model.pt"
"${B}mtl-export" -q --backbone "$OUT/backbone.pt" --au "$OUT/au.pt" --ex "$OUT/ex.pt" --va "$OUT/va.pt" -o "$OUT/model-images.pt"
echo "== validation scores (demo data) =="
"${B}mtl-score" --truth "$OUT/val.txt" --plot "$OUT/val" "$OUT/val.pred.jsonl"
echo "== after tuning and smoothing (tuned on these rows: optimistic; examples/ablation.sh holds videos out) =="
"${B}mtl-score" --truth "$OUT/val.txt" "$OUT/val.post.jsonl"
"${B}mtl-plot" -q -o "$OUT/curves.png" --title "Training curves (demo data)" "$OUT/au.log" "$OUT/ex.log" "$OUT/va.log"
