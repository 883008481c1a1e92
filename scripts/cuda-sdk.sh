#!/bin/sh
# cuda-sdk.sh: print the prefix of a CUDA SDK that can compile kernels/*.cu
# to PTX and link the cuda-tagged build, providing one if none is installed.
#
# Order of preference:
#   1. $CUDA_HOME, if it holds bin/nvcc;
#   2. /usr/local/cuda, if it holds bin/nvcc;
#   3. a cache ($EMBREC_CUDA_CACHE, default ~/.cache/embrec/cuda) filled from
#      Debian's non-free component (CUDA 11.8): the system's deb822 sources
#      entry is copied into a private apt directory with
#      "Components: contrib non-free", apt-get runs with Dir::Etc::SourceList,
#      Dir::Etc::SourceParts, Dir::State::Lists and Dir::Cache pointing there
#      (the system's apt configuration, lists and caches are left unchanged),
#      `apt-get download nvidia-cuda-toolkit nvidia-cuda-dev` fetches the two
#      .debs (~860 MB), and dpkg-deb extracts only what is needed:
#        bin/      nvcc, cudafe++, ptxas, fatbinary, bin2c, cuobjdump
#        nvvm/     bin/cicc and libdevice/libdevice.10.bc
#        include/  the CUDA runtime and driver headers (cuda.h, cuda_bf16.h, crt/...)
#        lib64/stubs/libcuda.so   the driver stub cgo links against
#      plus an nvcc.profile of our own that points nvcc at this layout.
#
# The cache is filled once: a second run finds the stamp file and only prints
# the prefix (idempotent). The .debs are deleted after extraction unless
# EMBREC_CUDA_KEEP_DEBS=1. Progress goes to stderr; stdout is the prefix alone,
# so callers can write  CUDA_HOME=$(scripts/cuda-sdk.sh).
#
# nvcc 11.8 accepts gcc up to 11; Debian 12 ships gcc 12, so callers pass
# -ccbin g++-12 -allow-unsupported-compiler (kernels/gen.sh does). Only the
# host preprocessor is involved when emitting PTX, so this is safe here.
set -eu

say() { echo "cuda-sdk: $*" >&2; }

has_nvcc() { [ -n "$1" ] && [ -x "$1/bin/nvcc" ]; }

if [ -n "${CUDA_HOME:-}" ] && has_nvcc "$CUDA_HOME"; then
	echo "$CUDA_HOME"
	exit 0
fi
if has_nvcc /usr/local/cuda; then
	echo /usr/local/cuda
	exit 0
fi

prefix=${EMBREC_CUDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/embrec/cuda}
stamp=$prefix/.embrec-cuda-sdk
version=11.8-debian12-v1
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && has_nvcc "$prefix"; then
	echo "$prefix"
	exit 0
fi

. "$(dirname "$0")/lib-apt.sh"
src=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
	if [ -f "$f" ] && grep -q '^URIs:.*debian' "$f"; then
		src=$f
		break
	fi
done
[ -n "$src" ] || { say "no Debian deb822 sources entry in /etc/apt/sources.list.d"; exit 1; }

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/embrec-cuda.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/debs" "$work/x"
apt_private "$work/apt"
# The system's entry, with the components swapped for contrib and non-free.
sed 's/^Components:.*/Components: contrib non-free/' "$src" >"$APT_DIR/sources.list.d/embrec-cuda.sources"
say "apt-get update (private lists in $APT_DIR)"
apt_get -qq update >&2
say "apt-get download nvidia-cuda-toolkit nvidia-cuda-dev (~860 MB)"
apt_download "$work/debs" nvidia-cuda-toolkit nvidia-cuda-dev
fetched=$(date +%s)

x=$work/x
say "extracting nvcc, cicc, ptxas, headers and the libcuda stub"
dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-toolkit_*.deb | tar -x -C "$x" \
	./usr/lib/nvidia-cuda-toolkit/bin/nvcc ./usr/lib/nvidia-cuda-toolkit/bin/cicc \
	./usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc \
	./usr/bin/cudafe++ ./usr/bin/ptxas ./usr/bin/fatbinary ./usr/bin/bin2c ./usr/bin/cuobjdump
dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-dev_*.deb | tar -x -C "$x" --wildcards \
	'./usr/include/*' ./usr/lib/x86_64-linux-gnu/stubs/libcuda.so
rm -rf "$work/debs" # free the 860 MB before assembling the prefix

new=$prefix.new.$$
rm -rf "$new"
mkdir -p "$new/bin" "$new/nvvm/bin" "$new/nvvm/libdevice" "$new/lib64/stubs"
mv "$x/usr/lib/nvidia-cuda-toolkit/bin/nvcc" "$x/usr/bin/cudafe++" "$x/usr/bin/ptxas" \
	"$x/usr/bin/fatbinary" "$x/usr/bin/bin2c" "$x/usr/bin/cuobjdump" "$new/bin/"
mv "$x/usr/lib/nvidia-cuda-toolkit/bin/cicc" "$new/nvvm/bin/"
mv "$x/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc" "$new/nvvm/libdevice/"
mv "$x/usr/lib/x86_64-linux-gnu/stubs/libcuda.so" "$new/lib64/stubs/"
ln -s libcuda.so "$new/lib64/stubs/libcuda.so.1"
mv "$x/usr/include" "$new/include"
# Headers of libraries embrec does not use (NPP, cuFFT, cuRAND, cuSOLVER,
# cuSPARSE, nvJPEG, graphics interop, debugger): 10 of the 13 MB.
(cd "$new/include" && rm -rf npp*.h cufft*.h curand*.h cusolver*.h cusparse*.h nvjpeg.h \
	cudaEGL*.h cudaGL*.h cudaVDPAU*.h cuda_egl_interop.h cuda_gl_interop.h cuda_vdpau_interop.h \
	cuda-gdb nvtx3 nvToolsExt*.h)
cat >"$new/bin/nvcc.profile" <<'EOF'
# Written by embrec's scripts/cuda-sdk.sh for the CUDA_HOME-style layout
# assembled from Debian's nvidia-cuda-toolkit and nvidia-cuda-dev packages.
TOP                = $(_HERE_)/..
NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice
PATH              += $(TOP)/nvvm/bin:$(_HERE_):
INCLUDES          += "-I$(TOP)/include" $(_SPACE_)
LIBRARIES          =+ $(_SPACE_) "-L$(TOP)/lib64/stubs"
CUDAFE_FLAGS      +=
PTXAS_FLAGS       +=
EOF
echo "$version" >"$new/.embrec-cuda-sdk"
mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix"
mv "$new" "$prefix"
end=$(date +%s)
say "ready in $prefix ($(du -sh "$prefix" | cut -f1)): download $((fetched - start)) s, extract $((end - fetched)) s"
"$prefix/bin/nvcc" --version | tail -2 >&2
echo "$prefix"
