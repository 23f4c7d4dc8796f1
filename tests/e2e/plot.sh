# The figures: mtl-score --plot and mtl-plot write valid PNG files of a sensible size whose pixels
# match numbers computed independently (tests/python/check_plots.py: bar heights against F1, the
# mean line, the confusion cells' shading against the row shares, the direction of the curves;
# tests/python/check_timeline.py: mtl-plot --timeline's CSV against its own join, the figure's gaps),
# and refuse bad input with the documented messages and exit codes, leaving no file behind.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
CHECK="$SRC/python/check_plots.py"
have_py=1
"$PY" -c 'import numpy, PIL' 2>/dev/null || { have_py=0; echo "numpy or PIL missing in $PY: the pixel checks are skipped"; }
pixels() { [ $have_py -eq 1 ] || return 0; "$PY" "$CHECK" "$@" || fail "check_plots.py $*"; }
no_part() { ls "$1" | grep -q '\.part' && fail "$2: a temporary file was left in $1" || pass "$2: no temporary file left"; }

# The command-line contract (as tests/e2e/cli.sh checks it for the other programs); help lines fit 100 columns.
expect_exit 0 "mtl-plot --help" -- mtl-plot --help
expect_grep "Usage:" "$WORK/out" "mtl-plot --help prints usage on stdout"
expect_grep "Exit status" "$WORK/out" "mtl-plot --help documents exit codes"
[ -s "$WORK/err" ] && fail "mtl-plot --help wrote to stderr"
awk 'length > 100 { bad = 1 } END { exit bad }' "$WORK/out" && pass "mtl-plot --help fits 100 columns" ||
  fail "mtl-plot --help has lines over 100 columns"
expect_exit 0 "mtl-score --help" -- mtl-score --help
expect_grep "--plot PREFIX" "$WORK/out" "mtl-score --help shows --plot"
expect_exit 0 "mtl-plot --version" -- mtl-plot --version
expect_grep "^mtl-plot (mtl-toolkit) " "$WORK/out" "mtl-plot --version names the program"
expect_grep "^OpenCV " "$WORK/out" "mtl-plot --version names OpenCV"
expect_exit 2 "mtl-plot --no-such-option" -- mtl-plot --no-such-option
expect_grep "Try 'mtl-plot --help'" "$WORK/err" "mtl-plot usage error points to --help"
ldd "$(command -v mtl-plot)" "$(command -v mtl-score)" | grep -E "libtorch|libc10|imgcodecs" &&
  fail "mtl-plot or mtl-score loads LibTorch or OpenCV's imgcodecs" || pass "mtl-plot and mtl-score load no LibTorch, no imgcodecs"

# mtl-score --plot on hand-made predictions (F1 1 for AU1, 0 for AU2, 0.5 for AU4; known confusions).
mkdir "$WORK/s"
if [ $have_py -eq 1 ]; then
  "$PY" "$CHECK" make-score "$WORK/s"
  expect_exit 0 "mtl-score --plot" -- mtl-score --truth "$WORK/s/truth.txt" --plot "$WORK/s/fig" "$WORK/s/pred.jsonl"
  expect_grep "AU1=1.0000 AU2=0.0000 AU4=0.5000" "$WORK/out" "the scores printed as before"
  pixels check-score "$WORK/s/fig" "$WORK/s/expected.json"
  no_part "$WORK/s" "mtl-score --plot"
fi

# On the demo data: a tiny trained model, scored and plotted; the training logs plotted.
T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q"
mtl-train-au $T --epochs 6 --lr 0.1 --node-dim 32 -o "$WORK/au.pt" --log "$WORK/au.log"
mtl-train-au $T --epochs 4 --lr 0.03 --node-dim 32 -o "$WORK/au2.pt" --log "$WORK/au-slow.log"
mtl-train-ex $T --epochs 8 --lr 0.3 --au "$WORK/au.pt" -o "$WORK/ex.pt" --log "$WORK/ex.log"
mtl-train-va --train "$DATA/train.h5" --batch 64 --seed 3 --threads 2 -q --epochs 5 --lr 0.05 -o "$WORK/va.pt" \
  --log "$WORK/va.log"
