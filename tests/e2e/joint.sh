# mtl-train-joint: the joint loss and one SAM step against a float64 PyTorch computation
# (tests/python/check_joint.py) on a store with missing labels in every task; the outputs read by
# mtl-predict, mtl-export, mtl-tune --store and mtl-plot; determinism, resume after SIGKILL and
# SIGTERM, streamed = in memory; bad input.
. "$(dirname "$0")/common.sh"
require_python torch h5py numpy
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# Parity: 150 training rows, with AU labels blanked in every 5th, the expression in every 7th, VA in
# every 3rd; one batch of every row, one epoch, an AU head without dropout.
awk -F, -v OFS=, 'NR == 1 { print; next } NR > 151 { exit }
  { if (NR % 5 == 0) for (k = 5; k <= 16; k++) $k = -1; if (NR % 7 == 0) $4 = -1; if (NR % 3 == 0) { $2 = -5; $3 = -5 }; print }' \
  "$DATA/train.txt" > "$WORK/p.txt"
expect_exit 0 "a store with missing labels in every task" -- mtl-extract -q --threads 2 --backbone "$DATA/backbone.pt" \
  --image-root "$DATA/cropped_aligned" -o "$WORK/p.h5" "$WORK/p.txt"
P="--train $WORK/p.h5 --batch 64 --seed 3 --threads 2 -q --epochs 2"
mtl-train-au $P --lr 0.1 --node-dim 16 --dropout 0 -o "$WORK/pau.pt" && mtl-train-ex $P --lr 0.1 --au "$WORK/pau.pt" \
  --attention paper -o "$WORK/pex.pt" && mtl-train-va $P --lr 0.05 -o "$WORK/pva.pt" || fail "training the heads for the parity"
for lambda in equal 1,0.5,2; do
  expect_exit 0 "one joint step (--lambda $lambda)" -- mtl-train-joint --au "$WORK/pau.pt" --ex "$WORK/pex.pt" --va "$WORK/pva.pt" \
    --train "$WORK/p.h5" --batch 1000 --epochs 1 --lr 0.05 --lambda $lambda -q -o "$WORK/p_$lambda" --log "$WORK/p_$lambda.log"
  [ $lambda = equal ] && l=1,1,1 || l=$lambda
  expect_exit 0 "its loss and SAM step = PyTorch's (--lambda $lambda)" -- "$PY" "$(dirname "$0")/../python/check_joint.py" \
    "$WORK/p.h5" "$WORK/pau.pt" "$WORK/pex.pt" "$WORK/pva.pt" "$WORK/p_$lambda" "$WORK/p_$lambda.log" --lambda $l
  cat "$WORK/out"
done

# The demo heads, fine-tuned together.
T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q"
mtl-train-au $T --epochs 6 --lr 0.1 --node-dim 16 -o "$WORK/au.pt" && mtl-train-ex $T --epochs 6 --lr 0.1 --au "$WORK/au.pt" \
  -o "$WORK/ex.pt" && mtl-train-va $T --epochs 6 --lr 0.05 -o "$WORK/va.pt" || fail "training the demo heads"
J="--au $WORK/au.pt --ex $WORK/ex.pt --va $WORK/va.pt $T --epochs 5 -o $WORK/j"
expect_exit 0 "joint fine-tuning" -- mtl-train-joint $J --log "$WORK/j.log"
for t in au ex va; do
  [ -s "$WORK/j/$t.pt" ] && pass "it wrote $t.pt" || fail "no $t.pt"
  expect_grep '"joint":{' "$WORK/j/$t.pt" "$t.pt records the joint run"
done
expect_grep "\"au_checkpoint\":\"$WORK/j/au.pt\"" "$WORK/j/ex.pt" "ex.pt reads the fine-tuned AU head"
[ -e "$WORK/j/joint.resume" ] && fail "the resume state was left behind" || pass "no resume state is left"
expect_grep '"task":"joint"' "$WORK/j.log" "the log says joint"
[ "$(lines "$WORK/j.log")" -eq 5 ] && pass "a log line per epoch" || fail "$(lines "$WORK/j.log") log lines, not 5"
expect_exit 0 "mtl-predict reads the three" -- mtl-predict --au "$WORK/j/au.pt" --ex "$WORK/j/ex.pt" --va "$WORK/j/va.pt" "$DATA/val.h5"
[ "$(lines "$WORK/out")" -eq 240 ] && pass "a line per image" || fail "$(lines "$WORK/out") lines"
cp "$WORK/out" "$WORK/j.jsonl"
expect_exit 3 "the fine-tuned EX head with the AU head it started from" -- mtl-predict --au "$WORK/au.pt" --ex "$WORK/j/ex.pt" "$DATA/val.h5"
expect_exit 0 "mtl-export reads them" -- mtl-export -q --au "$WORK/j/au.pt" --ex "$WORK/j/ex.pt" --va "$WORK/j/va.pt" -o "$WORK/model.pt"
expect_exit 0 "mtl-tune tunes on their lines" -- mtl-tune -q --truth "$DATA/val.h5" -o "$WORK/th.json" "$WORK/j.jsonl"
cp "$WORK/j/au.pt" "$WORK/tau.pt" && cp "$WORK/j/ex.pt" "$WORK/tex.pt"
expect_exit 0 "mtl-tune --store writes into them" -- mtl-tune --store "$WORK/th.json" "$WORK/tau.pt" "$WORK/tex.pt"
expect_exit 0 "mtl-plot draws the joint log" -- mtl-plot -o "$WORK/j.png" "$WORK/j.log"

