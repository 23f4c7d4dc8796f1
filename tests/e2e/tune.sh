# mtl-tune on held-out data: a demo with 6 validation videos; the thresholds are tuned on the
# predictions of 3 of them and the other 3 are scored before and after (P_AU and P_EX must not fall
# by more than 0.005 and one must rise). Then: --apply equals mtl-predict --thresholds byte for byte,
# --store then mtl-predict gives the same lines (and the weights stay as they were), mtl-export
# takes the stored thresholds, and the error cases.
. "$(dirname "$0")/common.sh"
D=$WORK/demo
W=$WORK
mtl-gen-demo -q --out "$D" --train-videos 8 --val-videos 6 --frames 80 --seed 7 &&
  for split in train val; do
    mtl-extract -q --threads 2 --backbone "$D/backbone.pt" --image-root "$D/cropped_aligned" -o "$D/$split.h5" "$D/$split.txt" ||
      exit 1
  done &&
  mtl-train-au -q --threads 2 --epochs 2 --train "$D/train.h5" --node-dim 16 --lr 0.05 -o "$W/au.pt" &&
  mtl-train-ex -q --threads 2 --epochs 2 --train "$D/train.h5" --au "$W/au.pt" -o "$W/ex.pt" &&
  mtl-train-va -q --threads 2 --epochs 1 --train "$D/train.h5" -o "$W/va.pt" &&
  mtl-predict -q --untuned --au "$W/au.pt" --ex "$W/ex.pt" "$D/val.h5" > "$W/val.jsonl" ||
  { fail "making the demo, its heads and predictions"; finish; }

