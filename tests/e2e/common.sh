# Helpers for the end-to-end tests. Each test script is run by CTest as
#   bash tests/e2e/NAME.sh BIN_DIR DATA_DIR
# with BIN_DIR holding the built programs and DATA_DIR the demo data made by the setup fixture.
set -u
BIN=$1
DATA=$2
export PATH="$BIN:$PATH"
# A test run inside a Slurm job or with a thread setting must not shard or size itself from it.
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP SLURM_ARRAY_TASK_COUNT \
  SLURM_CPUS_PER_TASK OMP_NUM_THREADS
# The Python of the independent comparisons (Debian's, with python3-torch, -h5py, -numpy ...).
PY=${MTL_PYTHON:-/usr/bin/python3}
# require_python MODULE...: skips the whole script (exit 77) when $PY lacks one of the modules.
require_python() {
  "$PY" -c "import $(IFS=,; echo "$*")" 2>/dev/null && return 0
  echo "skipped: $PY lacks one of $* (Debian: python3-<module>)"
  exit 77
}
# json_value KEY FILE: the first number given to "KEY" in FILE (JSON, or a checkpoint's metadata).
json_value() { grep -ao "\"$1\":[-0-9.e]*" "$2" | head -1 | cut -d: -f2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mtl-e2e.XXXXXX")
# use_heads DIR NAME...: copies the demo heads NAME.pt that the fixture e2e/heads.sh trained (au,
# ex_paper, ex_additive, ex_none, va, va_f) into DIR; stops the script when they are not there.
use_heads() {
  local dir=$1 n
  shift
  if [ ! -e "$DATA/heads/complete" ]; then
    echo "FAIL: no demo heads in $DATA/heads (the fixture e2e/heads.sh has not run, or failed)" >&2
    exit 1
  fi
  for n in "$@"; do cp "$DATA/heads/$n.pt" "$dir/$n.pt" || exit 1; done
}
FAILED=0
# Sanitizer builds (MTL_SANITIZE): the programs write their reports to files under $WORK/sanitizer,
# not to stderr, and any such file fails the test at exit, printed. An exit code alone would miss a
# report from a program run in the background, in a pipe or with an unchecked status, or from one
# expected to fail. (No effect on programs built without sanitizers.)
mkdir "$WORK/sanitizer"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$WORK/sanitizer/report"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$WORK/sanitizer/report"
sanitizer_reports() {
  local f found=0
  for f in "$WORK"/sanitizer/*; do
    [ -e "$f" ] || continue
    echo "FAIL: a sanitizer report ($(basename "$f")):" >&2
    cat "$f" >&2
    found=1
  done
  return $found
}
trap 'sanitizer_reports; s=$?; rm -rf "$WORK"; [ $s -eq 0 ] || exit 1' EXIT

fail() { echo "FAIL: $*" >&2; FAILED=1; }
pass() { echo "ok: $*"; }

# expect_exit CODE DESC -- command...: runs the command, keeps its stdout/stderr in $WORK/out, $WORK/err.
expect_exit() {
  local want=$1 desc=$2
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$desc: exit $got, expected $want; stderr: $(head -c 400 "$WORK/err")"
    return 1
  fi
  pass "$desc"
}

# expect_grep PATTERN FILE DESC
expect_grep() {
  if grep -q -e "$1" "$2"; then pass "$3"; else fail "$3: '$1' not in $(basename "$2"): $(head -c 400 "$2")"; fi
}

# expect_true DESC -- command: passes when the command succeeds.
expect_true() {
  local desc=$1
  shift 2
  if "$@"; then pass "$desc"; else fail "$desc"; fi
}

finish() { exit $FAILED; }

# rows FILE DATASET: the dataset's values, one per line, floats with every bit (%.9g).
rows() { h5dump -y -m %.9g -d "$2" "$1" | sed -n '/DATA {/,/^ *}/p' | tr ', ' '\n\n' | grep -v '^$' | grep -v 'DATA\|}\|{'; }

# numeric_match A B TOL: the files have the same lines up to numbers that differ by at most TOL.
numeric_match() {
  awk -v tol="$3" '
    function toks(s, arr) { gsub(/[^-0-9.eE]+/, " ", s); return split(s, arr, " ") }
    NR == FNR { a[FNR] = $0; na = FNR; next }
    { nb = FNR; n1 = toks(a[FNR], x); n2 = toks($0, y); if (n1 != n2) exit 1
      for (i = 1; i <= n1; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > tol) exit 1 } }
    END { if (na != nb) exit 1 }' "$1" "$2"
}

# run_table: reads cases from stdin, one per line, "EXIT | STDERR PATTERN | COMMAND [| ABSENT FILE]",
# and checks each: the exit code, a pattern (grep -E) that stderr must hold, and a file that must
# not exist afterwards. Blank lines and lines starting with # are skipped. $DATA and $WORK expand.
run_table() {
  local want pattern cmd absent
  while IFS='|' read -r want pattern cmd absent; do
    case "$want" in ''|'#'*) continue ;; esac
    want=$(echo "$want" | xargs); pattern=$(echo "$pattern" | sed 's/^ *//; s/ *$//'); absent=$(echo "${absent:-}" | xargs)
    eval "set -- $cmd"
    "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    local got=$?
    if [ "$got" -ne "$want" ]; then fail "$cmd: exit $got, expected $want; stderr: $(head -c 300 "$WORK/err")"; continue; fi
    if ! grep -Eq -e "$pattern" "$WORK/err"; then fail "$cmd: stderr lacks '$pattern': $(head -c 300 "$WORK/err")"; continue; fi
    if [ -n "$absent" ] && [ -e "$(eval echo "$absent")" ]; then fail "$cmd: left $absent behind"; continue; fi
    pass "$cmd -> $want"
  done
}

# run_catalogue: like run_table, but the pattern must match the FIRST line of stderr (the line a
# user sees), and the last field may name several files (space-separated) that must not exist.
# Counts the cases; a catalogue smaller than MIN_CASES (default 80) fails.
run_catalogue() {
  local want pattern cmd absent first n=0 f
  while IFS='|' read -r want pattern cmd absent; do
    case "$want" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    want=$(echo "$want" | xargs); pattern=$(echo "$pattern" | sed 's/^ *//; s/ *$//')
    for f in ${absent:-}; do rm -rf "$f"; done  # what an earlier case left is not this case's
    eval "set -- $cmd"
    "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    local got=$?
    first=$(head -n 1 "$WORK/err")
    if [ "$got" -ne "$want" ]; then fail "case $n: $cmd: exit $got, expected $want; stderr: $(head -c 300 "$WORK/err")"; continue; fi
    if ! printf '%s\n' "$first" | grep -Eq -e "$pattern"; then fail "case $n: $cmd: first stderr line '$first' does not match '$pattern'"; continue; fi
    for f in ${absent:-}; do
      [ -e "$f" ] && fail "case $n: $cmd: left $f behind"
    done
    pass "case $n: $(echo "$cmd" | xargs | cut -c1-100) -> $want"
  done
  echo "catalogue: $n cases"
  [ "$n" -ge "${MIN_CASES:-80}" ] || fail "the catalogue holds $n cases, fewer than ${MIN_CASES:-80}"
}
