#!/bin/bash
# Runs each fuzz target for SECONDS on a copy of its seed corpus (the checked-in corpus is not
# grown) and exits 1 if any target finds something: a crash, a sanitizer report, an exception
# other than mtl::Error, a hang past 10 s or more than 2 GB of memory. A finding's reproducer and
# log are kept in a folder named on stderr; rerun one with BUILD_DIR/tests/fuzz/fuzz_NAME FILE.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#   BUILD_DIR  a build configured with -DMTL_FUZZ=ON (see tests/fuzz/README.md)
#   TARGET     annotations, predictions, feature_store or checkpoint_meta (default: all four)
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
[ ${#targets[@]} -gt 0 ] || targets=(annotations predictions feature_store checkpoint_meta)
work=$(mktemp -d "${TMPDIR:-/tmp}/mtl-fuzz.XXXXXX") || exit 1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin not found (configure with -DMTL_FUZZ=ON and build)" >&2
    failed=1
    continue
  fi
  mkdir -p "$work/$t/corpus" "$work/$t/findings"
  cp "$here/corpus/$t/"* "$work/$t/corpus/"
  dict=()
  [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
  start=$(date +%s)
  (cd "$work/$t" && "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/$t/findings/" "${dict[@]}" corpus) > "$work/$t/log" 2>&1
  rc=$?
  runs=$(grep -o 'Done [0-9]* runs' "$work/$t/log" | grep -o '[0-9]*')
  corpus=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$work/$t/log" | tail -1 | cut -d' ' -f2)
  echo "$t: ${runs:-?} runs in $(( $(date +%s) - start )) s, corpus ${corpus:-?} (files/bytes), exit $rc"
  if [ $rc -ne 0 ] || [ -n "$(ls -A "$work/$t/findings")" ]; then
    failed=1
    echo "run.sh: $t found something; reproducer and log in $work/$t" >&2
    grep -E 'ERROR|SUMMARY|runtime error|terminate|deadly signal' "$work/$t/log" | head -5 >&2
  fi
done
[ $failed -eq 0 ] && rm -rf "$work"
exit $failed
