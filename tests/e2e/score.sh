# mtl-score on a hand-made truth and prediction file, with the scores worked out by hand:
#   AU: rows 1-3 labelled; AU1 truth 1 1 0, predicted 1 0 1 -> F1 0.5; the other 11 AUs have no
#       positives on either side -> F1 0; P_AU = 0.5 / 12 = 0.0417
#   EX: rows 1-3 labelled (4 4 0), predicted 4 0 0 -> F1 2/3 for classes 0 and 4; P_EX = (4/3)/8 = 0.1667
#   VA: valence predicted exactly -> CCC 1; arousal predicted as a constant -> CCC 0; P_VA = 0.5
#   P_MTL = 0.7083
. "$(dirname "$0")/common.sh"
h=image,valence,arousal,expression,AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26
cat > "$WORK/truth.txt" <<TXT
$h
v/1.jpg,-0.5,0.2,4,1,0,0,0,0,0,0,0,0,0,0,0
v/2.jpg,0.5,0.2,4,1,0,0,0,0,0,0,0,0,0,0,0
v/3.jpg,-0.5,-0.2,0,0,0,0,0,0,0,0,0,0,0,0,0
v/4.jpg,0.5,-0.2,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1
v/6.jpg,0.5,-0.2,1,0,0,0,0,0,0,0,0,0,0,0,0
TXT
z='0,0,0,0,0,0,0,0,0,0,0'
cat > "$WORK/pred.jsonl" <<TXT
{"image":"v/1.jpg","au":[1,$z],"ex":4,"va":[-0.5,0]}
{"image":"v/2.jpg","au":[0,$z],"ex":0,"va":[0.5,0]}
{"image":"v/3.jpg","au":[1,$z],"ex":0,"va":[-0.5,0]}
{"image":"v/4.jpg","au":[1,$z],"ex":5,"va":[0.5,0]}
{"image":"v/5.jpg","au":[1,$z],"ex":5,"va":[0.5,0]}
TXT
# v/6 is in the truth without a prediction; its VA would change the scores if it were joined.
head -n 5 "$WORK/truth.txt" > "$WORK/truth4.txt"
expect_exit 0 "score a known file" -- mtl-score --truth "$WORK/truth4.txt" "$WORK/pred.jsonl"
expect_grep '^AU    0.0417  3$' "$WORK/out" "P_AU"
expect_grep '^EX    0.1667  3$' "$WORK/out" "P_EX"
expect_grep '^VA    0.5000  4$' "$WORK/out" "P_VA"
expect_grep '^MTL   0.7083$' "$WORK/out" "P_MTL"
expect_grep 'AU1=0.5000 AU2=0.0000' "$WORK/out" "per-AU F1"
expect_grep 'Neutral=0.6667 Anger=0.0000' "$WORK/out" "per-class F1"
expect_grep 'valence=1.0000 arousal=0.0000' "$WORK/out" "CCC per dimension"
expect_grep '5 predicted, 4 matched, 1 predicted without truth, 0 in the truth' "$WORK/out" "unmatched predictions counted"
# From stdin, as JSON, with an unpredicted truth row.
expect_exit 0 "score --json from stdin" -- sh -c "mtl-score --json --truth '$WORK/truth.txt' - < '$WORK/pred.jsonl'"
for k in P_AU P_EX P_VA P_MTL F1_AU F1_EX CCC_V CCC_A rows; do expect_grep "\"$k\":" "$WORK/out" "--json has $k"; done
expect_grep '"truth_without_predictions":1' "$WORK/out" "unpredicted truth counted"
expect_exit 3 "--strict refuses unmatched rows" -- mtl-score --strict --truth "$WORK/truth.txt" "$WORK/pred.jsonl"
expect_grep "1 predictions without truth and 1 images of the truth" "$WORK/err" "--strict says why"
# A task with no predictions is absent, not zero.
grep -o '"image":"[^"]*"' "$WORK/pred.jsonl" | sed 's/^/{/; s/$/,"ex":4}/' > "$WORK/exonly.jsonl"
expect_exit 0 "score EX only" -- mtl-score --json --truth "$WORK/truth4.txt" "$WORK/exonly.jsonl"
expect_grep '"P_AU":null' "$WORK/out" "AU absent"
expect_grep '"P_MTL":null' "$WORK/out" "P_MTL absent"
# Bad prediction lines are named by file:line.
printf '{"image":"v/1.jpg","ex":4}\n{"image":"v/2.jpg","ex":9}\n' > "$WORK/bad.jsonl"
expect_exit 3 "bad prediction line" -- mtl-score --truth "$WORK/truth4.txt" "$WORK/bad.jsonl"
expect_grep "bad.jsonl:2: \"ex\" must be an integer class code 0-7" "$WORK/err" "bad line named"
printf '{"image":"v/1.jpg","ex":4}\n{"image":"v/1.jpg","ex":3}\n' > "$WORK/dup.jsonl"
expect_exit 3 "duplicate prediction" -- mtl-score --truth "$WORK/truth4.txt" "$WORK/dup.jsonl"
# The truth can be a feature store.
printf '{"image":"%s","ex":0}\n' "$(sed -n 2p "$DATA/val.txt" | cut -d, -f1)" > "$WORK/one.jsonl"
expect_exit 0 "truth from a feature store" -- mtl-score --truth "$DATA/val.h5" "$WORK/one.jsonl"
expect_grep "1 matched, 0 predicted without truth, 239 in the truth without a prediction" "$WORK/out" "store truth read"
# No prediction of an image of the truth (another split, or nothing): an error, not an empty score.
expect_exit 3 "no prediction matches the truth" -- mtl-score --truth "$DATA/val.h5" /dev/null
expect_grep "/dev/null: none of its 0 predictions is of an image in" "$WORK/err" "says none matched"
finish
