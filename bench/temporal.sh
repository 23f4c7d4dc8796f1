#!/bin/bash
# The cost of temporal context: the per-frame AU head against temporal AU heads (--context T with a
# conv, GRU or transformer encoder), on demo data of 28 videos of 120 frames, REPEAT runs each
# (default 5) in rounds of one run of each kind:
#   bench/temporal.sh [BUILD_DIR] [REPEAT]
# Needs the build (tests/mtl-gen-demo and tools/). Writes bench/RESULTS-temporal.md: the machine,
# the date, the medians and the ratios to the per-frame head measured in the same round.
#
# What is timed (2 threads, the demo's AU recipe: batch 64, lr 0.1, node size 64):
#   epoch    mtl-train-au --epochs 2 on the 1920 training rows, no validation: the trainer's own
#            wall_s of epoch 2 (epoch 1 is reported apart: it holds one-time work), and the whole
#            process (/usr/bin/time: start, loading, windows, 2 epochs, saving)
#   predict  mtl-predict with AU, EX and VA heads of one kind (all per-frame, or all with the same
#            context and encoder; trained one epoch: their weights do not change the cost) on the
#            training and validation stores (3360 rows), output thrown away: rows per second of
#            the whole process, and its peak RSS (/usr/bin/time's maximum resident set size)
# KINDS (environment) picks the kinds, e.g. KINDS="frame conv8"; default below.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REPEAT=${2:-5}
T=$BUILD/tools
GEN=$BUILD/tests/mtl-gen-demo
for p in "$GEN" "$T/mtl-extract" "$T/mtl-train-au" "$T/mtl-train-ex" "$T/mtl-train-va" "$T/mtl-predict"; do
  [ -x "$p" ] || { echo "bench/temporal.sh: no $p: build first" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench/temporal.sh: needs GNU time (/usr/bin/time; Debian: time)" >&2; exit 1; }
W=bench/work/temporal
KINDS=${KINDS:-frame conv8 conv16 conv32 gru16 transformer16}
declare -A OPTS=([frame]="" [conv8]="--context 8 --temporal conv" [conv16]="--context 16 --temporal conv"
  [conv32]="--context 32 --temporal conv" [gru16]="--context 16 --temporal gru"
  [transformer16]="--context 16 --temporal transformer")
for k in $KINDS; do [ -n "${OPTS[$k]+x}" ] || { echo "bench/temporal.sh: unknown kind $k (${!OPTS[*]})" >&2; exit 2; }; done
case " $KINDS " in *" frame "*) ;; *) echo "bench/temporal.sh: KINDS must hold frame (the baseline)" >&2; exit 2 ;; esac

mkdir -p "$W"
if [ ! -f "$W/val.h5" ]; then
  rm -rf "$W/demo"
  "$GEN" -q --out "$W/demo" --train-videos 16 --val-videos 12 --frames 120 --seed 7
  for split in train val; do
    "$T/mtl-extract" -q --threads 2 --backbone "$W/demo/backbone.pt" --image-root "$W/demo/cropped_aligned" \
      -o "$W/$split.h5.part" "$W/demo/$split.txt"
    mv "$W/$split.h5.part" "$W/$split.h5"
  done
fi
ROWS=$(($(wc -l < "$W/demo/train.txt") + $(wc -l < "$W/demo/val.txt") - 2))
AU="--threads 2 --batch 64 --lr 0.1 --node-dim 64"

# The heads of each kind that mtl-predict runs (one epoch each).
for k in $KINDS; do
  d=$W/heads/$k
  mkdir -p "$d"
  [ -f "$d/va.pt" ] && continue
  "$T/mtl-train-au" -q $AU ${OPTS[$k]} --epochs 1 --train "$W/train.h5" -o "$d/au.pt" --log "$d/au.log"
  "$T/mtl-train-ex" -q --threads 2 --batch 64 --lr 0.03 ${OPTS[$k]} --epochs 1 --au "$d/au.pt" --train "$W/train.h5" \
    -o "$d/ex.pt" --log "$d/ex.log"
  "$T/mtl-train-va" -q --threads 2 --batch 64 --lr 0.05 ${OPTS[$k]} --epochs 1 --train "$W/train.h5" -o "$d/va.pt" \
    --log "$d/va.log"
