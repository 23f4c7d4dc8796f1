#!/bin/bash
# The ablation as one table: variants of the heads (the EX head's attention, temporal context,
# horizontal flips in training and at test time, the backbones whose features the heads read) x
# seeds x the post-processing of the predictions, scored on held-out validation videos. Run with
# --help.
#
# Layout of OUT (--out): the run's settings (settings.sh); the two halves of the validation set
# (val-a.txt, val-b.txt and their feature stores); stores/SET/ and stores/SET-mirror/ (the other
# stores some variants read, extracted only when a chosen variant needs them: train.h5, val-a.h5,
# val-b.h5 of the second backbone, or with mirrored features); b2-demo/ (the second demo backbone,
# made when none is given); heads/sSEED/ (the per-frame AU and VA heads of a seed) and
# heads/GROUP/sSEED/ (those of the variants whose options for all heads and features are GROUP's,
# in GROUP/options); cells/VARIANT/sSEED/ (the EX head, predictions of both halves, thresholds,
# smoothing, and one mtl-score --json file per post-processing, POST.json); scores.tsv and
# table.tsv (the table).
set -eu -o pipefail

# The variants: a name, the mtl-train-ex options that make it, then optionally sections, each after
# a '|':
#   | OPTS            options for all three trainers (AU, EX and VA): temporal context, --augment
#   | predict: OPTS   options for mtl-predict, on both halves: --tta flip
#   | features: SET   the features the three heads read: b0 (the default: --backbone's, the
#                     training store --train), b2 (the second backbone's, --backbone2) or b0+b2
#                     (the two joined, each row b0's features then b2's: a store path A.h5+B.h5)
# Variants with the same options for all heads (the same text) and features share their AU and VA
# heads; the per-frame heads on b0 are shared by the variants without either. A variant's trainer
# options come after the demo's defaults and --common-opts, before --au-opts, --ex-opts and
# --va-opts. The temporal lines train the EX head at --lr 0.1, the transformer's at 0.03: at the
# demo's 0.3 (the transformer's: at 0.1) its loss turns NaN. A trainer given --augment flip trains
# on a store with mirrored features (mtl-extract --mirror; its validation store needs none), and
# mtl-predict --tta flip predicts from such stores: they are extracted when a chosen variant needs
# them. The flip and backbone lines are the defaults' (the additive attention) with one change
# each; b0 is the same cell as additive (a check: equal numbers). To add a variant, add a line
# (README: "Ablations"); --variants picks among them (default: paper,additive,none).
#
# Joint fine-tuning (not yet here: see JOINT in stage_cell): a future section 'joint: OPTS' would
# fine-tune the cell's three heads together with mtl-train-joint after the EX head, e.g.
#   joint            --attention additive | joint: --lambda equal
VARIANT_TABLE='
paper            --attention paper
additive         --attention additive
none             --attention none
t8-conv          --attention additive --lr 0.1 | --context 8 --temporal conv
t16-conv         --attention additive --lr 0.1 | --context 16 --temporal conv
t32-conv         --attention additive --lr 0.1 | --context 32 --temporal conv
t16-gru          --attention additive --lr 0.1 | --context 16 --temporal gru
t16-transformer  --attention additive --lr 0.03 | --context 16 --temporal transformer
flip             --attention additive | --augment flip
tta              --attention additive | predict: --tta flip
flip+tta         --attention additive | --augment flip | predict: --tta flip
b0               --attention additive | features: b0
b2               --attention additive | features: b2
b0+b2            --attention additive | features: b0+b2
'
ALL_VARIANTS=$(echo "$VARIANT_TABLE" | awk 'NF { printf "%s%s", sep, $1; sep = "," }')
DEFAULT_VARIANTS=paper,additive,none
ALL_POSTS=raw,tuned,smoothed,tuned+smoothed
FEATURE_SETS="b0 b2 b0+b2"
# The second demo backbone, when --backbone2 gives none: mtl-gen-demo's backbone of 282 features (a
# "B2-sized" one: 1408/1280 x the demo's 256, as EfficientNet-B2's 1408 features to B0's 1280) on
# the same images (--b2-demo-opts: the options that made DATA_DIR, default examples/pipeline.sh's).
B2_DEMO_DIM=282
DEFAULT_B2_DEMO_OPTS="--seed 7"
# Demo defaults, as examples/pipeline.sh (the demo is small); options given add to them, and a
# repeated option takes its last value.
DEMO_COMMON="--batch 64"
DEMO_AU="--epochs 40 --lr 0.1 --node-dim 64"
DEMO_EX="--epochs 40 --lr 0.3"
DEMO_VA="--epochs 20 --lr 0.05"

usage() {
  cat <<'EOF'
Usage: examples/ablation.sh [OPTIONS] [BUILD_DIR|installed] [DATA_DIR]

Crosses variants of the heads (the EX head's cross attention; temporal context of all three heads;
horizontal flips in training and at test time; the backbone whose features the heads read) with
seeds and with the post-processing of the predictions, and prints a table: per variant and
post-processing, P_AU, P_EX, P_VA and P_MTL as mean +- sd over the seeds, and the paired
difference (same seed) of P_EX and P_MTL from a reference variant (--reference, default: none).

Held out: the videos of the validation annotations are sorted and dealt alternately to half A
(1st, 3rd, ...) and half B (OUT/val-a.txt, OUT/val-b.txt). The heads pick their best epoch on A,
the thresholds (mtl-tune) and the smoothing (mtl-smooth) are tuned on A, and every number of the
table is a score on B. Per seed the AU and VA heads are trained once for each distinct set of
options for all heads and features (see Variants) and shared by the variants that have it; the EX
head is trained per variant and seed. A rerun with the same OUT skips finished work.

Variants: the lines of VARIANT_TABLE at the top of this script, each a name, the mtl-train-ex
options of the variant, then optionally sections after '|': options for all three trainers (AU, EX
and VA); 'predict:' and options for mtl-predict; 'features:' and the features the heads read (b0,
b2 or b0+b2):
EOF
  echo "$VARIANT_TABLE" | sed '/^$/d; s/^/  /'
  cat <<'EOF'
The first three share per-frame AU and VA heads (OUT/heads/sSEED); the temporal ones have AU, EX
and VA heads that see T = 8, 16 or 32 frames on each side (--context), with the AU and VA heads
of a seed shared by the variants with the same text after '|' (OUT/heads/GROUP/sSEED, e.g.
context_16_temporal_conv). Their EX head trains at --lr 0.1 (the transformer's at 0.03): at the
demo's 0.3 (the transformer's: at 0.1) it diverges. A variant's trainer options come after the
demo's defaults and --common-opts, before --au-opts, --ex-opts and --va-opts (which apply to every
variant).

