#!/bin/bash
# Side-by-side training-step throughput of two embrec binaries (an older
# commit against this tree): `embrec bench train` on the CPU, alternating
# which binary goes first, ROUNDS rounds per shape; the table gives per
# binary the median over rounds of each run's median tokens/s, min..max
# over rounds and the ratio new/old, and the same for tokens per CPU-second
# (all steps, warm-up included, over the process's user+system time from
# /usr/bin/time: other jobs' time slices on a shared machine do not count,
# model set-up and any spinning do).
#
# usage: scripts/bench-train-compare.sh OLD_BINARY        (from the repository root)
#   build OLD_BINARY from another commit, e.g.
#     git worktree add /tmp/cpu-base 0287017 && (cd /tmp/cpu-base && go build -o /tmp/embrec-base ./cmd/embrec)
# environment: ROUNDS=5 STEPS=10 WARMUP=3 SHAPES="tiny base" BATCH=8 SEQ=128 THREADS=2 LAYERS=0 (the shape's)
#              EXTRA="-weights bf16" (new binary only)  OLD_EXTRA="..." (old binary only)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: $0 OLD_BINARY}
ROUNDS=${ROUNDS:-5}
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-3}
SHAPES=${SHAPES:-"tiny base"}
BATCH=${BATCH:-8}
SEQ=${SEQ:-128}
THREADS=${THREADS:-2}
LAYERS=${LAYERS:-0}
EXTRA=${EXTRA:-}
OLD_EXTRA=${OLD_EXTRA:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/embrec" ./cmd/embrec
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cpus, commit $(git rev-parse --short HEAD) vs $OLD"
echo "# load at start:$(cut -d' ' -f1-3 /proc/loadavg)  rounds=$ROUNDS steps=$STEPS warmup=$WARMUP batch=$BATCH seq=$SEQ threads=$THREADS layers=$LAYERS extra(new)=$EXTRA extra(old)=$OLD_EXTRA"
results="$tmp/results"
: >"$results"
run() { # tool shape
	local bin=$OLD extra=$OLD_EXTRA
	if [[ $1 == new ]]; then bin=$tmp/embrec; extra=$EXTRA; fi
	# shellcheck disable=SC2086
	/usr/bin/time -f "cputime %U %S" -o "$tmp/time" \
		"$bin" bench train -shape "$2" -layers "$LAYERS" -batch "$BATCH" -seq "$SEQ" -threads "$THREADS" -steps "$STEPS" -warmup "$WARMUP" $extra | tail -1
	echo " $(tail -1 "$tmp/time")"
}
for shape in $SHAPES; do
	for ((r = 0; r < ROUNDS; r++)); do
		if ((r % 2 == 0)); then order="new old"; else order="old new"; fi
		for tool in $order; do
			line=$(run "$tool" "$shape")
			echo "$tool $shape: $line" >&2
			tps=$(sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
			ms=$(sed -n 's/.* ms=\([0-9.]*\) .*/\1/p' <<<"$line")
			read -r u sy < <(sed -n 's/.*cputime \([0-9.]*\) \([0-9.]*\).*/\1 \2/p' <<<"$line")
			cpu_tps=$(/usr/bin/python3 -c "print($BATCH*$SEQ*($STEPS+$WARMUP)/($u+$sy))")
			echo "$shape $tool $tps $ms $cpu_tps" >>"$results"
		done
	done
done
echo "# load at end:$(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$results" <<'PYEOF'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    shape, tool, tps, ms, ctps = line.split()
    r = rows.setdefault(shape, {"new": [], "old": [], "new_cpu": [], "old_cpu": []})
    r[tool].append(float(tps))
    r[tool + "_cpu"].append(float(ctps))
print("%-12s %28s %28s %7s %28s %28s %7s" % ("shape", "new tokens/s", "old tokens/s", "ratio",
                                             "new tokens/CPU-s", "old tokens/CPU-s", "ratio"))
for shape, v in rows.items():
    cells = ["%8.0f [%6.0f..%6.0f]" % (statistics.median(v[t]), min(v[t]), max(v[t])) for t in ("new", "old", "new_cpu", "old_cpu")]
    print("%-12s %28s %28s %7.2f %28s %28s %7.2f" % (shape, cells[0], cells[1], statistics.median(v["new"]) / statistics.median(v["old"]),
                                                    cells[2], cells[3], statistics.median(v["new_cpu"]) / statistics.median(v["old_cpu"])))
PYEOF