# Determinism and resume: the same bytes again, after SIGKILL or SIGTERM, and streamed.
mkdir -p "$WORK/ref" && cp "$WORK/j/"*.pt "$WORK/ref/"
same() { cmp -s "$WORK/ref/au.pt" "$WORK/j/au.pt" && cmp -s "$WORK/ref/ex.pt" "$WORK/j/ex.pt" && cmp -s "$WORK/ref/va.pt" "$WORK/j/va.pt"; }
rm -f "$WORK/j/"*.pt
expect_exit 0 "the same again" -- mtl-train-joint $J
expect_true "a rerun gives the same three checkpoints" -- same
for sig in KILL TERM; do
  rm -f "$WORK/j/"*.pt "$WORK/k.log" "$WORK/k.log.part"
  mtl-train-joint $J --log "$WORK/k.log" 2>/dev/null &
  pid=$!
  for _ in $(seq 1500); do [ "$(lines "$WORK/k.log.part")" -ge 2 ] && [ -e "$WORK/j/joint.resume" ] && break; sleep 0.02; done
  kill -$sig $pid; wait $pid 2>/dev/null; code=$?
  kill -0 $pid 2>/dev/null && fail "mtl-train-joint did not stop on SIG$sig"
  n=$(lines "$WORK/k.log.part")
  [ "$n" -ge 2 ] && [ "$n" -lt 5 ] && pass "SIG$sig after $n epochs (exit $code)" || fail "SIG$sig came after $n epochs"
  [ -e "$WORK/j/au.pt" ] && fail "a checkpoint was written by the stopped run" || pass "nothing written by the stopped run"
  expect_exit 0 "the rerun after SIG$sig" -- mtl-train-joint $J -v --log "$WORK/k.log"
  expect_grep "resuming .*joint.resume after epoch" "$WORK/err" "it goes on after the last epoch"
  expect_true "resumed = uninterrupted (SIG$sig)" -- same
done
rm -f "$WORK/j/"*.pt
expect_exit 0 "streamed (--memory-budget 20K)" -- mtl-train-joint $J -v --memory-budget 20K
expect_grep "streaming the rows" "$WORK/err" "it streams"
expect_true "streamed = in memory, byte for byte" -- same
expect_exit 0 "--lambda scale" -- mtl-train-joint $J --lambda scale -o "$WORK/js" -v
expect_grep "lambda \[" "$WORK/err" "it says the lambdas"

# Bad input.
mtl-train-au $T --epochs 2 --lr 0.1 --node-dim 16 --seed 9 -o "$WORK/au2.pt" || fail "training another AU head"
expect_exit 3 "an EX head trained on another AU head than --au" -- mtl-train-joint --au "$WORK/au2.pt" --ex "$WORK/ex.pt" \
  --va "$WORK/va.pt" $T -o "$WORK/bad"
expect_grep "au2.pt" "$WORK/err" "it names the AU checkpoint given"
[ -e "$WORK/bad" ] && fail "the output folder made for the refused run was left" || pass "nothing written, no folder left"
for l in -1,1,1 nan,1,1 0,0,0 1,2 inf,1,1 huge; do
  expect_exit 2 "--lambda $l" -- mtl-train-joint --au "$WORK/au.pt" --ex "$WORK/ex.pt" --va "$WORK/va.pt" $T --lambda $l -o "$WORK/bad"
  expect_grep "lambda must be equal, scale, or three numbers >= 0" "$WORK/err" "it says what --lambda takes"
done
expect_exit 2 "no --va" -- mtl-train-joint --au "$WORK/au.pt" --ex "$WORK/ex.pt" $T -o "$WORK/bad"
expect_grep "--au, --ex and --va are required" "$WORK/err" "it names the three"
mtl-train-va $T --epochs 1 --lr 0.05 --context 2 -o "$WORK/va_t.pt" || fail "training a temporal VA head"
expect_exit 2 "a head with temporal context" -- mtl-train-joint --au "$WORK/au.pt" --ex "$WORK/ex.pt" --va "$WORK/va_t.pt" $T -o "$WORK/bad"
expect_grep "joint fine-tuning takes per-frame heads only" "$WORK/err" "it says why"
expect_exit 3 "--augment flip on stores without mirrored features" -- mtl-train-joint $J --augment flip -o "$WORK/bad"
expect_grep "augment flip needs the features of mirrored images" "$WORK/err" "it says why"
finish
