# The Slurm examples on a real one-node cluster started here from Debian's packages (slurmctld,
# slurmd, munge): the training split extracted as a 3-task job array, the training job waiting on
# it (--dependency=afterok), stopped once with scancel --batch --signal=TERM and requeued, then
# predicting and scoring. Its predictions must equal a local run's, byte for byte.
# Needs root and the packages (scripts/debian-deps.sh --tests); exits 77 (skipped) without them.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
start=$(date +%s)
. "$(dirname "$0")/slurm_cluster.sh"

export PATH="$(cd "$BIN" && pwd):$PATH"  # the jobs find the programs under test
DATA=$(cd "$DATA" && pwd)
O="$WORK/run"
E="BACKBONE=$DATA/backbone.pt,IMAGES=$DATA/cropped_aligned,LIST=$DATA/train.txt,OUT=$O.train,EXTRACT_OPTS=--batch 16"
ejob=$(sbatch --parsable --array=1-3 --chdir="$WORK" -o "$WORK/extract-%a.out" --export="ALL,$E" "$SRC/examples/slurm/extract.sbatch")
opts="--batch 64 --seed 3 -q"
T="TRAIN=$O.train,VAL=$DATA/val.h5,TRUTH=$DATA/val.txt,OUT=$O,AU_OPTS=$opts --epochs 40 --lr 0.1 --node-dim 32,EX_OPTS=$opts --epochs 30 --lr 0.3,VA_OPTS=$opts --epochs 15 --lr 0.05"
tjob=$(sbatch --parsable --dependency=afterok:"$ejob" --chdir="$WORK" -o "$WORK/train.out" --export="ALL,$T" "$SRC/examples/slurm/train.sbatch")
[ -n "$ejob" ] && [ -n "$tjob" ] && pass "submitted the array $ejob and the training job $tjob" || fail "sbatch failed"

# Stop the training job once its AU head has a few epochs, as a preemption would.
for _ in $(seq 1200); do
  [ -f "$O.au.log.part" ] && [ "$(wc -l < "$O.au.log.part")" -ge 5 ] && break  # the live log
  case "$(state "$tjob")" in PENDING|RUNNING|CONFIGURING) ;; *) break ;; esac
  scontrol -o show job "$tjob" | grep -q DependencyNeverSatisfied && break
  sleep 0.25
done
[ "$(state "$tjob")" = RUNNING ] || { fail "the training job is $(state "$tjob"): $(cat "$WORK"/*.out | tail -5)"; finish; }
echo "($(( $(date +%s) - start )) s) stopping the training job"
scancel --batch --signal=TERM "$tjob" && pass "scancel --batch --signal=TERM after $(wc -l < "$O.au.log.part") AU epochs"
wait_done "$tjob" || fail "the training job did not end"
echo "($(( $(date +%s) - start )) s) the training job ended"
[ "$(state "$tjob")" = COMPLETED ] && pass "the training job completed" || fail "the training job ended $(state "$tjob"): $(tail -5 "$WORK/train.out")"
scontrol -o show job "$tjob" | grep -q 'Restarts=[1-9]' && pass "it was requeued" || fail "it was not requeued: $(scontrol -o show job "$tjob")"
[ -e "$O.au.pt.resume" ] && fail "the AU state file was left after the job completed"
for i in 1 2 3; do [ -s "$O.train.$i.h5" ] || fail "shard $i missing"; done
grep -h "shard" "$WORK"/extract-*.out | head -3

# The same work locally, without Slurm and without a stop.
L="$WORK/local"
mtl-extract -q --batch 16 --threads 2 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" -o "$L.train.h5" "$DATA/train.txt"
mtl-train-au --train "$L.train.h5" --val "$DATA/val.h5" $opts --threads 2 --epochs 40 --lr 0.1 --node-dim 32 -o "$L.au.pt"
mtl-train-ex --train "$L.train.h5" --val "$DATA/val.h5" $opts --threads 2 --epochs 30 --lr 0.3 --au "$L.au.pt" -o "$L.ex.pt"
mtl-train-va --train "$L.train.h5" --val "$DATA/val.h5" $opts --threads 2 --epochs 15 --lr 0.05 -o "$L.va.pt"
mtl-predict --au "$L.au.pt" --ex "$L.ex.pt" --va "$L.va.pt" "$DATA/val.h5" > "$L.pred.jsonl"
expect_true "the Slurm run's predictions = the local run's, byte for byte" -- cmp -s "$O.pred.jsonl" "$L.pred.jsonl"
expect_grep '"P_MTL":' "$O.scores.json" "the job scored the predictions"
cat "$O.scores.json"; echo
echo "Slurm test wall time: $(( $(date +%s) - start )) s"
finish
