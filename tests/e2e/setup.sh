# Fixture: generates the demo data and extracts the training and validation feature stores.
set -eu
BIN=$1
DATA=$2
rm -rf "$DATA"
"$BIN/mtl-gen-demo" -q --out "$DATA" --train-videos 8 --val-videos 3 --frames 80 --seed 7
for split in train val; do
  "$BIN/mtl-extract" -q --backbone "$DATA/backbone.pt" --image-root "$DATA/cropped_aligned" \
    -o "$DATA/$split.h5" "$DATA/$split.txt"
done
