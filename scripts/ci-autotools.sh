#!/bin/bash
# CI job of the autotools build: generates configure, configures (with ccache when installed) and runs
# `make distcheck`, which makes the tarball, builds it in a read-only copy of the sources, runs
# make check (unit and end-to-end tests), installs, builds a program against the installed library
# (installcheck), uninstalls and checks that nothing is left. Fails on any failure.
# Usage: scripts/ci-autotools.sh [configure options...], e.g. --with-libtorch=DIR; run from anywhere.
# Needs scripts/debian-deps.sh --tests (autoconf, automake, pkg-config, the libraries, Python's).
# Environment: JOBS (default 2), CXX (default "ccache g++" when ccache is installed), CXXFLAGS
# (default -O2; without -g, ccache also hits across build folders).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
jobs=${JOBS:-2}
if [ -z "${CXX:-}" ]; then
  if command -v ccache > /dev/null; then CXX="ccache g++"; else CXX=g++; fi
fi
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top}
step() { echo "== $(date -u +%H:%M:%S) $*"; }

step autoreconf
autoreconf -fi
step configure
rm -rf build-autotools
mkdir build-autotools
cd build-autotools
../configure CXX="$CXX" CXXFLAGS="${CXXFLAGS:--O2}" "$@"
step "make -j$jobs distcheck"
# The tests run JOBS at a time too; a failing test's log is printed by the harness (VERBOSE).
# MTL_CHECK=quick runs Makefile.am's QUICK_TESTS instead of every test (CI: the CMake leg runs them all).
if [ "${MTL_CHECK:-all}" = quick ]; then
  make -j"$jobs" distcheck VERBOSE=1 TESTS='$(QUICK_TESTS)'
else
  make -j"$jobs" distcheck VERBOSE=1
fi
step done
