# Fixture: trains the demo heads once, for the scripts that need trained heads and not a training
# of their own (tests/e2e/tests.am, E2E_NEED_HEADS): in DATA/heads, au.pt, ex_paper.pt,
# ex_additive.pt, ex_none.pt (each EX head on au.pt), va.pt and va_f.pt (--input features).
# A script takes copies (use_heads in common.sh), so that what it writes into a checkpoint
# (mtl-tune --store) stays its own. DATA/heads/complete is written when all are trained.
. "$(dirname "$0")/common.sh"
H=$DATA/heads
rm -rf "$H"
mkdir "$H"
T="--train $DATA/train.h5 --val $DATA/val.h5 --batch 64 --seed 3 --threads 2 -q"
expect_exit 0 "train AU" -- mtl-train-au $T --epochs 4 --lr 0.1 --node-dim 16 -o "$H/au.pt"
for att in paper additive none; do
  expect_exit 0 "train EX ($att)" -- mtl-train-ex $T --epochs 4 --lr 0.3 --attention $att --au "$H/au.pt" -o "$H/ex_$att.pt"
done
expect_exit 0 "train VA" -- mtl-train-va $T --epochs 4 --lr 0.05 -o "$H/va.pt"
expect_exit 0 "train VA on features only" -- mtl-train-va $T --epochs 4 --lr 0.05 --input features -o "$H/va_f.pt"
[ "$FAILED" -eq 0 ] && : > "$H/complete"
finish
