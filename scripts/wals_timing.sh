#!/usr/bin/env bash
# wals_timing.sh: WALS fit times on the shared datasets, the setting of the
# issue's speed anchor (64 factors, reg 0.01, 15 iterations, CG 3 steps),
# median and range over N fits, wall and process CPU time, 1 and 2 threads,
# plus the exact Cholesky solver with 1 thread (LastFM and Beauty).
#
#   scripts/wals_timing.sh [DATA_DIR] [N]
#
# DATA_DIR defaults to ../shared/data. Run it on a quiet machine: wall times
# drift when other processes share the cores; CPU times drift much less.
set -euo pipefail
dir=${1:-../shared/data}; n=${2:-5}
bin=${EMBREC:-embrec}
for ds in LastFM Beauty ML1M; do
  for th in 1 2; do
    echo "== $ds cg threads=$th"
    "$bin" wals --data "$dir/$ds/user_sequence.txt" --factors 64 --iters 15 --reg 0.01 --alpha 1 --cg-steps 3 --threads "$th" --repeat "$n" | tail -2
  done
  [ "$ds" = ML1M ] && continue # the exact solver costs about a minute per ML1M fit
  echo "== $ds cholesky threads=1"
  "$bin" wals --data "$dir/$ds/user_sequence.txt" --factors 64 --iters 15 --reg 0.01 --alpha 1 --solver cholesky --threads 1 --repeat 2 | tail -2
done
