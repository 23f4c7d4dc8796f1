# Heads with temporal context (--context T): parity of mtl-predict with a plain PyTorch forward
# written from the equations (tests/python/check_temporal.py) on a store with gaps, edges and
# missing labels, for the three encoders and the three tasks; prediction in chunks; --context 0 as
# the per-frame head, byte for byte; resume after SIGKILL and SIGTERM; bad input.
. "$(dirname "$0")/common.sh"
require_python torch h5py numpy
FAILED=0
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
# The parity tolerance against the float64 forward: 1e-5 (Debian's torch 1.13 in both), or 10 times
# the float32 forward's own distance from float64 where that is larger; CI's LibTorch 2.11 leg,
# whose sums round otherwise than Debian's Python, sets MTL_TEMPORAL_TOLERANCE.
TOL=${MTL_TEMPORAL_TOLERANCE:-1e-5}

# A validation store with gaps: frames 1, 3, 4, 10-12 and 40 of every video left out (frame 1: the
# first window of a video starts at frame 2, with a gap after it).
awk -F, 'NR == 1 { print; next } { split($1, a, "/"); f = a[2] + 0
  if (f == 1 || f == 3 || f == 4 || (f >= 10 && f <= 12) || f == 40) next; print }' "$DATA/val.txt" > "$WORK/gaps.txt"
expect_exit 0 "a store with gaps" -- mtl-extract -q --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" \
  -o "$WORK/gaps.h5" "$WORK/gaps.txt"

T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q --epochs 2"
expect_exit 0 "AU head, gru, T = 4" -- mtl-train-au $T --lr 0.1 --node-dim 16 --context 4 --temporal gru -o "$WORK/au_gru.pt"
expect_exit 0 "AU head, conv, T = 5" -- mtl-train-au $T --lr 0.1 --node-dim 16 --context 5 --temporal-width 32 -o "$WORK/au_conv.pt"
expect_exit 0 "EX head, transformer, T = 3, on the gru AU head" -- mtl-train-ex $T --lr 0.3 --au "$WORK/au_gru.pt" \
  --context 3 --temporal transformer --temporal-width 32 --temporal-depth 2 -o "$WORK/ex_tr.pt"
# At lr 0.1: at 0.3 this head's logits pass 100 in two epochs, and float32 rounding alone then moves
# its probabilities by 1e-5 to 7e-5, by amounts that differ between LibTorch builds and CPUs.
expect_exit 0 "EX head, per-frame, on the conv AU head" -- mtl-train-ex $T --lr 0.1 --au "$WORK/au_conv.pt" \
  --attention paper -o "$WORK/ex_frame.pt"
expect_exit 0 "VA head, conv, T = 6" -- mtl-train-va $T --lr 0.05 --context 6 --temporal-width 16 -o "$WORK/va_conv.pt"
expect_exit 0 "VA head, gru, 2 layers, T = 2" -- mtl-train-va $T --lr 0.05 --context 2 --temporal gru --temporal-depth 2 \
  --temporal-width 16 -o "$WORK/va_gru.pt"
expect_grep '"head_kind":"au-temporal"' "$WORK/au_gru.pt" "the checkpoint names its kind"

for set in "au_gru ex_tr va_conv" "au_conv ex_frame va_gru"; do
  set -- $set
  expect_exit 0 "predict with $*" -- mtl-predict --au "$WORK/$1.pt" --ex "$WORK/$2.pt" --va "$WORK/$3.pt" "$WORK/gaps.h5"
  cp "$WORK/out" "$WORK/p_$1.jsonl"
  expect_exit 0 "parity with the forward from the equations ($*)" -- "$PY" "$(dirname "$0")/../python/check_temporal.py" \
    "$WORK/gaps.h5" "$WORK/p_$1.jsonl" --au "$WORK/$1.pt" --ex "$WORK/$2.pt" --va "$WORK/$3.pt" --tolerance $TOL
  cat "$WORK/out"
