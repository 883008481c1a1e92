#!/bin/sh
# gpu-build.sh [DIR]: build, on this (CPU) machine, everything
# scripts/gpu-check.sh runs on a GPU machine that has the NVIDIA driver and
# PyTorch but no Go: the cuda-tagged test binary of package cuda, embrec
# built with -tags cuda, and the two scripts. DIR defaults to out/gpu
# (ignored by git); carry it to the GPU machine and run
#   DIR/gpu-check.sh LOGDIR
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/out/gpu}
mkdir -p "$dir"
cd "$root"
eval "$(scripts/cuda-env.sh)"
export GOOS=linux GOARCH=amd64
go test -c -tags cuda -o "$dir/cuda.test" ./cuda
go build -tags cuda -o "$dir/embrec" ./cmd/embrec
cp scripts/gpu-check.sh scripts/gpu-summary.py scripts/bench-gpu-torch.py "$dir/"
git rev-parse --short HEAD >"$dir/COMMIT" 2>/dev/null || true
ls -la "$dir" >&2
echo "$dir"
