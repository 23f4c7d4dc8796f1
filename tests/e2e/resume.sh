# Cluster resilience of mtl-extract and the trainers: a killed run resumes where it stopped and ends with the rows
# of an uninterrupted run, bit for bit; two runs on one output cannot corrupt each other; shards
# (--shard or a Slurm array's variables) together hold exactly the rows of one unsharded run;
# outputs that would destroy an input or a non-file are refused before any work; two trainers on
# one output cannot run at once; temporary files of killed writers are cleaned up.
. "$(dirname "$0")/common.sh"
X="mtl-extract -q --threads 1 --backbone $DATA/backbone.pt --image-root $DATA/cropped_aligned"
export HDF5_USE_FILE_LOCKING=FALSE  # lets h5dump look into a .part that a running extraction holds

committed() { h5dump -a rows_committed "$1" 2>/dev/null | sed -n 's/.*(0): \([0-9]*\).*/\1/p'; }
same_store() {  # same_store A B...: the stores B... concatenated hold A's rows
  local a=$1 ds; shift
  for ds in features logits image ex va au; do
    rows "$a" $ds > "$WORK/want"
    for s in "$@"; do rows "$s" $ds; done > "$WORK/got"
    cmp -s "$WORK/want" "$WORK/got" || return 1
  done
}

expect_exit 0 "an uninterrupted extraction" -- $X --batch 16 -o "$WORK/full.h5" "$DATA/train.txt"
h5dump -a compute "$WORK/full.h5" > "$WORK/c" 2>&1
expect_grep '"cpu fp32"' "$WORK/c" "the store records where and how the backbone ran"

# A .part made with other compute settings is not resumed: it would mix two kinds of features.
$X --batch 16 -o "$WORK/cl.h5" "$DATA/train.txt" 2>/dev/null &
pid=$!
for _ in $(seq 1200); do n=$(committed "$WORK/cl.h5.part"); [ "${n:-0}" -ge 32 ] && break; sleep 0.02; done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -e "$WORK/cl.h5.part" ]; then
  expect_exit 0 "a rerun with --channels-last" -- $X --batch 16 --channels-last -o "$WORK/cl.h5" "$DATA/train.txt"
  expect_grep "not resuming .*cl.h5.part (the backbone ran elsewhere or otherwise (cpu fp32))" "$WORK/err" "it says why it starts afresh"
  h5dump -a compute "$WORK/cl.h5" > "$WORK/c" 2>&1
  expect_grep '"cpu fp32 channels-last"' "$WORK/c" "the new store records channels-last"
else
  fail "the extraction to be stopped finished first"
fi

# SIGKILL at several moments (as soon as the .part exists, and after 48, 304 and 496 rows), then
# the same command again: it goes on from the committed rows and ends with the uninterrupted rows.
for at in 0 48 304 496; do
  rm -f "$WORK/k.h5"
  $X --batch 16 -o "$WORK/k.h5" "$DATA/train.txt" 2>/dev/null &
  pid=$!
  for _ in $(seq 1200); do
    if [ "$at" -eq 0 ]; then [ -s "$WORK/k.h5.part" ] && break; else n=$(committed "$WORK/k.h5.part"); [ "${n:-0}" -ge "$at" ] && break; fi
    sleep 0.02
  done
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  n=$(committed "$WORK/k.h5.part")
  if [ "${n:-0}" -ge "$at" ] && [ "${n:-0}" -lt 640 ]; then pass "killed with ${n:-0} of 640 rows committed"; else fail "the kill for $at came at ${n:-none} rows"; fi
  [ -e "$WORK/k.h5" ] && fail "a killed run left a file under the final name"
  expect_exit 0 "the rerun after a kill at ${n:-0} rows" -- mtl-extract --threads 1 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" --batch 16 -o "$WORK/k.h5" "$DATA/train.txt"
  [ "${n:-0}" -gt 0 ] && expect_grep "resuming .*k.h5.part after $n of 640 inputs" "$WORK/err" "it says where it goes on from"
  expect_true "resumed store = uninterrupted store, bit for bit" -- same_store "$WORK/full.h5" "$WORK/k.h5"
  [ -e "$WORK/k.h5.part" ] && fail "the .part was left after the resumed run"
done

