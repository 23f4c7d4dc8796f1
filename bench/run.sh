#!/bin/bash
# The benchmark: the toolkit against a plain PyTorch script doing the same work (bench/baseline.py),
# alternating, several repetitions; medians and ratios go to bench/RESULTS.md.
#
#   bench/run.sh [--reps N] [--images N] [--rows N] [--epochs N] [--gpu] [--build DIR] [--out FILE]
#                [--only WHAT,...]
# --only reruns the named measurements (extract, forward, train-au, train-ex, train-va, score) and
# keeps the other results of the last run; RESULTS.md then gives each measurement's date.
#
# CPU mode (default): extraction (JPEG files -> features on disk) at 1 thread (both programs pinned
# to one CPU with taskset) and at all cores, the bare forward rate on preloaded batches beside it,
# seconds per epoch of each head (C = D = 1280) on --rows rows, scoring 1M predictions against
# pandas + scikit-learn, and the peak resident memory of every run.
# GPU mode (--gpu): extraction on CUDA in fp16, channels-last, against the bare fp16 forward rate,
# and the AU head's epoch on 103k rows with the rows on the GPU, each against the same Python.
# Needs the README's build (build/) and, for the Python side, Debian's python3-torch, -torchvision,
# -opencv, -h5py, -pandas and -sklearn (scripts/debian-deps.sh --bench installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
reps=3 images=256 rows=20000 epochs=2 gpu=0 build=$root/build out=$here/RESULTS.md only=
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --gpu) gpu=1; shift ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
PY=${MTL_BENCH_PYTHON:-/usr/bin/python3}
work=${MTL_BENCH_WORK:-$root/bench/work}
mkdir -p "$work"
T=$build/tools
if [ ! -x "$build/bench/mtl-bench" ]; then
  echo "building mtl-bench in $build" >&2
  cmake --build "$build" -j"$(nproc)" --target mtl-bench mtl-extract mtl-train-au mtl-train-ex mtl-train-va mtl-score
fi
if [ "$gpu" = 1 ]; then
  "$PY" -c 'import torch' || { echo "bench/run.sh: $PY has no torch" >&2; exit 1; }
elif ! "$PY" -c 'import torch, torchvision, cv2, h5py, pandas, sklearn' 2>/dev/null; then
  if [ -n "${MTL_BENCH_NO_INSTALL:-}" ]; then
    echo "bench/run.sh: $PY lacks torch, torchvision, cv2, h5py, pandas or sklearn" >&2; exit 1
  fi
  "$root/scripts/debian-deps.sh" --bench
fi
results=$work/results.jsonl
if [ -n "$only" ] && [ -s "$results" ]; then  # drop the results about to be rerun
  "$PY" -c 'import json, sys
keep = [l for l in open(sys.argv[1]) if json.loads(l)["what"].removeprefix("gpu-") not in sys.argv[2].split(",")]
open(sys.argv[1], "w").writelines(keep)' "$results" "$only"
else
  : > "$results"
fi
# wanted WHAT: whether this run measures WHAT
wanted() { [ -z "$only" ] || [[ ",$only," == *",${1#gpu-},"* ]]; }
cores=$(nproc)

# measure WHAT IMPL THREADS CMD...: runs CMD, appends its wall time, peak RSS and the JSON lines it
# printed (or wrote to $work/log) to the results.
measure() {
  local what=$1 impl=$2 threads=$3; shift 3
  wanted "$what" || return 0
  rm -f "$work/log"
  if ! /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr"; then
    echo "bench/run.sh: $what ($impl) failed:" >&2; tail -5 "$work/stderr" >&2
    # On the GPU machine the Python side may lack a package (OpenCV, h5py): noted, not fatal.
    [ "$gpu" = 1 ] && [ "$impl" = python ] && return 0
    exit 1
  fi
  read -r wall kb < "$work/time"
  "$PY" - "$what" "$impl" "$threads" "$wall" "$kb" "$work/stdout" "$work/log" "$work/stderr" >> "$results" <<'PYEOF'
import json, os, re, sys
what, impl, threads, wall, kb, *files = sys.argv[1:]
lines = []
for f in files:
    if os.path.exists(f):
        for l in open(f):
            l = l.strip()
            if l.startswith("{"):
                lines.append(json.loads(l))
            m = re.search(r"wrote .* \(([0-9.]+) images/s\)", l)  # mtl-extract's closing line
            if m:
                lines.append({"loop_images_per_s": float(m.group(1))})
import datetime
print(json.dumps({"what": what, "impl": impl, "threads": int(threads), "wall_s": float(wall),
                  "rss_mb": int(kb) / 1024, "out": lines, "when": datetime.datetime.now().isoformat(timespec="minutes")}))
PYEOF
  echo "  $what $impl: ${wall} s" >&2
}

