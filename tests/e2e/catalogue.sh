# The catalogue of bad inputs: one row per case, across the six programs. Each row gives the exit
# code, a pattern (grep -E) that the FIRST line of stderr must match, the command, and optionally
# files that must not exist afterwards (nothing half-written). Bad stores, backbones and images are
# made by bad_inputs.py (h5py, PyTorch); see man mtl-formats(5) and the EXIT STATUS of each page.
. "$(dirname "$0")/common.sh"
require_python h5py torch
W=$WORK/bad
IMG=$W/img
mkdir -p "$W"
# Heads trained briefly on the validation store, for the checkpoint and prediction cases.
T="--train $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q --epochs 1"
mtl-train-au $T --lr 0.1 --node-dim 8 -o "$W/au.pt" && mtl-train-ex $T --au "$W/au.pt" -o "$W/ex.pt" &&
  mtl-train-va $T -o "$W/va.pt" && mtl-train-au $T --lr 0.1 --node-dim 8 --seed 4 -o "$W/au2.pt" ||
  { echo "FAIL: training the heads for the catalogue"; exit 1; }
# The training state of a run killed after its first epoch, damaged by bad_inputs.py.
ST="mtl-train-au -q --threads 1 --epochs 40 --node-dim 8 --train $DATA/val.h5 -o $W/st.pt"
$ST & pid=$!
for _ in $(seq 1200); do [ -e "$W/st.pt.resume" ] && break; sleep 0.05; done
kill -KILL $pid; wait $pid 2>/dev/null
"$PY" "$(dirname "$0")/bad_inputs.py" "$DATA" "$W" || { echo "FAIL: bad_inputs.py"; exit 1; }