Flips and backbones: each of these lines is additive's with one change. flip trains all three heads
with --augment flip (each row, each epoch, its mirrored features with p = 0.5), tta predicts with
--tta flip (the mean over each image and its mirror), flip+tta does both; b0 is additive itself
(the same heads and numbers: a check), b2 reads the second backbone's features, b0+b2 both joined
(each row b0's features then b2's). Stores with mirrored features (mtl-extract --mirror;
OUT/stores/SET-mirror/) and the second backbone's (OUT/stores/b2/) are extracted only when a
chosen variant needs them, their training stores from --train-list; validation during training
reads stores without mirror. The second backbone is --backbone2, or else one made by mtl-gen-demo
(282 features; OUT/b2-demo) with --b2-demo-opts, refused unless its images are those of
--image-root.
Joint fine-tuning of the three heads (mtl-train-joint) is not a variant yet: see JOINT in the
script.

BUILD_DIR is the CMake build folder (default: build); "installed" runs the programs on PATH.
DATA_DIR (default: demo, as left by examples/pipeline.sh) holds train.h5, val.txt, backbone.pt
and cropped_aligned/ (and train.txt, for the variants that extract training stores); the options
below name other files.

Options:
  --variants LIST     variants, comma-separated (default: paper,additive,none; the others
                      of VARIANT_TABLE, above, by name)
  --reference NAME    the variant the differences are taken from (default: none)
  --seeds LIST        seeds: a list and ranges, e.g. 1-5 or 1,3,7 (default: 1-5)
  --post LIST         post-processing: raw, tuned, smoothed, tuned+smoothed (default: all four)
  --out DIR           folder of the run (default: DATA_DIR/ablation)
  --train FILE        training feature store (default: DATA_DIR/train.h5)
  --truth FILE        validation annotation file to split (default: DATA_DIR/val.txt)
  --backbone FILE     backbone that extracts the halves' stores, and those with mirrored
                      features, of features b0 (default: DATA_DIR/backbone.pt)
  --image-root DIR    folder of the validation images, and of the training images of
                      --train-list (default: DATA_DIR/cropped_aligned)
  --train-list FILE   annotation list of the training images (default: DATA_DIR/train.txt): the
                      training stores that flips and the second backbone need are extracted
                      from it (--train's images, in the same order)
  --backbone2 FILE    the second backbone, of features b2 (default: made by mtl-gen-demo)
  --b2-demo-opts OPTS mtl-gen-demo options that made DATA_DIR, for the second demo backbone
                      (default: --seed 7, as examples/pipeline.sh; --feature-dim 282 is added)
  --common-opts OPTS  options for all three trainers (after the demo's --batch 64)
  --au-opts OPTS      options for mtl-train-au (after the demo's --epochs 40 --lr 0.1 --node-dim 64)
  --ex-opts OPTS      options for mtl-train-ex (after the demo's --epochs 40 --lr 0.3)
  --va-opts OPTS      options for mtl-train-va (after the demo's --epochs 20 --lr 0.05)
  --tune-opts OPTS    options for mtl-tune (tuning)
  --smooth-opts OPTS  options for mtl-smooth --tune
  --slurm             submit the work as Slurm jobs instead of running it here (see below)
  --sbatch-opts OPTS  options for every sbatch call (partition, account, time limit, ...)
  -h, --help          print this and exit

Output: the table on stdout (and in OUT/table.txt), and for scripts two tab-separated files
with a header line: OUT/scores.tsv, one row per variant, seed and post-processing (variant seed
post P_AU P_EX P_VA P_MTL), and OUT/table.tsv, one row per variant and post-processing (variant
post n, then mean and sd of P_AU P_EX P_VA P_MTL, then mean and sd of the paired differences
dP_EX and dP_MTL; NA where there is none: sd of one seed, differences of the reference itself).

Slurm (--slurm): four jobs, each waiting for the one before (afterok): prepare (split and
extract the halves, and the stores the variants need), an array of one task per seed and set of
options for all heads and features (AU and VA heads), an array of one task per variant and seed
(EX head, prediction, tuning, smoothing, scores), then the table, into OUT/table.txt. Jobs run
examples/slurm/ablation.sbatch; a stopped job requeues itself and resumes. The table step is the
same as a local run's.

Exit status: 0 success, 2 usage error, 1 a failed check of the script; a program that fails
passes on its own status (3 bad input, 4 output not written, 143 stopped by SIGTERM, ...).
EOF
}

die() { echo "ablation.sh: $*" >&2; exit 1; }
usage_error() { echo "ablation.sh: $*" >&2; echo "Try 'examples/ablation.sh --help'." >&2; exit 2; }

# expand_seeds LIST: the seeds of "1-3,7" one per line; fails on anything else.
expand_seeds() {
  local part
  for part in ${1//,/ }; do
    if [[ $part =~ ^[0-9]+$ ]]; then echo "$part"
    elif [[ $part =~ ^([0-9]+)-([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ]; then
      seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else return 1; fi
  done
}

# check_list NAME LIST ALLOWED: every item of the comma-separated LIST is one of ALLOWED, once.
check_list() {
  local item seen=,
  [ -n "$2" ] || usage_error "--$1 is empty"
  for item in ${2//,/ }; do
    case ",$3," in *",$item,"*) ;; *) usage_error "--$1: unknown '$item' (known: $3)" ;; esac
    case "$seen" in *",$item,"*) usage_error "--$1: '$item' twice" ;; esac
    seen="$seen$item,"
  done
}

parse_args() {
  BUILD=build DATA=demo VARIANTS=$DEFAULT_VARIANTS SEEDS=1-5 POSTS=$ALL_POSTS OUT= TRAIN= TRUTH= BACKBONE=
  IMAGE_ROOT= COMMON_OPTS= AU_OPTS= EX_OPTS= VA_OPTS= TUNE_OPTS= SMOOTH_OPTS= SLURM=0 SBATCH_OPTS=
  STAGE= INDEX=0 REFERENCE=none TRAIN_LIST= BACKBONE2= B2_DEMO_OPTS=$DEFAULT_B2_DEMO_OPTS
  local positional=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) usage; exit 0 ;;
      --slurm) SLURM=1; shift; continue ;;
      --variants|--reference|--seeds|--post|--out|--train|--truth|--backbone|--image-root|--common-opts|--au-opts|\
      --ex-opts|--va-opts|--tune-opts|--smooth-opts|--sbatch-opts|--stage|--index|--train-list|--backbone2|\
      --b2-demo-opts)
        [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
      -*) usage_error "unknown option '$1'" ;;
      *) positional+=("$1"); shift; continue ;;
    esac
    case "$1" in
      --variants) VARIANTS=$2 ;; --reference) REFERENCE=$2 ;; --seeds) SEEDS=$2 ;; --post) POSTS=$2 ;; --out) OUT=$2 ;;
      --train) TRAIN=$2 ;; --truth) TRUTH=$2 ;; --backbone) BACKBONE=$2 ;; --image-root) IMAGE_ROOT=$2 ;;
      --common-opts) COMMON_OPTS=$2 ;; --au-opts) AU_OPTS=$2 ;; --ex-opts) EX_OPTS=$2 ;;
      --va-opts) VA_OPTS=$2 ;; --tune-opts) TUNE_OPTS=$2 ;; --smooth-opts) SMOOTH_OPTS=$2 ;;
      --sbatch-opts) SBATCH_OPTS=$2 ;; --stage) STAGE=$2 ;; --index) INDEX=$2 ;;
      --train-list) TRAIN_LIST=$2 ;; --backbone2) BACKBONE2=$2 ;; --b2-demo-opts) B2_DEMO_OPTS=$2 ;;
    esac
    shift 2
  done
  [ ${#positional[@]} -le 2 ] || usage_error "too many operands: ${positional[*]}"
  BUILD=${positional[0]:-$BUILD}
  DATA=${positional[1]:-$DATA}
}

# check_settings: validates the lists and fills in the defaults (absolute paths, for Slurm jobs).
check_settings() {
  check_list variants "$VARIANTS" "$ALL_VARIANTS"
  check_list post "$POSTS" "$ALL_POSTS"
  check_list reference "$REFERENCE" "$ALL_VARIANTS"
  local v
  for v in ${VARIANTS//,/ } $REFERENCE; do parse_variant "$v"; done
  SEED_LIST=$(expand_seeds "$SEEDS" 2>/dev/null) && [ -n "$SEED_LIST" ] ||
    usage_error "--seeds must be numbers and ranges such as 1-5 or 1,3,7, not '$SEEDS'"
  [ "$(echo "$SEED_LIST" | sort -n | uniq -d)" = "" ] || usage_error "--seeds lists a seed twice: '$SEEDS'"
  SEED_LIST=$(echo $SEED_LIST)
  OUT=${OUT:-$DATA/ablation} TRAIN=${TRAIN:-$DATA/train.h5} TRUTH=${TRUTH:-$DATA/val.txt}
  BACKBONE=${BACKBONE:-$DATA/backbone.pt} IMAGE_ROOT=${IMAGE_ROOT:-$DATA/cropped_aligned}
  local f
  for f in "$TRAIN" "$TRUTH" "$BACKBONE"; do [ -f "$f" ] || die "$f: no such file (run examples/pipeline.sh first?)"; done
  [ -d "$IMAGE_ROOT" ] || die "$IMAGE_ROOT: no such folder"
  if [ "$BUILD" = installed ]; then B=
  else [ -d "$BUILD/tools" ] || die "$BUILD/tools: no such folder (a CMake build folder, or 'installed')"
    B=$(cd "$BUILD/tools" && pwd)/; fi
  # What the stores that the chosen variants read besides b0's plain ones need (needed_stores):
  # the training list, the second backbone or mtl-gen-demo to make it.
  TRAIN_LIST=${TRAIN_LIST:-$DATA/train.txt}
  [ ! -f "$TRAIN_LIST" ] || TRAIN_LIST=$(abspath "$TRAIN_LIST")
  if [ -n "$BACKBONE2" ]; then
    [ -f "$BACKBONE2" ] || die "$BACKBONE2: no such file (--backbone2)"
    BACKBONE2=$(abspath "$BACKBONE2")
  fi
  local needs
  needs=$(needed_stores)
  if grep -q ' train$' <<< "$needs"; then
    [ -f "$TRAIN_LIST" ] || die "$TRAIN_LIST: no such file (--train-list: the training images, for the stores of $(awk '/ train$/ { printf "%s%s %s", sep, $1, $2; sep = ", " }' <<< "$needs"))"
  fi
  G=
  if [ -z "$BACKBONE2" ] && grep -q '^b2 ' <<< "$needs"; then
    if [ -z "$B" ]; then G=mtl-gen-demo
    elif [ -x "${B}mtl-gen-demo" ]; then G=${B}mtl-gen-demo
    else G=$(dirname "$B")/tests/mtl-gen-demo; fi
    command -v "$G" >/dev/null || die "$G: not found (it makes the second demo backbone of features b2; or give --backbone2)"
  fi
  mkdir -p "$OUT" || die "$OUT: cannot make the folder"
  OUT=$(cd "$OUT" && pwd)
  TRAIN=$(abspath "$TRAIN") TRUTH=$(abspath "$TRUTH") BACKBONE=$(abspath "$BACKBONE")
  IMAGE_ROOT=$(cd "$IMAGE_ROOT" && pwd)
  local prog
  for prog in mtl-extract mtl-train-au mtl-train-ex mtl-train-va mtl-predict mtl-score; do need "$prog"; done
  case ",$POSTS," in *tuned*) need mtl-tune ;; esac
  case ",$POSTS," in *smoothed*) need mtl-smooth ;; esac
}

abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
need() { command -v "$B$1" >/dev/null || die "$B$1: not found (--post raw runs without mtl-tune and mtl-smooth)"; }

# The settings a finished file depends on; a rerun with other ones into the same OUT is refused.
FINGERPRINT_VARS="TRAIN TRUTH BACKBONE IMAGE_ROOT DEMO_COMMON DEMO_AU DEMO_EX DEMO_VA"
FINGERPRINT_VARS="$FINGERPRINT_VARS COMMON_OPTS AU_OPTS EX_OPTS VA_OPTS TUNE_OPTS SMOOTH_OPTS"
# (Not --b2-demo-opts: the second demo backbone is kept only when its images are --image-root's.)
FINGERPRINT_VARS="$FINGERPRINT_VARS TRAIN_LIST BACKBONE2 B2_DEMO_DIM"
SETTINGS_VARS="$FINGERPRINT_VARS VARIANT_TABLE B G B2_DEMO_OPTS VARIANTS REFERENCE SEED_LIST POSTS"

# save_settings: writes OUT/settings.sh (sourced by the Slurm jobs) after comparing the settings
# that finished files depend on with an earlier run's. A setting that the earlier run's file lacks
# (written by an older ablation.sh) is not compared: its files do not depend on it.
save_settings() {
  local v new=$OUT/.settings.new
  for v in $SETTINGS_VARS; do printf '%s=%q\n' "$v" "${!v}"; done > "$new"
  if [ -f "$OUT/settings.sh" ]; then
    local old_fp new_fp vars=
    for v in $FINGERPRINT_VARS; do
      if grep -q "^$v=" "$OUT/settings.sh"; then vars="$vars${vars:+|}$v"; fi
    done
    old_fp=$(grep -E "^($vars)=" "$OUT/settings.sh")
    new_fp=$(grep -E "^($vars)=" "$new")
    if [ "$old_fp" != "$new_fp" ]; then
      rm -f "$new"
      local first
      first=$(diff <(echo "$old_fp") <(echo "$new_fp") | grep '^>' | head -1 | cut -c3-) || true
      usage_error "$OUT holds a run with other settings ($OUT/settings.sh; this run has $first); use another --out"
    fi
  fi
  mv "$new" "$OUT/settings.sh"
}

