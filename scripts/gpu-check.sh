#!/bin/sh
# gpu-check.sh LOGDIR: the one prepared GPU run (168-283 s in runs 7-12;
# runs 10-12 with GPU_CHECK_VARIANTS set, 210-283 s on an H100).
# Runs from the folder scripts/gpu-build.sh fills (cuda.test, embrec, this
# script, bench-gpu-torch.py, gpu-summary.py); needs the NVIDIA driver and,
# for the reference, python3 with torch, transformers and peft. No Go.
#
#   1. embrec info and nvidia-smi
#   2. correctness first: the wgmma GEMM variants (v3a, v3b: sm_90a,
#      first passed on an H100 in run 7; v3g, v3h, v3k and v3l, the TMA and
#      128 x 208 tiles, in run 10; the TMA ones with TestGEMMTMA too) each in a
#      process of its own, since a kernel fault ends the
#      process's CUDA context; then the conformance suite on the GPU, every
#      tensor-core GEMM variant (without the v3 ones that failed), and the
#      whole LoRA training step on the GPU against the CPU backend; if any
#      fails, the suite again with a sync after every launch (names the
#      faulting kernel); a feature whose test fails here (fused attention,
#      the fused BF16 copies, the BF16 operands; a variant the default
#      chooses among) is switched off for the timings
#   3. embrec's benchmarks: GEMM TFLOP/s at M=4096 and 2048 (CUDA events),
#      attention, the thin LoRA products (scalar, float4 and prefetching
#      loads; GPU_CHECK_GEMM_BENCH=0 skips these), and "embrec bench
#      train": LoRA r=8 on q,v of a random OpenLLaMA-3B-shaped model with a
#      frozen BF16 backbone, B*T = 8 x 256, GPU_CHECK_STEPS timed steps (5):
#      the default (GEMM "auto-tma-k" on Hopper: v3g, v3h or v3l per
#      product), "auto" (v3a or v3b, the default until run 10), "auto-tma"
#      (v3g or v3h), the float32 outputs of SwiGLU,
#      the norms, the attention, the residual gradient's additions and
#      RoPE converted by the products (--f32-operands), and v2a; then the
#      default once more with per-kernel and per-grid CUDA-event timing
#      (--profile-grids). GPU_CHECK_ABLATIONS=1 adds one change at a time:
#      GEMM auto-k (v3a, v3b or v3k), v3a, v3b and v3g, the fused
#      attention (--flash-attention), the copies written by
#      separate passes (EMBREC_CUDA_FUSED_COPIES=0), the profile of auto,
#      and the end-to-end run with --flash-attention.
#      Earlier runs (results/) measured GEMM v1, float32 attention,
#      checkpointing, float32 saved activations (run 5's default), and
#      (run 7) the fused attention, the GEMM variants since removed
#      (v2b, v2c, v2d, v3c; results/gpu-changes.md), the unfused LoRA
#      dropout and the thin products' scalar and float4 loads (runs 9 and
#      12; switches since removed: BenchmarkThinLoRA still compares the loads)
#   4. the PyTorch reference on the same card: torch.matmul bf16 at the same
#      shapes, and HF LlamaForCausalLM + peft, the same step (eager; with
#      GPU_CHECK_TORCH_TRAIN=0 skips the step; GPU_CHECK_COMPILE=1 times
#      it under torch.compile too, after the summary)
#   5. end to end: embrec train and eval with --device cuda on the built-in
#      synthetic data (tiny random backbone, frozen BF16 in stage 2), and
#      the same training with --flash-attention
#   6. a short table, last (also LOGDIR/summary.txt)
#
# GPU_CHECK_VARIANTS="v3a v3b ..." gates (and so benchmarks and times)
# only those wgmma variants, to save device time (e.g. "v3a v3b v3k v3g
# v3h v3l", the default's and auto's); the steps that need a variant left
# out are skipped; the default needs v3g, v3h, v3l and v3k (else it runs
# on auto), auto needs v3a and v3b (else v3a, v3b or v2a).
#
# Exit status: 1 if a correctness step failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
logs=${1:?usage: gpu-check.sh LOGDIR}
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
cd "$here"
# The driver's libcuda.so.1 (container images keep it here).
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
status=0
t0=$(date +%s)
stamp() { echo "== $* (+$(($(date +%s) - t0)) s)"; }