mtl-predict --au "$WORK/au.pt" --ex "$WORK/ex.pt" --va "$WORK/va.pt" "$DATA/val.h5" > "$WORK/pred.jsonl"
expect_exit 0 "mtl-score --plot on the demo data" -- mtl-score --truth "$DATA/val.txt" --plot "$WORK/demo" "$WORK/pred.jsonl"
for f in demo-confusion.png demo-au-f1.png; do
  [ -s "$WORK/$f" ] && pass "$f written" || fail "$f missing"
  pixels check-image "$WORK/$f" 1 > /dev/null
done
expect_exit 0 "mtl-plot, four runs of three heads" -- mtl-plot -o "$WORK/curves.png" "$WORK/au.log" "$WORK/au-slow.log" \
  "$WORK/ex.log" "$WORK/va.log"
expect_exit 0 "mtl-plot, one head" -- mtl-plot -o "$WORK/au-curves.png" --label fast --label slow --title "AU runs" \
  "$WORK/au.log" "$WORK/au-slow.log"
no_part "$WORK" "mtl-plot"
if [ $have_py -eq 1 ]; then
  big=$("$PY" "$CHECK" check-image "$WORK/curves.png" 4) || fail "curves.png: $big"
  small=$("$PY" "$CHECK" check-image "$WORK/au-curves.png" 2) || fail "au-curves.png: $small"
  [ "${big%x*}" = "${small%x*}" ] && [ "${big#*x}" -gt "${small#*x}" ] &&
    pass "one row of panels per head: 3 heads $big, 1 head $small" || fail "sizes: 3 heads $big, 1 head $small"
  "$PY" "$CHECK" make-log "$WORK/trend.log"
  expect_exit 0 "mtl-plot, a hand-made log" -- mtl-plot -o "$WORK/trend.png" "$WORK/trend.log"
  pixels check-trend "$WORK/trend.png"
fi

# mtl-score --plot: outputs checked before any work; nothing to plot is a warning.
run_table <<'CASES'
4 | -confusion.png: cannot write: folder .*/nowhere does not exist | mtl-score --truth $DATA/val.txt --plot $WORK/nowhere/x $WORK/pred.jsonl
2 | --plot .*/p-confusion.png is also an input | mtl-score --truth $DATA/val.txt --plot $WORK/p $WORK/p-confusion.png
CASES
mtl-predict --va "$WORK/va.pt" "$DATA/val.h5" > "$WORK/va-only.jsonl"
expect_exit 0 "--plot with VA predictions only" -- mtl-score --truth "$DATA/val.txt" --plot "$WORK/va" "$WORK/va-only.jsonl"
expect_grep "mtl-score: warning: --plot: no AU or expression predictions scored, so no plot written" "$WORK/err" \
  "it says nothing was plotted"
ls "$WORK"/va-*.png > /dev/null 2>&1 && fail "a plot of nothing was written" || pass "no plot written"