# run CMD...: runs a program so that a stop signal (a Slurm job's TERM) reaches it, and it can save
# its state; exits with the program's status when it fails.
child=
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
run() {
  local rc=0
  "$@" & child=$!
  wait "$child" || rc=$?
  while [ "$rc" -gt 128 ] && kill -0 "$child" 2>/dev/null; do rc=0; wait "$child" || rc=$?; done
  child=
  [ "$rc" -eq 0 ] || { echo "ablation.sh: $(basename "$1") failed (exit $rc)" >&2; exit "$rc"; }
}
# run_to FILE CMD...: runs CMD with stdout into FILE, written under a temporary name and renamed.
run_to() {
  local file=$1
  shift
  run "$@" > "$file.part"
  mv "$file.part" "$file"
}
# done_head FILE: the checkpoint is finished (a stopped trainer leaves FILE.resume).
done_head() { [ -f "$1" ] && [ ! -e "$1.resume" ]; }

# stage_prepare: splits the validation videos into halves A and B and extracts their stores, and
# the other stores that the chosen variants read (needed_stores).
stage_prepare() {
  local h need set kind part f list mirror
  if [ ! -f "$OUT/val-b.txt" ]; then
    split_halves "$TRUTH" "$OUT/val-a.txt.part" "$OUT/val-b.txt.part"
    mv "$OUT/val-a.txt.part" "$OUT/val-a.txt"
    mv "$OUT/val-b.txt.part" "$OUT/val-b.txt"
  fi
  for h in a b; do
    [ -f "$OUT/val-$h.h5" ] || run "${B}mtl-extract" -q --backbone "$BACKBONE" --image-root "$IMAGE_ROOT" \
      -o "$OUT/val-$h.h5" "$OUT/val-$h.txt"
  done
  local needs
  mapfile -t needs < <(needed_stores)
  for need in "${needs[@]}"; do
    read -r set kind part <<< "$need"
    f=$(store_file "$set" "$kind" "$part")
    [ ! -f "$f" ] || continue
    [ "$set" != b2 ] || make_b2_demo
    if [ "$part" = train ]; then list=$TRAIN_LIST; else list=$OUT/$part.txt; fi
    if [ "$kind" = mirror ]; then mirror=--mirror; else mirror=; fi
    mkdir -p "$(dirname "$f")"
    run "${B}mtl-extract" -q $mirror --backbone "$(backbone_of "$set")" --image-root "$IMAGE_ROOT" -o "$f" "$list"
  done
}

# make_b2_demo: the second demo backbone, OUT/b2-demo/backbone.pt, when --backbone2 names none:
# mtl-gen-demo with --b2-demo-opts and B2_DEMO_DIM features, whose images must be --image-root's
# (the same options give the same images whatever the number of features); its copy of the
# images is removed once compared (the stores are extracted from --image-root's).
make_b2_demo() {
  local d=$OUT/b2-demo
  [ -z "$BACKBONE2" ] && [ ! -f "$d/backbone.pt" ] || return 0
  rm -rf "$d.part"
  run "$G" -q --out "$d.part" $B2_DEMO_OPTS --feature-dim "$B2_DEMO_DIM"
  diff -r -q "$d.part/cropped_aligned" "$IMAGE_ROOT" >/dev/null ||
    die "the second demo backbone's images (mtl-gen-demo $B2_DEMO_OPTS: $d.part/cropped_aligned) are not those of $IMAGE_ROOT; give --b2-demo-opts the options that made them, or --backbone2"
  rm -rf "$d.part/cropped_aligned"
  mv "$d.part" "$d"
}