done
# The lines do not depend on the chunk size, but for the last bits of float sums (as per-frame
# heads, whose matrix products group their sums by the size of the batch).
for c in 3 7 50; do
  expect_exit 0 "predict in chunks of $c rows" -- mtl-predict --chunk-rows $c --au "$WORK/au_gru.pt" --ex "$WORK/ex_tr.pt" \
    --va "$WORK/va_conv.pt" "$WORK/gaps.h5"
  expect_true "chunks of $c rows give the whole-store lines" -- numeric_match "$WORK/p_au_gru.jsonl" "$WORK/out" 1e-6
done
# Shards of one split: the videos cut between them are joined, the windows whole.
head -100 "$WORK/gaps.txt" > "$WORK/s1.txt"; { head -1 "$WORK/gaps.txt"; tail -n +101 "$WORK/gaps.txt"; } > "$WORK/s2.txt"
for s in s1 s2; do
  mtl-extract -q --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" -o "$WORK/$s.h5" "$WORK/$s.txt"
done
expect_exit 0 "predict from two shards that cut a video" -- mtl-predict --au "$WORK/au_gru.pt" --ex "$WORK/ex_tr.pt" \
  --va "$WORK/va_conv.pt" "$WORK/s1.h5" "$WORK/s2.h5"
expect_true "the shards give the whole store's lines" -- numeric_match "$WORK/p_au_gru.jsonl" "$WORK/out" 1e-6

# From images: the list's paths give the windows; a chunk of images and their windows' frames at a
# time through the backbone. The lines are those from the store of the same list.
for c in 4096 9; do
  expect_exit 0 "predict from images (chunks of $c)" -- mtl-predict --chunk-rows $c --au "$WORK/au_gru.pt" --ex "$WORK/ex_tr.pt" \
    --va "$WORK/va_conv.pt" --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" "$WORK/gaps.txt"
  expect_true "images give the store's lines (chunks of $c)" -- numeric_match "$WORK/p_au_gru.jsonl" "$WORK/out" 1e-5
done

# --context 0 is the per-frame head: the same checkpoint, byte for byte.
P="--train $DATA/train.h5 --batch 64 --seed 3 --threads 2 -q --epochs 2 --lr 0.05"
expect_exit 0 "VA without --context" -- mtl-train-va $P -o "$WORK/va_plain.pt"
expect_exit 0 "VA with --context 0 --temporal gru" -- mtl-train-va $P --context 0 --temporal gru -o "$WORK/va_zero.pt"
expect_true "--context 0 writes the per-frame checkpoint" -- cmp -s "$WORK/va_plain.pt" "$WORK/va_zero.pt"
grep -q head_kind "$WORK/va_zero.pt" && fail "a per-frame checkpoint records a head kind"