# mtl-plot's bad inputs: "mtl-plot: FILE: line N: problem", exit 3; usage 2; unwritable output 4.
L="$WORK/au.log"
printf '%s\n' "$(head -1 "$L")" '{"task":"au","epoch":2' > "$WORK/cut.log"
printf '%s\n' "$(head -1 "$L")" "$(head -1 "$WORK/ex.log")" > "$WORK/mixed.log"
printf '%s\n' "$(sed -n 2p "$L")" "$(head -1 "$L")" > "$WORK/back.log"
head -1 "$L" | sed 's/"train_loss":[^,]*,//' > "$WORK/noloss.log"
head -1 "$L" | sed 's/"train_loss":[^,]*,/"train_loss":NaN,/' > "$WORK/nan.log"
: > "$WORK/empty.log"
run_table <<'CASES'
2 | -o is required | mtl-plot $WORK/au.log
2 | no training log given | mtl-plot -o $WORK/x.png
2 | 1 --label for 2 logs | mtl-plot -o $WORK/x.png --label a $WORK/au.log $WORK/ex.log | $WORK/x.png
2 | -o .*/au.log is also an input | mtl-plot -o $WORK/au.log $WORK/au.log
2 | not from stdin | mtl-plot -o $WORK/x.png -
3 | ^mtl-plot: .*/missing.log: cannot open: No such file or directory | mtl-plot -o $WORK/x.png $WORK/missing.log | $WORK/x.png
3 | ^mtl-plot: .*/cut.log: line 2: invalid JSON | mtl-plot -o $WORK/x.png $WORK/au.log $WORK/cut.log | $WORK/x.png
3 | ^mtl-plot: .*/mixed.log: line 2: the task is ex, but line 1's is au | mtl-plot -o $WORK/x.png $WORK/mixed.log | $WORK/x.png
3 | ^mtl-plot: .*/back.log: line 2: epoch 1 after epoch 2 | mtl-plot -o $WORK/x.png $WORK/back.log | $WORK/x.png
3 | ^mtl-plot: .*/noloss.log: line 1: no "train_loss" | mtl-plot -o $WORK/x.png $WORK/noloss.log | $WORK/x.png
3 | ^mtl-plot: .*/nan.log: line 1: invalid JSON | mtl-plot -o $WORK/x.png $WORK/nan.log | $WORK/x.png
3 | ^mtl-plot: .*/empty.log: an empty training log | mtl-plot -o $WORK/x.png $WORK/empty.log | $WORK/x.png
3 | ^mtl-plot: .*/pred.jsonl: line 1: no "task" | mtl-plot -o $WORK/x.png $WORK/pred.jsonl | $WORK/x.png
3 | ^mtl-plot: .*: cannot read: Is a directory | mtl-plot -o $WORK/x.png $WORK | $WORK/x.png
4 | ^mtl-plot: .*/nowhere/x.png: cannot write: folder .* does not exist | mtl-plot -o $WORK/nowhere/x.png $WORK/au.log
CASES
no_part "$WORK" "failed runs"
# Labels the figure's font cannot draw (it draws ASCII only) are drawn as '?', with a warning.
expect_exit 0 "a label that is not ASCII" -- mtl-plot -o "$WORK/accent.png" --label "réseau" "$WORK/au.log"
expect_grep "warning: label 'réseau': the figure's font draws ASCII only" "$WORK/err" "it warns about the label"
expect_exit 0 "a title that is not ASCII" -- mtl-plot -o "$WORK/accent.png" --title "Courbes d'entraînement" "$WORK/au.log"
expect_grep "warning: --title .*: the figure's font draws ASCII only" "$WORK/err" "it warns about the title"
# A log being written: its last line, cut short and without a newline, is left out with a warning.
{ cat "$WORK/au.log"; printf '{"task":"au","epoch":7,"train_lo'; } > "$WORK/running.log"
expect_exit 0 "a log that a trainer is writing" -- mtl-plot -o "$WORK/running.png" "$WORK/running.log"
expect_grep "running.log: line 7 has no end yet (invalid JSON" "$WORK/err" "the unfinished line is named"
# A failed run leaves an existing figure as it was.
cp "$WORK/curves.png" "$WORK/keep.png"
mtl-plot -q -o "$WORK/curves.png" "$WORK/cut.log" 2>/dev/null
cmp -s "$WORK/curves.png" "$WORK/keep.png" && pass "a failed run leaves the old figure" || fail "the old figure changed"

