# examples/ablation.sh --slurm on a one-node cluster (tests/e2e/slurm_cluster.sh): the prepare job,
# the array of heads (one task per seed), the array of cells (one per variant and seed) and the
# table job, each after the one before; its tables must equal a local run's with the same settings,
# byte for byte (training is deterministic per seed).
# Needs root and the packages (scripts/debian-deps.sh --tests); exits 77 (skipped) without them.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
start=$(date +%s)
. "$(dirname "$0")/slurm_cluster.sh"

export PATH="$(cd "$BIN" && pwd):$PATH"  # the jobs find the programs under test
DATA=$(cd "$DATA" && pwd)
A="$SRC/examples/ablation.sh"
POSTS=raw,tuned,smoothed,tuned+smoothed

set -- installed "$DATA" --variants paper,none --seeds 1,2 --post "$POSTS" \
  --au-opts "--epochs 2 --node-dim 16" --ex-opts "--epochs 4" --va-opts "--epochs 3"
ARGS=("$@")

# submit: runs ablation.sh --slurm into $WORK/slurm and waits for its table job; sets TJOB.
submit() {
  bash "$A" "${ARGS[@]}" --slurm --out "$WORK/slurm" >"$WORK/submit.out" 2>&1 || { fail "ablation.sh --slurm: $(cat "$WORK/submit.out")"; return 1; }
  TJOB=$(sed -n 's/.*table \([0-9][0-9]*\).*/\1/p' "$WORK/submit.out")
  [ -n "$TJOB" ] || { fail "no table job in: $(cat "$WORK/submit.out")"; return 1; }
  wait_done "$TJOB" || { fail "the table job did not end"; return 1; }
  [ "$(state "$TJOB")" = COMPLETED ] || { fail "the table job ended $(state "$TJOB"): $(tail -3 "$WORK"/slurm/slurm/*.out)"; return 1; }
}
submit && pass "the four jobs ran: $(head -1 "$WORK/submit.out")"
echo "($(( $(date +%s) - start )) s) the Slurm run is done"
for f in prepare heads-0 heads-1 cell-0 cell-1 cell-2 cell-3 table; do
  [ -f "$WORK/slurm/slurm/$f.out" ] || fail "no output of job $f"
done
cat "$WORK/slurm/table.txt"

# The same locally.
expect_exit 0 "the same ablation locally" -- bash "$A" "${ARGS[@]}" --out "$WORK/local"
for f in scores.tsv table.tsv table.txt; do
  expect_true "Slurm's $f = the local run's, byte for byte" -- cmp "$WORK/slurm/$f" "$WORK/local/$f"
done

echo "Slurm ablation test wall time: $(( $(date +%s) - start )) s"
finish