# SIGTERM: exit 143, the committed rows kept, the rerun completes; --no-resume starts afresh.
$X --batch 16 -o "$WORK/t.h5" "$DATA/train.txt" 2>"$WORK/t.err" &
pid=$!
for _ in $(seq 600); do n=$(committed "$WORK/t.h5.part"); [ "${n:-0}" -ge 32 ] && break; sleep 0.05; done
kill -TERM $pid; wait $pid; code=$?
[ $code -eq 143 ] && pass "SIGTERM exits 143" || fail "SIGTERM gave exit $code"
expect_grep "rerun the same command to resume" "$WORK/t.err" "the stop says how to go on"
expect_exit 0 "--no-resume starts afresh" -- mtl-extract --no-resume --threads 1 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" --batch 16 -o "$WORK/t.h5" "$DATA/train.txt"
grep -q resuming "$WORK/err" && fail "--no-resume resumed"
expect_true "the fresh store = uninterrupted store" -- same_store "$WORK/full.h5" "$WORK/t.h5"

# Two runs on one output: the second is refused (exit 4) and the first completes intact.
$X --batch 16 -o "$WORK/two.h5" "$DATA/train.txt" &
pid=$!
for _ in $(seq 600); do n=$(committed "$WORK/two.h5.part"); [ "${n:-0}" -ge 16 ] && break; sleep 0.05; done
kill -STOP $pid  # hold the first run mid-way, its .part locked
expect_exit 4 "a second run on the same output" -- $X --batch 16 -o "$WORK/two.h5" "$DATA/train.txt"
expect_grep "another run is writing this store" "$WORK/err" "it says why"
kill -CONT $pid
wait $pid && pass "the first run ends well" || fail "the first run failed"
expect_true "the first run's store is intact" -- same_store "$WORK/full.h5" "$WORK/two.h5"

# Shards: three by option, and the same shard from a Slurm array's variables.
for i in 1 2 3; do
  expect_exit 0 "shard $i/3" -- $X --batch 16 --shard $i/3 -o "$WORK/s$i.h5" "$DATA/train.txt"
done
expect_true "shards 1-3 concatenated = the unsharded store, bit for bit" -- same_store "$WORK/full.h5" "$WORK/s1.h5" "$WORK/s2.h5" "$WORK/s3.h5"
expect_exit 0 "shard from SLURM_ARRAY_TASK_* (task 6 of 5-7)" -- env SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=3 $X --batch 16 -o "$WORK/slurm.h5" "$DATA/train.txt"
expect_true "the array task extracted shard 2/3" -- same_store "$WORK/s2.h5" "$WORK/slurm.h5"
h5dump -a shard "$WORK/slurm.h5" > "$WORK/a" 2>&1
expect_grep '"2/3"' "$WORK/a" "the store records its shard"
# Training and prediction take the shards together.
T="--batch 64 --seed 3 --threads 2 -q --epochs 3 --lr 0.05"
expect_exit 0 "train on the whole store" -- mtl-train-va $T --train "$WORK/full.h5" -o "$WORK/va_full.pt"
expect_exit 0 "train on the three shards" -- mtl-train-va $T --train "$WORK/s1.h5" --train "$WORK/s2.h5" --train "$WORK/s3.h5" -o "$WORK/va_s.pt"
mtl-predict --va "$WORK/va_full.pt" "$WORK/full.h5" > "$WORK/p_full.jsonl"
mtl-predict --va "$WORK/va_s.pt" "$WORK/full.h5" > "$WORK/p_s_full.jsonl"
expect_true "a head trained on the shards = the head trained on the whole store" -- cmp -s "$WORK/p_full.jsonl" "$WORK/p_s_full.jsonl"
mtl-predict --va "$WORK/va_s.pt" "$WORK/s1.h5" "$WORK/s2.h5" "$WORK/s3.h5" > "$WORK/p_s.jsonl"
# (The heads run on chunks of another size, so the last bits may differ.)
expect_true "predicting from the shards gives the whole store's lines" -- numeric_match "$WORK/p_full.jsonl" "$WORK/p_s.jsonl" 1e-6

