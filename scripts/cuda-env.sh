#!/bin/sh
# cuda-env.sh: print the environment for building embrec with -tags cuda,
# as shell assignments:   eval "$(scripts/cuda-env.sh)"
#
# CGO_CFLAGS points at the SDK's headers (cuda.h) and CGO_LDFLAGS at its
# libcuda.so (the driver stub in the SDK cache, or the real library under
# an installed CUDA); the SDK comes from scripts/cuda-sdk.sh. No absolute
# path is written into any Go file. The resulting binary needs the NVIDIA
# driver's libcuda.so.1 at run time, and only there.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
CUDA_HOME=$("$root/scripts/cuda-sdk.sh")
libdir=$CUDA_HOME/lib64/stubs
[ -e "$libdir/libcuda.so" ] || libdir=$CUDA_HOME/lib64
echo "export CUDA_HOME='$CUDA_HOME'"
echo "export CGO_ENABLED=1"
echo "export CGO_CFLAGS='-I$CUDA_HOME/include'"
echo "export CGO_LDFLAGS='-L$libdir'"
