#!/bin/sh
# bench-embed-step.sh BIN LABEL: 400 stage-2 steps of the Beauty tied-id recipe on 1 thread; prints tok/s and wall.
# EXTRA adds flags, e.g. the chosen recipe's regularisers:
#   EXTRA="--user-vectors foldin --input-dropout 0.5 --residual-dropout 0.3 --tasks sequential --batch 32"
bin=$1; label=$2; dir=/tmp/stepbench-$label
rm -rf $dir
s=$(date +%s.%N)
$bin train --data /work/shared/data/Beauty/user_sequence.txt --out $dir --threads 1 --factors /work/runs/Beauty/wals.safetensors \
  --init random --config tiny --full --steps 400 --stage1-steps 0 --item-tokens whole --item-head tied-id --history-targets \
  --save-every 100000 ${EXTRA:-} > $dir.log 2>&1
e=$(date +%s.%N)
loss=$(grep "step 400/400" $dir.log | sed 's/.*loss \([0-9.]*\).*/\1/')
tok=$(grep "step 400/400" $dir.log | sed 's/.* \([0-9]*\) tok\/s.*/\1/')
echo "$label wall $(echo "$e - $s" | bc) s, final loss $loss, $tok tok/s (progress line)"