# Training: a run killed (SIGKILL) or stopped (SIGTERM) after some epochs goes on when rerun, and
# ends with the checkpoint of an uninterrupted run, byte for byte (dropout and batch order included).
TA="--train $WORK/full.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q --epochs 12 --lr 0.1 --node-dim 16"
expect_exit 0 "an uninterrupted AU training" -- mtl-train-au $TA -o "$WORK/au_full.pt" --log "$WORK/au_full.log"
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
for moment in KILL:1 KILL:5 KILL:9 TERM:3; do
  sig=${moment%:*}; at=${moment#*:}
  rm -f "$WORK/au_$sig.pt" "$WORK/au_$sig.pt.resume" "$WORK/au_$sig.log" "$WORK/au_$sig.log.part"
  mtl-train-au $TA -o "$WORK/au_$sig.pt" --log "$WORK/au_$sig.log" 2>/dev/null &
  pid=$!
  # the log line comes before the state file: wait for both (the live log is LOG.part)
  for _ in $(seq 1200); do [ "$(lines "$WORK/au_$sig.log.part")" -ge "$at" ] && [ -e "$WORK/au_$sig.pt.resume" ] && break; sleep 0.02; done
  kill -$sig $pid; wait $pid; code=$?
  n=$(lines "$WORK/au_$sig.log.part")
  [ -e "$WORK/au_$sig.log" ] && fail "a stopped run wrote its log in place"
  [ "$n" -ge "$at" ] && [ "$n" -lt 12 ] && pass "SIG$sig after $n epochs (exit $code)" || fail "SIG$sig for $at came after $n epochs"
  [ -e "$WORK/au_$sig.pt.resume" ] && pass "the state of the last epoch is kept" || fail "no au_$sig.pt.resume"
  expect_exit 0 "the rerun after SIG$sig" -- mtl-train-au $TA -v -o "$WORK/au_$sig.pt" --log "$WORK/au_$sig.log"
  expect_grep "resuming .*au_$sig.pt.resume after epoch [0-9]* of 12" "$WORK/err" "it goes on after the last epoch"
  expect_true "resumed checkpoint = uninterrupted checkpoint (SIG$sig at epoch $n)" -- cmp -s "$WORK/au_full.pt" "$WORK/au_$sig.pt"
  [ "$(lines "$WORK/au_$sig.log")" -eq 12 ] && pass "the log holds each epoch once" || fail "the log has $(lines "$WORK/au_$sig.log") lines"
  [ -e "$WORK/au_$sig.log.part" ] && fail "the live log was left after the run completed"
  [ -e "$WORK/au_$sig.pt.resume" ] && fail "the state file was left after the run completed"
done
# The same with the rows streamed from the store (--memory-budget too small for them).
TS="$TA --memory-budget 200K"
expect_exit 0 "an uninterrupted streamed training" -- mtl-train-au $TS -o "$WORK/aus_full.pt"
mtl-train-au $TS -o "$WORK/aus.pt" --log "$WORK/aus.log" 2>/dev/null &
pid=$!
for _ in $(seq 1200); do [ "$(lines "$WORK/aus.log.part")" -ge 5 ] && [ -e "$WORK/aus.pt.resume" ] && break; sleep 0.02; done
kill -9 $pid; wait $pid 2>/dev/null
expect_exit 0 "the rerun of the killed streamed training" -- mtl-train-au $TS -v -o "$WORK/aus.pt" --log "$WORK/aus.log"
expect_grep "resuming .*aus.pt.resume after epoch" "$WORK/err" "it goes on after the last epoch"
expect_true "resumed streamed checkpoint = uninterrupted one" -- cmp -s "$WORK/aus_full.pt" "$WORK/aus.pt"

# A stopped run never replaces a finished checkpoint, and says how to go on.
cp "$WORK/au_full.pt" "$WORK/au_keep.pt"
mtl-train-au $TA --seed 9 -o "$WORK/au_keep.pt" 2>"$WORK/keep.err" &
pid=$!
for _ in $(seq 1200); do [ -e "$WORK/au_keep.pt.resume" ] && break; sleep 0.02; done
kill -TERM $pid; wait $pid; code=$?
[ $code -eq 143 ] && pass "SIGTERM exits 143" || fail "SIGTERM gave exit $code"
expect_true "the finished checkpoint was left as it was" -- cmp -s "$WORK/au_full.pt" "$WORK/au_keep.pt"
expect_grep "stopped: rerun the same command to go on from .*au_keep.pt.resume; .*au_keep.pt was left as it was" "$WORK/keep.err" "it says how to go on"
# Stopped in the first epoch, before any state: no checkpoint at all.
# The signal is sent once training has begun (-v says so), not while the program still loads.
mtl-train-au $TA -v --epochs 100 --node-dim 256 -o "$WORK/au_none.pt" 2>"$WORK/none.err" &
pid=$!
for _ in $(seq 600); do grep -q "training the au head" "$WORK/none.err" && break; sleep 0.05; done
kill -TERM $pid; wait $pid; code=$?
if [ -e "$WORK/au_none.pt.resume" ]; then echo "note: the first epoch ended before the signal"; else
  [ $code -eq 143 ] && [ ! -e "$WORK/au_none.pt" ] && pass "stopped in the first epoch: exit 143, no checkpoint" || fail "stopped in the first epoch: exit $code"
  expect_grep "no epoch had finished" "$WORK/none.err" "it says nothing was kept"
fi

# SIGHUP (a closed terminal or ssh session) stops a trainer as SIGTERM does; under nohup it is
# ignored and the run goes on.
mtl-train-au $TA -o "$WORK/au_hup.pt" 2>"$WORK/hup.err" &
pid=$!
for _ in $(seq 1200); do [ -e "$WORK/au_hup.pt.resume" ] && break; sleep 0.02; done
kill -HUP $pid; wait $pid; code=$?
[ $code -eq 129 ] && pass "SIGHUP exits 129" || fail "SIGHUP gave exit $code"
expect_grep "stopped: rerun the same command to go on from .*au_hup.pt.resume" "$WORK/hup.err" "it stopped as on SIGTERM"
ls "$WORK" | grep -q '^au_hup\.pt.*\.part-' && fail "SIGHUP left $(ls "$WORK" | grep '^au_hup')"
expect_exit 0 "the rerun after SIGHUP" -- mtl-train-au $TA -o "$WORK/au_hup.pt"
expect_true "resumed checkpoint = uninterrupted checkpoint (SIGHUP)" -- cmp -s "$WORK/au_full.pt" "$WORK/au_hup.pt"
nohup mtl-train-au $TA -o "$WORK/au_nohup.pt" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1200); do [ -e "$WORK/au_nohup.pt.resume" ] && break; sleep 0.02; done
kill -HUP $pid; wait $pid; code=$?
[ $code -eq 0 ] && cmp -s "$WORK/au_full.pt" "$WORK/au_nohup.pt" && pass "under nohup SIGHUP is ignored: the run ends well" ||
  fail "under nohup SIGHUP gave exit $code"