# backbone_of SET: the backbone of features b0 or b2.
backbone_of() { if [ "$1" = b0 ]; then echo "$BACKBONE"; else echo "${BACKBONE2:-$OUT/b2-demo/backbone.pt}"; fi; }

# store_file SET KIND PART: the store of one backbone's features (SET b0 or b2), KIND plain or
# mirror (extracted with --mirror), PART train, val-a or val-b: b0's plain ones are --train and
# OUT/val-a.h5, val-b.h5; the others are in OUT/stores/SET/ and OUT/stores/SET-mirror/.
store_file() {
  if [ "$1 $2" = "b0 plain" ]; then
    if [ "$3" = train ]; then echo "$TRAIN"; else echo "$OUT/$3.h5"; fi
  elif [ "$2" = mirror ]; then echo "$OUT/stores/$1-mirror/$3.h5"
  else echo "$OUT/stores/$1/$3.h5"; fi
}

# store FEATURES KIND PART: the store path a program is given for features FEATURES (b0, b2 or
# b0+b2: the parts' stores joined by '+', read as one store).
store() {
  local set path=
  for set in ${1//+/ }; do path=$path${path:++}$(store_file "$set" "$2" "$3"); done
  echo "$path"
}

# last_value OPTION WORD...: the value that the words give OPTION last (--opt VALUE or
# --opt=VALUE; a repeated option takes its last value), or nothing.
last_value() {
  local opt=$1 value=
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      "$opt") if [ $# -ge 2 ]; then value=$2; shift; fi ;;
      "$opt"=*) value=${1#*=} ;;
    esac
    shift
  done
  echo "$value"
}
# train_kind WORD...: the kind of training store that a trainer with these options reads: mirror
# when it flips (--augment flip), else plain. predict_kind WORD...: that mtl-predict reads: mirror
# under --tta flip.
train_kind() { if [ "$(last_value --augment "$@")" = flip ]; then echo mirror; else echo plain; fi; }
predict_kind() { if [ "$(last_value --tta "$@")" = flip ]; then echo mirror; else echo plain; fi; }

# needed_stores: the stores that the chosen variants read besides b0's plain ones (--train and the
# halves' OUT/val-a.h5, val-b.h5), one per line, SET KIND PART (e.g. "b0 mirror train"): the
# training stores of the three trainers, the plain validation store A (the trainers' --val) and
# the stores of both halves that mtl-predict reads.
needed_stores() {
  local v set kind
  for v in ${VARIANTS//,/ }; do
    parse_variant "$v"
    for set in ${V_FEATURES//+/ }; do
      for kind in $(train_kind $DEMO_COMMON $COMMON_OPTS $DEMO_AU $V_ALL $AU_OPTS) \
          $(train_kind $DEMO_COMMON $COMMON_OPTS $DEMO_EX $V_EX $V_ALL $EX_OPTS) \
          $(train_kind $DEMO_COMMON $COMMON_OPTS $DEMO_VA $V_ALL $VA_OPTS); do
        echo "$set $kind train"
      done
      echo "$set plain val-a"
      kind=$(predict_kind $V_PREDICT)
      echo "$set $kind val-a"
      echo "$set $kind val-b"
    done
  done | awk '$1 " " $2 != "b0 plain" && !seen[$0]++'
}

# split_halves TRUTH A B: the annotation rows of the 1st, 3rd, ... video (in sorted order of the
# video, the path's folder) into A, the others into B; each keeps the header and the rows' order.
split_halves() {
  LC_ALL=C awk -F, -v A="$2" -v B="$3" '
    NR == 1 && $1 == "image" { header = $0; next }
    $0 != "" { row[++n] = $0; v = $1; sub(/\/[^\/]*$/, "", v); video[n] = v; if (!(v in seen)) { seen[v] = 1; vids[++nv] = v } }
    END {
      if (nv < 2) { print "ablation.sh: " FILENAME ": " nv " video(s); the halves need two or more" > "/dev/stderr"; exit 1 }
      for (i = 2; i <= nv; i++) for (j = i; j > 1 && vids[j - 1] > vids[j]; j--) { t = vids[j]; vids[j] = vids[j - 1]; vids[j - 1] = t }
      for (i = 1; i <= nv; i++) half[vids[i]] = (i % 2) ? A : B
      if (header != "") { print header > A; print header > B }
      for (i = 1; i <= n; i++) print row[i] > half[video[i]]
    }' "$1"
}

# stage_heads SEED VARIANT: the AU and VA heads of one seed for VARIANT and the variants that share
# its options for all heads and its features (heads_dir).
stage_heads() {
  local g d common key val
  parse_variant "$2"
  key=$(head_key)
  g=$(heads_dir)
  d=$g/s$1
  common="$DEMO_COMMON --seed $1 $COMMON_OPTS"
  val=$(store "$V_FEATURES" plain val-a)
  mkdir -p "$d"
  if [ -n "$key" ]; then
    # The group's finished heads are its options' (other options can give the same folder name).
    [ ! -f "$g/options" ] || [ "$(cat "$g/options")" = "$key" ] ||
      die "$g was made with the options '$(cat "$g/options")', not '$key' (variant $2); use another --out"
    [ -f "$g/options" ] || echo "$key" > "$g/options"
  fi
  done_head "$d/au.pt" ||
    run "${B}mtl-train-au" -q --train "$(store "$V_FEATURES" "$(train_kind $common $DEMO_AU $V_ALL $AU_OPTS)" train)" \
      --val "$val" $common $DEMO_AU $V_ALL $AU_OPTS -o "$d/au.pt" --log "$d/au.log"
  done_head "$d/va.pt" ||
    run "${B}mtl-train-va" -q --train "$(store "$V_FEATURES" "$(train_kind $common $DEMO_VA $V_ALL $VA_OPTS)" train)" \
      --val "$val" $common $DEMO_VA $V_ALL $VA_OPTS -o "$d/va.pt" --log "$d/va.log"
}

# variant_opts NAME: a variant's options as written in VARIANT_TABLE (one space between words).
variant_opts() { echo "$VARIANT_TABLE" | awk -v v="$1" '$1 == v { $1 = ""; print; found = 1 } END { exit !found }'; }

# parse_variant NAME: a variant's line of VARIANT_TABLE into V_EX (its mtl-train-ex options),
# V_ALL (after a '|' without a keyword: options for all three trainers; empty for per-frame
# heads), V_PREDICT (after '| predict:': mtl-predict options) and V_FEATURES (after '| features:';
# b0 when not given). A malformed line stops the script.
parse_variant() {
  local line sec key rest secs all=0 predict=0 features=0
  line=$(variant_opts "$1") || die "variant $1 is not in VARIANT_TABLE"
  IFS='|' read -r -a secs <<< "$line"
  V_EX=$(trim "${secs[0]}") V_ALL= V_PREDICT= V_FEATURES=b0
  for sec in "${secs[@]:1}"; do
    sec=$(trim "$sec")
    [ -n "$sec" ] || continue
    if [[ $sec =~ ^([a-z]+):(.*)$ ]]; then
      key=${BASH_REMATCH[1]}
      rest=$(trim "${BASH_REMATCH[2]}")
      case "$key" in
        predict) [ $predict -eq 0 ] || die "variant $1: two 'predict:' sections in its line of VARIANT_TABLE"
          predict=1 V_PREDICT=$rest ;;
        features) [ $features -eq 0 ] || die "variant $1: two 'features:' sections in its line of VARIANT_TABLE"
          case " $FEATURE_SETS " in *" $rest "*) ;; *) die "variant $1: features '$rest' (known: $FEATURE_SETS)" ;; esac
          features=1 V_FEATURES=$rest ;;
        joint) die "variant $1: joint fine-tuning ('joint:') is not in ablation.sh yet (JOINT in stage_cell: where it goes)" ;;
        *) die "variant $1: unknown section '$key:' in its line of VARIANT_TABLE (known: predict:, features:)" ;;
      esac
    else
      [ $all -eq 0 ] || die "variant $1: more than one section of options for all three trainers in its line of VARIANT_TABLE"
      all=1 V_ALL=$sec
    fi
  done
}
# trim TEXT: TEXT without its leading and trailing spaces.
trim() { local x=$1; x=${x#"${x%%[! ]*}"}; printf '%s\n' "${x%"${x##*[! ]}"}"; }

# head_key: the parsed variant's group of AU and VA heads, as text (GROUP/options): its options for
# all three trainers, and for other features than b0, "features: SET" before them.
head_key() {
  if [ "$V_FEATURES" = b0 ]; then printf '%s\n' "$V_ALL"
  else printf '%s\n' "features: $V_FEATURES${V_ALL:+ | $V_ALL}"; fi
}

# heads_dir: the folder of the parsed variant's AU and VA heads: OUT/heads for per-frame heads on
# b0 (no options for all heads), else OUT/heads/ and the options' words without their leading
# dashes, joined by '_', after features_SET for other features than b0 (--context 8 --temporal
# conv: OUT/heads/context_8_temporal_conv; b2 with --augment flip: features_b2_augment_flip).
heads_dir() {
  local words=$V_ALL name
  [ "$V_FEATURES" = b0 ] || words="features_$V_FEATURES $words"
  [ -n "$words" ] || { echo "$OUT/heads"; return; }
  name=$(echo "$words" | awk '{ for (i = 1; i <= NF; i++) { w = $i; sub(/^-+/, "", w); gsub(/[^A-Za-z0-9.=+-]/, "_", w)
                             printf "%s%s", (i > 1 ? "_" : ""), w } }')
  [[ ! $name =~ ^s[0-9]+$ ]] || name=_$name   # not a seed's folder
  echo "$OUT/heads/$name"
}

# head_groups: one variant per distinct group of AU and VA heads (head_key) among VARIANTS (the
# first in VARIANTS), one per line; its heads are the others' too.
head_groups() {
  local v key seen=$'\n'
  for v in ${VARIANTS//,/ }; do
    parse_variant "$v"
    key=$(head_key)
    case "$seen" in *$'\n'"$key"$'\n'*) continue ;; esac
    seen="$seen$key"$'\n'
    echo "$v"
  done
}

# stage_cell VARIANT SEED: the EX head of one variant and seed, the predictions of both halves,
# the tuning on A, and one score file per post-processing of B's predictions.
stage_cell() {
  local v=$1 s=$2 h d=$OUT/cells/$1/s$2 half post opts pkind
  opts=$(variant_opts "$v") || die "variant $v is not in VARIANT_TABLE"
  parse_variant "$v"
  h=$(heads_dir)/s$s
  mkdir -p "$d"
  # A variant's finished files are its options' (the table may have changed since).
  [ ! -f "$d/options" ] || [ "$(cat "$d/options")" = "$opts" ] ||
    die "$d was made with the options '$(cat "$d/options")' of variant $v, not '$opts'; use another --out"
  [ -f "$d/options" ] || echo "$opts" > "$d/options"
  done_head "$h/au.pt" && done_head "$h/va.pt" || die "$h: the heads of seed $s are not trained"
  done_head "$d/ex.pt" || run "${B}mtl-train-ex" -q \
    --train "$(store "$V_FEATURES" "$(train_kind $DEMO_COMMON $COMMON_OPTS $DEMO_EX $V_EX $V_ALL $EX_OPTS)" train)" \
    --val "$(store "$V_FEATURES" plain val-a)" --au "$h/au.pt" \
    $DEMO_COMMON --seed "$s" $COMMON_OPTS $DEMO_EX $V_EX $V_ALL $EX_OPTS -o "$d/ex.pt" --log "$d/ex.log"
  # JOINT: joint fine-tuning, when it becomes a variant, goes here, between the EX head and the
  # predictions. A section '| joint: OPTS' of the variant's line (parse_variant refuses it until
  # then; it would set V_JOINT, and head_groups and heads_dir stay as they are) would run
  #   mtl-train-joint -q --au "$h/au.pt" --ex "$d/ex.pt" --va "$h/va.pt" --train TRAIN --val VAL-A \
  #     $DEMO_COMMON --seed "$s" $COMMON_OPTS $DEMO_JOINT $V_ALL $V_JOINT -o "$d/joint"
  # (TRAIN and VAL-A as for the EX head above; DEMO_JOINT the demo's fine-tuning defaults, added to
  # FINGERPRINT_VARS; finished when $d/joint/au.pt, ex.pt and va.pt are there and no
  # $d/joint/joint.resume), and the predictions below would read $d/joint/au.pt, ex.pt and va.pt:
  # the fine-tuned heads are the cell's own, the shared ones in heads/ stay as they are.
  pkind=$(predict_kind $V_PREDICT)
  for half in a b; do
    [ -f "$d/pred-$half.jsonl" ] || run_to "$d/pred-$half.jsonl" "${B}mtl-predict" --au "$h/au.pt" --ex "$d/ex.pt" \
      --va "$h/va.pt" $V_PREDICT "$(store "$V_FEATURES" "$pkind" "val-$half")"
  done
  for post in ${POSTS//,/ }; do
    [ -f "$d/$post.json" ] || score_post "$d" "$post" "$s"
  done
}

# score_post CELL POST SEED: tunes what POST needs on half A's predictions (mtl-tune's bootstrap
# with the cell's seed), applies it to half B's and scores them (CELL/POST.json).
score_post() {
  local d=$1 A=$OUT/val-a.txt
  case "$2" in
    tuned|tuned+smoothed) [ -f "$d/thresholds.json" ] ||
      run "${B}mtl-tune" -q --seed "$3" $TUNE_OPTS --truth "$A" -o "$d/thresholds.json" "$d/pred-a.jsonl" ;;
  esac
  case "$2" in
    raw) cp "$d/pred-b.jsonl" "$d/post.part" ;;
    tuned) run "${B}mtl-tune" --apply "$d/thresholds.json" "$d/pred-b.jsonl" > "$d/post.part" ;;
    smoothed)
      [ -f "$d/smoothing.json" ] ||
        run "${B}mtl-smooth" -q $SMOOTH_OPTS --tune "$A" -o "$d/smoothing.json" "$d/pred-a.jsonl"
      run "${B}mtl-smooth" --params "$d/smoothing.json" "$d/pred-b.jsonl" > "$d/post.part" ;;
    tuned+smoothed)
      [ -f "$d/smoothing-tuned.json" ] || run "${B}mtl-smooth" -q $SMOOTH_OPTS --tune "$A" \
        --thresholds "$d/thresholds.json" -o "$d/smoothing-tuned.json" "$d/pred-a.jsonl"
      run "${B}mtl-smooth" --params "$d/smoothing-tuned.json" --thresholds "$d/thresholds.json" \
        "$d/pred-b.jsonl" > "$d/post.part" ;;
  esac
  run_to "$d/$2.json" "${B}mtl-score" --json --strict --truth "$OUT/val-b.txt" "$d/post.part"
  rm -f "$d/post.part"
}