stamp info
{
	nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
	./embrec info
	cat COMMIT 2>/dev/null
} >"$logs/info.log" 2>&1
cat "$logs/info.log"

stamp "wgmma GEMM variants (a process each)"
# per variant, the index probes first (a wrong layout shows as a map of
# what was read), then the full GEMM test; short timeouts, since a kernel
# that waits on an mbarrier phase that never completes (the TMA ones) hangs. The
# TMA variants share their copies and barriers: once one of them hangs
# (its test timed out), the others are skipped rather than each spending
# its timeout.
: >"$logs/wgmma.log"
wgmma= wgmma_ok= tma_hung=
for v in ${GPU_CHECK_VARIANTS:-v3a v3b v3k v3g v3h v3l}; do
	tests='^TestGEMMBF16$' tma=
	case $v in v3g | v3h | v3l) tests='^(TestGEMMBF16|TestGEMMTMA)$' tma=1 ;; esac # TMA: that its kernels ran, too
	if [ -n "$tma" ] && [ -n "$tma_hung" ]; then
		wgmma="$wgmma $v SKIP($tma_hung hung)" status=1
		continue
	fi
	EMBREC_TEST_GEMM=$v timeout 30 ./cuda.test -test.run '^TestGEMMIndexProbes$' -test.v >>"$logs/wgmma.log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		EMBREC_TEST_GEMM=$v timeout 90 ./cuda.test -test.run "$tests" -test.v >>"$logs/wgmma.log" 2>&1
		rc=$?
	fi
	if [ $rc = 0 ]; then
		wgmma="$wgmma $v PASS" wgmma_ok="$wgmma_ok,$v"
	else
		wgmma="$wgmma $v FAIL" status=1
		[ -n "$tma" ] && [ $rc -ge 124 ] && tma_hung=$v # 124: timeout's; 137: killed
	fi
done
wgmma=${wgmma# }
passed_v() { case "$wgmma_ok," in *",$1,"*) return 0 ;; esac; return 1; } # variant $1 passed its gate
export EMBREC_TEST_GEMM=v1,v2a$wgmma_ok # the later tests without those that failed
echo "wgmma: $wgmma"
grep -E -- '--- FAIL|panic|cuda:|C\[|wrong' "$logs/wgmma.log" | cut -c1-400 | head -16

stamp correctness
if timeout 240 ./cuda.test -test.skip 'TestConformanceGPUDebug' -test.short -test.v >"$logs/correctness.log" 2>&1; then
	conf=PASS
else
	conf=FAIL
	status=1
	grep -E -- '--- FAIL|panic|cuda:|Error' "$logs/correctness.log" | head -40
	stamp "conformance again, synchronising after each launch"
	timeout 90 ./cuda.test -test.run 'TestConformanceGPUDebug' -test.v >"$logs/conformance-debug.log" 2>&1
	grep -E -- '--- FAIL|panic|kernel' "$logs/conformance-debug.log" | head -20
fi
grep -E -- '^(--- |ok|PASS|FAIL)|relative error|loss' "$logs/correctness.log" | head -60
# Features first run on a GPU in this session's build: one whose test did
# not pass here is left out of what follows (its switch set to the old
# path), so the timings are of code that passed.
passed() { grep -q -- "^--- PASS: $1 " "$logs/correctness.log"; }
flash=PASS
passed TestFlashAttention || flash=FAIL
# The passes that write BF16 copies (norms, attention, residual gradient, RoPE; first
# built after run 9) against their unfused forms, bit for bit: off if not.
passed TestUnfusedCopies || export EMBREC_CUDA_FUSED_COPIES=0
ops_flag= # the BF16 operands (SwiGLU's, the copies; first built after run 9): the old path if their test failed
if ! passed TestBF16OperandsExact; then
	if [ "${EMBREC_CUDA_FUSED_COPIES:-1}" = 0 ] &&
		timeout 60 ./cuda.test -test.run '^TestBF16OperandsExact$' -test.v >"$logs/bf16-operands-unfused-copies.log" 2>&1; then
		: # it passes with the copies unfused: keep the rest
	else
		ops_flag=--f32-operands
	fi
