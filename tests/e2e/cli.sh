# The command-line contract of every program: --help, --version, usage errors, missing inputs.
. "$(dirname "$0")/common.sh"
for p in mtl-extract mtl-score mtl-smooth mtl-train-au mtl-train-ex mtl-train-va mtl-predict; do
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

# Every program in the bin folder, those added later included: --help fits 100 columns, no default
# is split across lines, the page it points to exists, and a bad value for each numeric option
# (one with a numeric default) is a usage error that names the option.
MAN=$(cd "$(dirname "$0")/../../man" && pwd)
numeric=0
for prog in "$BIN"/mtl-*; do
  p=$(basename "$prog")
  [ -x "$prog" ] || continue
  expect_exit 0 "$p --help" -- "$p" --help || continue
  long=$(awk 'length($0) > 100' "$WORK/out")
  if [ -z "$long" ]; then pass "$p --help fits 100 columns"; else fail "$p --help has lines over 100 columns: $long"; fi
  grep -q ' $' "$WORK/out" && fail "$p --help has lines ending in blanks"
  split=$(grep '(default:' "$WORK/out" | grep -v '(default:[^()]*)')
  if [ -z "$split" ]; then pass "$p --help keeps each default on one line"; else fail "$p --help splits a default: $split"; fi
  page=$(grep -o 'See man [a-z0-9-]*' "$WORK/out" | sed 's/See man //')
  if [ -n "$page" ] && [ -f "$MAN/man1/$page.1" ]; then pass "$p --help points to an existing page"
  else fail "$p --help points to man '$page', which has no page in $MAN/man1"; fi
  # Options with a numeric default, from the help: an option line and its continuation lines.
  opts=$(awk '/^ +-/ { if (rec != "") print rec; rec = $0; next } /^ +[^ -]/ { rec = rec " " $0; next }
              { if (rec != "") print rec; rec = "" } END { if (rec != "") print rec }' "$WORK/out" |
         grep -E '\(default: -?[0-9][0-9.e+-]*\)' | grep -oE -- '--[a-z0-9-]+ (N|X)( |$)' | sed 's/ [NX] *$//')
  for o in $opts; do
    numeric=$((numeric + 1))
    expect_exit 2 "$p $o abc" -- "$p" "$o" abc || continue
    first=$(head -n 1 "$WORK/err")
    if printf '%s\n' "$first" | grep -Eq -- "^$p: $o: 'abc' is not (an integer|a number|a non-negative integer)\$"; then
      pass "$p $o abc: the message names the option"
    else
      fail "$p $o abc: '$first' does not name the option and the value"
    fi
    expect_grep "Try '$p --help'" "$WORK/err" "$p $o abc points to --help"
  done
done
[ "$numeric" -ge 20 ] || fail "only $numeric numeric options found in the programs' --help: is the help readable?"
# A value out of range, a list with a bad number, --name=value, a short option, a missing value.
run_table <<ROWS
2 | ^mtl-train-va: --epochs: '99999999999' is out of range$                    | mtl-train-va --epochs 99999999999
2 | ^mtl-train-va: --seed: '-1' is not a non-negative integer$                | mtl-train-va --seed=-1
2 | ^mtl-train-au: -k: '2x' is not an integer$                                | mtl-train-au -k 2x
2 | ^mtl-predict: --std: '1,x,1' is not a comma-separated list of numbers$    | mtl-predict --std 1,x,1
2 | ^mtl-train-va: --lr: '1e999' is out of range \(at most 1.8e308 in size\)$   | mtl-train-va --lr=1e999
2 | ^mtl-train-va: --epochs needs a value$                                    | mtl-train-va --epochs
2 | ^mtl-score: unknown option '--nosuch'$                                    | mtl-score --nosuch
ROWS
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

# A closed pipe on standard output ends a program quietly by SIGPIPE, as it ends cat: status 141,
# nothing on stderr; also when the parent left SIGPIPE ignored (the program restores the default).
# The output is larger than a pipe holds, so the writes do meet the closed pipe.
expect_exit 0 "a VA head for the pipe tests" -- mtl-train-va -q --threads 1 --epochs 1 --train "$DATA/train.h5" -o "$WORK/va.pt"
expect_exit 0 "an AU head for the pipe tests" -- mtl-train-au -q --threads 1 --epochs 1 --node-dim 8 --train "$DATA/train.h5" -o "$WORK/au.pt"
P="mtl-predict -q --threads 1 --au $WORK/au.pt --va $WORK/va.pt $DATA/train.h5 $DATA/val.h5"
$P > "$WORK/big.jsonl"
for f in 1 2 3 4 5 6 7 8; do sed "s|\"image\":\"|&copy$f-|" "$WORK/big.jsonl"; done > "$WORK/big8.jsonl"
for f in big big8; do
  bytes=$(wc -c < "$WORK/$f.jsonl")
  [ "$bytes" -gt 131072 ] || fail "the pipe tests need more than a pipe holds (64 KiB): $f.jsonl has $bytes bytes"
done
expect_exit 0 "mtl-smooth reads the copies" -- mtl-smooth -q --filter none "$WORK/big8.jsonl"
pipe_closed() {  # pipe_closed DESC IGNORE command...: runs command | head -c 10
  local desc=$1 ignore=$2 status; shift 2
  if [ "$ignore" = ignored ]; then (trap '' PIPE; exec "$@") 2>"$WORK/err" | head -c 10 >/dev/null
  else "$@" 2>"$WORK/err" | head -c 10 >/dev/null; fi
  status=${PIPESTATUS[0]}
  [ "$status" -eq 141 ] && pass "$desc | head: ended by SIGPIPE (141)" || fail "$desc | head: exit $status, not 141"
  [ -s "$WORK/err" ] && fail "$desc | head wrote to stderr: $(head -c 300 "$WORK/err")"
}
for ignore in default ignored; do
  pipe_closed "mtl-predict (SIGPIPE $ignore)" $ignore $P
  pipe_closed "mtl-smooth (SIGPIPE $ignore)" $ignore mtl-smooth -q --filter none "$WORK/big8.jsonl"
done

# --deterministic is taken by the programs that run LibTorch, and says what it set.
expect_exit 0 "mtl-train-va --deterministic" -- mtl-train-va -v --deterministic --threads 1 --epochs 1 \
  --train "$DATA/train.h5" -o "$WORK/va_det.pt"
expect_grep "deterministic algorithms on" "$WORK/err" "it says deterministic algorithms are on"
expect_true "on the CPU it gives the checkpoint of a run without it" -- cmp -s "$WORK/va.pt" "$WORK/va_det.pt"
finish