# stage_table: collects the score files into OUT/scores.tsv, OUT/table.tsv and the printed table.
stage_table() {
  local v s post f missing= row
  {
    printf 'variant\tseed\tpost\tP_AU\tP_EX\tP_VA\tP_MTL\n'
    for v in ${VARIANTS//,/ }; do for s in $SEED_LIST; do for post in ${POSTS//,/ }; do
      f=$OUT/cells/$v/s$s/$post.json
      if [ ! -f "$f" ]; then missing="$missing $v/s$s/$post"; continue; fi
      row=$(score_fields "$f") || die "$f: no P_AU, P_EX, P_VA and P_MTL"
      printf '%s\t%s\t%s\t%s\n' "$v" "$s" "$post" "$row"
    done; done; done
  } > "$OUT/scores.tsv.part"
  [ -z "$missing" ] || { rm -f "$OUT/scores.tsv.part"; die "cells not finished:$missing"; }
  mv "$OUT/scores.tsv.part" "$OUT/scores.tsv"
  summarise "$OUT/scores.tsv" > "$OUT/table.tsv.part"
  mv "$OUT/table.tsv.part" "$OUT/table.tsv"
  print_table "$OUT/table.tsv" > "$OUT/table.txt.part"
  mv "$OUT/table.txt.part" "$OUT/table.txt"
  cat "$OUT/table.txt"
}

# score_fields FILE: P_AU, P_EX, P_VA and P_MTL of an mtl-score --json file, tab-separated.
score_fields() {
  local k x out=
  for k in P_AU P_EX P_VA P_MTL; do
    x=$(grep -o "\"$k\":[-0-9.eE+]*" "$1" | head -1 | cut -d: -f2)
    [ -n "$x" ] || return 1
    out="$out${out:+	}$x"
  done
  echo "$out"
}

# summarise SCORES.tsv: per variant and post (in the order first seen), n, mean and sd of the four
# scores over the seeds, and mean and sd of the paired differences of P_EX and P_MTL from the
# reference variant.
summarise() {
  awk -F'\t' -v ref="$REFERENCE" '
    function sd(sum2, n) { return n > 1 ? sprintf("%.9g", sqrt(sum2 / (n - 1))) : "NA" }
    NR == 1 { next }
    { key = $1 SUBSEP $3
      if (!(key in n)) { order[++nk] = key }
      n[key]++; for (k = 4; k <= 7; k++) x[key, k, n[key]] = $k; seed[key, n[key]] = $2
      val[$1, $3, $2, 5] = $5; val[$1, $3, $2, 7] = $7 }
    END {
      printf "variant\tpost\tn\tP_AU\tsd_P_AU\tP_EX\tsd_P_EX\tP_VA\tsd_P_VA\tP_MTL\tsd_P_MTL\tdP_EX\tsd_dP_EX\tdP_MTL\tsd_dP_MTL\n"
      for (o = 1; o <= nk; o++) {
        key = order[o]; split(key, kv, SUBSEP); m = n[key]
        printf "%s\t%s\t%d", kv[1], kv[2], m
        for (k = 4; k <= 7; k++) {
          s = 0; for (i = 1; i <= m; i++) s += x[key, k, i]; mean = s / m
          q = 0; for (i = 1; i <= m; i++) q += (x[key, k, i] - mean) ^ 2
          printf "\t%.9g\t%s", mean, sd(q, m)
        }
        for (k = 5; k <= 7; k += 2) {
          ok = kv[1] != ref
          for (i = 1; i <= m; i++) if (!((ref, kv[2], seed[key, i], k) in val)) ok = 0
          if (!ok) { printf "\tNA\tNA"; continue }
          s = 0; for (i = 1; i <= m; i++) { d[i] = x[key, k, i] - val[ref, kv[2], seed[key, i], k]; s += d[i] }
          mean = s / m; q = 0; for (i = 1; i <= m; i++) q += (d[i] - mean) ^ 2
          printf "\t%.9g\t%s", mean, sd(q, m)
        }
        printf "\n"
      }
    }' "$1"
}

# print_table TABLE.tsv: the table for people, 4 decimals.
print_table() {
  local b=$OUT/val-b.txt
  # The variant column: as wide as the longest name, at least 9.
  local width
  width=$(echo "${VARIANTS//,/ }" | awk '{ w = 9; for (i = 1; i <= NF; i++) if (length($i) > w) w = length($i); print w }')
  LC_ALL=C awk -F'\t' -v seeds="$SEED_LIST" -v ref="$REFERENCE" -v frames="$(($(wc -l < "$b") - 1))" -v width="$width" \
    -v videos="$(tail -n +2 "$b" | sed 's|/[^/]*,.*||' | sort -u | wc -l)" '
    function pm(m, s) { return s == "NA" ? sprintf("%.4f", m) : sprintf("%.4f ± %.4f", m, s) }
    function dpm(m, s) { return m == "NA" ? "-" : s == "NA" ? sprintf("%+.4f", m) : sprintf("%+.4f ± %.4f", m, s) }
    function pad(t, w,   c) { c = t; n = gsub(/±/, "", c); while (length(t) - n < w) t = t " "; return t }
    function line(a, b, c, d, e, f, g, h) {
      print pad(a, width) " " pad(b, 15) " " pad(c, 16) " " pad(d, 16) " " pad(e, 16) " " pad(f, 16) " " pad(g, 17) " " h
    }
    NR == 1 { printf "Held-out half B (%d video(s), %d frames); mean ± sd over seeds %s.\n", videos, frames, seeds
              printf "Thresholds and smoothing tuned on half A. dP: paired difference from variant %s (same seed).\n\n", ref
              line("variant", "post", "P_AU", "P_EX", "P_VA", "P_MTL", "dP_EX", "dP_MTL"); next }
    { line($1, $2, pm($4, $5), pm($6, $7), pm($8, $9), pm($10, $11), dpm($12, $13), dpm($14, $15)) }' "$1"
}

# stage_all: the whole ablation here, one step after the other.
stage_all() {
  local s v
  stage_prepare
  for v in $(head_groups); do for s in $SEED_LIST; do stage_heads "$s" "$v"; done; done
  for v in ${VARIANTS//,/ }; do for s in $SEED_LIST; do stage_cell "$v" "$s"; done; done
  stage_table
}

# submit_slurm: the four jobs, each after the one before; prints their ids.
submit_slurm() {
  local script sb nseeds nheads ncells jp jh jc jt
  script=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
  sb=$(dirname "$script")/slurm/ablation.sbatch
  [ -f "$sb" ] || die "$sb: no such file"
  nseeds=$(echo $SEED_LIST | wc -w)
  nheads=$((nseeds * $(head_groups | wc -l)))
  ncells=$((nseeds * $(echo ${VARIANTS//,/ } | wc -w)))
  mkdir -p "$OUT/slurm"
  sub() { local stage=$1; shift
    sbatch --parsable $SBATCH_OPTS --chdir="$OUT" "$@" --export="ALL,ABLATION=$script,ABL_OUT=$OUT,ABL_STAGE=$stage" "$sb" |
      cut -d';' -f1; }
  jp=$(sub prepare -J abl-prepare -o "$OUT/slurm/prepare.out") || die "sbatch failed"
  jh=$(sub heads -J abl-heads --dependency=afterok:"$jp" --array=0-$((nheads - 1)) -o "$OUT/slurm/heads-%a.out") || die "sbatch failed"
  jc=$(sub cell -J abl-cell --dependency=afterok:"$jh" --array=0-$((ncells - 1)) -o "$OUT/slurm/cell-%a.out") || die "sbatch failed"
  jt=$(sub table -J abl-table --dependency=afterok:"$jc" -o "$OUT/slurm/table.out") || die "sbatch failed"
  echo "submitted: prepare $jp, heads $jh (array of $nheads), cells $jc (array of $ncells), table $jt"
  echo "the table will be in $OUT/table.txt (and table.tsv, scores.tsv)"
}

# run_stage STAGE INDEX: one Slurm job's part (the settings come from OUT/settings.sh).
run_stage() {
  # The programs must not take a shard or a thread count from the array task.
  unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_STEP
  local seeds=($SEED_LIST) variants=(${VARIANTS//,/ }) groups
  mapfile -t groups < <(head_groups)
  case "$1" in
    prepare) stage_prepare ;;
    heads) stage_heads "${seeds[$2 % ${#seeds[@]}]}" "${groups[$2 / ${#seeds[@]}]}" ;;
    cell) stage_cell "${variants[$2 / ${#seeds[@]}]}" "${seeds[$2 % ${#seeds[@]}]}" ;;
    table) stage_table ;;
    *) usage_error "--stage must be prepare, heads, cell or table, not '$1'" ;;
  esac
}

main() {
  parse_args "$@"
  if [ -n "$STAGE" ]; then
    [ -f "$OUT/settings.sh" ] || die "$OUT/settings.sh: no such file (--stage runs a part of a submitted run)"
    # shellcheck disable=SC1091
    . "$OUT/settings.sh"
    run_stage "$STAGE" "$INDEX"
    return
  fi
  check_settings
  save_settings
  if [ "$SLURM" -eq 1 ]; then submit_slurm; else stage_all; fi
}

# One line, so that bash has read it whole before running it (an edit of a running script is harmless).
main "$@"; exit
