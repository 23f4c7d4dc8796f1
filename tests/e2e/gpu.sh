# The GPU path (skipped, exit 77, without a CUDA device): extraction on CUDA in float32 matches the
# CPU; fp16 with channels-last stays close; a head trained with its rows on the GPU predicts the same
# on the CPU and on the GPU; a stopped CUDA extraction resumes. Run by bench/gpu-check.sh on the GPU
# machine.
. "$(dirname "$0")/common.sh"
head -n 201 "$DATA/train.txt" > "$WORK/ann.txt"  # header + 200 rows
ex() { mtl-extract -q --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" --batch 32 "$@"; }
if ! ex --device cuda -o "$WORK/probe.h5" "$WORK/ann.txt" 2> "$WORK/err"; then
  if grep -q "sees no CUDA device" "$WORK/err"; then echo "skipped: no CUDA device"; exit 77; fi
  fail "extraction on CUDA: $(head -c 400 "$WORK/err")"; finish
fi

# max_rel_diff A B: the largest |a - b| over the largest |a|.
max_rel_diff() {
  paste "$1" "$2" | awk '{ d = $1 - $2; if (d < 0) d = -d; a = $1 < 0 ? -$1 : $1
    if (d > md) md = d; if (a > ma) ma = a } END { printf "%.3g\n", ma > 0 ? md / ma : md }'
}
expect_exit 0 "extract on the CPU" -- ex --device cpu -o "$WORK/cpu.h5" "$WORK/ann.txt"
expect_exit 0 "extract on CUDA, fp16, channels-last, stored as float16" -- \
  ex --device cuda --fp16 --channels-last --half -o "$WORK/fp16.h5" "$WORK/ann.txt"
rows "$WORK/cpu.h5" features > "$WORK/cpu.f"
rows "$WORK/probe.h5" features > "$WORK/cuda.f"
rows "$WORK/fp16.h5" features > "$WORK/fp16.f"
d32=$(max_rel_diff "$WORK/cpu.f" "$WORK/cuda.f")
d16=$(max_rel_diff "$WORK/cpu.f" "$WORK/fp16.f")
echo "CUDA float32 vs CPU: $d32; CUDA fp16 vs CPU: $d16 (largest difference over the largest feature)"
expect_true "CUDA float32 features match the CPU's (relative 1e-4)" -- awk -v d="$d32" 'BEGIN { exit !(d <= 1e-4) }'
expect_true "CUDA fp16 features are close to the CPU's (relative 2e-2)" -- awk -v d="$d16" 'BEGIN { exit !(d <= 2e-2) }'
expect_true "the two stores hold the same images in order" -- \
  cmp -s <(h5dump -d image "$WORK/cpu.h5" | tail -n +3) <(h5dump -d image "$WORK/fp16.h5" | tail -n +3)

# Training with the rows on the GPU, then predictions on both devices from the one checkpoint.
expect_exit 0 "train AU on CUDA" -- mtl-train-au -q --device cuda --train "$DATA/train.h5" --val "$DATA/val.h5" \
  -o "$WORK/au.pt" --epochs 3 --node-dim 32 --lr 0.05
expect_exit 0 "train VA on CUDA" -- mtl-train-va -q --device cuda --train "$DATA/train.h5" -o "$WORK/va.pt" --epochs 3
expect_exit 0 "train EX on CUDA with the AU head" -- mtl-train-ex -q --device cuda --train "$DATA/train.h5" \
  --au "$WORK/au.pt" -o "$WORK/ex.pt" --epochs 3
for d in cpu cuda; do
  expect_exit 0 "predict on $d" -- mtl-predict --device $d --au "$WORK/au.pt" --ex "$WORK/ex.pt" --va "$WORK/va.pt" \
    "$DATA/val.h5"
  cp "$WORK/out" "$WORK/pred_$d.jsonl"
done
expect_true "predictions agree between the CPU and CUDA (to 1e-4)" -- \
  numeric_match "$WORK/pred_cpu.jsonl" "$WORK/pred_cuda.jsonl" 1e-4
expect_exit 0 "predict from images on CUDA in fp16" -- mtl-predict --device cuda --fp16 --backbone "$DATA/backbone.pt" \
  --image-root "$DATA/cropped_aligned" --va "$WORK/va.pt" "$WORK/ann.txt"
expect_true "one prediction per image" -- test "$(wc -l < "$WORK/out")" -eq 200

# A CUDA extraction stopped by SIGTERM resumes to the same features.
mtl-extract -q --device cuda --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" --batch 8 \
  -o "$WORK/r.h5" "$DATA/train.txt" 2> "$WORK/err" &
pid=$!
for _ in $(seq 200); do [ -e "$WORK/r.h5.part" ] && break; sleep 0.05; done
sleep 0.5
kill -TERM $pid
wait $pid
code=$?
if [ -e "$WORK/r.h5" ]; then
  echo "note: the extraction finished before the signal; the resume is not exercised"
else
  expect_true "stopped by SIGTERM (exit 143)" -- test "$code" -eq 143
  expect_exit 0 "rerun resumes" -- mtl-extract --device cuda --backbone "$DATA/backbone.pt" \
    --image-root "$DATA/cropped_aligned" --batch 8 -o "$WORK/r.h5" "$DATA/train.txt"
  expect_grep "resuming" "$WORK/err" "the rerun says it resumes"
fi
expect_exit 0 "the same extraction in one go" -- mtl-extract -q --device cuda --backbone "$DATA/backbone.pt" \
  --image-root "$DATA/cropped_aligned" --batch 8 -o "$WORK/whole.h5" "$DATA/train.txt"
expect_true "resumed and whole CUDA extractions hold the same features" -- \
  cmp -s <(h5dump -d features "$WORK/r.h5" | tail -n +3) <(h5dump -d features "$WORK/whole.h5" | tail -n +3)

# CUDA training with --deterministic: the same command twice gives the same checkpoint, and a run
# stopped by SIGTERM after some epochs goes on (the resume file holds the CUDA generator's state
# too) and ends with the uninterrupted run's checkpoint, byte for byte.
TD="-q --device cuda --deterministic --train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --epochs 8 --lr 0.1 --node-dim 16"
expect_exit 0 "deterministic AU training on CUDA" -- mtl-train-au $TD -o "$WORK/aud.pt"
expect_exit 0 "the same command again" -- mtl-train-au $TD -o "$WORK/aud2.pt"
expect_true "gives the same checkpoint" -- cmp -s "$WORK/aud.pt" "$WORK/aud2.pt"
mtl-train-au $TD -o "$WORK/aud3.pt" --log "$WORK/aud3.log" 2>/dev/null &
pid=$!
for _ in $(seq 1500); do [ "$(wc -l < "$WORK/aud3.log.part" 2>/dev/null || echo 0)" -ge 3 ] && [ -e "$WORK/aud3.pt.resume" ] && break; sleep 0.02; done
kill -TERM $pid; wait $pid; code=$?
expect_true "stopped by SIGTERM (exit 143)" -- test "$code" -eq 143
expect_exit 0 "the rerun goes on" -- mtl-train-au $TD -v -o "$WORK/aud3.pt" --log "$WORK/aud3.log"
expect_grep "resuming .*aud3.pt.resume after epoch" "$WORK/err" "it says it resumes"
expect_true "resumed CUDA checkpoint = uninterrupted one" -- cmp -s "$WORK/aud.pt" "$WORK/aud3.pt"
finish
