#!/bin/sh
# Puts timm 0.9.16 from PyPI (the 0.9.x that HSEmotion's and EmotiEffLib's models need) into a
# virtual environment, on top of a PyTorch that is already there, and prints the environment's
# python (for -DMTL_TIMM_PYTHON=...):
#   scripts/timm-venv.sh [VENV]
# A new VENV (default .venv-timm) is made from Debian's /usr/bin/python3 with
# --system-site-packages, so that it uses Debian's torch 1.13.1 and torchvision 0.14.1; an existing
# one (e.g. .venv-torch from scripts/torch-wheel.sh, torch 2.11) gets timm added, with the
# torchvision and pyyaml that timm imports when missing. timm goes in with --no-deps, so that pip
# never replaces the torch: the converter needs none of its optional dependencies
# (huggingface_hub, safetensors are for downloading weights). h5py (with numpy) is added where
# missing, so that the conversion test also compares mtl-extract's stored features there. Under 10 s
# on a new VENV here.
set -eu
venv=${1:-.venv-timm}
pip_in() { "$venv/bin/pip" install -q --progress-bar off --disable-pip-version-check "$@" >&2; }
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv" >&2 2>/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >&2
    rm -rf "$venv"; /usr/bin/python3 -m venv --system-site-packages "$venv" >&2; }
fi
torch=$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])') || {
  echo "timm-venv.sh: $venv has no torch" >&2; exit 1; }
"$venv/bin/python" -c 'import torchvision' 2>/dev/null || pip_in "torch==$torch" torchvision
"$venv/bin/python" -c 'import yaml' 2>/dev/null || pip_in pyyaml
"$venv/bin/python" -c 'import h5py' 2>/dev/null || pip_in h5py
"$venv/bin/python" -c 'import timm; assert timm.__version__ == "0.9.16"' 2>/dev/null || pip_in --no-deps timm==0.9.16
# The torch must be the one the environment had.
"$venv/bin/python" -c "import torch, timm; assert torch.__version__.split('+')[0] == '$torch', torch.__version__"
echo "$venv/bin/python"