# A rerun of a finished trainer writes its log aside (LOG.part): stopped, or diverged, it leaves
# the finished run's log as it was; finished, it replaces it together with the checkpoint.
cp "$WORK/au_full.pt" "$WORK/au_log.pt"; cp "$WORK/au_full.log" "$WORK/au_log.log"
mtl-train-au $TA --seed 9 -o "$WORK/au_log.pt" --log "$WORK/au_log.log" 2>/dev/null &
pid=$!
for _ in $(seq 1200); do [ -e "$WORK/au_log.pt.resume" ] && break; sleep 0.02; done
kill -TERM $pid; wait $pid
expect_true "a stopped rerun left the finished log as it was" -- cmp -s "$WORK/au_full.log" "$WORK/au_log.log"
[ -s "$WORK/au_log.log.part" ] && pass "its own lines are in au_log.log.part" || fail "no au_log.log.part after the stop"
expect_exit 1 "a rerun that diverges" -- mtl-train-au $TA --no-resume --lr 1e38 -o "$WORK/au_log.pt" --log "$WORK/au_log.log"
expect_true "a diverged rerun left the finished log as it was" -- cmp -s "$WORK/au_full.log" "$WORK/au_log.log"
[ -e "$WORK/au_log.log.part" ] && fail "the diverged run left its log.part"
expect_exit 0 "a rerun that finishes" -- mtl-train-au $TA --no-resume --epochs 3 -o "$WORK/au_log.pt" --log "$WORK/au_log.log"
[ "$(lines "$WORK/au_log.log")" -eq 3 ] && pass "a finished rerun replaced the log" || fail "the log has $(lines "$WORK/au_log.log") lines, not 3"

