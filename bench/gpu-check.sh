#!/bin/bash
# The GPU check: one script of at most 8 minutes for the GPU machine (LibTorch 2.11 with CUDA in
# /opt/torch/.venv, CMake, ninja, a compiler; no package registry). It builds the toolkit against
# that LibTorch with the dependencies carried in gpu-deps/ (bench/gpu-deps.sh makes them here), runs
# the unit (when Boost is there) and end-to-end tests, the GPU ones included, and the GPU benchmark
# (bench/run.sh --gpu). Without a CUDA device it shows what a CPU allows: the same build, the tests
# (the GPU test skips) and a short CPU benchmark.
#   bench/gpu-check.sh              (from the project folder; results and logs under $OUT or gpu-out/)
# On the device machine: run with carry ["gpu-deps"] and the command bench/gpu-check.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deps=$root/gpu-deps
out=${OUT:-$root/gpu-out}
mkdir -p "$out"
py=${MTL_GPU_PYTHON:-/opt/torch/.venv/bin/python}
[ -x "$py" ] || py=$(command -v python3)
torch=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null) || {
  echo "gpu-check: $py has no torch" >&2; exit 1; }
[ -d "$deps/opencv" ] || { echo "gpu-check: $deps is missing: run bench/gpu-deps.sh first and carry it" >&2; exit 1; }
export LD_LIBRARY_PATH=$deps/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=$deps/bin:/usr/local/cuda/bin:$PATH
build=${MTL_GPU_BUILD:-$root/build-gpu}
gen=(); command -v ninja > /dev/null && gen=(-G Ninja)
step() {  # step NAME COMMAND...: runs and times a step, its output in $out/NAME.log
  local name=$1 t0=$SECONDS; shift
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc in $((SECONDS - t0)) s" | tee -a "$out/summary.txt"
  [ $rc -eq 0 ] || tail -20 "$out/$name.log"
  return $rc
}
: > "$out/summary.txt"
{ nvidia-smi -L 2>/dev/null || echo "no GPU"; "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'; nproc; } | tee -a "$out/summary.txt"
step configure cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DMTL_DEPS_BUNDLE="$deps" \
  -DCMAKE_PREFIX_PATH="$torch" -DMTL_PYTHON="$py" || exit 1
step build cmake --build "$build" -j"$(nproc)" || exit 1
step tests ctest --test-dir "$build" -j"$(nproc)" --output-on-failure -E slurm
tests=$?
grep -E "tests passed|Passed|Failed|Not Run|Skipped" "$out/tests.log" | tail -25 >> "$out/summary.txt"
if "$py" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' 2>/dev/null; then
  MTL_BENCH_PYTHON=$py MTL_BENCH_WORK=${TMPDIR:-/tmp}/mtl-bench-gpu \
    step bench bench/run.sh --gpu --build "$build" --reps 3 --epochs 2 --out "$out/RESULTS-gpu.md"
else
  echo "no CUDA device: the GPU benchmark falls back to a short CPU one" | tee -a "$out/summary.txt"
  MTL_BENCH_NO_INSTALL=1 MTL_BENCH_PYTHON=${MTL_BENCH_PYTHON:-/usr/bin/python3} MTL_BENCH_WORK=${TMPDIR:-/tmp}/mtl-bench-cpu \
    step bench bench/run.sh --build "$build" --reps 1 --images 64 --rows 2000 --epochs 2 --out "$out/RESULTS-cpu.md"
fi
cat "$out/summary.txt"
exit $tests
