# The Slurm examples on a real one-node cluster started here from Debian's packages (slurmctld,
# slurmd, munge): the training split extracted as a 3-task job array, the training job waiting on
# it (--dependency=afterok), stopped once with scancel --batch --signal=TERM and requeued, then
# predicting and scoring. Its predictions must equal a local run's, byte for byte.
# Needs root and the packages (scripts/debian-deps.sh --tests); exits 77 (skipped) without them.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v slurmctld >/dev/null && command -v munged >/dev/null && [ "$(id -u)" -eq 0 ] || { echo "skipped: no Slurm or not root"; exit 77; }
start=$(date +%s)
C="$WORK/cluster"
mkdir -p "$C/state" "$C/spool" "$C/log" /run/munge /var/log/munge /var/lib/munge
chown munge: /run/munge /var/log/munge /var/lib/munge
host=$(hostname -s)
cat > "$C/slurm.conf" <<CONF
ClusterName=mtltest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$((20000 + $$ % 20000))
SlurmdPort=$((40000 + $$ % 20000))
AuthType=auth/munge
AuthInfo=cred_expire=5
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=1
MpiDefault=none
SchedulerParameters=sched_interval=1,bf_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$C/slurm.conf"
own_munge=0
if ! pgrep -x munged >/dev/null; then runuser -u munge -- /usr/sbin/munged --force && own_munge=1; fi
slurmctld -i -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || { fail "cannot start Slurm: $(tail -5 "$C"/log/*.log)"; finish; }
stop_cluster() {
  for p in "$C/slurmd.pid" "$C/slurmctld.pid"; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  [ $own_munge -eq 1 ] && pkill -x munged
  sleep 1
  rm -rf "$WORK"
}
trap stop_cluster EXIT
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %T | grep -q idle && pass "a one-node cluster is up" || { fail "the node is not idle: $(sinfo 2>&1)"; finish; }

# state JOB: the job's state (COMPLETED, RUNNING, PENDING, ...).
state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
wait_done() {  # wait_done JOB...: until none is pending or running (10 minutes at most)
  local j
  for _ in $(seq 1200); do
    local busy=0
    for j in "$@"; do case "$(state "$j")" in PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|SUSPENDED) busy=1 ;; esac; done
    [ $busy -eq 0 ] && return 0
    sleep 0.5
  done
  return 1
}

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
  [ -f "$O.au.log" ] && [ "$(wc -l < "$O.au.log")" -ge 5 ] && break
  case "$(state "$tjob")" in PENDING|RUNNING|CONFIGURING) ;; *) break ;; esac
  scontrol -o show job "$tjob" | grep -q DependencyNeverSatisfied && break
  sleep 0.25
done
[ "$(state "$tjob")" = RUNNING ] || { fail "the training job is $(state "$tjob"): $(cat "$WORK"/*.out | tail -5)"; finish; }
echo "($(( $(date +%s) - start )) s) stopping the training job"
scancel --batch --signal=TERM "$tjob" && pass "scancel --batch --signal=TERM after $(wc -l < "$O.au.log") AU epochs"
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