# A state left by a run with other settings is not used.
mtl-train-au $TA -o "$WORK/au_x.pt" 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e "$WORK/au_x.pt.resume" ] && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
expect_exit 0 "a rerun with another learning rate" -- mtl-train-au ${TA/--lr 0.1/--lr 0.2} -o "$WORK/au_x.pt"
expect_grep "not resuming .*au_x.pt.resume (it was written by a run with other data or settings: lr: 0.1 there, 0.2 here)" "$WORK/err" "the state of other settings is not used, and the message names the setting"
[ -e "$WORK/au_x.pt.resume" ] && fail "the state file was left after the run completed"

# Two trainers on one -o (or one --log): the second stops at once with exit 4, naming the lock;
# the first, held meanwhile, ends with the checkpoint and log of a run alone, and no lock file.
mtl-train-au $TA -o "$WORK/au_two.pt" --log "$WORK/au_two.log" 2>/dev/null &
pid=$!
# The trainer takes the lock of -o, then that of --log: hold it once both are taken.
for _ in $(seq 2000); do [ -e "$WORK/au_two.pt.lock" ] && [ -e "$WORK/au_two.log.lock" ] && break; sleep 0.01; done
kill -STOP $pid
if [ -e "$WORK/au_two.pt.lock" ] && [ -e "$WORK/au_two.log.lock" ]; then
  expect_exit 4 "a second trainer on the same -o" -- mtl-train-au $TA -o "$WORK/au_two.pt"
  expect_grep "au_two.pt: another run is writing it now (it holds .*au_two.pt.lock); wait for it to end or give -o another file" "$WORK/err" "it says why and names the lock"
  expect_exit 4 "a second trainer on the same --log" -- mtl-train-au $TA -o "$WORK/au_other.pt" --log "$WORK/au_two.log"
  expect_grep "au_two.log: another run is writing it now .*give --log another file" "$WORK/err" "it names the log"
  [ -e "$WORK/au_other.pt" ] && fail "the refused trainer wrote a checkpoint"
else
  fail "the first trainer ended before it could be held"
fi
kill -CONT $pid
wait $pid && pass "the first trainer ends well" || fail "the first trainer failed"
expect_true "its checkpoint = an uninterrupted run's" -- cmp -s "$WORK/au_full.pt" "$WORK/au_two.pt"
no_time() { sed 's/,*"wall_s":[0-9.e+-]*//' "$1"; }  # the log lines less their times
no_time "$WORK/au_full.log" > "$WORK/log_a"; no_time "$WORK/au_two.log" > "$WORK/log_b"
expect_true "its log = an uninterrupted run's (less the times)" -- cmp -s "$WORK/log_a" "$WORK/log_b"
ls "$WORK" | grep -q '\.lock$' && fail "a lock file was left: $(ls "$WORK" | grep '\.lock$')"
# A lock file left by a killed trainer holds no lock: the next run takes it over.
: > "$WORK/au_left.pt.lock"
expect_exit 0 "a trainer beside a lock file that no process holds" -- mtl-train-va $T --train "$WORK/full.h5" -o "$WORK/au_left.pt"

# Temporary files a killed writer left (OUT.part-HOST-PID-N): the next write of OUT removes those of
# processes of this host that no longer exist, and only those.
sh -c 'exit 0' & dead=$!; wait $dead
sleep 600 & live=$!
host=$(uname -n)
for f in "va_t.pt.part-$host-$dead-0" "va_t.pt.resume.part-$host-$dead-7" "va_t.pt.part-$host-$live-1" \
         "va_t.pt.part-other-host-$dead-0" "va_t.pt.partial-$host-$dead-0"; do echo x > "$WORK/$f"; done
expect_exit 0 "a training beside temporary files of dead and live writers" -- mtl-train-va $T --train "$WORK/full.h5" -o "$WORK/va_t.pt"
for f in "va_t.pt.part-$host-$dead-0" "va_t.pt.resume.part-$host-$dead-7"; do
  [ -e "$WORK/$f" ] && fail "$f (a dead process of this host) was left" || pass "$f (a dead process of this host) was removed"
done
for f in "va_t.pt.part-$host-$live-1" "va_t.pt.part-other-host-$dead-0" "va_t.pt.partial-$host-$dead-0"; do
  [ -e "$WORK/$f" ] && pass "$f was kept" || fail "$f (not a dead writer's of this host) was removed"
