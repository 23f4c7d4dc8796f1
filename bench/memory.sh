#!/bin/bash
# Peak resident memory of mtl-train-va over synthetic stores of 150k and 1.5M rows of 1280 float16
# features, with the rows in memory and streamed under --memory-budget 512M (one epoch each).
#   bench/memory.sh BUILD_DIR [WORK_DIR]     (needs Debian's python3-h5py for the stores)
set -eu
B=$1/tools
W=${2:-/tmp/mtl-bench-memory}
mkdir -p "$W"
here=$(dirname "$0")
for n in 150000 1500000; do [ -s "$W/s$n.h5" ] || /usr/bin/python3 "$here/make_store.py" "$W/s$n.h5" $n; done
run() {  # run LABEL ARGS...: one epoch, peak RSS and wall time
  local label=$1; shift
  /usr/bin/time -f "%M %e" -o "$W/time" "$B/mtl-train-va" -q --threads 2 --epochs 1 --batch 256 -o "$W/va.pt" "$@"
  read -r kb s < "$W/time"
  printf '| %s | %d MB | %.0f s |\n' "$label" $((kb / 1024)) "$s"
}
echo "| run | peak RSS | wall |"
echo "| --- | --- | --- |"
run "150k rows, in memory (--memory-budget 8G)" --train "$W/s150000.h5" --memory-budget 8G
run "150k rows, --memory-budget 512M" --train "$W/s150000.h5" --memory-budget 512M
run "1.5M rows, --memory-budget 512M" --train "$W/s1500000.h5" --memory-budget 512M