# Image lists: three good images around one bad one (line 3); annotation files.
list() { printf 'v/good0.jpg\nv/good1.jpg\n%s\nv/good2.jpg\n' "$2" > "$W/$1"; }
for b in trunc garbage empty dir zero fifo huge missing; do list "$b.txt" "v/$b.jpg"; done
list trunc_png.txt v/trunc.png
list good_png.txt v/good.png
list escape.txt ../outside.jpg
list escape2.txt v/../../outside.jpg
list absolute.txt "$W/outside.jpg"
# A file name that is not UTF-8 (legal on Linux): a copy of a good image named v/bad<0xFF>.jpg.
cp "$IMG/v/good0.jpg" "$IMG/v/bad$(printf '\377').jpg"
list utf8.txt "v/bad$(printf '\377').jpg"
# Store and checkpoint names that are not UTF-8: they would go into JSON metadata.
NU8=$W/bad$(printf '\377')
cp "$DATA/val.h5" "$NU8.h5"
list dup.txt v/good0.jpg
printf 'v/good3.jpg\n' >> "$W/dup_later.txt"
printf 'v/trunc.jpg\nv/garbage.jpg\n' > "$W/allbad.txt"
printf 'v/good0.jpg\nv/good1.jpg\nv/good2.jpg\nv/good3.jpg\n' > "$W/good.txt"
: > "$W/nolines.txt"
HDR=image,valence,arousal,expression,AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26
ann() { printf '%s\nv/good0.jpg,0.1,0.2,3,0,1,0,0,0,0,0,0,0,0,0,1\n%s\n' "$HDR" "$2" > "$W/$1"; }
ann ann_fields.csv "v/good1.jpg,0.1,0.2,3,0,1"
ann ann_au.csv "v/good1.jpg,0.1,0.2,3,2,1,0,0,0,0,0,0,0,0,0,1"
ann ann_ex.csv "v/good1.jpg,0.1,0.2,9,0,1,0,0,0,0,0,0,0,0,0,1"
ann ann_va.csv "v/good1.jpg,3,0.2,3,0,1,0,0,0,0,0,0,0,0,0,1"
ann ann_word.csv "v/good1.jpg,abc,0.2,3,0,1,0,0,0,0,0,0,0,0,0,1"
ann ann_nan.csv "v/good1.jpg,0.1,nan,3,0,1,0,0,0,0,0,0,0,0,0,1"
ann ann_big.csv "v/good1.jpg,0.1,0.2,3,0,1e20,0,0,0,0,0,0,0,0,0,1"
ann ann_dup.csv "v/good0.jpg,0.1,0.2,3,0,1,0,0,0,0,0,0,0,0,0,1"
printf 'v/good0.jpg,0.1,0.2,3,0,1,0,0,0,0,0,0,0,0,0,1\n' > "$W/ann_noheader.csv"
# Predictions for mtl-score, each about one image of the validation split.
V=$(sed -n 2p "$DATA/val.txt" | cut -d, -f1)
Z=0,0,0,0,0,0,0,0,0,0,0,0
pred() { printf '%s\n' "$2" > "$W/$1"; }
pred p_exbig.jsonl "{\"image\":\"$V\",\"ex\":4294967300}"
pred p_aufrac.jsonl "{\"image\":\"$V\",\"au\":[0.7,0,0,0,0,0,0,0,0,0,0,0]}"
pred p_aufloat.jsonl "{\"image\":\"$V\",\"au\":[1.0,0,0,0,0,0,0,0,0,0,0,0]}"
pred p_vabig.jsonl "{\"image\":\"$V\",\"va\":[1e39,0]}"
pred p_varange.jsonl "{\"image\":\"$V\",\"va\":[2,0]}"
pred p_auprob.jsonl "{\"image\":\"$V\",\"au\":[$Z],\"au_prob\":[1.5,0,0,0,0,0,0,0,0,0,0,0]}"
pred p_exprob.jsonl "{\"image\":\"$V\",\"ex\":1,\"ex_prob\":[0,0,0,0,0,0,0,-0.1]}"
pred p_nan.jsonl "{\"image\":\"$V\",\"va\":[NaN,0]}"
pred p_inf.jsonl "{\"image\":\"$V\",\"va\":[Infinity,0]}"
pred p_noimage.jsonl "{\"va\":[0,0]}"
pred p_notjson.jsonl "image,valence"
pred p_cut.jsonl "{\"image\":\"$V\",\"va\":[0.1,"
pred p_short.jsonl "{\"image\":\"$V\",\"au\":[0,1]}"
pred p_exneg.jsonl "{\"image\":\"$V\",\"ex\":-1}"
# Numbers that are not JSON, which the quick reader once took (01 as 1, 1. as 1), and keys given twice.
pred p_zero1.jsonl "{\"image\":\"$V\",\"ex\":01}"
pred p_dot.jsonl "{\"image\":\"$V\",\"va\":[1.,0]}"
pred p_twice.jsonl "{\"image\":\"$V\",\"ex\":1,\"ex\":2}"
pred p_twice_other.jsonl "{\"image\":\"$V\",\"ex\":1,\"subject\":\"a\",\"subject\":\"b\"}"
pred p_thr.jsonl "{\"image\":\"$V\",\"au\":[$Z],\"au_prob\":[$Z],\"au_thresholds\":[1.5,0,0,0,0,0,0,0,0,0,0,0]}"
# A thresholds file that gives a key twice.
printf '{"format":"mtl-thresholds","version":1,"format":"mtl-thresholds"}\n' > "$W/th_twice.json"
printf '{"image":"%s","ex":1}\n{"image":"%s","ex":2}\n' "$V" "$V" > "$W/p_dup.jsonl"
printf '{"image":"%s","ex":1}\n{"image":"no/such.jpg","ex":2}\n' "$V" > "$W/p_unknown.jsonl"
: > "$W/p_empty.jsonl"
head -c 3000 /dev/urandom > "$W/p_binary.jsonl"
# A store of four images made by another (valid) backbone of the same sizes.
mtl-extract -q --threads 1 --backbone "$W/bb_scaled.pt" --image-root "$IMG" -o "$W/scaled.h5" "$W/good.txt" ||
  { echo "FAIL: extracting with bb_scaled.pt"; exit 1; }
# Stores of the same four images made with the demo backbone but another resize, input size or
# normalisation (shards that must not be used together with the others).
{ echo "image,valence,arousal,expression,AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
  for i in 0 1 2 3; do echo "v/good$i.jpg,0.$i,-0.$i,$i,1,0,1,0,1,0,1,0,1,0,1,$((i % 2))"; done; } > "$W/good_lab.txt"
XS="mtl-extract -q --threads 1 --backbone $DATA/backbone.pt --image-root $IMG"
{ $XS -o "$W/good.h5" "$W/good_lab.txt" && $XS --resize opencv -o "$W/opencv.h5" "$W/good_lab.txt" &&
  $XS --size 96 -o "$W/size96.h5" "$W/good_lab.txt" && $XS --mean 0.5,0.5,0.5 -o "$W/mean.h5" "$W/good_lab.txt" &&
  $XS --backbone "$W/bb_scaled.pt" -o "$W/scaled_lab.h5" "$W/good_lab.txt"; } ||
  { echo "FAIL: extracting the stores of other settings"; exit 1; }

