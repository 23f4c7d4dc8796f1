# Horizontal flips: mtl-extract --mirror (the mirrored features against the backbone's on images
# that OpenCV flipped, resume after a damaged image), the trainers' --augment flip (determinism,
# resume after SIGKILL, streamed = in memory, per frame and in windows, with an upstream head) and
# mtl-predict --tta flip (the mean of two runs, from stores and from images); bad input.
. "$(dirname "$0")/common.sh"
require_python h5py numpy cv2
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
differ() { ! cmp -s "$1" "$2"; }
X="mtl-extract -q --threads 2 --backbone $DATA/backbone.pt --image-root $DATA/cropped_aligned"

expect_exit 0 "extract the training store with --mirror" -- $X --mirror -o "$WORK/train_m.h5" "$DATA/train.txt"
expect_exit 0 "extract the validation store with --mirror" -- $X --mirror -o "$WORK/val_m.h5" "$DATA/val.txt"
expect_exit 0 "the mirrored features are the backbone's on cv2.flip(image, 1)" -- \
  "$PY" "$(dirname "$0")/../python/check_mirror.py" "$BIN/mtl-extract" "$DATA/backbone.pt" "$DATA/cropped_aligned" \
  "$WORK/val_m.h5" "$WORK"
cat "$WORK/out"
for d in features logits image au ex va; do
  expect_exit 0 "--mirror leaves /$d as it was" -- h5diff "$DATA/val.h5" "$WORK/val_m.h5" "/$d" "/$d"
done

# Resume: a damaged image stops a --mirror run, which keeps its rows; the rerun with --skip-bad goes
# on from them and ends with the mirrored features of an uninterrupted run. A rerun without
# --mirror does not take the .part of a run with it.
mkdir -p "$WORK/img" && cp -r "$DATA/cropped_aligned/." "$WORK/img/"
damaged=$(sed -n 201p "$DATA/val.txt" | cut -d, -f1)
rm "$WORK/img/$damaged" && echo "not an image" > "$WORK/img/$damaged"
R="mtl-extract --threads 2 --batch 16 --backbone $DATA/backbone.pt --image-root $WORK/img"
expect_exit 3 "a damaged image stops the --mirror run" -- $R --mirror -o "$WORK/r.h5" "$DATA/val.txt"
[ -s "$WORK/r.h5.part" ] && pass "its rows are kept" || fail "no .part kept"
cp "$WORK/r.h5.part" "$WORK/r_saved.part"
expect_exit 0 "the same without --mirror" -- $R --skip-bad -o "$WORK/r.h5" "$DATA/val.txt"
expect_grep "not resuming .*r.h5.part (written with --mirror)" "$WORK/err" "it does not take the --mirror run's rows"
rm -f "$WORK/r.h5" && cp "$WORK/r_saved.part" "$WORK/r.h5.part"
expect_exit 0 "the --mirror rerun with --skip-bad" -- $R --mirror --skip-bad -o "$WORK/r.h5" "$DATA/val.txt"
expect_grep "resuming .*r.h5.part after" "$WORK/err" "it goes on from the kept rows"
expect_exit 0 "an uninterrupted --mirror --skip-bad run" -- $R --mirror --skip-bad --no-resume -o "$WORK/r_ref.h5" "$DATA/val.txt"
for d in features_mirror logits_mirror features image; do
  expect_exit 0 "resumed /$d = uninterrupted" -- h5diff "$WORK/r.h5" "$WORK/r_ref.h5" "/$d" "/$d"
done

