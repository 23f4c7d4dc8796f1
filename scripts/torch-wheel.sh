#!/bin/sh
# Puts PyPI's torch 2.11.0 wheel, a complete LibTorch 2.11 built with CUDA 13 (headers, libraries,
# share/cmake/Torch; the CUDA runtime comes as nvidia-* wheels beside it), into a virtual
# environment, and prints the LibTorch folder to pass as -DCMAKE_PREFIX_PATH:
#   cmake -S . -B build-torch2 -DCMAKE_PREFIX_PATH="$(scripts/torch-wheel.sh)"
# Configuring against it needs the CUDA toolkit (nvcc) on PATH, e.g. /usr/local/cuda/bin.
# About 4.6 GB; about 90 s here. The virtual environment is .venv-torch unless named.
set -eu
venv=${1:-.venv-torch}
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv" >&2 2>/dev/null || {
    # Debian's own python3 makes virtual environments only with python3-venv.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >&2
    rm -rf "$venv"; /usr/bin/python3 -m venv "$venv" >&2; }
fi
"$venv/bin/python" -c 'import torch' 2>/dev/null ||
  "$venv/bin/pip" install -q --progress-bar off --disable-pip-version-check torch==2.11.0 >&2
"$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null
