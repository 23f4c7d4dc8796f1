#!/bin/bash
# Joint fine-tuning after separate training, on the heads of an examples/ablation.sh run: for each
# seed, mtl-train-joint on the AU and VA heads of OUT/heads/sSEED and the EX head of
# OUT/cells/VARIANT/sSEED (best epoch on half A), predictions on half B, mtl-score; then the paired
# differences from the separate heads' raw scores of the same seed (OUT/scores.tsv).
#
# Usage: bench/joint.sh OUT BIN_DIR SEEDS [VARIANT (additive)] [mtl-train-joint options...]
# e.g.   bench/joint.sh demo16/abl-flips build/tools "1 2 3" additive --lambda scale
set -eu -o pipefail
out=$1 bin=$2 seeds=$3 variant=${4:-additive}
shift $(( $# < 4 ? $# : 4 ))
. "$out/settings.sh"
name=joint$(printf '%s' "$*" | tr -c 'a-zA-Z0-9.,' '_')
for s in $seeds; do
  dir=$out/$name/s$s
  mkdir -p "$dir"
  if [ ! -s "$dir/raw.json" ]; then
    "$bin/mtl-train-joint" -q --threads 1 --seed "$s" --au "$out/heads/s$s/au.pt" --ex "$out/cells/$variant/s$s/ex.pt" \
      --va "$out/heads/s$s/va.pt" --train "$TRAIN" --val "$out/val-a.h5" --log "$dir/joint.log" "$@" -o "$dir"
    "$bin/mtl-predict" --au "$dir/au.pt" --ex "$dir/ex.pt" --va "$dir/va.pt" "$out/val-b.h5" > "$dir/pred-b.jsonl"
    "$bin/mtl-score" --json --truth "$out/val-b.txt" "$dir/pred-b.jsonl" > "$dir/raw.json"
  fi
done
python3 - "$out" "$name" "$variant" $seeds <<'PY'
import json, statistics as st, sys
out, name, variant, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
base = {}
for line in open(f"{out}/scores.tsv").read().splitlines()[1:]:
    v, s, post, *p = line.split("\t")
    if v == variant and post == "raw":
        base[s] = [float(x) for x in p]
keys = ["P_AU", "P_EX", "P_VA", "P_MTL"]
rows = [[json.load(open(f"{out}/{name}/s{s}/raw.json"))[k] for k in keys] for s in seeds]
diff = [[r[i] - base[s][i] for i in range(4)] for r, s in zip(rows, seeds)]
fmt = lambda xs, sign="": f"{st.mean(xs):{sign}.4f} ± {st.stdev(xs) if len(xs) > 1 else 0:.4f}"
print("| row | " + " | ".join(keys) + " | " + " | ".join("d" + k for k in keys) + " |")
print(f"| {variant} (separate) | " + " | ".join(fmt([base[s][i] for s in seeds]) for i in range(4)) + " | - | - | - | - |")
print(f"| {name} | " + " | ".join(fmt([r[i] for r in rows]) for i in range(4)) + " | " +
      " | ".join(fmt([d[i] for d in diff], "+") for i in range(4)) + " |")
print("P_MTL better in", sum(d[3] > 0 for d in diff), "of", len(diff), "seeds")
PY