# mtl-plot --timeline: mtl-faces' frames of a video joined with predictions by the face's crop and
# the prediction's image. tests/python/check_timeline.py makes the inputs (40 frames at 25 fps,
# frames 11-15 and 36-37 without a face, two tracks, a face without a prediction) and checks the CSV
# cell by cell against a join of its own, and the figure's size and its shaded gaps (runs of frames
# without a face or a prediction, in proportion and in place: nothing interpolated over them).
TL="$SRC/python/check_timeline.py"
T="$WORK/t"
mkdir "$T"
if [ $have_py -eq 1 ]; then
  "$PY" "$TL" make "$T"
  timeline() { "$PY" "$TL" "$@" || fail "check_timeline.py $*"; }
  expect_exit 0 "mtl-plot --timeline, with --csv" -- mtl-plot --timeline "$T/faces.jsonl" "$T/pred.jsonl" -o "$T/tl.png" \
    --csv "$T/tl.csv"
  expect_grep "warning: video 'clip': 1 of its 33 faces has no prediction in .*pred.jsonl (the first: 'clip_t1/00020.jpg'" \
    "$WORK/err" "it warns of the face without a prediction"
  timeline check-csv "$T/tl.csv" "$T/faces.jsonl" "$T/pred.jsonl" clip 0
  timeline check-png "$T/tl.png" 1000 522 5,2:1 11,20,36
  no_part "$T" "mtl-plot --timeline"
  # Track 2 only (frames 25-33), the predictions from stdin.
  expect_exit 0 "--track 2, PRED from stdin" -- sh -c 'mtl-plot -q --timeline --track 2 -o "$1/t2.png" --csv "$1/t2.csv" \
    "$1/faces.jsonl" - < "$1/pred.jsonl"' sh "$T"
  timeline check-csv "$T/t2.csv" "$T/faces.jsonl" "$T/pred.jsonl" clip 2
  timeline check-png "$T/t2.png" 1000 522 24,7: 1,34
  # Valence and arousal only: the expression and the AUs are left out, their cells empty.
  expect_exit 0 "predictions of valence and arousal only" -- mtl-plot -q --timeline "$T/faces.jsonl" "$T/pred-va.jsonl" \
    -o "$T/va.png" --csv "$T/va.csv"
  timeline check-csv "$T/va.csv" "$T/faces.jsonl" "$T/pred-va.jsonl" clip 0
  timeline check-png "$T/va.png" 1000 294 5,2:1 11,20,36
  # Frames without times (a folder of images): the x axis is the frame number, the time cells empty.
  expect_exit 0 "frames without times" -- mtl-plot -q --timeline "$T/faces-notime.jsonl" "$T/pred.jsonl" -o "$T/nt.png" \
    --csv "$T/nt.csv"
  timeline check-csv "$T/nt.csv" "$T/faces-notime.jsonl" "$T/pred.jsonl" clip 0
  timeline check-png "$T/nt.png" 1000 522 5,2:1 11,20,36
  # Two videos: --video picks one; "other" has no face at all (a warning, an empty figure).
  expect_exit 0 "--video clip of two" -- mtl-plot -q --timeline --video clip "$T/faces-two.jsonl" "$T/pred.jsonl" \
    -o "$T/v1.png" --csv "$T/v1.csv"
  timeline check-csv "$T/v1.csv" "$T/faces-two.jsonl" "$T/pred.jsonl" clip 0
  cmp -s "$T/v1.png" "$T/tl.png" && pass "the same figure as from clip's lines alone" || fail "v1.png differs from tl.png"
  expect_exit 0 "--video other, without faces" -- mtl-plot --timeline --video other "$T/faces-two.jsonl" "$T/pred.jsonl" \
    -o "$T/v2.png" --csv "$T/v2.csv"
  expect_grep "warning: video 'other': no face in any of its 3 frames" "$WORK/err" "it says the video has no face"
  timeline check-csv "$T/v2.csv" "$T/faces-two.jsonl" "$T/pred.jsonl" other 0
fi
# Bad inputs and options: the message names what is wrong (a file and its line), nothing is written.
printf '{"video":"clip","frame":1,"time":0,"faces":[]}\n{"video":"clip","frame":2,"time":0.04,"faces":[{"track":1}]}\n' \
  > "$T/faces-noface.jsonl"
if [ -s "$T/faces.jsonl" ]; then
  { cat "$T/faces.jsonl"; sed -n 5p "$T/faces.jsonl"; } > "$T/faces-dup.jsonl"
  { cat "$T/pred.jsonl"; grep '"clip_t1/00001.jpg"' "$T/pred.jsonl"; } > "$T/pred-dup.jsonl"
  grep '"other_t1/' "$T/pred.jsonl" > "$T/pred-other.jsonl"
  { head -2 "$T/pred.jsonl"; echo '{"image": "clip_t1/00003.jpg", "va": [0.1'; } > "$T/pred-bad.jsonl"
  : > "$T/empty.jsonl"
  run_table <<'CASES'