fi
echo "fused attention: $flash; BF16 operands: $([ -n "$ops_flag" ] && echo off || echo on); fused copies: $([ "${EMBREC_CUDA_FUSED_COPIES:-1}" = 0 ] && echo off || echo on)"

stamp "embrec GEMM benchmarks"
[ "${GPU_CHECK_GEMM_BENCH:-1}" = 0 ] || timeout 150 ./cuda.test -test.run '^$' -test.bench 'GEMM|Attention|ThinLoRA' -test.benchtime 1x >"$logs/bench-gemm.log" 2>&1 ||
	echo "embrec GEMM benchmarks failed (see bench-gemm.log)"
grep -E '^Benchmark' "$logs/bench-gemm.log"
# the same through the single binary: one product of the step, on its auto-k variant
if passed_v v3l; then
	for lay in NT NN; do
		timeout 30 ./embrec bench gemm --device cuda -m 2048 -n 3200 -k 3200 -layout $lay -variant auto-tma-k -repeats 5 \
			2>&1 | tail -1 | tee -a "$logs/bench-gemm-embrec.log"
	done
fi

stamp "embrec bench train"
# bench_train LABEL "VAR=value ..." [FLAGS]: one configuration of the
# step, its summary line followed by "config=LABEL" in bench-train.log.
bench_train() {
	label=$1 envs=$2
	shift 2
	env $envs timeout 120 ./embrec bench train --device cuda --shape openllama-3b --batch 8 --seq 256 \
		--lora-rank 8 --lora-targets q_proj,v_proj --steps "${GPU_CHECK_STEPS:-5}" --warmup 2 $ops_flag "$@" >>"$logs/bench-train.log" 2>&1 ||
		echo "embrec bench train $label failed (see bench-train.log)"
	echo "config=$label" >>"$logs/bench-train.log"
}
# The default ("auto-tma-k" on Hopper: v3g, v3h or v3l per product,
# falling back to v3a, v3b, v3k; if one of those failed above, "auto",
# v3a or v3b; if one of them failed, the other, else v2a), then one change
# at a time (see the header for what earlier runs measured).
default_env=
if ! passed_v v3a || ! passed_v v3b; then
	default_env="EMBREC_CUDA_GEMM=v2a"
	passed_v v3b && default_env="EMBREC_CUDA_GEMM=v3b"
	passed_v v3a && default_env="EMBREC_CUDA_GEMM=v3a"
elif ! passed_v v3g || ! passed_v v3h || ! passed_v v3l || ! passed_v v3k; then
	default_env="EMBREC_CUDA_GEMM=auto"
fi
bench_train default "$default_env"
passed_v v3a && passed_v v3b && bench_train auto "EMBREC_CUDA_GEMM=auto" # the default until run 10
passed_v v3g && passed_v v3h && bench_train auto-tma "EMBREC_CUDA_GEMM=auto-tma"
bench_train f32-operands "$default_env" --f32-operands # SwiGLU's outputs and the copies as float32
bench_train v2a "EMBREC_CUDA_GEMM=v2a"
if [ "${GPU_CHECK_ABLATIONS:-0}" = 1 ]; then # one change at a time (about 200 s more)
	passed_v v3k && passed_v v3a && passed_v v3b && bench_train auto-k "EMBREC_CUDA_GEMM=auto-k"
	passed_v v3a && bench_train v3a "EMBREC_CUDA_GEMM=v3a"
	passed_v v3b && bench_train v3b "EMBREC_CUDA_GEMM=v3b"
	passed_v v3g && bench_train v3g "EMBREC_CUDA_GEMM=v3g"
	[ $flash = PASS ] && bench_train flash "$default_env" --flash-attention
	[ "${EMBREC_CUDA_FUSED_COPIES:-1}" = 1 ] &&
		bench_train unfused-copies "$default_env EMBREC_CUDA_FUSED_COPIES=0"