# Determinism and resume: a rerun gives the same bytes; a run stopped by SIGKILL or SIGTERM goes
# on when rerun and ends with the bytes of an uninterrupted one. (MTL_TEMPORAL_TESTS=quick, as CI's
# sanitizer and LibTorch 2.x legs run it, leaves these out: the trainer's resume is the per-frame
# heads', which e2e.resume holds.)
if [ "${MTL_TEMPORAL_TESTS:-all}" = all ]; then
TA="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 5 --threads 2 -q --epochs 6 --lr 0.1 --node-dim 16 --context 3 --temporal transformer --temporal-width 8 --temporal-heads 2"
expect_exit 0 "an uninterrupted temporal training" -- mtl-train-au $TA -o "$WORK/t_full.pt" --log "$WORK/t_full.log"
expect_exit 0 "the same training again" -- mtl-train-au $TA -o "$WORK/t_again.pt"
expect_true "a rerun gives the same checkpoint" -- cmp -s "$WORK/t_full.pt" "$WORK/t_again.pt"
for moment in KILL:2 TERM:3; do
  sig=${moment%:*}; at=${moment#*:}
  mtl-train-au $TA -o "$WORK/t_$sig.pt" --log "$WORK/t_$sig.log" 2>/dev/null &
  pid=$!
  for _ in $(seq 1500); do [ "$(lines "$WORK/t_$sig.log.part")" -ge "$at" ] && [ -e "$WORK/t_$sig.pt.resume" ] && break; sleep 0.02; done
  kill -$sig $pid; wait $pid 2>/dev/null; code=$?
  kill -0 $pid 2>/dev/null && fail "the trainer did not stop on SIG$sig"
  n=$(lines "$WORK/t_$sig.log.part")
  [ "$n" -ge "$at" ] && [ "$n" -lt 6 ] && pass "SIG$sig after $n epochs (exit $code)" || fail "SIG$sig for $at came after $n epochs"
  expect_exit 0 "the rerun after SIG$sig" -- mtl-train-au $TA -v -o "$WORK/t_$sig.pt" --log "$WORK/t_$sig.log"
  expect_grep "resuming .*t_$sig.pt.resume after epoch" "$WORK/err" "it goes on after the last epoch"
  expect_true "resumed = uninterrupted (SIG$sig)" -- cmp -s "$WORK/t_full.pt" "$WORK/t_$sig.pt"
done

fi

# Streamed: a memory budget too small for every frame streams the windows, a block of rows and
# their frames at a time, and trains the same model, byte for byte; on two shards that cut videos
# and a store with gaps, too. A killed streamed run resumes to the same bytes.
TM="--batch 16 --seed 5 --threads 2 -q --epochs 3 --lr 0.05 --context 4 --temporal gru --temporal-width 16"
expect_exit 0 "temporal VA in memory, on two shards" -- mtl-train-va $TM --train "$WORK/s1.h5" --train "$WORK/s2.h5" \
  --val "$WORK/gaps.h5" -o "$WORK/vm.pt"
expect_exit 0 "the same, streamed (--memory-budget 20K)" -- mtl-train-va $TM --train "$WORK/s1.h5" --train "$WORK/s2.h5" \
  --val "$WORK/gaps.h5" --memory-budget 20K -v -o "$WORK/vs.pt"
expect_grep "streaming the windows from the stores" "$WORK/err" "it streams"
expect_true "streamed = in memory, byte for byte" -- cmp -s "$WORK/vm.pt" "$WORK/vs.pt"
if [ "${MTL_TEMPORAL_TESTS:-all}" = all ]; then
TK="$TA --memory-budget 50K"
expect_exit 0 "an uninterrupted streamed temporal training" -- mtl-train-au $TK -o "$WORK/tk_full.pt"
expect_true "streamed AU = in memory AU" -- cmp -s "$WORK/t_full.pt" "$WORK/tk_full.pt"
mtl-train-au $TK -o "$WORK/tk.pt" --log "$WORK/tk.log" 2>/dev/null &
pid=$!
for _ in $(seq 1500); do [ "$(lines "$WORK/tk.log.part")" -ge 3 ] && [ -e "$WORK/tk.pt.resume" ] && break; sleep 0.02; done
kill -9 $pid; wait $pid 2>/dev/null
kill -0 $pid 2>/dev/null && fail "the streamed trainer did not stop on SIGKILL"
expect_exit 0 "the rerun of the killed streamed training" -- mtl-train-au $TK -v -o "$WORK/tk.pt" --log "$WORK/tk.log"
expect_grep "resuming .*tk.pt.resume after epoch" "$WORK/err" "it goes on after the last epoch"
expect_true "resumed streamed = uninterrupted" -- cmp -s "$WORK/t_full.pt" "$WORK/tk.pt"
fi

# Bad input.
expect_exit 2 "--context -1" -- mtl-train-va $P --context -1 -o "$WORK/bad.pt"
expect_grep "context must be between 0" "$WORK/err" "it names the option"
expect_exit 2 "--context 257" -- mtl-train-va $P --context 257 -o "$WORK/bad.pt"
expect_exit 2 "--temporal lstm" -- mtl-train-va $P --context 2 --temporal lstm -o "$WORK/bad.pt"
expect_grep "temporal must be conv, gru or transformer" "$WORK/err" "it lists the encoders"
expect_exit 2 "an odd width for the gru" -- mtl-train-va $P --context 2 --temporal gru --temporal-width 15 -o "$WORK/bad.pt"
# One frame per video.
awk -F, 'NR == 1 { print; next } { split($1, a, "/"); if (a[2] + 0 == 2) print }' "$DATA/train.txt" > "$WORK/single.txt"
mtl-extract -q --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" -o "$WORK/single.h5" "$WORK/single.txt"
expect_exit 3 "a store of one frame per video" -- mtl-train-va --train "$WORK/single.h5" --batch 4 --epochs 1 --context 2 -q -o "$WORK/bad.pt"
expect_grep "videos holds one frame" "$WORK/err" "it says why"
expect_exit 0 "a context longer than every video" -- mtl-train-va --train "$DATA/val.h5" --batch 16 --epochs 1 --context 100 \
  --temporal-width 8 -o "$WORK/long.pt"
expect_grep "context 100 reaches past every video (the longest holds 80 frames)" "$WORK/err" "it warns"
# Image paths without a video folder.
mkdir -p "$WORK/flat"
{ head -1 "$DATA/train.txt"; for f in 00002 00003 00004; do
  cp "$DATA/cropped_aligned/$(sed -n 3p "$DATA/train.txt" | cut -d/ -f1)/$f.jpg" "$WORK/flat/$f.jpg"
  sed -n 3p "$DATA/train.txt" | sed "s#^[^,]*#$f.jpg#"; done; } > "$WORK/flat.txt"
mtl-extract -q --backbone "$DATA/backbone.pt" --image-root "$WORK/flat" -o "$WORK/flat.h5" "$WORK/flat.txt"
expect_exit 3 "a store whose paths name no video" -- mtl-train-va --train "$WORK/flat.h5" --batch 2 --epochs 1 --context 2 -q -o "$WORK/bad.pt"
expect_grep "image '00002.jpg' has no video folder" "$WORK/err" "it names the image"
expect_exit 3 "predicting such a store" -- mtl-predict --va "$WORK/va_conv.pt" "$WORK/flat.h5"
expect_grep "has no video folder" "$WORK/err" "it names the image"
[ -e "$WORK/bad.pt" ] && fail "a refused run wrote a checkpoint"

# Export: the model takes windows and their mask; it equals mtl-predict's lines (the windows made
# in Python from the store's paths), for temporal heads alone and beside a per-frame one.
for set in "au_gru ex_tr va_conv" "au_conv ex_frame va_gru"; do
  set -- $set
  expect_exit 0 "export $*" -- mtl-export --au "$WORK/$1.pt" --ex "$WORK/$2.pt" --va "$WORK/$3.pt" -o "$WORK/m_$1.pt"
  expect_grep "windows of features+logits \[B,1[13],264\]" "$WORK/err" "it says what the model takes"
  expect_exit 0 "the exported model equals mtl-predict ($*)" -- "$PY" "$(dirname "$0")/../python/check_temporal.py" \
    "$WORK/gaps.h5" "$WORK/p_$1.jsonl" --au "$WORK/$1.pt" --ex "$WORK/$2.pt" --va "$WORK/$3.pt" --model "$WORK/m_$1.pt" \
    --tolerance $TOL
  cat "$WORK/out"
done
expect_exit 2 "a temporal model with a backbone" -- mtl-export --backbone "$DATA/backbone.pt" --va "$WORK/va_conv.pt" -o "$WORK/model.pt"
expect_grep "export it without --backbone" "$WORK/err" "it says why"
[ -e "$WORK/model.pt" ] && fail "a refused export wrote a model"
# README's snippet, as written, in a folder holding val.h5 and model-temporal.pt.
mkdir -p "$WORK/readme"
cp "$WORK/gaps.h5" "$WORK/readme/val.h5"; cp "$WORK/m_au_gru.pt" "$WORK/readme/model-temporal.pt"
awk '/^<!-- python-temporal -->$/ { on = 1; next } on && /^```python$/ { code = 1; next }
     code && /^```$/ { exit } code { print }' "$(dirname "$0")/../../README.md" > "$WORK/readme/snippet.py"
expect_true "README's temporal snippet is there" -- [ -s "$WORK/readme/snippet.py" ]
(cd "$WORK/readme" && "$PY" snippet.py > out.txt 2> err.txt)
expect_grep "'au_prob': (219, 12)" "$WORK/readme/out.txt" "README's temporal snippet runs on the store"
expect_grep "'va': (219, 2)" "$WORK/readme/out.txt" "and gives every row"
finish
