# Bad option values are usage errors (exit 2) found before any file is read: every store,
# checkpoint and list named below does not exist, so reading one first would give exit 3.
# Damaged checkpoints are input errors (exit 3) that name the file.
. "$(dirname "$0")/common.sh"
N="$WORK/none"
run_table <<ROWS
2 | ^mtl-train-au: -k must be between 1 and 12, not 20$       | mtl-train-au --train $N.h5 -o $WORK/x.pt -k 20
2 | -k must be between 1 and 12, not 0                        | mtl-train-au --train $N.h5 -o $WORK/x.pt -k 0
2 | --attention must be paper, additive or none, not 'addtive' | mtl-train-ex --train $N.h5 --au $N.pt -o $WORK/x.pt --attention addtive
2 | --loss-mean must be authors or pytorch, not 'mean'        | mtl-train-ex --train $N.h5 --au $N.pt -o $WORK/x.pt --loss-mean mean
2 | --attention-hidden must be positive, not 0                | mtl-train-ex --train $N.h5 --au $N.pt -o $WORK/x.pt --attention-hidden 0
2 | --au is required: the ex head reads the trained au head   | mtl-train-ex --train $N.h5 -o $WORK/x.pt
2 | --lr must be positive and at most 3.4e38, not 0          | mtl-train-va --train $N.h5 -o $WORK/x.pt --lr 0
2 | ^mtl-train-va: --lr: 'nan' is not a number$              | mtl-train-va --train $N.h5 -o $WORK/x.pt --lr nan
2 | --momentum must be in \[0, 1\), not 1                      | mtl-train-va --train $N.h5 -o $WORK/x.pt --momentum 1
2 | --weight-decay must not be negative                       | mtl-train-va --train $N.h5 -o $WORK/x.pt --weight-decay -1
2 | --rho must not be negative                                | mtl-train-va --train $N.h5 -o $WORK/x.pt --rho -0.1
2 | --batch must be at least 2                                | mtl-train-va --train $N.h5 -o $WORK/x.pt --batch 1
2 | --epochs must be at least 1                               | mtl-train-au --train $N.h5 -o $WORK/x.pt --epochs 0
2 | --dropout must be in \[0, 1\), not 1                       | mtl-train-au --train $N.h5 -o $WORK/x.pt --dropout 1
2 | --node-dim must be 0 \(the input size\) or positive        | mtl-train-au --train $N.h5 -o $WORK/x.pt --node-dim -3
2 | --threshold must be in \[0, 1\], not 2                     | mtl-train-au --train $N.h5 -o $WORK/x.pt --threshold 2
2 | --input must be features, features\+logits or auto        | mtl-train-au --train $N.h5 -o $WORK/x.pt --input logits
2 | ^mtl-train-au: --epochs: 'many' is not an integer$       | mtl-train-au --train $N.h5 -o $WORK/x.pt --epochs many
2 | unexpected operand 'extra'                                | mtl-train-va --train $N.h5 -o $WORK/x.pt extra
2 | an output checkpoint is required                          | mtl-train-va --train $N.h5
2 | at least one --train feature store is required            | mtl-train-va -o $WORK/x.pt
2 | --threads must be 0                                       | mtl-train-va --train $N.h5 -o $WORK/x.pt --threads -1
2 | --device must be auto, cpu or cuda, not 'gpu'             | mtl-predict --device gpu --va $N.pt $N.h5
2 | --size must be positive                                   | mtl-extract --backbone $N.pt -o $WORK/x.h5 --size 0 $N.txt | $WORK/x.h5.part
2 | --batch must be positive                                  | mtl-extract --backbone $N.pt -o $WORK/x.h5 --batch 0 $N.txt
2 | --fp16 needs a CUDA device \(--device cuda\)               | mtl-extract --backbone $N.pt -o $WORK/x.h5 --fp16 --device cpu $N.txt
2 | --fp16 needs a CUDA device                                | mtl-predict --backbone $N.pt --au $N.pt --fp16 --device cpu $N.txt
2 | --std values must be positive                             | mtl-extract --backbone $N.pt -o $WORK/x.h5 --std 0,1,1 $N.txt
2 | --mean takes three values                                 | mtl-predict --va $N.pt --backbone $N.pt --mean 0.5,0.5 $N.txt
2 | give at least one checkpoint                              | mtl-predict $N.h5
2 | --memory-budget must be a size such as 512M or 4G \(at most 16777215T\), not '12Q' | mtl-train-va --train $N.h5 -o $WORK/x.pt --memory-budget 12Q
2 | --memory-budget must be a size                            | mtl-train-va --train $N.h5 -o $WORK/x.pt --memory-budget 0
2 | --memory-budget must be a size .*not '99999999999999T'     | mtl-train-va --train $N.h5 -o $WORK/x.pt --memory-budget 99999999999999T
2 | --mean: '0.5,1e39,0.5' holds '1e39', which is out of range | mtl-extract --backbone $N.pt -o $WORK/x.h5 --mean 0.5,1e39,0.5 $N.txt
2 | --size is for the backbone's input: give --backbone        | mtl-export --va $N.pt -o $WORK/x.pt --size 96
2 | --mean is for the backbone's input: give --backbone        | mtl-export --va $N.pt -o $WORK/x.pt --mean 0.5,0.5,0.5
ROWS