# The two halves of the validation videos: truth files and predictions of each.
head -n 1 "$D/val.txt" > "$W/hdr"
mapfile -t videos < <(sed 1d "$D/val.txt" | cut -d/ -f1 | sort -u)
[ ${#videos[@]} -eq 6 ] || { fail "expected 6 validation videos, got ${#videos[@]}"; finish; }
half() {  # half NAME VIDEO...: NAME.txt (truth) and NAME.jsonl (predictions) of those videos
  local name=$1 v
  shift
  cp "$W/hdr" "$W/$name.txt"
  : > "$W/$name.jsonl"
  for v in "$@"; do
    grep "^$v/" "$D/val.txt" >> "$W/$name.txt"
    grep "\"image\":\"$v/" "$W/val.jsonl" >> "$W/$name.jsonl"
  done
}
half tune "${videos[@]:0:3}"
half held "${videos[@]:3:3}"

expect_exit 0 "tune on 3 videos" -- mtl-tune -v --truth "$W/tune.txt" -o "$W/th.json" "$W/tune.jsonl"
expect_grep "AU1 " "$W/err" "--verbose reports each AU"
expect_grep "EX rows .*: macro F1 " "$W/err" "--verbose reports the expression F1"
expect_grep '"ex_offsets":\[' "$W/th.json" "the thresholds file has expression offsets"
mtl-score --json --truth "$W/held.txt" "$W/held.jsonl" > "$W/before.json"
mtl-tune --apply "$W/th.json" "$W/held.jsonl" | mtl-score --json --truth "$W/held.txt" > "$W/after.json"
for task in P_AU P_EX; do
  b=$(json_value $task "$W/before.json") a=$(json_value $task "$W/after.json")
  echo "held-out half: $task before $b after $a"
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(a != "" && b != "" && a >= b - 0.005) }' ||
    fail "$task fell on the held-out half: $b -> $a"
done
awk -v a1="$(json_value P_AU "$W/after.json")" -v b1="$(json_value P_AU "$W/before.json")" \
  -v a2="$(json_value P_EX "$W/after.json")" -v b2="$(json_value P_EX "$W/before.json")" \
  'BEGIN { exit !(a1 > b1 + 1e-9 || a2 > b2 + 1e-9) }' && pass "P_AU or P_EX rises on the held-out half" ||
  fail "neither P_AU nor P_EX rises on the held-out half"
# The thresholds, recomputed independently (numpy) from the file, give the same decisions as --apply.
if "$PY" -c 'import numpy' 2>/dev/null; then
  mtl-tune --apply "$W/th.json" "$W/held.jsonl" > "$W/held.tuned.jsonl"
  "$PY" - "$W/th.json" "$W/held.jsonl" "$W/held.tuned.jsonl" <<'PY' && pass "--apply decides as the thresholds say (numpy)" || fail "--apply differs from numpy"
import json, sys, numpy as np
t = json.load(open(sys.argv[1]))
# An AU not tuned (null) keeps the lines' own threshold: 0.5 (they carry no "au_thresholds").
th = np.array([0.5 if v is None else v for v in t["au_thresholds"]], np.float32)
off = np.array(t["ex_offsets"], np.float64)
for a, b in zip(open(sys.argv[2]), open(sys.argv[3])):
    a, b = json.loads(a), json.loads(b)
    assert b["au"] == (np.array(a["au_prob"], np.float32) >= th).astype(int).tolist()
    assert b["ex"] == int(np.argmax(np.log(np.array(a["ex_prob"], np.float32).astype(np.float64)) + off))
    assert a["au_prob"] == b["au_prob"] and a["ex_prob"] == b["ex_prob"]
PY
fi

# --apply on the stream and mtl-predict --thresholds: the same bytes.
mtl-predict -q --au "$W/au.pt" --ex "$W/ex.pt" --thresholds "$W/th.json" "$D/val.h5" > "$W/p-thresholds.jsonl"
mtl-tune --apply "$W/th.json" < "$W/val.jsonl" > "$W/p-apply.jsonl"
expect_true "--apply == mtl-predict --thresholds, byte for byte" -- cmp -s "$W/p-thresholds.jsonl" "$W/p-apply.jsonl"
expect_true "the thresholds change some decisions" -- sh -c "! cmp -s '$W/val.jsonl' '$W/p-apply.jsonl'"
echo '{"image":"v/1.jpg","va":[0.1,0.2]}' > "$W/va-only.jsonl"
expect_exit 0 "--apply on a row without probabilities" -- mtl-tune --apply "$W/th.json" "$W/va-only.jsonl"
expect_grep '1 rows without "au_prob" or "ex_prob" passed unchanged' "$W/err" "--apply warns about rows it cannot decide"

# --store: mtl-predict then decides with the stored thresholds; --untuned as before; weights kept.
cp "$W/au.pt" "$W/s-au.pt"
cp "$W/ex.pt" "$W/s-ex.pt"
expect_exit 0 "--store into the AU and EX checkpoints" -- mtl-tune --store "$W/th.json" "$W/s-au.pt" "$W/s-ex.pt"
mtl-predict -q --au "$W/s-au.pt" --ex "$W/s-ex.pt" "$D/val.h5" > "$W/p-stored.jsonl" 2> "$W/p-stored.err"
expect_true "--store then mtl-predict == --thresholds" -- cmp -s "$W/p-thresholds.jsonl" "$W/p-stored.jsonl"
expect_true "the EX checkpoint still knows its AU checkpoint (no warning)" -- test ! -s "$W/p-stored.err"
mtl-predict -q --untuned --au "$W/s-au.pt" --ex "$W/s-ex.pt" "$D/val.h5" > "$W/p-untuned.jsonl"
expect_true "--untuned ignores stored thresholds" -- cmp -s "$W/val.jsonl" "$W/p-untuned.jsonl"
expect_exit 0 "mtl-export takes the stored thresholds" -- mtl-export -q --au "$W/s-au.pt" --ex "$W/s-ex.pt" -o "$W/model.pt"
if "$PY" -c 'import torch' 2>/dev/null; then
  "$PY" - "$W" <<'PY' && pass "stored checkpoints load in Python, weights unchanged" || fail "stored checkpoints in Python"
import json, sys, torch
w = sys.argv[1]
t = json.load(open(w + "/th.json"))
t["au_thresholds"] = [0.5 if v is None else v for v in t["au_thresholds"]]  # null: the head's own, 0.5
for name, key in (("au", "au_thresholds"), ("ex", "ex_offsets")):
    a, b = torch.jit.load(f"{w}/{name}.pt"), torch.jit.load(f"{w}/s-{name}.pt")
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    ma, mb = json.loads(a.metadata), json.loads(b.metadata)
    assert mb["weights_sha256"] == ma["weights_sha256"] and key not in ma
    assert [float(torch.tensor(x, dtype=torch.float32)) for x in mb[key]] == [float(torch.tensor(x, dtype=torch.float32)) for x in t[key]]
m = torch.jit.load(w + "/model.pt")
assert torch.equal(m.au_thresholds, torch.tensor(t["au_thresholds"], dtype=torch.float32))
assert torch.equal(m.ex_offsets, torch.tensor(t["ex_offsets"], dtype=torch.float32))
PY
fi

# The order of the lines does not change the thresholds (videos are numbered in sorted order for
# the bootstrap): the lines reversed give the same file.
tac "$W/tune.jsonl" > "$W/tune-reversed.jsonl"
expect_exit 0 "tune on the lines reversed" -- mtl-tune -q --truth "$W/tune.txt" -o "$W/th-reversed.json" "$W/tune-reversed.jsonl"
expect_true "the same thresholds, byte for byte" -- cmp -s "$W/th.json" "$W/th-reversed.json"

# --store is all or nothing: on a disk with room for the new EX checkpoint but not for both, it
# exits 4 and leaves both as they were (it once stored the EX offsets, then failed on the AU head).
# Needs a small tmpfs (root); skipped where mount is refused.
mkdir -p "$W/small"
pages() { echo $(( ($(stat -c %s "$1") + 4095) / 4096 )); }
pa=$(pages "$W/au.pt") pe=$(pages "$W/ex.pt")
if [ "$pe" -ge $((pa - 1)) ]; then
  echo "skipped: --store on a full disk (the EX checkpoint, $pe pages, is not smaller than the AU one, $pa)"
elif mount -t tmpfs -o size=$(( (pa + pe + (pa + pe) / 2) * 4 ))k tmpfs "$W/small" 2>/dev/null; then
  cp "$W/au.pt" "$W/ex.pt" "$W/small/"
  expect_exit 4 "--store with room for one checkpoint" -- mtl-tune --store "$W/th.json" "$W/small/ex.pt" "$W/small/au.pt"
  expect_grep "No space left on device" "$W/err" "it says why"
  expect_true "the EX checkpoint is as it was" -- cmp -s "$W/ex.pt" "$W/small/ex.pt"
  expect_true "the AU checkpoint is as it was" -- cmp -s "$W/au.pt" "$W/small/au.pt"
  [ "$(ls "$W/small" | wc -l)" -eq 2 ] || fail "left behind: $(ls "$W/small")"
  umount "$W/small"
else
  echo "skipped: --store on a full disk (cannot mount a tmpfs here)"
fi

# Outputs through symbolic links are written to the link's target, and the link stays a link;
# -o /dev/stdout, a FIFO and a character device are written directly, never replaced by a file.
is_link_to() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
echo stale > "$W/real.json"; ln -s real.json "$W/link.json"
expect_exit 0 "tune -o a symbolic link" -- mtl-tune -q --truth "$W/tune.txt" -o "$W/link.json" "$W/tune.jsonl"
expect_true "the link is still a link to real.json" -- is_link_to "$W/link.json" real.json
expect_true "its target holds the thresholds" -- cmp -s "$W/th.json" "$W/real.json"
ln -s "$W/no-such-yet.json" "$W/dangling.json"
expect_exit 0 "tune -o a dangling symbolic link" -- mtl-tune -q --truth "$W/tune.txt" -o "$W/dangling.json" "$W/tune.jsonl"
expect_true "the dangling link's target was created" -- cmp -s "$W/th.json" "$W/no-such-yet.json"
expect_true "the dangling link is still a link" -- is_link_to "$W/dangling.json" "$W/no-such-yet.json"
cp "$W/au.pt" "$W/real-au.pt"; ln -s real-au.pt "$W/link-au.pt"
expect_exit 0 "--store into a checkpoint through a symbolic link" -- mtl-tune --store "$W/th.json" "$W/link-au.pt"
expect_true "the checkpoint link is still a link" -- is_link_to "$W/link-au.pt" real-au.pt
mtl-predict -q --au "$W/real-au.pt" "$D/val.h5" > "$W/p-real.jsonl"
mtl-predict -q --au "$W/au.pt" --thresholds "$W/th.json" "$D/val.h5" > "$W/p-au-th.jsonl"
expect_true "the link's target decides with the stored thresholds" -- cmp -s "$W/p-au-th.jsonl" "$W/p-real.jsonl"
devstdout=$(readlink /dev/stdout)
mtl-tune -q --truth "$W/tune.txt" -o /dev/stdout "$W/tune.jsonl" > "$W/stdout-file.json"
expect_true "-o /dev/stdout into a file: the thresholds" -- cmp -s "$W/th.json" "$W/stdout-file.json"
mtl-tune -q --truth "$W/tune.txt" -o /dev/stdout "$W/tune.jsonl" | cat > "$W/stdout-pipe.json"
{ echo before; mtl-tune -q --truth "$W/tune.txt" -o /dev/stdout "$W/tune.jsonl"; } > "$W/stdout-append.json"
expect_true "-o /dev/stdout after other output to the same file: both kept" -- \
  cmp -s "$W/stdout-append.json" <(echo before; cat "$W/th.json")
expect_true "-o /dev/stdout into a pipe: the thresholds" -- cmp -s "$W/th.json" "$W/stdout-pipe.json"
expect_exit 4 "a trainer refuses -o /dev/stdout (its files go beside it)" -- mtl-train-va -q --epochs 1 --train "$D/val.h5" -o /dev/stdout
if [ -L /dev/stdout ] || [ -z "$devstdout" ]; then pass "/dev/stdout is still what it was"; else
  fail "/dev/stdout was replaced: $(ls -l /dev/stdout); restoring it"; rm -f /dev/stdout; ln -s "$devstdout" /dev/stdout
fi
ls /dev | grep -q '^stdout\.part' && fail "a temporary file was left in /dev: $(ls /dev | grep '^stdout')"
mkfifo "$W/th.fifo"
timeout -s KILL 60 cat "$W/th.fifo" > "$W/fifo.json" &
expect_exit 0 "tune -o a FIFO" -- timeout 60 mtl-tune -q --truth "$W/tune.txt" -o "$W/th.fifo" "$W/tune.jsonl"
wait
expect_true "the reader of the FIFO got the thresholds" -- cmp -s "$W/th.json" "$W/fifo.json"
[ -p "$W/th.fifo" ] && pass "the FIFO is still a FIFO" || fail "the FIFO was replaced"
ln -s /dev/null "$W/null.json"
expect_exit 0 "tune -o a link to /dev/null" -- mtl-tune -q --truth "$W/tune.txt" -o "$W/null.json" "$W/tune.jsonl"
expect_true "/dev/null is still a character device and the link a link" -- test -c /dev/null -a -L "$W/null.json"

# Thresholds a file leaves untuned (null AUs, no offsets) keep the heads' own. An AU head trained
# at 0.3: its lines record 0.3; a file that tunes the expression only once set every AU to 0.5.
expect_exit 0 "tune the expression only" -- mtl-tune -q --tasks ex --truth "$W/tune.txt" -o "$W/ex-only.json" "$W/tune.jsonl"
expect_grep '"au_thresholds":\[null\(,null\)\{11\}\]' "$W/ex-only.json" "the AUs not tuned are null"
mtl-train-au -q --threads 2 --epochs 2 --train "$D/train.h5" --node-dim 16 --lr 0.05 --threshold 0.3 -o "$W/au03.pt" &&
  mtl-predict -q --au "$W/au03.pt" "$D/val.h5" > "$W/p03.jsonl" || fail "training and predicting an AU head at 0.3"
expect_grep '"au_thresholds":\[0\.3\(,0\.3\)\{11\}\]' "$W/p03.jsonl" "the lines of a head that decides at 0.3 record it"
mtl-predict -q --au "$W/au03.pt" --thresholds "$W/ex-only.json" "$D/val.h5" > "$W/p03-ex.jsonl"
expect_true "mtl-predict --thresholds of a file that tunes no AU keeps the head's 0.3" -- cmp -s "$W/p03.jsonl" "$W/p03-ex.jsonl"
mtl-tune --apply "$W/ex-only.json" "$W/p03.jsonl" > "$W/p03-apply.jsonl"
expect_true "--apply of a file that tunes no AU keeps the lines' 0.3" -- cmp -s "$W/p03.jsonl" "$W/p03-apply.jsonl"
cp "$W/au03.pt" "$W/s03.pt"
expect_exit 0 "--store of a file that tunes no AU" -- mtl-tune --store "$W/ex-only.json" "$W/s03.pt"
expect_true "... leaves the AU checkpoint byte for byte" -- cmp -s "$W/au03.pt" "$W/s03.pt"
expect_exit 0 "--store of a file with some AUs null" -- mtl-tune --store "$W/th.json" "$W/s03.pt"
mtl-predict -q --au "$W/s03.pt" "$D/val.h5" > "$W/p03-stored.jsonl"
mtl-smooth --filter median --window 5 --tasks au < "$W/p03.jsonl" > "$W/p03-smooth.jsonl"
mtl-export -q --au "$W/au03.pt" --thresholds "$W/ex-only.json" -o "$W/model03.pt"
"$PY" - "$W" <<'PY' && pass "null AUs keep 0.3 in predict, --store, mtl-smooth and mtl-export (Python)" || fail "null AUs and the head's 0.3"
import json, sys
w = sys.argv[1]
t = json.load(open(w + "/th.json"))["au_thresholds"]
assert None in t and any(v is not None for v in t), t  # some AUs tuned, some not: the case to check
lines = lambda f: [json.loads(l) for l in open(f"{w}/{f}")]
moved = 0
for p in lines("p03.jsonl"):
    assert p["au"] == [int(x >= 0.3) for x in p["au_prob"]]
    moved += p["au"] != [int(x >= 0.5) for x in p["au_prob"]]
assert moved > 0, "0.3 and 0.5 give the same decisions here: no test"
want = [0.3 if v is None else v for v in t]
for p in lines("p03-stored.jsonl"):
    assert p["au_thresholds"] == want, (p["au_thresholds"], want)
    assert p["au"] == [int(x >= th) for x, th in zip(p["au_prob"], want)]
smoothed = lines("p03-smooth.jsonl")
assert smoothed != lines("p03.jsonl")
for p in smoothed:  # decided again after smoothing at the lines' 0.3, not at 0.5
    assert p["au_thresholds"] == [0.3] * 12 and p["au"] == [int(x >= 0.3) for x in p["au_prob"]]
try:
    import torch
except ImportError:
    sys.exit(0)
m = torch.jit.load(w + "/model03.pt")
assert torch.equal(m.au_thresholds, torch.full((12,), 0.3)), m.au_thresholds
PY
# Flat image paths (no folder) are one video, which leaves the bootstrap nothing: a warning says so.
sed 's|\("image":"[^"/]*\)/|\1_|' "$W/tune.jsonl" > "$W/flat.jsonl"
sed '2,$ s|/|_|' "$W/tune.txt" > "$W/flat.txt"
expect_exit 0 "tune on image paths without a folder" -- mtl-tune --truth "$W/flat.txt" -o "$W/flat.json" "$W/flat.jsonl"
expect_grep "the image paths carry no video" "$W/err" "it says that the paths carry no video"
# The predictions of one video (paths with a folder) leave it nothing as well.
one=$(sed -n '1s|^{"image":"\([^"/]*\)/.*|\1|p' "$W/tune.jsonl")
grep "^{\"image\":\"$one/" "$W/tune.jsonl" > "$W/one.jsonl"
expect_exit 0 "tune on the predictions of one video" -- mtl-tune --truth "$W/tune.txt" -o "$W/one.json" "$W/one.jsonl"
expect_grep "the images with truth are of one video" "$W/err" "it says that they are of one video"
# --apply writes each line as it comes: a line sent into a pipe that stays open comes out at once.
mkfifo "$W/apply.in"
{ head -n 1 "$W/val.jsonl"; exec sleep 30; } > "$W/apply.in" &
writer=$!
timeout -s KILL 40 mtl-tune --apply "$W/th.json" "$W/apply.in" > "$W/apply.out" &
reader=$!
for _ in $(seq 100); do [ -s "$W/apply.out" ] && break; sleep 0.1; done
expect_true "--apply wrote the first line while its input was still open" -- test "$(wc -l < "$W/apply.out")" -eq 1
kill $writer 2>/dev/null; wait $writer $reader 2>/dev/null

# Errors: exit code, the message naming the file and problem, no output left behind.
mkfifo "$W/never.fifo"  # nobody writes it: a program that opened it would wait until killed
printf '{"format":"mtl-thresholds","version":1}\n' > "$W/bad.json"
mtl-tune --tasks au --truth "$W/tune.txt" -o "$W/au-only.json" "$W/tune.jsonl" 2>/dev/null
run_table <<EOF
2 | give one of --truth \(tune\), --apply or --store | mtl-tune $W/val.jsonl
2 | -o, --tasks, --bootstrap and --min-positives are for tuning | mtl-tune --apply $W/th.json -o $W/x.json $W/val.jsonl | $W/x.json
2 | --tasks: 'xx' is not au or ex                   | mtl-tune --tasks xx --truth $W/tune.txt -o $W/x.json $W/tune.jsonl | $W/x.json
2 | --bootstrap must be at least 1                   | timeout -s KILL 30 mtl-tune --bootstrap 0 --truth $W/tune.txt -o $W/x.json $W/never.fifo | $W/x.json
3 | bad.json: missing key "au_names"                 | mtl-tune --apply $W/bad.json $W/val.jsonl
3 | bad.json: missing key "au_names"                 | mtl-predict --au $W/au.pt --thresholds $W/bad.json $D/val.h5
3 | bad.json: missing key "au_names"                 | mtl-tune --store $W/bad.json $W/s-au.pt
3 | held.jsonl: none of its 240 predictions is of an image in .*tune.txt | mtl-tune --truth $W/tune.txt -o $W/x.json $W/held.jsonl | $W/x.json
3 | va.pt: a checkpoint of the va head               | mtl-tune --store $W/th.json $W/s-au.pt $W/va.pt
3 | nothing.jsonl: cannot open                       | mtl-tune --apply $W/th.json $W/nothing.jsonl
2 | --thresholds and --untuned exclude each other    | mtl-predict --au $W/au.pt --untuned --thresholds $W/th.json $D/val.h5
EOF
# A refused --store left both checkpoints as they were.
expect_true "a refused --store writes nothing" -- cmp -s "$W/p-thresholds.jsonl" \
  <(mtl-predict -q --au "$W/s-au.pt" --ex "$W/s-ex.pt" "$D/val.h5")
# A file without offsets (the expression not tuned) leaves an EX checkpoint as it was, offsets kept.
cp "$W/s-ex.pt" "$W/s2-ex.pt"
expect_exit 0 "--store of a file without offsets into an EX checkpoint" -- mtl-tune --store "$W/au-only.json" "$W/s2-ex.pt"
expect_grep "s2-ex.pt: left as it was (.*au-only.json has no expression offsets)" "$W/err" "--store says it left the EX checkpoint"
expect_true "that EX checkpoint is byte for byte as it was" -- cmp -s "$W/s-ex.pt" "$W/s2-ex.pt"
# A bad line deep in a stream is named by its line in the whole input.
{ for i in 1 2 3 4 5 6 7 8 9 10; do cat "$W/val.jsonl"; done; echo '{"image":"x/1.jpg","ex":9}'; } > "$W/long.jsonl"
n=$(wc -l < "$W/long.jsonl")
expect_exit 3 "a bad line after 4096 lines" -- mtl-tune --apply "$W/th.json" "$W/long.jsonl"
expect_grep "long.jsonl:$n: \"ex\" must be an integer class code 0-7" "$W/err" "the bad line's number counts every line"
# An EX head trained on a stored AU checkpoint records the AU file as trained, so storing into it
# again does not make it another AU head (no warning in mtl-predict, no refusal in mtl-export).
sum_before=$(sha256sum < "$W/s-au.pt")
mtl-train-ex -q --threads 2 --epochs 1 --train "$D/train.h5" --au "$W/s-au.pt" -o "$W/ex2.pt" &&
  mtl-tune -q --tasks au --bootstrap 5 --truth "$W/held.txt" -o "$W/th2.json" "$W/held.jsonl" &&
  mtl-tune -q --store "$W/th2.json" "$W/s-au.pt" || fail "training on a stored AU checkpoint and storing again"
expect_true "the second store rewrote the AU checkpoint" -- test "$sum_before" != "$(sha256sum < "$W/s-au.pt")"
expect_exit 0 "mtl-predict after a second store" -- mtl-predict --au "$W/s-au.pt" --ex "$W/ex2.pt" "$D/val.h5"
expect_true "no other-AU-checkpoint warning after a second store" -- test ! -s "$W/err"
expect_exit 0 "mtl-export after a second store" -- mtl-export -q --au "$W/s-au.pt" --ex "$W/ex2.pt" -o "$W/model2.pt"
finish
