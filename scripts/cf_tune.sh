#!/usr/bin/env bash
# cf_tune.sh: choose WALS hyper-parameters for the MF baseline on the
# VALIDATION split only, then report test numbers with the chosen ones.
#
#   scripts/cf_tune.sh DATASET_DIR WORKDIR [REGS] [ALPHAS] [BETAS]
#
# DATASET_DIR holds user_sequence.txt (e.g. ../shared/data/Beauty); WORKDIR
# receives the factor files and logs (never commit them: they derive from
# third-party data). For every (reg, alpha) it fits 64 factors, 15 iterations,
# CG 3 steps, and ranks by validation NDCG@10 of mf with training items
# excluded; then it picks mf-seq's beta and history length (1 or 10) on
# validation the same way (beta 0 = mf), and
# finally prints the test table (pop, mf, mf-seq; with and without excluding
# training items) for the chosen setting.
# REUSE=1 reuses factor files already in WORKDIR instead of refitting.
set -euo pipefail
ds=${1:?dataset dir}; work=${2:?work dir}
regs=${3:-"0.01 0.1 1 10"}
alphas=${4:-"1 5 20 40"}
betas=${5:-"0 0.25 0.5 1 2 4"}
data="$ds/user_sequence.txt"
name=$(basename "$ds")
bin=${EMBREC:-embrec}
mkdir -p "$work"
best=""; bestv=-1
for reg in $regs; do
  for alpha in $alphas; do
    f="$work/$name.r$reg.a$alpha.safetensors"
    if [ -z "${REUSE:-}" ] || [ ! -f "$f" ]; then
      "$bin" wals --data "$data" --factors 64 --iters 15 --reg "$reg" --alpha "$alpha" --eval-every 0 --out "$f" > "$work/$name.r$reg.a$alpha.log"
    fi
    v=$("$bin" eval-cf --data "$data" --factors "$f" --split valid --methods mf --exclude yes | awk '$1=="mf"{print $6}')
    echo "valid $name reg=$reg alpha=$alpha mf(excl) NDCG@10=$v"
    if awk -v a="$v" -v b="$bestv" 'BEGIN{exit !(a>b)}'; then best="$reg $alpha"; bestv=$v; fi
  done
done
read -r reg alpha <<<"$best"
f="$work/$name.r$reg.a$alpha.safetensors"
echo "chosen on validation: reg=$reg alpha=$alpha (mf excl NDCG@10 $bestv)"
bestb=0; bestl=10; bestbv=-1
for hist in 1 10; do
  for beta in $betas; do
    v=$("$bin" eval-cf --data "$data" --factors "$f" --split valid --methods mf-seq --beta "$beta" --history "$hist" --exclude yes | awk '$1 ~ /^mf/{print $6}')
    echo "valid $name mf-seq beta=$beta history=$hist (excl) NDCG@10=$v"
    if awk -v a="$v" -v b="$bestbv" 'BEGIN{exit !(a>b)}'; then bestb=$beta; bestl=$hist; bestbv=$v; fi
  done
done
echo "chosen on validation: beta=$bestb history=$bestl"
echo "# test: $bin eval-cf --data $data --factors $f --split test --beta $bestb --history $bestl"
"$bin" eval-cf --data "$data" --factors "$f" --split test --beta "$bestb" --history "$bestl"