2 | faces-two.jsonl holds 2 videos \('clip', 'other'\): choose one with --video | mtl-plot --timeline $WORK/t/faces-two.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | --video 'nope': .*faces-two.jsonl has no such video; it holds 'clip', 'other' | mtl-plot --timeline --video nope $WORK/t/faces-two.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | --track 3: video 'clip' of .*faces.jsonl has no such track; its tracks are 1, 2$ | mtl-plot --timeline --track 3 $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png --csv $WORK/t/x.csv | $WORK/t/x.csv
2 | --track 1: video 'other' of .*faces-two.jsonl has no faces | mtl-plot --timeline --video other --track 1 $WORK/t/faces-two.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | --track must be a track id from 1 | mtl-plot --timeline --track 0 $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | --timeline takes two files, FACES.jsonl \(mtl-faces\) and PRED.jsonl \(mtl-predict\), not 1 | mtl-plot --timeline $WORK/t/faces.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | only one of FACES and PRED can be read from stdin | mtl-plot --timeline - - -o $WORK/t/x.png | $WORK/t/x.png
2 | --csv goes with --timeline | mtl-plot --csv $WORK/t/x.csv -o $WORK/t/x.png $WORK/au.log | $WORK/t/x.png
2 | --label names training runs | mtl-plot --timeline --label a $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
2 | --csv and -o name the same file | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png --csv $WORK/t/x.png | $WORK/t/x.png
2 | --csv .*/pred.jsonl is also an input | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png --csv $WORK/t/pred.jsonl | $WORK/t/x.png
4 | ^mtl-plot: .*/nowhere/x.csv: cannot write: folder .* does not exist | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png --csv $WORK/t/nowhere/x.csv | $WORK/t/x.png
3 | ^mtl-plot: .*/faces-bad.jsonl:3: invalid JSON | mtl-plot --timeline $WORK/t/faces-bad.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png --csv $WORK/t/x.csv | $WORK/t/x.png
3 | ^mtl-plot: .*/faces-noface.jsonl:2: a face has no "box" | mtl-plot --timeline $WORK/t/faces-noface.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
3 | ^mtl-plot: .*/faces-dup.jsonl:41: frame 5 of video 'clip' again \(also on line 5\) | mtl-plot --timeline $WORK/t/faces-dup.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
3 | ^mtl-plot: .*/pred-bad.jsonl:3: invalid JSON | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred-bad.jsonl -o $WORK/t/x.png --csv $WORK/t/x.csv | $WORK/t/x.csv
3 | ^mtl-plot: .*/pred-dup.jsonl:[0-9]+: image 'clip_t1/00001.jpg' again \(also on line [0-9]+\) | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred-dup.jsonl -o $WORK/t/x.png | $WORK/t/x.png
3 | ^mtl-plot: .*/pred-other.jsonl: no prediction for any face of video 'clip' in .*faces.jsonl: no line's "image" is one of its crops \(such as 'clip_t1/00001.jpg'; its images are such as 'other_t1/ | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/pred-other.jsonl -o $WORK/t/x.png | $WORK/t/x.png
3 | ^mtl-plot: .*/empty.jsonl: no frames | mtl-plot --timeline $WORK/t/empty.jsonl $WORK/t/pred.jsonl -o $WORK/t/x.png | $WORK/t/x.png
3 | ^mtl-plot: .*/missing.jsonl: cannot | mtl-plot --timeline $WORK/t/faces.jsonl $WORK/t/missing.jsonl -o $WORK/t/x.png | $WORK/t/x.png
CASES
  no_part "$T" "failed --timeline runs"
fi
[ $have_py -eq 1 ] || { [ $FAILED -eq 0 ] && exit 77; }
finish