fi
grep -E '^(#|train|step 1:)|rror|panic' "$logs/bench-train.log"
# the per-kernel profile of the default, and per kernel and launch grid
# (each GEMM shape apart); the same for auto (the default until run 10)
# with GPU_CHECK_ABLATIONS=1
profile_train() {
	env $1 timeout 90 ./embrec bench train --device cuda --shape openllama-3b --batch 8 --seq 256 \
		--lora-rank 8 --lora-targets q_proj,v_proj --steps 2 --warmup 1 --profile-grids $ops_flag \
		>"$logs/$2" 2>&1 || echo "embrec bench train --profile-grids failed (see $2)"
}
profile_train "$default_env" bench-train-profile.log
sed -n '/GPU time per kernel/,/^total/p' "$logs/bench-train-profile.log" | head -24
sed -n '/per kernel and launch grid/,$p' "$logs/bench-train-profile.log" | head -16
if [ "${GPU_CHECK_ABLATIONS:-0}" = 1 ] && passed_v v3a && passed_v v3b; then
	profile_train "EMBREC_CUDA_GEMM=auto" bench-train-profile-auto.log
	sed -n '/per kernel and launch grid/,$p' "$logs/bench-train-profile-auto.log" | head -16
fi

stamp "PyTorch reference"
flags=
[ "${GPU_CHECK_TORCH_TRAIN:-1}" = 0 ] && flags=--no-train
PYTHONUNBUFFERED=1 timeout 240 python3 bench-gpu-torch.py $flags >"$logs/bench-torch.log" 2>&1 ||
	echo "PyTorch reference failed or timed out (see bench-torch.log)"
grep -E '^(#|gemm|attention|train)' "$logs/bench-torch.log"

stamp "end to end: embrec train + eval --device cuda"
run=$(mktemp -d)
{
	env $default_env timeout 120 ./embrec train --device cuda --data synth --init random --config tiny --stage1-steps 30 \
		--steps 300 --out "$run/r" &&
		env $default_env timeout 60 ./embrec eval --device cuda --run "$run/r" --users 200
} >"$logs/e2e.log" 2>&1 || echo "end-to-end run failed (see e2e.log)"
grep -E 'frozen|stage 2 step 300|^\| r ' "$logs/e2e.log"
if [ $flash = PASS ] && [ "${GPU_CHECK_ABLATIONS:-0}" = 1 ]; then
	env $default_env timeout 120 ./embrec train --device cuda --data synth --init random --config tiny --stage1-steps 30 \
		--steps 300 --flash-attention --out "$run/f" >"$logs/e2e-flash.log" 2>&1 ||
		echo "end-to-end run with --flash-attention failed (see e2e-flash.log)"
	grep -E 'stage 2 step 300' "$logs/e2e-flash.log"
fi

stamp summary
python3 gpu-summary.py "$logs" "$conf, wgmma GEMM: $wgmma" | tee "$logs/summary.txt"

if [ "${GPU_CHECK_COMPILE:-0}" = 1 ]; then # last: it may take minutes
	stamp "PyTorch training step under torch.compile"
	PYTHONUNBUFFERED=1 timeout 240 python3 bench-gpu-torch.py --no-gemm --compile-only >"$logs/bench-torch-compile.log" 2>&1 ||
		echo "torch.compile step failed or timed out (see bench-torch-compile.log)"
	grep -E '^train' "$logs/bench-torch-compile.log"
fi
exit $status
