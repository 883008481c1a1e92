#!/bin/bash
# Side-by-side GEMM throughput: embrec (tensor/internal/gemm) vs numpy/OpenBLAS
# (float32), or with DTYPE=bf16 vs PyTorch's bfloat16 a @ b
# (scripts/bench-gemm-torch-bf16.py).
#
# For every shape and thread count it runs `embrec bench gemm` and
# scripts/bench-gemm-openblas.py alternately (which goes first alternates
# too) for ROUNDS rounds; each run reports the median GFLOP/s of REPEATS
# timed calls after WARMUP untimed ones. The table shows, per tool, the
# median over rounds of those medians and the min..max over rounds, and the
# ratio embrec/numpy of the two medians.
#
# usage: scripts/bench-gemm-compare.sh            (from the repository root)
# environment: ROUNDS=3 REPEATS=5 WARMUP=1 THREADS="2 1"
#              SHAPES="NN:1024:1024:1024 NT:2048:3200:3200 ..." (layout:m:n:k)
#              QUICK=1 (square shapes only)  DTYPE=f32|bf16  KERNEL=<embrec -kernel>
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
REPEATS=${REPEATS:-5}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-"2 1"}
# Transformer linear layers with 2048 tokens: forward y = x W^T is NT
# (m=tokens, n=out, k=in), weight gradient dW = dY^T X is TN (m=out, n=in, k=tokens).
DEFAULT_SHAPES="NN:512:512:512 NN:1024:1024:1024 NN:2048:2048:2048
NT:2048:256:256 TN:256:256:2048 NT:2048:3200:3200 TN:3200:3200:2048
NT:2048:8640:3200 TN:8640:3200:2048 NT:2048:3200:8640 TN:3200:8640:2048"
if [[ -n "${QUICK:-}" ]]; then
	DEFAULT_SHAPES="NN:512:512:512 NN:1024:1024:1024 NN:2048:2048:2048"
fi
SHAPES=${SHAPES:-$DEFAULT_SHAPES}
DTYPE=${DTYPE:-f32}
KERNEL=${KERNEL:-}

PY=/usr/bin/python3
if ! $PY -c "import numpy" 2>/dev/null; then
	echo "bench-gemm-compare: $PY cannot import numpy (apt-get install python3-numpy libopenblas0-pthread)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/embrec" ./cmd/embrec

run_embrec() { "$tmp/embrec" bench gemm -dtype "$DTYPE" -kernel "$KERNEL" -layout "$1" -m "$2" -n "$3" -k "$4" -threads "$5" -repeats "$REPEATS" -warmup "$WARMUP" | tail -2; }
run_numpy() {
	if [[ $DTYPE == bf16 ]]; then
		$PY scripts/bench-gemm-torch-bf16.py -quiet \
			-layout "$1" -m "$2" -n "$3" -k "$4" -threads "$5" -repeats "$REPEATS" -warmup "$WARMUP" | tail -2
		return
	fi
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY scripts/bench-gemm-openblas.py -quiet \
		-layout "$1" -m "$2" -n "$3" -k "$4" -threads "$5" -repeats "$REPEATS" -warmup "$WARMUP" | tail -2
}
# gflops extracts the median from a result line "...: 68.1 GFLOP/s (median ...";
# cpug the figure of the line "cputime: 70.2 GFLOP per CPU-second ...".
gflops() { sed -n 's/.*: \([0-9.]*\) GFLOP\/s.*/\1/p'; }
cpug() { sed -n 's/^cputime: \([0-9.]*\) GFLOP per CPU-second.*/\1/p'; }

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cpus"
echo "# load at start:$(cut -d' ' -f1-3 /proc/loadavg)  rounds=$ROUNDS repeats=$REPEATS warmup=$WARMUP dtype=$DTYPE commit $(git rev-parse --short HEAD)"
"$tmp/embrec" info | grep '^cpu' | sed 's/^/# /'
if [[ $DTYPE == bf16 ]]; then echo "# anchor (numpy column): PyTorch $($PY -c 'import torch; print(torch.__version__)') bfloat16 a @ b"; fi
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY scripts/bench-gemm-openblas.py -m 8 -n 8 -k 8 -threads 1 -repeats 1 -warmup 0 | grep '^blas:' | sed 's/^/# /'

results="$tmp/results"
: >"$results"
for t in $THREADS; do
	for shape in $SHAPES; do
		IFS=: read -r lay m n k <<<"$shape"
		for ((r = 0; r < ROUNDS; r++)); do
			if ((r % 2 == 0)); then order="embrec numpy"; else order="numpy embrec"; fi
			for tool in $order; do
				lines=$(run_$tool "$lay" "$m" "$n" "$k" "$t")
				echo "$lines" >&2
				line=$(tail -1 <<<"$lines")
				cg=$(cpug <<<"$lines")
				echo "$t $lay $m $n $k $tool $(gflops <<<"$line") ${cg:-nan}" >>"$results"
			done
		done
	done
done
echo "# load at end:$(cut -d' ' -f1-3 /proc/loadavg)"

$PY - "$results" <<'PYEOF'
import sys, statistics
rows = {}
order = []
for line in open(sys.argv[1]):
    t, lay, m, n, k, tool, g, cg = line.split()
    key = (int(t), lay, int(m), int(n), int(k))
    if key not in rows:
        rows[key] = {"embrec": [], "numpy": [], "embrec_cpu": [], "numpy_cpu": []}
        order.append(key)
    rows[key][tool].append(float(g))
    rows[key][tool + "_cpu"].append(float(cg))
print("# wall: GFLOP/s from wall time, median over rounds [min..max]; cpu: GFLOP per CPU-second (per thread), median over rounds")
print("%-3s %-6s %-16s %24s %24s %7s %9s %9s %7s" % ("thr", "layout", "m x n x k", "embrec GFLOP/s", "anchor GFLOP/s", "ratio",
                                               "embrec/cpu", "anchor/cpu", "ratio"))
for key in order:
    t, lay, m, n, k = key
    cells = []
    meds = {}
    for tool in ("embrec", "numpy"):
        v = rows[key][tool]
        meds[tool] = statistics.median(v)
        cells.append("%6.1f [%5.1f..%5.1f]" % (meds[tool], min(v), max(v)))
    ratio = meds["embrec"] / meds["numpy"] if meds["numpy"] else float("nan")
    ce, cn = statistics.median(rows[key]["embrec_cpu"]), statistics.median(rows[key]["numpy_cpu"])
    print("%-3d %-6s %-16s %24s %24s %7.2f %9.1f %9.1f %7.2f" % (t, lay, "%dx%dx%d" % (m, n, k), cells[0], cells[1], ratio,
                                                           ce, cn, ce / cn if cn else float("nan")))
PYEOF
