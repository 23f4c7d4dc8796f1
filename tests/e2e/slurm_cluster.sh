# A one-node Slurm cluster for the tests, from Debian's packages (slurmctld, slurmd, munge), started
# as root with its state under $WORK/cluster and stopped when the test exits. Sourced after
# common.sh; exits 77 (skipped) without the packages or root.
command -v slurmctld >/dev/null && command -v munged >/dev/null && [ "$(id -u)" -eq 0 ] || { echo "skipped: no Slurm or not root"; exit 77; }
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
# munged: the one running, if it answers; else our own, stopped at the end (by its PID file). A
# munged that an earlier test is stopping may still be listed, so ask it (munge -n), not the
# process list, and wait until ours answers.
own_munge=0
if ! munge -n >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --force && own_munge=1
  for _ in $(seq 100); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
fi
slurmctld -i -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || { fail "cannot start Slurm: $(tail -n 5 "$C"/log/*.log 2>&1)"; finish; }
stop_cluster() {
  for p in "$C/slurmd.pid" "$C/slurmctld.pid"; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  if [ $own_munge -eq 1 ] && mpid=$(cat /run/munge/munged.pid 2>/dev/null) && kill "$mpid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
  fi
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

