#!/bin/bash
# Runs each fuzz target for SECONDS on a copy of its seed corpus (the checked-in corpus is not
# grown) and exits 1 if any target finds something in the project: a crash, a sanitizer report, an
# exception other than mtl::Error, a hang past 10 s or more than 2 GB of memory.
#
# libFuzzer runs in fork mode and goes on after a finding, so that faults inside Debian's HDF5
# 1.10 (hangs and overflows in its parser of damaged files, which the project cannot fix) do not
# hide the rest. Each finding is then rerun alone and sorted by where it lies: in the project
# (counted), inside libhdf5 (listed, not counted, unless the memory it overran is the project's),
# or not reproduced alone (listed). Findings and logs are kept in a folder named on stderr; rerun
# one with BUILD_DIR/tests/fuzz/fuzz_NAME FILE.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#   BUILD_DIR  a build configured with -DMTL_FUZZ=ON (see tests/fuzz/README.md)
#   TARGET     annotations, predictions, feature_store, checkpoint_meta, thresholds, training_log or smoothing
#              (default: all)
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(annotations predictions feature_store checkpoint_meta thresholds training_log smoothing face_lines)
work=$(mktemp -d "${TMPDIR:-/tmp}/mtl-fuzz.XXXXXX") || exit 1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
limits=(-rss_limit_mb=2048 -timeout=10)

# Stack frames of the sanitizers, libFuzzer and the C and C++ runtimes: not where a fault lies.
runtime='__sanitizer|__asan|__lsan|__ubsan|__interceptor|fuzzer::|compiler-rt|in (malloc|calloc|realloc|free|strdup|__mem[a-z_0-9]*|operator new|operator delete|__cxa_|std::terminate|abort|raise|main)[ (]|sysdeps/|libc\.so|libstdc\+\+|libgcc_s'

# Where the finding in the rerun log $1 lies: project, hdf5 or none (not reproduced).
where() {
  local log=$1 first owner
  grep -qE 'ERROR: |runtime error|deadly signal' "$log" || { echo none; return; }
  grep -qE 'runtime error' "$log" && { echo project; return; }
  first=$(grep -E '^ *#[0-9]+ 0x' "$log" | grep -vE "$runtime" | head -1)
  # Whose memory an overrun hit: the first frame that allocated it, or whose stack frame it is in.
  owner=$(grep -A12 -E 'allocated by thread|is located in stack of thread' "$log" | grep -E '^ *#[0-9]+ 0x' |
    grep -vE "$runtime" | head -1)
  if [[ $first == *libhdf5* ]] && { [ -z "$owner" ] || [[ $owner == *libhdf5* ]]; }; then
    echo hdf5
  else
    echo project
  fi
}

failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin not found (configure with -DMTL_FUZZ=ON and build)" >&2
    failed=1
    continue
  fi
  dir=$work/$t
  mkdir -p "$dir/corpus" "$dir/findings"
  cp "$here/corpus/$t/"* "$dir/corpus/"
  dict=()
  [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
  start=$(date +%s)
  (cd "$dir" && "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" \
    "${limits[@]}" -artifact_prefix="$dir/findings/" "${dict[@]}" corpus) > "$dir/log" 2>&1
  runs=$(grep -oE '^#[0-9]+' "$dir/log" | tail -1 | tr -d '#')
  counts=(0 0 0)  # project, hdf5, not reproduced
  for f in "$dir/findings/"*; do
    [ -e "$f" ] || continue
    # A limit on one allocation below the one on all memory: a large allocation is then reported
    # with its own stack, not the memory watcher's.
    (cd "$dir" && "$bin" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=1024 "$f") > "$f.log" 2>&1
    w=$(where "$f.log")
    case $w in project) counts[0]=$((counts[0] + 1)) ;; hdf5) counts[1]=$((counts[1] + 1)) ;; *) counts[2]=$((counts[2] + 1)) ;; esac
    echo "  $w: $(basename "$f"): $(grep -m1 -oE 'ERROR: [A-Za-z]+: [A-Za-z-]+( [a-z-]+)?|runtime error: .{0,70}|deadly signal' "$f.log")"
  done
  echo "$t: ${runs:-?} runs in $(( $(date +%s) - start )) s, corpus $(ls "$dir/corpus" | wc -l) files;" \
    "findings: ${counts[0]} in the project, ${counts[1]} inside HDF5, ${counts[2]} not reproduced alone"
  [ "${counts[0]}" -eq 0 ] || failed=1
done
if [ $failed -eq 0 ] && [ -z "$(find "$work" -path '*/findings/*' -print -quit)" ]; then
  rm -rf "$work"
else
  echo "run.sh: findings and logs in $work" >&2
fi
exit $failed