# The default thread count is the CPUs this process may use, and -v says what decided it.
run_table <<ROWS
0 | : 1 thread \(from affinity mask\)$            | taskset -c 0 mtl-train-va -v --train $DATA/train.h5 -o $WORK/va.pt --epochs 1
0 | : 3 threads \(from SLURM_CPUS_PER_TASK\)$     | env SLURM_CPUS_PER_TASK=3 taskset -c 0 mtl-train-va -v --train $DATA/train.h5 -o $WORK/va.pt --epochs 1
0 | : 2 threads \(from OMP_NUM_THREADS\)$         | env SLURM_CPUS_PER_TASK=3 OMP_NUM_THREADS=2 mtl-train-va -v --train $DATA/train.h5 -o $WORK/va.pt --epochs 1
0 | : 1 thread \(from --threads\)$                | mtl-train-va -v --threads 1 --train $DATA/train.h5 -o $WORK/va.pt --epochs 1
ROWS

# Damaged checkpoints: exit 3, the file named, never a usage error.
T="--train $DATA/train.h5 --batch 64 --seed 3 --threads 2 -q"
expect_exit 0 "train a small AU head" -- mtl-train-au $T --epochs 1 --lr 0.1 --node-dim 8 -o "$WORK/au.pt"
head -c 2000 "$WORK/au.pt" > "$WORK/trunc.pt"
printf 'not a checkpoint\n' > "$WORK/text.pt"
run_table <<ROWS
3 | trunc.pt: cannot open checkpoint            | mtl-predict --au $WORK/trunc.pt $DATA/val.h5
3 | text.pt: cannot open checkpoint             | mtl-predict --au $WORK/text.pt $DATA/val.h5
3 | backbone.pt: not an mtl-toolkit checkpoint  | mtl-predict --au $DATA/backbone.pt $DATA/val.h5
3 | trunc.pt: cannot open checkpoint            | mtl-train-ex $T --epochs 1 --au $WORK/trunc.pt -o $WORK/ex.pt | $WORK/ex.pt
ROWS
if "$PY" -c 'import torch' 2>/dev/null; then
  # Bad values written into the metadata of a real checkpoint (torch.jit keeps the rest intact).
  edit() {  # edit OUT FROM TO: a copy of au.pt with FROM replaced by TO in its metadata
    "$PY" -c 'import sys, torch
m = torch.jit.load(sys.argv[1]); assert sys.argv[3] in m.metadata
m.metadata = m.metadata.replace(sys.argv[3], sys.argv[4]); torch.jit.save(m, sys.argv[2])' "$WORK/au.pt" "$@"
  }
  edit "$WORK/k20.pt" '"k":4' '"k":20'
  edit "$WORK/task.pt" '"task":"au"' '"task":"xx"'
  edit "$WORK/dim.pt" '"in_dim":264' '"in_dim":100'
  edit "$WORK/ver.pt" '"format_version":1' '"format_version":7'
  edit "$WORK/thr.pt" '"au_threshold":0.5' '"au_threshold":"half"'
  edit "$WORK/json.pt" '{"au_names"' '{{"au_names"'
  run_table <<ROWS
3 | k20.pt: bad value in the checkpoint metadata: k must be between 1 and 12, not 20 | mtl-predict --au $WORK/k20.pt $DATA/val.h5
3 | task.pt: checkpoint of an unknown task 'xx'                   | mtl-predict --au $WORK/task.pt $DATA/val.h5
3 | dim.pt: bad value in the checkpoint metadata: in_dim 100       | mtl-predict --au $WORK/dim.pt $DATA/val.h5
3 | ver.pt: checkpoint format version 7 is not supported           | mtl-predict --au $WORK/ver.pt $DATA/val.h5
3 | thr.pt: incomplete or mistyped checkpoint metadata             | mtl-predict --au $WORK/thr.pt $DATA/val.h5
3 | json.pt: checkpoint metadata is not valid JSON                 | mtl-predict --au $WORK/json.pt $DATA/val.h5
3 | k20.pt: bad value in the checkpoint metadata                   | mtl-train-ex $T --epochs 1 --au $WORK/k20.pt -o $WORK/ex.pt | $WORK/ex.pt
ROWS
  # The stored AU threshold is honoured: at 0 every AU is present, at 1 (almost) none.
  edit "$WORK/t0.pt" '"au_threshold":0.5' '"au_threshold":0.0'
  mtl-predict --au "$WORK/t0.pt" "$DATA/val.h5" > "$WORK/t0.jsonl"
  expect_true "threshold 0 predicts every AU present" -- sh -c "! grep -q '\"au\":\[[^]]*0' '$WORK/t0.jsonl' && [ -s '$WORK/t0.jsonl' ]"
else
  echo "skipped: edited checkpoint metadata (no python3-torch at $PY)"
fi
finish
