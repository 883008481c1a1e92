#!/bin/sh
# ci-cuda.sh: the CUDA part of CI, for a machine without a GPU (.ci/run
# calls it). It
#   1. provides the CUDA 11.8 SDK (scripts/cuda-sdk.sh; cached in
#      $EMBREC_CUDA_CACHE or ~/.cache/embrec/cuda: keep that directory,
#      80 MB, between CI runs to skip the ~2 minute fetch and extraction),
#   2. regenerates the PTX (go generate ./kernels) and fails if it differs
#      from what is committed,
#   3. assembles the sm_90a modules (the wgmma and TMA GEMMs) with a CUDA 12 ptxas
#      (scripts/ptxas-sm90a.sh; cached beside the SDK, ~80 MB) and fails on
#      an error, a warning or serialised wgmma (skipped with a warning where
#      that ptxas cannot be fetched),
#   4. builds and vets the GPU binary: CGO_ENABLED=1 go build -tags cuda ./...
#      and the cuda-tagged test binary (linked against the SDK's libcuda
#      stub; nothing runs: that needs a GPU, see scripts/gpu-check.sh).
# Timings of each step are printed.
set -eu
cd "$(dirname "$0")/.."
t=$(date +%s)
lap() {
	now=$(date +%s)
	echo "ci-cuda: $1: $((now - t)) s"
	t=$now
}
scripts/cuda-sdk.sh >/dev/null
lap "CUDA SDK ready"
go generate ./kernels
if ! git diff --exit-code --stat -- kernels/ || [ -n "$(git status --porcelain -- kernels/)" ]; then
	echo "ci-cuda: kernels/*.ptx differ from the committed files: run go generate ./kernels and commit" >&2
	git status --short -- kernels/ >&2
	exit 1
fi
lap "PTX regenerated, unchanged"
if ptxas=$(scripts/ptxas-sm90a.sh); then
	for ptx in kernels/gemm_wgmma.ptx kernels/gemm_tma.ptx; do
		if ! out=$("$ptxas" -arch=sm_90a -v -o /dev/null $ptx 2>&1) ||
			echo "$out" | grep -Eiq 'warning|error|serializ|Performance Loss'; then
			echo "$out" | grep -Ei 'warning|error|serializ|Performance Loss' >&2
			echo "ci-cuda: $ptx does not assemble cleanly for sm_90a" >&2
			exit 1
		fi
	done
	lap "sm_90a modules assembled"
else
	echo "ci-cuda: WARNING: no CUDA 12 ptxas here (scripts/ptxas-sm90a.sh failed): the sm_90a modules were not assembled" >&2
fi
eval "$(scripts/cuda-env.sh)"
go build -tags cuda ./...
go vet -tags cuda ./cuda/... ./cmd/...
go test -c -tags cuda -o /dev/null ./cuda
lap "cuda-tagged build, vet and test binary"