backbone=$work/b0.pt
[ -s "$backbone" ] || "$PY" "$here/make_backbone.py" "$backbone"
if [ "$gpu" = 0 ]; then
  echo "inputs in $work" >&2
  if [ ! -s "$work/img/list.txt" ] || [ "$(wc -l < "$work/img/list.txt")" != "$images" ]; then
    rm -rf "$work/img"; mkdir -p "$work/img"; "$build/bench/mtl-bench" images "$work/img" "$images"
  fi
  [ -s "$work/s$rows.h5" ] || "$build/bench/mtl-bench" store "$work/s$rows.h5" "$rows" 1280
  [ -s "$work/pred.jsonl" ] || "$PY" "$here/make_scoring.py" "$work/truth.csv" "$work/pred.jsonl" 1000000
  # The frozen AU head the EX head trains on: the authors' size (C = D), one epoch.
  [ -s "$work/au_up$rows.pt" ] || "$T/mtl-train-au" -q --train "$work/s$rows.h5" -o "$work/au_up$rows.pt" --epochs 1 --threads "$cores"
  for rep in $(seq "$reps"); do
    echo "repetition $rep of $reps" >&2
    for t in 1 "$cores"; do
      pin=(); [ "$t" = 1 ] && pin=(taskset -c 0)
      measure extract toolkit "$t" "${pin[@]}" "$T/mtl-extract" --threads "$t" --batch 64 --backbone "$backbone" \
        --image-root "$work/img" -o "$work/tk.h5" --no-resume "$work/img/list.txt"
      measure extract python "$t" "${pin[@]}" "$PY" "$here/baseline.py" extract "$backbone" "$work/img/list.txt" \
        "$work/img" "$work/py.h5" "$t" 64
      measure forward toolkit "$t" "${pin[@]}" "$build/bench/mtl-bench" forward "$backbone" "$t" 64 5
      measure forward python "$t" "${pin[@]}" "$PY" "$here/baseline.py" forward "$backbone" "$t" 64 5
    done
    for task in au ex va; do
      up=(); [ "$task" = ex ] && up=(--au "$work/au_up$rows.pt")
      measure "train-$task" toolkit "$cores" "$T/mtl-train-$task" -q --threads "$cores" --train "$work/s$rows.h5" \
        "${up[@]}" -o "$work/$task.pt" --epochs "$epochs" --no-resume --log "$work/log"
      measure "train-$task" python "$cores" "$PY" "$here/baseline.py" train "$task" "$work/s$rows.h5" "$cores" "$epochs"
    done
    measure score toolkit "$cores" "$T/mtl-score" --json --truth "$work/truth.csv" "$work/pred.jsonl"
    measure score python "$cores" "$PY" "$here/baseline.py" score "$work/truth.csv" "$work/pred.jsonl"
  done
else
  gimages=${images}; [ "$gimages" -lt 4096 ] && gimages=4096
  if [ ! -s "$work/gimg/list.txt" ] || [ "$(wc -l < "$work/gimg/list.txt")" != "$gimages" ]; then
    rm -rf "$work/gimg"; mkdir -p "$work/gimg"; "$build/bench/mtl-bench" images "$work/gimg" "$gimages"
  fi
  [ -s "$work/s103k.h5" ] || "$build/bench/mtl-bench" store "$work/s103k.h5" 103000 1280
  for rep in $(seq "$reps"); do
    echo "repetition $rep of $reps (GPU)" >&2
    measure gpu-extract toolkit "$cores" "$T/mtl-extract" --device cuda --fp16 --channels-last --batch 256 \
      --backbone "$backbone" --image-root "$work/gimg" -o "$work/tk.h5" --no-resume "$work/gimg/list.txt"
    measure gpu-extract python "$cores" "$PY" "$here/baseline.py" extract "$backbone" "$work/gimg/list.txt" \
      "$work/gimg" "$work/py.h5" "$cores" 256 cuda fp16 channels-last
    measure gpu-forward toolkit "$cores" "$build/bench/mtl-bench" forward "$backbone" "$cores" 256 20 cuda fp16 channels-last
    measure gpu-forward python "$cores" "$PY" "$here/baseline.py" forward "$backbone" "$cores" 256 20 cuda fp16 channels-last
    measure gpu-train-au toolkit "$cores" "$T/mtl-train-au" -q --device cuda --train "$work/s103k.h5" -o "$work/au.pt" \
      --epochs "$epochs" --no-resume --log "$work/log"
    measure gpu-train-au python "$cores" "$PY" "$here/baseline.py" train au "$work/s103k.h5" "$cores" "$epochs" cuda
  done
fi
"$PY" "$here/report.py" "$results" "$out" --build "$build" --python "$PY" --images "$images" --rows "$rows" \
  --epochs "$epochs" --reps "$reps" $([ "$gpu" = 1 ] && echo --gpu)
echo "wrote $out" >&2