done
kill $live; wait $live 2>/dev/null

# A full disk: exit 4 with the reason, no crash; the extraction's committed rows stay for a rerun,
# and a trainer leaves no temporary file. Needs a small tmpfs (root); skipped where mount is refused.
mkdir -p "$WORK/small"
if mount -t tmpfs -o size=300k tmpfs "$WORK/small" 2>/dev/null; then
  expect_exit 4 "extraction on a full disk" -- $X --batch 16 -o "$WORK/small/x.h5" "$DATA/train.txt"
  expect_grep "x.h5.part: cannot write (disk full?)" "$WORK/err" "it names the file and the reason"
  [ -e "$WORK/small/x.h5" ] && fail "a full disk left a file under the final name"
  expect_exit 4 "training on a full disk" -- mtl-train-au --train "$WORK/full.h5" --epochs 1 --node-dim 256 -q -o "$WORK/small/au.pt"
  expect_grep "au.pt[.a-z]*.part-[^:]*: cannot write: No space left on device" "$WORK/err" "it names the file and the reason"
  ls "$WORK/small" | grep -q '^au.pt' && fail "training on a full disk left $(ls "$WORK/small")"
  mount -o remount,size=20M "$WORK/small"
  expect_exit 0 "after space is freed the rerun completes" -- mtl-extract --threads 1 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" --batch 16 -o "$WORK/small/x.h5" "$DATA/train.txt"
  # A failed write can damage the committed image paths (HDF5 moves its string heap): the rerun
  # checks them against the input list and resumes, or says why not and starts afresh.
  expect_grep "resuming .*x.h5.part after\|not resuming .*x.h5.part" "$WORK/err" "it resumed, or said why not"
  cat "$WORK/err"
  expect_true "the store = uninterrupted store" -- same_store "$WORK/full.h5" "$WORK/small/x.h5"
  umount "$WORK/small"
else
  echo "skipped: full disk (cannot mount a tmpfs here)"
fi

# Outputs that would destroy something are refused before any work.
mkfifo "$WORK/fifo" "$WORK/va3.pt.resume"
run_table <<ROWS
4 | va3.pt.resume: exists and is not a regular file | timeout -s KILL 60 mtl-train-va --train $WORK/full.h5 -o $WORK/va3.pt
3 | s2.h5: image '.*' is also in .*full.h5; a row given twice would count twice | mtl-train-va --train $WORK/full.h5 --train $WORK/s2.h5 -o $WORK/va4.pt | $WORK/va4.pt
3 | s1.h5: image '.*' is also in .*s1.h5 | mtl-train-va --train $WORK/s1.h5 --train $WORK/s2.h5 --train $WORK/s1.h5 -o $WORK/va4.pt | $WORK/va4.pt
2 | -o .*train.txt is also an input                 | mtl-extract --backbone $DATA/backbone.pt -o $DATA/train.txt $DATA/train.txt
2 | -o .*full.h5 is also an input                   | mtl-train-va --train $WORK/full.h5 -o $WORK/full.h5
2 | --log .*va2.pt is also an input                | mtl-train-va --train $WORK/full.h5 -o $WORK/va2.pt --log $WORK/va2.pt
4 | fifo: exists and is not a regular file          | mtl-train-va --train $WORK/full.h5 -o $WORK/fifo
4 | folder .*/nowhere does not exist                | mtl-train-va --train $WORK/full.h5 -o $WORK/nowhere/va.pt
4 | folder .*/nowhere does not exist                | mtl-extract --backbone $DATA/backbone.pt -o $WORK/nowhere/x.h5 $DATA/train.txt
2 | --shard must be I/N with 1 <= I <= N, not '4/3' | mtl-extract --backbone $DATA/backbone.pt -o $WORK/x.h5 --shard 4/3 $DATA/train.txt
2 | SLURM_ARRAY_TASK_ID 9 is not within the array   | env SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_COUNT=3 mtl-extract --backbone $DATA/backbone.pt -o $WORK/x.h5 $DATA/train.txt
ROWS
[ -p "$WORK/fifo" ] && pass "the FIFO is still a FIFO" || fail "the FIFO was replaced"
finish
