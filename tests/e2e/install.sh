# `cmake --install` into a scratch prefix, then: the installed files are in place (programs, man
# pages, share/mtl with an executable conversion script, examples, headers, libraries, the CMake
# package and the pkg-config file); the installed programs run from the prefix alone; and a small
# program outside the toolkit (tests/install/consumer.cpp) builds against the installed library,
# once through find_package(mtl-toolkit) and once through pkg-config, and extracts the same
# features as mtl-extract.
#   bash tests/e2e/install.sh BIN_DIR DATA_DIR BUILD_DIR SOURCE_DIR
. "$(dirname "$0")/common.sh"
BUILD=$3
SRC=$4
P=$WORK/prefix
# A LibTorch built with CUDA (PyPI's wheel) wants nvcc when a consumer finds it.
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
expect_exit 0 "cmake --install" -- cmake --install "$BUILD" --prefix "$P"
[ $FAILED -eq 0 ] || { cat "$WORK/err" >&2; finish; }
for f in bin/mtl-extract bin/mtl-train-au bin/mtl-train-ex bin/mtl-train-va bin/mtl-predict bin/mtl-score \
    bin/mtl-gen-demo share/mtl/au_names.txt share/mtl/ex_names.txt share/mtl/convert_hsemotion.py \
    share/doc/mtl-toolkit/examples/pipeline.sh share/doc/mtl-toolkit/examples/slurm/extract.sbatch \
    include/mtl/core/feature_store.h include/mtl/pipeline/extract.h lib/libmtl_core.a lib/libmtl_pipeline.a \
    lib/cmake/mtl-toolkit/mtl-toolkitConfig.cmake lib/pkgconfig/mtl-toolkit.pc; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
for page in "$SRC"/man/man1/*.1 "$SRC"/man/man5/*.5; do
  sec=${page##*.}
  [ -f "$P/share/man/man$sec/$(basename "$page")" ] || fail "man page not installed: $(basename "$page")"
done
for prog in "$BIN"/mtl-*; do
  [ -x "$P/bin/$(basename "$prog")" ] || fail "program not installed: $(basename "$prog")"
done
[ -x "$P/share/mtl/convert_hsemotion.py" ] && pass "convert_hsemotion.py is executable" ||
  fail "convert_hsemotion.py is not executable"
[ -x "$P/share/doc/mtl-toolkit/examples/pipeline.sh" ] && pass "examples keep their execute bit" ||
  fail "examples/pipeline.sh lost its execute bit"

# The installed programs, run with a PATH that holds only the prefix (no build or source tree).
env -i PATH="$P/bin:/usr/bin:/bin" HOME="$WORK" mtl-extract --version >"$WORK/out" 2>&1 &&
  pass "installed mtl-extract runs" || fail "installed mtl-extract --version: $(cat "$WORK/out")"
# The installed example runs the whole pipeline with the installed programs only.
(cd "$WORK" && env -i PATH="$P/bin:/usr/bin:/bin" HOME="$WORK" sh "$P/share/doc/mtl-toolkit/examples/pipeline.sh" \
  installed demo) >"$WORK/out" 2>"$WORK/err" && grep -q "^MTL " "$WORK/out" &&
  pass "the installed examples/pipeline.sh runs on the installed programs" ||
  fail "installed examples/pipeline.sh: $(tail -3 "$WORK/err")"
expect_exit 0 "installed share/mtl/convert_hsemotion.py --help" -- "$P/share/mtl/convert_hsemotion.py" --help

# Consumers: find_package, then pkg-config.
head -41 "$DATA/val.txt" >"$WORK/list.txt"
expect_exit 0 "configure a consumer with find_package(mtl-toolkit)" -- \
  cmake -S "$SRC/tests/install" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release
expect_exit 0 "build it" -- cmake --build "$WORK/consumer"
[ $FAILED -eq 0 ] || { cat "$WORK/out" "$WORK/err" >&2; finish; }
expect_exit 0 "the CMake consumer extracts features" -- \
  "$WORK/consumer/consumer" "$DATA/backbone.pt" "$DATA/cropped_aligned" "$WORK/list.txt" "$WORK/c1.h5"
expect_grep "40 rows of 256 features" "$WORK/out" "the CMake consumer reads back 40 rows"
mtl-extract -q --threads 1 --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" \
  -o "$WORK/ref.h5" "$WORK/list.txt" || fail "mtl-extract on the same list"
# The consumer runs the backbone with LibTorch's default threads, mtl-extract here with one:
# bit-identical features are promised for the same command, not across thread counts (they
# differed by up to 1.1e-6 on these machines), so the two agree within 1e-5.
expect_exit 0 "the consumer's features equal mtl-extract's within 1e-5" -- h5diff -d 1e-5 "$WORK/c1.h5" "$WORK/ref.h5" /features /features

export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if flags=$(pkg-config --cflags --libs mtl-toolkit); then
  pass "pkg-config knows mtl-toolkit $(pkg-config --modversion mtl-toolkit)"
  # shellcheck disable=SC2086
  expect_exit 0 "build a consumer with pkg-config's flags" -- \
    g++ -std=c++17 -O1 "$SRC/tests/install/consumer.cpp" -o "$WORK/consumer-pc" $flags
  expect_exit 0 "the pkg-config consumer extracts features" -- \
    "$WORK/consumer-pc" "$DATA/backbone.pt" "$DATA/cropped_aligned" "$WORK/list.txt" "$WORK/c2.h5"
  expect_exit 0 "its features equal mtl-extract's within 1e-5" -- h5diff -d 1e-5 "$WORK/c2.h5" "$WORK/ref.h5" /features /features
else
  fail "pkg-config --cflags --libs mtl-toolkit"
fi
finish
