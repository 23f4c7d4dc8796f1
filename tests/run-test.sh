#!/bin/bash
# Test driver of the autotools build (make check): runs one test script the way tests/CMakeLists.txt
# has CTest run it. The environment (Makefile.am, AM_TESTS_ENVIRONMENT) gives MTL_BIN_DIR (the built
# programs), MTL_DATA_DIR (the demo data, made by e2e/setup.sh) and MTL_PYTHON. Exit 77: skipped.
set -u
script=$1
case $script in
  *.py)  # tests/python/NAME.py MTL_SCORE WORKDIR
    work="$MTL_DATA_DIR/../python-work"
    mkdir -p "$work" || exit 99
    exec "$MTL_PYTHON" "$script" "$MTL_BIN_DIR/mtl-score" "$work" ;;
  *)
    exec bash "$script" "$MTL_BIN_DIR" "$MTL_DATA_DIR" ;;
esac