# --augment flip.
T0="--train $WORK/train_m.h5 --batch 64 --seed 4 --threads 2 -q"
T="$T0 --val $WORK/val_m.h5"
AU="$T --epochs 5 --lr 0.1 --node-dim 16"
expect_exit 0 "AU head, --augment flip" -- mtl-train-au $AU --augment flip -o "$WORK/au_f.pt" --log "$WORK/au_f.log"
expect_grep '"augment":"flip"' "$WORK/au_f.pt" "the checkpoint records the augmentation"
expect_exit 0 "the same again" -- mtl-train-au $AU --augment flip -o "$WORK/au_f2.pt"
expect_true "a rerun gives the same checkpoint" -- cmp -s "$WORK/au_f.pt" "$WORK/au_f2.pt"
expect_exit 0 "the same without --augment" -- mtl-train-au $AU -o "$WORK/au_n.pt" --log "$WORK/au_n.log"
expect_true "the flips change the training" -- differ "$WORK/au_f.pt" "$WORK/au_n.pt"
expect_exit 0 "streamed (--memory-budget 20K)" -- mtl-train-au $AU --augment flip --memory-budget 20K -v -o "$WORK/au_s.pt"
expect_grep "streaming the rows" "$WORK/err" "it streams"
expect_true "streamed = in memory, byte for byte" -- cmp -s "$WORK/au_f.pt" "$WORK/au_s.pt"
mtl-train-au $AU --augment flip -o "$WORK/au_k.pt" --log "$WORK/au_k.log" 2>/dev/null &
pid=$!
for _ in $(seq 1500); do [ "$(lines "$WORK/au_k.log.part")" -ge 2 ] && [ -e "$WORK/au_k.pt.resume" ] && break; sleep 0.02; done
kill -KILL $pid; wait $pid 2>/dev/null
kill -0 $pid 2>/dev/null && fail "the trainer did not stop on SIGKILL"
n=$(lines "$WORK/au_k.log.part")
[ "$n" -ge 2 ] && [ "$n" -lt 5 ] && pass "SIGKILL after $n epochs" || fail "SIGKILL came after $n epochs"
expect_exit 0 "the rerun after SIGKILL" -- mtl-train-au $AU --augment flip -v -o "$WORK/au_k.pt" --log "$WORK/au_k.log"
expect_grep "resuming .*au_k.pt.resume after epoch" "$WORK/err" "it goes on after the last epoch"
expect_true "resumed = uninterrupted" -- cmp -s "$WORK/au_f.pt" "$WORK/au_k.pt"
# The EX head reads the AU head's output on the mirrored rows when it trains on them.
EX="$T --epochs 3 --lr 0.1 --au $WORK/au_f.pt"
expect_exit 0 "EX head, --augment flip, on the AU head" -- mtl-train-ex $EX --augment flip -o "$WORK/ex_f.pt"
expect_exit 0 "streamed" -- mtl-train-ex $EX --augment flip --memory-budget 20K -o "$WORK/ex_s.pt"
expect_true "streamed = in memory" -- cmp -s "$WORK/ex_f.pt" "$WORK/ex_s.pt"
V="--epochs 3 --lr 0.05 --context 2 --temporal-width 16"
VA="$T $V"
expect_exit 0 "temporal VA head, --augment flip" -- mtl-train-va $VA --augment flip -o "$WORK/va_f.pt"
expect_exit 0 "streamed" -- mtl-train-va $VA --augment flip --memory-budget 20K -o "$WORK/va_s.pt"
expect_true "streamed = in memory" -- cmp -s "$WORK/va_f.pt" "$WORK/va_s.pt"
expect_exit 0 "validation on a store without mirrored features" -- mtl-train-va $T0 $V --val "$DATA/val.h5" --augment flip \
  --epochs 1 -o "$WORK/va_v.pt"
expect_exit 3 "--augment flip on a store without mirrored features" -- mtl-train-au --train "$DATA/train.h5" --augment flip \
  -q --epochs 1 -o "$WORK/x.pt"
expect_grep "train.h5: --augment flip needs the features of mirrored images.*mtl-extract --mirror" "$WORK/err" "it names the store and the fix"
expect_exit 2 "--augment flop" -- mtl-train-au $AU --augment flop -o "$WORK/x.pt"
expect_grep "augment must be none or flip, not 'flop'" "$WORK/err" "it names the values"

