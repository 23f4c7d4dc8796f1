# Progress on stderr: on a terminal (a pty from script(1)), training shows epoch/total, the loss
# and an ETA, and extraction images/s and an ETA; in a batch log (stderr to a file) training
# writes one line per epoch and extraction a line every MTL_PROGRESS_INTERVAL seconds, not one per
# batch; --quiet silences both. The expected counts are worked from the sizes: val.txt has
# 3 videos x 80 frames = 240 images, in batches of 16: 15 batches.
. "$(dirname "$0")/common.sh"
unset MTL_PROGRESS_INTERVAL
IMAGES=$(($(wc -l < "$DATA/val.txt") - 1))
BATCHES=$(((IMAGES + 15) / 16))
X="mtl-extract --threads 2 --backbone $DATA/backbone.pt --image-root $DATA/cropped_aligned --batch 16"
TV="mtl-train-va --threads 2 --train $DATA/train.h5 --val $DATA/val.h5 --epochs 4"

# Batch logs: training with --log gives one summary line per epoch, with an ETA but on the last.
expect_exit 0 "train, batch log" -- $TV --log "$WORK/va.log" -o "$WORK/va.pt"
n=$(grep -Ec '^mtl-train-va: epoch [1-4]/4: train loss [0-9.]+, val loss [0-9.]+, val score [-0-9.]+ \(best epoch [1-4]\), [0-9.]+ s' "$WORK/err")
[ "$n" -eq 4 ] && pass "one line per epoch (4)" || fail "$n epoch lines for 4 epochs: $(cat "$WORK/err")"
[ "$(grep -c 'ETA [0-9]*:[0-9][0-9]$' "$WORK/err")" -eq 3 ] && pass "an ETA on all but the last epoch line" ||
  fail "ETA lines: $(cat "$WORK/err")"
[ "$(wc -l < "$WORK/err")" -eq 6 ] && pass "nothing else but the first and last lines" || fail "stderr: $(cat "$WORK/err")"
grep -q $'\r' "$WORK/err" && fail "a carriage return in a batch log"
[ "$(wc -l < "$WORK/va.log")" -eq 4 ] && pass "4 JSON lines in the log" || fail "log: $(cat "$WORK/va.log")"
# Without --log the JSON lines on stderr are the per-epoch lines: no second line per epoch.
expect_exit 0 "train, JSON log on stderr" -- $TV -o "$WORK/va.pt"
[ "$(grep -c '^{"best_epoch"' "$WORK/err")" -eq 4 ] && [ "$(grep -c ': epoch ' "$WORK/err")" -eq 0 ] &&
  pass "one JSON line per epoch, no summary line" || fail "stderr: $(cat "$WORK/err")"
expect_exit 0 "train --quiet" -- $TV -q --log "$WORK/va.log" -o "$WORK/va.pt"
[ -s "$WORK/err" ] && fail "train --quiet wrote to stderr: $(cat "$WORK/err")"

# Batch logs: extraction prints no progress line in a run shorter than 30 s, and with an interval
# of 0 one per batch but the last (which the closing 'wrote' line reports).
expect_exit 0 "extract, batch log" -- $X -o "$WORK/a.h5" "$DATA/val.txt"
[ "$(grep -c 'images (' "$WORK/err")" -eq 0 ] && pass "no progress line in a short batch run" ||
  fail "progress lines: $(cat "$WORK/err")"
expect_exit 0 "extract, batch log, interval 0" -- env MTL_PROGRESS_INTERVAL=0 $X -o "$WORK/b.h5" "$DATA/val.txt"
n=$(grep -Ec "^mtl-extract: [0-9]+/$IMAGES images \([0-9]+%\), [0-9.]+ images/s, ETA [0-9]+:[0-9][0-9]$" "$WORK/err")
[ "$n" -eq $((BATCHES - 1)) ] && pass "$n progress lines for $BATCHES batches" || fail "$n progress lines: $(cat "$WORK/err")"
grep -q $'\r' "$WORK/err" && fail "a carriage return in a batch log"
expect_exit 0 "extract --quiet" -- env MTL_PROGRESS_INTERVAL=0 $X -q -o "$WORK/c.h5" "$DATA/val.txt"
[ -s "$WORK/err" ] && fail "extract --quiet wrote to stderr: $(cat "$WORK/err")"

# A terminal: script(1) runs the program on a pty and copies what it wrote to stdout.
if ! script -qec true /dev/null >/dev/null 2>&1; then
  echo "script(1) cannot open a pty here: the terminal cases are not run"
  finish
fi
on_tty() { script -qec "$*" /dev/null > "$WORK/tty" 2>&1 < /dev/null; }
on_tty env MTL_PROGRESS_INTERVAL=0 mtl-train-au --threads 2 --train "$DATA/train.h5" --epochs 2 --batch 64 \
  --node-dim 8 --lr 0.05 --log "$WORK/au.log" -o "$WORK/au.pt"
tr '\r' '\n' < "$WORK/tty" > "$WORK/lines"
grep -q $'\r' "$WORK/tty" && pass "training redraws its line" || fail "no carriage return on the terminal"
for e in 1 2; do
  grep -Eq "^epoch $e/2 batch [0-9]+/[0-9]+, loss [0-9]+\.[0-9]{4}, ETA [0-9]+:[0-9][0-9]" "$WORK/lines" &&
    pass "terminal: epoch $e/2 with batches, loss and ETA" || fail "terminal, epoch $e: $(head -c 600 "$WORK/lines")"
done
[ "$(grep -c '^mtl-train-au: epoch [12]/2: train loss' "$WORK/lines")" -eq 2 ] && pass "terminal: one line left per epoch" ||
  fail "terminal: epoch lines: $(grep ': epoch' "$WORK/lines")"
on_tty mtl-train-au -q --threads 2 --train "$DATA/train.h5" --epochs 2 --batch 64 --node-dim 8 -o "$WORK/au.pt"
[ -s "$WORK/tty" ] && fail "train --quiet on a terminal: $(head -c 300 "$WORK/tty")"
on_tty env MTL_PROGRESS_INTERVAL=0 $X -o "$WORK/d.h5" "$DATA/val.txt"
tr '\r' '\n' < "$WORK/tty" > "$WORK/lines"
grep -Eq "^extract \[[#.]+\] [0-9]+/$IMAGES images \([0-9]+%\), [0-9.]+ images/s, ETA [0-9]+:[0-9][0-9]" "$WORK/lines" &&
  pass "terminal: extraction's bar with images/s and ETA" || fail "terminal: $(head -c 600 "$WORK/lines")"
grep -Eq "^extract \[#+\] $IMAGES/$IMAGES images \(100%\)" "$WORK/lines" && pass "terminal: the bar ends full" ||
  fail "terminal: no full bar: $(tail -c 300 "$WORK/lines")"
on_tty env MTL_PROGRESS_INTERVAL=0 $X -q -o "$WORK/e.h5" "$DATA/val.txt"
[ -s "$WORK/tty" ] && fail "extract --quiet on a terminal: $(head -c 300 "$WORK/tty")"
finish
