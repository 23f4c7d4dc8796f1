# The command-line contract of every program: --help, --version, usage errors, missing inputs.
. "$(dirname "$0")/common.sh"
for p in mtl-extract mtl-score mtl-train-au mtl-train-ex mtl-train-va mtl-predict; do
  expect_exit 0 "$p --help" -- "$p" --help
  expect_grep "Usage:" "$WORK/out" "$p --help prints usage on stdout"
  expect_grep "Exit status" "$WORK/out" "$p --help documents exit codes"
  [ -s "$WORK/err" ] && fail "$p --help wrote to stderr"
  expect_exit 0 "$p --version" -- "$p" --version
  expect_grep "^$p (mtl-toolkit) " "$WORK/out" "$p --version names the program"
  expect_grep "^LibTorch " "$WORK/out" "$p --version names LibTorch"
  expect_grep "^OpenCV " "$WORK/out" "$p --version names OpenCV"
  expect_grep "^HDF5 " "$WORK/out" "$p --version names HDF5"
  expect_exit 2 "$p --no-such-option" -- "$p" --no-such-option
  expect_grep "^$p: " "$WORK/err" "$p usage error names the program"
  expect_grep "Try '$p --help'" "$WORK/err" "$p usage error points to --help"
  [ -s "$WORK/out" ] && fail "$p usage error wrote to stdout"
done
expect_exit 2 "mtl-extract without -o" -- mtl-extract --backbone "$DATA/backbone.pt" "$DATA/val.txt"
expect_exit 2 "mtl-train-au --epochs 0" -- mtl-train-au --train "$DATA/train.h5" -o "$WORK/x.pt" --epochs 0
expect_exit 2 "mtl-train-ex without --au" -- mtl-train-ex --train "$DATA/train.h5" -o "$WORK/x.pt"
expect_grep "--au is required" "$WORK/err" "mtl-train-ex says --au is needed"
expect_exit 2 "mtl-extract --device gpu" -- mtl-extract --device gpu --backbone "$DATA/backbone.pt" -o "$WORK/x.h5" "$DATA/val.txt"
expect_exit 3 "mtl-train-va on a missing store" -- mtl-train-va --train "$WORK/none.h5" -o "$WORK/x.pt"
expect_grep "none.h5: cannot open" "$WORK/err" "missing store named"
expect_exit 3 "mtl-score with a missing truth" -- mtl-score --truth "$WORK/none.txt" /dev/null
expect_exit 3 "mtl-predict with a missing checkpoint" -- mtl-predict --va "$WORK/none.pt" "$DATA/val.h5"
expect_grep "none.pt: cannot open" "$WORK/err" "missing checkpoint named"
finish