# --tta flip = the mean of a run on the store and one on the store with its mirrored features in
# place of the originals, per frame and in windows.
expect_exit 0 "a store with the mirrored features swapped in" -- "$PY" "$(dirname "$0")/../python/check_tta.py" --swap \
  "$WORK/val_m.h5" "$WORK/val_sw.h5"
for set in "au_f ex_f" "au_f ex_f va_f"; do
  set -- $set
  H="--au $WORK/$1.pt --ex $WORK/$2.pt ${3:+--va $WORK/$3.pt}"
  expect_exit 0 "predict --tta flip ($*)" -- mtl-predict $H --tta flip "$WORK/val_m.h5"
  cp "$WORK/out" "$WORK/tta.jsonl"
  mtl-predict $H "$WORK/val_m.h5" > "$WORK/plain.jsonl" && mtl-predict $H "$WORK/val_sw.h5" > "$WORK/mirrored.jsonl"
  expect_exit 0 "--tta flip is the mean of the two runs ($*)" -- "$PY" "$(dirname "$0")/../python/check_tta.py" \
    "$WORK/tta.jsonl" "$WORK/plain.jsonl" "$WORK/mirrored.jsonl"
  cat "$WORK/out"
  expect_exit 0 "predict --tta flip from images ($*)" -- mtl-predict $H --tta flip --threads 2 --backbone "$DATA/backbone.pt" \
    --image-root "$DATA/cropped_aligned" "$DATA/val.txt"
  # (up to float rounding: the heads run on batches of 64 images here, on chunks of 4096 rows there)
  expect_true "images give the store's lines ($*)" -- numeric_match "$WORK/out" "$WORK/tta.jsonl" 1e-6
done
# mtl-export --tta flip: from features, forward(x, x_mirror); with a backbone, the images flipped
# inside the model. Against mtl-predict --tta flip's lines (tests/python/check_export.py).
H="--au $WORK/au_f.pt --ex $WORK/ex_f.pt"
mtl-predict $H --tta flip "$WORK/val_m.h5" > "$WORK/tta.jsonl"
mtl-predict $H --tta flip --threads 2 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" "$DATA/val.txt" \
  > "$WORK/tta_img.jsonl"
expect_exit 0 "export --tta flip" -- mtl-export $H --tta flip -o "$WORK/m_tta.pt"
expect_grep "then those of the mirrored images (--tta flip)" "$WORK/err" "it says what the model takes"
expect_exit 0 "the exported model equals mtl-predict --tta flip" -- "$PY" "$(dirname "$0")/../python/check_export.py" \
  "$WORK/m_tta.pt" "$WORK/tta.jsonl" --features "$WORK/val_m.h5"
cat "$WORK/out"
expect_exit 0 "export --tta flip with the backbone" -- mtl-export $H --tta flip --backbone "$DATA/backbone.pt" -o "$WORK/m_tta_img.pt"
if "$PY" -c "import cv2, PIL" 2>/dev/null; then
  expect_exit 0 "that model equals mtl-predict --tta flip from images" -- "$PY" "$(dirname "$0")/../python/check_export.py" \
    "$WORK/m_tta_img.pt" "$WORK/tta_img.jsonl" --images "$DATA/val.txt" --image-root "$DATA/cropped_aligned"
  cat "$WORK/out"
fi
expect_exit 2 "export --tta flop" -- mtl-export $H --tta flop -o "$WORK/m_x.pt"
expect_exit 3 "--tta flip on a store without mirrored features" -- mtl-predict --au "$WORK/au_f.pt" --tta flip "$DATA/val.h5"
expect_grep "val.h5: --tta flip needs the features of mirrored images" "$WORK/err" "it names the store"
[ -s "$WORK/out" ] && fail "lines were written before the refusal" || pass "no line was written"
expect_exit 2 "--tta sideways" -- mtl-predict --au "$WORK/au_f.pt" --tta sideways "$WORK/val_m.h5"
finish