# X and B write x.h5, which the failing cases must not leave; the cases that succeed write ok.h5.
X="mtl-extract --threads 1 --batch 4 --backbone $DATA/backbone.pt --image-root $IMG -o $W/x.h5"
XOK="mtl-extract --threads 1 --batch 4 --backbone $DATA/backbone.pt --image-root $IMG -o $W/ok.h5 --no-resume"
B="mtl-extract --threads 1 --batch 4 --image-root $IMG -o $W/x.h5"
BOK="mtl-extract --threads 1 --batch 4 --image-root $IMG -o $W/ok.h5 --no-resume"
TV="mtl-train-va --threads 1 --epochs 1 --batch 64 -o $W/o.pt --train"
P="mtl-predict --threads 1 --va $W/va.pt"
S="mtl-score --truth $DATA/val.txt"
run_catalogue <<ROWS
# --- mtl-extract: images (the error names the image and its input line) ---
3 | ^mtl-extract: $IMG/v/trunc.jpg: cannot decode image: a JPEG without its end marker .*\(input line 3\)$ | $X $W/trunc.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $IMG/v/trunc.png: cannot decode image: a PNG without its IEND chunk    | $X $W/trunc_png.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $IMG/v/garbage.jpg: cannot decode image: not a JPEG/PNG/BMP image       | $X $W/garbage.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $IMG/v/empty.jpg: cannot decode image: empty file                      | $X $W/empty.txt | $W/x.h5
3 | ^mtl-extract: $IMG/v/dir.jpg: cannot read image: a folder, not a file                | $X $W/dir.txt | $W/x.h5
3 | ^mtl-extract: $IMG/v/zero.jpg: cannot read image: not a regular file                 | $X $W/zero.txt | $W/x.h5
3 | ^mtl-extract: $IMG/v/fifo.jpg: cannot read image: not a regular file                 | timeout 60 $X $W/fifo.txt | $W/x.h5
3 | ^mtl-extract: $IMG/v/huge.jpg: cannot read image: 68157440 bytes, more than the 64 MiB | $X $W/huge.txt | $W/x.h5
3 | ^mtl-extract: $IMG/v/missing.jpg: cannot read image: No such file or directory .*line 3 | $X $W/missing.txt | $W/x.h5
0 | ^$                                                                                   | $XOK -q $W/good_png.txt
3 | ^mtl-extract: $W/escape.txt:3: image path '../outside.jpg' leaves the image root     | $X $W/escape.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $W/escape2.txt:3: image path 'v/../../outside.jpg' leaves the image root | $X $W/escape2.txt | $W/x.h5
3 | ^mtl-extract: $W/absolute.txt:3: image path '/.*outside.jpg' leaves the image root    | $X $W/absolute.txt | $W/x.h5
0 | ^$                                                                                   | $XOK -q --allow-outside-root $W/escape.txt
3 | ^mtl-predict: $W/escape.txt:3: image path '../outside.jpg' leaves the image root     | mtl-predict --va $W/va.pt --backbone $DATA/backbone.pt --image-root $IMG $W/escape.txt
3 | ^mtl-extract: $W/dup.txt:3: image 'v/good0.jpg' is listed twice \(also on line 1\)$   | $X $W/dup.txt | $W/x.h5
3 | ^mtl-extract: $W/utf8.txt:3: image path 'v/bad\.\.\.' is not valid UTF-8 \(byte 0xFF at offset 5\); rename the file | $X $W/utf8.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-predict: $W/utf8.txt:3: image path 'v/bad\.\.\.' is not valid UTF-8                | mtl-predict --va $W/va.pt --backbone $DATA/backbone.pt --image-root $IMG $W/utf8.txt
2 | ^mtl-train-va: --train: the value '.*/bad\.\.\.' is not valid UTF-8 \(byte 0xFF at offset [0-9]+\); file names go into | $TV $NU8.h5 | $W/o.pt $W/o.pt.resume
2 | ^mtl-export: -o: the value '.*/bad\.\.\.' is not valid UTF-8                                     | mtl-export --va $W/va.pt -o $NU8.pt | $NU8.pt
2 | ^mtl-export: --output: the value '.*/bad\.\.\.' is not valid UTF-8                             | mtl-export --va $W/va.pt --output=$NU8.pt | $NU8.pt
2 | ^mtl-extract: the argument '.*/bad\.\.\.' is not valid UTF-8                                  | $X -q $NU8.txt | $W/x.h5
2 | ^mtl-extract: the argument '.*/bad\.\.\.' is not valid UTF-8                                  | $X -- $NU8.txt | $W/x.h5
0 | ^mtl-extract: warning: skipping $IMG/v/trunc.jpg: cannot decode image: a JPEG without  | $XOK --skip-bad $W/trunc.txt
3 | ^mtl-extract: warning: skipping                                                      | $X --skip-bad $W/allbad.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $W/nolines.txt: no images listed$                                      | $X $W/nolines.txt | $W/x.h5
3 | ^mtl-extract: $W/none.txt: cannot open: No such file or directory$                   | $X $W/none.txt | $W/x.h5
3 | ^mtl-extract: $W/img: cannot read: Is a directory$                                   | $X $W/img | $W/x.h5
# --- mtl-extract: annotation rows (file:line: field) ---
3 | ^mtl-extract: $W/ann_fields.csv:3: expected 16 comma-separated fields .* found 6$     | $X $W/ann_fields.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_au.csv:3: field 5 \(AU1\): 2 is not 0, 1 or the missing-value code -1$ | $X $W/ann_au.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_ex.csv:3: field 4 \(expression\): 9 is not a class code 0-7      | $X $W/ann_ex.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_va.csv:3: field 2 \(valence\): 3 is outside \[-1, 1\]            | $X $W/ann_va.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_word.csv:3: field 2 \(valence\): 'abc' is not a number$          | $X $W/ann_word.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_nan.csv:3: field 3 \(arousal\): 'nan' is not a number$           | $X $W/ann_nan.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_big.csv:3: field 6 \(AU2\): '1e20' is out of range$            | $X $W/ann_big.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_dup.csv:3: image 'v/good0.jpg' is listed twice \(also on line 2\)$ | $X $W/ann_dup.csv | $W/x.h5
3 | ^mtl-extract: $W/ann_noheader.csv:1: looks like an annotation row, but the file has no header | $X $W/ann_noheader.csv | $W/x.h5
# --- mtl-extract: backbones ---
3 | ^mtl-extract: $W/bb_nansecond.pt: the backbone gave non-finite features .* for $IMG/v/good1.jpg \(input line 2\)$ | $B --backbone $W/bb_nansecond.pt $W/good.txt | $W/x.h5 $W/x.h5.part
0 | ^mtl-extract: warning: skipping: $W/bb_nansecond.pt: the backbone gave non-finite features .*good1.jpg$ | $BOK --skip-bad --backbone $W/bb_nansecond.pt $W/good.txt
3 | ^mtl-extract: warning: skipping: .*non-finite features                               | $B --skip-bad --backbone $W/bb_allnan.pt $W/good.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $W/bb_inflogits.pt: the backbone gave non-finite features .*good0.jpg \(input line 1\)$ | $B --backbone $W/bb_inflogits.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_zerofeatures.pt: the backbone gives 0 features per image$         | $B --backbone $W/bb_zerofeatures.pt $W/good.txt | $W/x.h5 $W/x.h5.part
3 | ^mtl-extract: $W/bb_logitsbatchone.pt: the backbone returned a batch of 4 features and 1 logits for 4 images$ | $B --backbone $W/bb_logitsbatchone.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_raises.pt: the backbone's forward failed on input \[4,3,224,224\]: .*this backbone refuses batches | $B --backbone $W/bb_raises.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_threedims.pt: the backbone's features are not a \[B,D\] tensor$    | $B --backbone $W/bb_threedims.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_dict.pt: the backbone must return a \[B,D\] tensor or a \(features, logits\) tuple$ | $B --backbone $W/bb_dict.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_integers.pt: the backbone's output is not floating point$         | $B --backbone $W/bb_integers.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_changing.pt: the backbone gave 36 features and 0 logits per image, after 33 and 0 | $B --backbone $W/bb_changing.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_text.pt: not a TorchScript file \(not a zip archive\); convert it with share/mtl/convert_hsemotion\.py | $B --backbone $W/bb_text.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_logitsonly.pt: the backbone returns 8 values per image: class logits, not features .*convert_hsemotion\.py | $B --backbone $W/bb_logitsonly.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/bb_narrowtuple.pt: the backbone returns 8 features \(and logits\) per image: class logits | $B --backbone $W/bb_narrowtuple.pt $W/good.txt | $W/x.h5
3 | ^mtl-extract: $W/none.pt: cannot open: No such file or directory$                     | $B --backbone $W/none.pt $W/good.txt | $W/x.h5
3 | ^mtl-predict: $W/bb_logitsbatchone.pt: the backbone returned a batch of 4 features and 1 logits | mtl-predict --batch 4 --va $W/va.pt --backbone $W/bb_logitsbatchone.pt --image-root $IMG $W/good.txt
3 | ^mtl-predict: $W/bb_nansecond.pt: the backbone gave non-finite features             | mtl-predict --batch 4 --va $W/va.pt --backbone $W/bb_nansecond.pt --image-root $IMG $W/good.txt
# --- mtl-extract: options and outputs ---
2 | ^mtl-extract: --size must be positive and at most 2048, not 100000$                   | $X --size 100000 $W/good.txt | $W/x.h5.part
2 | ^mtl-extract: --batch 100000000 of 224x224 images needs more than 8 GiB per batch     | $X --batch 100000000 $W/good.txt
2 | ^mtl-extract: --mean: 'nan,0.5,0.5' is not a comma-separated list of numbers$   | $X --mean nan,0.5,0.5 $W/good.txt
2 | ^mtl-extract: -o .*good.txt is also an input                                          | mtl-extract --backbone $DATA/backbone.pt --image-root $IMG -o $W/good.txt $W/good.txt
4 | ^mtl-extract: /dev/full: exists and is not a regular file                             | mtl-extract --backbone $DATA/backbone.pt --image-root $IMG -o /dev/full $W/good.txt
4 | ^mtl-extract: $W/nodir/x.h5                                                           | mtl-extract --backbone $DATA/backbone.pt --image-root $IMG -o $W/nodir/x.h5 $W/good.txt
# --- feature stores, read by training (nothing written), prediction and scoring ---
3 | ^mtl-train-va: $W/nan.h5: row 5 \(.*\): feature column 3 is nan$                      | $TV $W/nan.h5 | $W/o.pt $W/o.pt.resume
3 | ^mtl-train-va: $W/inf.h5: row 7 \(.*\): logit column 0 is inf$                        | $TV $W/inf.h5 --input features+logits | $W/o.pt
3 | ^mtl-train-va: $W/ex9.h5: row 4 \(.*\): expression label 9 is not 0-7 or -1           | $TV $W/ex9.h5 | $W/o.pt
3 | ^mtl-train-va: $W/au2.h5: row 2 \(.*\): AU label AU6 is 2, not 0, 1 or -1             | $TV $W/au2.h5 | $W/o.pt
3 | ^mtl-train-va: $W/va3.h5: row 1 \(.*\): valence label 3.000000 is outside \[-1, 1\]   | $TV $W/va3.h5 | $W/o.pt
3 | ^mtl-train-va: $W/fdim.h5: dataset 'features' is not \[rows,128\]$                    | $TV $W/fdim.h5 | $W/o.pt
3 | ^mtl-train-va: $W/negdim.h5: attribute 'feature_dim' is -1, outside 1-65536$        | $TV $W/negdim.h5 | $W/o.pt
3 | ^mtl-train-va: $W/hugedim.h5: attribute 'feature_dim' is 1099511627776, outside       | $TV $W/hugedim.h5 | $W/o.pt
3 | ^mtl-train-va: $W/fdimarr.h5: attribute 'feature_dim' holds 5 values, not 1$          | $TV $W/fdimarr.h5 | $W/o.pt
3 | ^mtl-train-va: $W/meanarr.h5: attribute 'mean' holds 100 values, not 3$               | $TV $W/meanarr.h5 | $W/o.pt
3 | ^mtl-train-va: $W/version.h5: feature store format version 99 is not supported        | $TV $W/version.h5 | $W/o.pt
3 | ^mtl-train-va: $W/unfinished.h5: unfinished feature store                             | $TV $W/unfinished.h5 | $W/o.pt
3 | ^mtl-train-va: $W/rows.h5: dataset 'features' has 240 rows, fewer than rows_committed \(100000\)$ | $TV $W/rows.h5 | $W/o.pt
3 | ^mtl-train-va: $W/nofmt.h5: not a feature store                                      | $TV $W/nofmt.h5 | $W/o.pt
3 | ^mtl-train-va: $W/nova.h5: missing dataset 'va'$                                      | $TV $W/nova.h5 | $W/o.pt
3 | ^mtl-train-va: $W/au11.h5: dataset 'au' is not \[rows,12\]$                           | $TV $W/au11.h5 | $W/o.pt
3 | ^mtl-train-va: $W/exfloat.h5: dataset 'ex' has the wrong type$                        | $TV $W/exfloat.h5 | $W/o.pt
3 | ^mtl-train-va: $W/corrupt.h5: features: cannot read \(.*[Cc]hecksum.*; the file is damaged\)$ | $TV $W/corrupt.h5 | $W/o.pt
3 | ^mtl-train-va: $W/corrupt_meta.h5: | $TV $W/corrupt_meta.h5 | $W/o.pt
3 | ^mtl-train-va: $W/trunc.h5:                                                          | $TV $W/trunc.h5 | $W/o.pt
3 | ^mtl-train-va: $W/text.h5: not an HDF5 file                                           | $TV $W/text.h5 | $W/o.pt
3 | ^mtl-train-va: $W/empty.h5: not an HDF5 file                                          | $TV $W/empty.h5 | $W/o.pt
3 | ^mtl-train-va: $W/none.h5: cannot open: No such file or directory$                    | $TV $W/none.h5 | $W/o.pt
3 | ^mtl-train-va: $W/img: not an HDF5 file                                             | $TV $W/img | $W/o.pt
3 | ^mtl-train-ex: $W/ex9.h5: row 4 \(.*\): expression label 9                            | mtl-train-ex --threads 1 --epochs 1 --au $W/au.pt -o $W/o.pt --train $W/ex9.h5 | $W/o.pt
3 | ^mtl-train-au: $W/nan.h5: row 5                                                      | mtl-train-au --threads 1 --epochs 1 -o $W/o.pt --train $DATA/val.h5 --val $W/nan.h5 | $W/o.pt
3 | ^mtl-predict: $W/nan.h5: row 5 \(.*\): feature column 3 is nan$                       | $P $W/nan.h5
3 | ^mtl-predict: $W/corrupt.h5: features: cannot read \(.*; the file is damaged\)$       | $P $W/corrupt.h5
3 | ^mtl-score: $W/ex9.h5: row 4 \(.*\): expression label 9                               | mtl-score --truth $W/ex9.h5 $W/p_exneg.jsonl
# --- checkpoints ---
3 | ^mtl-predict: $W/au_crc.pt: the weights do not match their checksum \(the file is damaged\)$ | mtl-predict --au $W/au_crc.pt $DATA/val.h5
3 | ^mtl-predict: $W/ex.pt: a checkpoint of the ex head, not of the au head$              | mtl-predict --au $W/ex.pt $DATA/val.h5
3 | ^mtl-predict: $W/kind_new.pt: a head of a kind this toolkit does not know, 'au-future' \(written by a newer toolkit\?\)$ | mtl-predict --au $W/kind_new.pt $DATA/val.h5
3 | ^mtl-predict: $W/kind_task.pt: its head kind 'va-linear' is of the va task, not of the au task | mtl-predict --au $W/kind_task.pt $DATA/val.h5
3 | ^mtl-predict: $W/bb_scaled.pt: not an mtl-toolkit checkpoint                          | mtl-predict --au $W/bb_scaled.pt $DATA/val.h5
3 | ^mtl-predict: $W/text.h5: cannot open checkpoint                                      | mtl-predict --au $W/text.h5 $DATA/val.h5
3 | ^mtl-predict: $W/empty.h5: cannot open checkpoint                                     | mtl-predict --au $W/empty.h5 $DATA/val.h5
3 | ^mtl-predict: $W/img: cannot open checkpoint                                          | mtl-predict --au $W/img $DATA/val.h5
3 | ^mtl-predict: /dev/null: cannot open checkpoint                                       | mtl-predict --au /dev/null $DATA/val.h5
3 | ^mtl-predict: $W/none.pt: cannot open: No such file or directory$                     | mtl-predict --au $W/none.pt $DATA/val.h5
3 | ^mtl-predict: $W/va.pt expects 264 input values per image, but $W/dim128.h5 gives 136 | $P $W/dim128.h5
3 | ^mtl-train-ex: $W/va.pt: a checkpoint of the va head, not of the au head$             | mtl-train-ex --threads 1 --epochs 1 --au $W/va.pt -o $W/o.pt --train $DATA/val.h5 | $W/o.pt
2 | ^mtl-predict: $W/ex.pt reads the au head's output: give the au checkpoint             | mtl-predict --ex $W/ex.pt $DATA/val.h5
3 | ^mtl-predict: $W/ex.pt was trained with another au head \(.*/au.pt, SHA-256 [0-9a-f]{12}\.\.\.\) than $W/au2.pt \(SHA-256 | mtl-predict --au $W/au2.pt --ex $W/ex.pt $DATA/val.h5
0 | ^mtl-predict: warning: $W/scaled.h5 comes from another backbone                      | $P $W/scaled.h5
0 | ^mtl-predict: warning: --threads 100000 is more than the [0-9]+ CPUs this process can run on \(.*\); using [0-9]+$ | timeout -s KILL 60 mtl-predict --threads 100000 --va $W/va.pt $DATA/val.h5
3 | ^mtl-train-va: $DATA/val.h5: image '.*' is also in $DATA/val.h5; a row given twice would count twice | $TV $DATA/val.h5 --train $DATA/val.h5 | $W/o.pt
# --- stores used together (shards, training and validation) must hold comparable features ---
3 | ^mtl-train-va: $W/scaled_lab.h5: made with another backbone \(SHA-256 [0-9a-f]{12}\.\.\., not [0-9a-f]{12}\.\.\.\) than $W/good.h5; stores used together must be made with the same backbone, input size, resize and normalisation$ | $TV $W/good.h5 --train $W/scaled_lab.h5 | $W/o.pt
3 | ^mtl-train-va: $W/opencv.h5: made with images resized otherwise \(--resize opencv, not pil\) than $W/good.h5 | $TV $W/good.h5 --train $W/opencv.h5 | $W/o.pt
3 | ^mtl-train-va: $W/size96.h5: made with another input size \(96, not [0-9]+\) than $W/good.h5   | $TV $W/good.h5 --train $W/size96.h5 | $W/o.pt
3 | ^mtl-train-va: $W/mean.h5: made with another normalisation \(mean 0.5,0.5,0.5 std .*\) than $W/good.h5 | $TV $W/good.h5 --train $W/mean.h5 | $W/o.pt
3 | ^mtl-train-va: $W/scaled_lab.h5: made with another backbone .* than $W/good.h5       | $TV $W/good.h5 --val $W/scaled_lab.h5 | $W/o.pt
3 | ^mtl-train-ex: $W/opencv.h5: made with images resized otherwise .* than $W/good.h5   | mtl-train-ex --threads 1 --epochs 1 --au $W/au.pt -o $W/o.pt --train $W/good.h5 --train $W/opencv.h5 | $W/o.pt
3 | ^mtl-predict: $W/scaled.h5: made with another backbone .* than $DATA/val.h5          | $P $DATA/val.h5 $W/scaled.h5
3 | ^mtl-predict: $W/opencv.h5: made with images resized otherwise .* than $W/good.h5    | $P $W/good.h5 $W/opencv.h5
0 | ^$                                                                                   | $P -q $DATA/val.h5 $W/good.h5
0 | ^mtl-predict: warning: $W/bb_scaled.pt comes from another backbone                   | $P --backbone $W/bb_scaled.pt --image-root $IMG $W/good.txt
0 | ^mtl-predict: warning: images are resized with --resize opencv, but $W/va.pt was trained on features of .*, resized with pil$ | $P --resize opencv --backbone $DATA/backbone.pt --image-root $IMG $W/good.txt
1 | ^mtl-predict: $W/huge.h5: .*: the au head \($W/au.pt\) gave NaN or infinity$            | mtl-predict --au $W/au.pt $W/huge.h5
3 | ^mtl-train-au: $W/st.pt.resume: damaged training state \(its tensors fail their checksum\) | $ST | $W/st.pt
0 | ^mtl-train-au: warning: not resuming $W/ep.pt.resume \(its epoch -4 is not within 1-40\); starting afresh$ | ${ST/st.pt/ep.pt}
# --- training options and divergence ---
1 | ^mtl-train-au: epoch 1: the training loss is [-a-z]+: training diverged               | mtl-train-au -q --threads 1 --epochs 1 -o $W/o.pt --train $W/huge.h5 | $W/o.pt $W/o.pt.resume
1 | ^mtl-train-va: epoch 1: the training loss is [-a-z]+: training diverged; try a lower --lr \(no checkpoint written by this run\)$ | $TV $DATA/val.h5 -q --lr 1e30 | $W/o.pt $W/o.pt.resume
2 | ^mtl-train-au: --lr must be positive and at most 3.4e38, not 1e\+300$                  | mtl-train-au -o $W/o.pt --train $DATA/val.h5 --lr 1e300
1 | ^mtl-train-au: epoch [12]: the training loss is [-a-z]+: training diverged             | mtl-train-au -q --threads 1 --epochs 2 -o $W/o.pt --train $DATA/val.h5 --lr 1e38 | $W/o.pt $W/o.pt.resume
2 | ^mtl-train-va: --momentum must be in \[0, 1\), not -1$                                | $TV $DATA/val.h5 --momentum -1
2 | ^mtl-train-au: the au head \(--node-dim 100000000, [0-9]+ input values, --batch 256\) needs about [0-9.]+T of memory to train, more than the .* this machine has$ | mtl-train-au -o $W/o.pt --train $DATA/val.h5 --node-dim 100000000 | $W/o.pt $W/o.pt.resume
2 | ^mtl-train-ex: the ex head \(--attention-hidden 2147483647, .*\) needs about [0-9.]+T of memory | mtl-train-ex -o $W/o.pt --train $DATA/val.h5 --au $W/au.pt --attention-hidden 2147483647 | $W/o.pt $W/o.pt.resume
2 | ^mtl-gen-demo: --feature-dim 100000000: the backbone would need about [0-9.]+G of memory, more than | mtl-gen-demo -q --out $W/gd --feature-dim 100000000 | $W/gd/backbone.pt
2 | ^mtl-train-au: --node-init-std must be 0 \(sqrt\(1/C\)\) or positive, not -1$          | mtl-train-au -o $W/o.pt --train $DATA/val.h5 --node-init-std -1
2 | ^mtl-train-va: -o .*val.h5 is also an input                                           | mtl-train-va -o $DATA/val.h5 --train $DATA/val.h5
4 | ^mtl-train-va: /dev/full: exists and is not a regular file                            | mtl-train-va -o /dev/full --train $DATA/val.h5
4 | ^mtl-train-va: $W/nodir/o.pt                                                          | mtl-train-va -o $W/nodir/o.pt --train $DATA/val.h5
# --- mtl-score: prediction lines (file:line: what) and the truth ---
3 | ^mtl-score: $W/p_exbig.jsonl:1: "ex" must be an integer class code 0-7, not 4294967300$ | $S $W/p_exbig.jsonl
3 | ^mtl-score: $W/p_exneg.jsonl:1: "ex" must be an integer class code 0-7, not -1$       | $S $W/p_exneg.jsonl
3 | ^mtl-score: $W/p_zero1.jsonl:1: invalid JSON                                          | $S $W/p_zero1.jsonl
3 | ^mtl-score: $W/p_dot.jsonl:1: invalid JSON                                            | $S $W/p_dot.jsonl
3 | ^mtl-score: $W/p_twice.jsonl:1: invalid JSON: the key "ex" is given twice$            | $S $W/p_twice.jsonl
3 | ^mtl-score: $W/p_twice_other.jsonl:1: invalid JSON: the key "subject" is given twice$ | $S $W/p_twice_other.jsonl
3 | ^mtl-score: $W/p_thr.jsonl:1: "au_thresholds" entries must lie in \[0, 1\]$           | $S $W/p_thr.jsonl
3 | ^mtl-tune: $W/th_twice.json: invalid JSON: the key "format" is given twice$           | mtl-tune --apply $W/th_twice.json $W/p_exneg.jsonl
2 | ^mtl-score: --plot '': give a file name prefix                                        | $S --plot '' $W/p_exneg.jsonl
2 | ^mtl-score: --plot '$W/': give a file name prefix .* such as $W/val$                  | $S --plot $W/ $W/p_exneg.jsonl
3 | ^mtl-score: $W/p_aufrac.jsonl:1: "au" entries must be the integers 0 or 1$           | $S $W/p_aufrac.jsonl
3 | ^mtl-score: $W/p_aufloat.jsonl:1: "au" entries must be the integers 0 or 1$          | $S $W/p_aufloat.jsonl
3 | ^mtl-score: $W/p_vabig.jsonl:1: "va" holds a number out of range for a float$         | $S $W/p_vabig.jsonl
3 | ^mtl-score: $W/p_varange.jsonl:1: "va" entries must lie in \[-1, 1\]$                 | $S $W/p_varange.jsonl
3 | ^mtl-score: $W/p_auprob.jsonl:1: "au_prob" entries must lie in \[0, 1\]$              | $S $W/p_auprob.jsonl
3 | ^mtl-score: $W/p_exprob.jsonl:1: "ex_prob" entries must lie in \[0, 1\]$              | $S $W/p_exprob.jsonl
3 | ^mtl-score: $W/p_nan.jsonl:1: invalid JSON                                            | $S $W/p_nan.jsonl
3 | ^mtl-score: $W/p_inf.jsonl:1: invalid JSON                                            | $S $W/p_inf.jsonl
3 | ^mtl-score: $W/p_noimage.jsonl:1: missing "image" string$                             | $S $W/p_noimage.jsonl
3 | ^mtl-score: $W/p_notjson.jsonl:1: invalid JSON                                        | $S $W/p_notjson.jsonl
3 | ^mtl-score: $W/p_cut.jsonl:1: invalid JSON                                            | $S $W/p_cut.jsonl
3 | ^mtl-score: $W/p_short.jsonl:1: "au" must be an array of 12 numbers$                  | $S $W/p_short.jsonl
3 | ^mtl-score: $W/p_binary.jsonl:[0-9]+: invalid JSON                                    | $S $W/p_binary.jsonl
3 | ^mtl-score: $W/p_dup.jsonl:2: .*                                                      | $S $W/p_dup.jsonl
0 | ^mtl-score: warning: $W/p_unknown.jsonl: 1 of 2 predictions are of images not in      | $S $W/p_unknown.jsonl
3 | ^mtl-score: $W/p_empty.jsonl: none of its 0 predictions is of an image in             | $S $W/p_empty.jsonl
3 | ^mtl-score: $W/none.jsonl: cannot open: No such file or directory$                    | $S $W/none.jsonl
3 | ^mtl-score: $W/ann_ex.csv:3: field 4 \(expression\): 9 is not a class code            | mtl-score --truth $W/ann_ex.csv $W/p_exneg.jsonl
3 | ^mtl-score: $W/none.csv: cannot open                                                  | mtl-score --truth $W/none.csv $W/p_exneg.jsonl
ROWS
finish
