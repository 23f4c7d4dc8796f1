#!/bin/sh
# Ablation of the EX head's cross attention: trains EX with each variant over several seeds on the
# data and AU head of examples/pipeline.sh, and prints P_EX mean and sd per variant.
# Usage: examples/ablation.sh [BUILD_DIR|installed] [DEMO_DIR] [SEEDS] (installed: the programs on PATH)
set -eu
BUILD=${1:-build}
D=${2:-demo}
SEEDS=${3:-5}
if [ "$BUILD" = installed ]; then B=; else B=$BUILD/tools/; fi
[ -f "$D/au.pt" ] || { echo "ablation.sh: run examples/pipeline.sh first ($D/au.pt is missing)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-9s %-6s %s\n' variant seeds "P_EX mean +- sd"
for variant in paper additive none; do
  seed=1
  while [ "$seed" -le "$SEEDS" ]; do
    "${B}mtl-train-ex" -q --train "$D/train.h5" --val "$D/val.h5" --au "$D/au.pt" --attention "$variant" \
      --batch 64 --epochs 40 --lr 0.3 --seed "$seed" -o "$tmp/ex.pt"
    "${B}mtl-predict" --au "$D/au.pt" --ex "$tmp/ex.pt" "$D/val.h5" |
      "${B}mtl-score" --json --truth "$D/val.txt" - | grep -o '"P_EX":[-0-9.e]*' | cut -d: -f2 >> "$tmp/$variant"
    seed=$((seed + 1))
  done
  awk -v v="$variant" '{s+=$1; q+=$1*$1; n++} END {m=s/n; sd=(n>1)?sqrt((q-n*m*m)/(n-1)):0; printf "%-9s %-6d %.4f +- %.4f\n", v, n, m, sd}' "$tmp/$variant"
done