done

# epoch_run KIND SEED: prints "epoch-1 epoch-2 process" in seconds.
epoch_run() {
  local log=$W/epoch-$1.log wall
  wall=$( { /usr/bin/time -f %e "$T/mtl-train-au" -q $AU ${OPTS[$1]} --epochs 2 --seed "$2" --train "$W/train.h5" \
            -o "$W/epoch-$1.pt" --log "$log"; } 2>&1 | tail -1)
  awk -v w="$wall" -F'"wall_s":' '{ split($2, a, /[,}]/); s[NR] = a[1] }
    END { printf "%.3f %.3f %s\n", s[1], s[2], w }' "$log"
  rm -f "$W/epoch-$1.pt"
}
# predict_run KIND: prints "rows/s peak-RSS-MB".
predict_run() {
  local d=$W/heads/$1 out
  out=$( { /usr/bin/time -f "%e %M" "$T/mtl-predict" --threads 2 --au "$d/au.pt" --ex "$d/ex.pt" --va "$d/va.pt" \
           "$W/train.h5" "$W/val.h5" > /dev/null; } 2>&1 | tail -1)
  echo "$out" | awk -v n="$ROWS" '{ printf "%.0f %.0f\n", n / $1, $2 / 1024 }'
}

declare -A E1 EP PROC RATE RSS
for r in $(seq "$REPEAT"); do
  for k in $KINDS; do
    read -r e1 ep proc <<< "$(epoch_run "$k" "$r")"
    read -r rate rss <<< "$(predict_run "$k")"
    E1[$k]+="$e1 " EP[$k]+="$ep " PROC[$k]+="$proc " RATE[$k]+="$rate " RSS[$k]+="$rss "
    echo "run $r $k: epoch 1 ${e1} s, epoch 2 ${ep} s, process ${proc} s; predict ${rate} rows/s, ${rss} MB" >&2
  done
done

median() { printf '%s\n' $1 | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# ratio A B: the median over the rounds of A's figure over B's in the same round (the kinds of one
# round ran one after the other, so a drift of the machine's speed cancels).
ratio() { median "$(paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) | awk '{ printf "%.4f\n", $1 / $2 }')" |
  awk '{ printf "%.2f", $1 }'; }
{
  echo "# Temporal heads against the per-frame head"
  echo
  echo "Written by \`bench/temporal.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Data: \`mtl-gen-demo --train-videos 16 --val-videos 12 --frames 120 --seed 7\`, 256 features + 8 logits a row"
  echo "- Epoch: \`mtl-train-au $AU --epochs 2\` on the 1920 training rows (30 batches), no validation; the trainer's wall_s of epoch 1, of epoch 2 and the whole process"
  echo "- Predict: \`mtl-predict --threads 2\` with AU, EX and VA heads of the kind, on both stores ($ROWS rows), the whole process"
  echo "- $REPEAT rounds, each running every kind once; medians; a ratio is the median over the rounds of the kind's figure over the per-frame head's in the same round"
  echo
  echo "| AU head | epoch 2 s | × per-frame | epoch 1 s | process s | predict rows/s | × per-frame | predict peak RSS MB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for k in $KINDS; do
    echo "| $k \`${OPTS[$k]:-(per-frame)}\` | $(median "${EP[$k]}") | $(ratio "${EP[$k]}" "${EP[frame]}") | $(median "${E1[$k]}") | $(median "${PROC[$k]}") | $(median "${RATE[$k]}") | $(ratio "${RATE[$k]}" "${RATE[frame]}") | $(median "${RSS[$k]}") |"
  done
  echo
  echo "Rounds (epoch 2 s; predict rows/s):"
  echo
  for k in $KINDS; do echo "- $k: ${EP[$k]% }; ${RATE[$k]% }"; done
} > bench/RESULTS-temporal.md
cat bench/RESULTS-temporal.md
