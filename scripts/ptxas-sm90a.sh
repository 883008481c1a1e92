#!/bin/sh
# ptxas-sm90a.sh: print the path of a ptxas that assembles sm_90a PTX
# (wgmma needs CUDA >= 12.0; the project's SDK, CUDA 11.8, cannot). Used to
# check the hand-written wgmma module (kernels/gemm_wgmma.cu) offline:
# kernels/gen.sh with CHECK=1 and scripts/ci-cuda.sh. No GPU is involved,
# and nothing here is linked into embrec.
#
# Order: $PTXAS_SM90A; the ptxas of scripts/cuda-sdk.sh's SDK if it is
# 12.x or newer; else a cache ($EMBREC_CUDA_CACHE's sibling or
# ~/.cache/embrec/ptxas-12) filled from Debian 13's non-free
# nvidia-cuda-toolkit package (CUDA 12.4, ~87 MB download, a few seconds;
# only ptxas, nvdisasm and cuobjdump are kept, ~80 MB). As cuda-sdk.sh, it
# uses private apt directories and leaves the system's apt configuration
# unchanged.
set -eu
say() { echo "ptxas-sm90a: $*" >&2; }
major() { "$1" --version 2>/dev/null | sed -n 's/.*release \([0-9]*\)\..*/\1/p'; }

if [ -n "${PTXAS_SM90A:-}" ]; then
	echo "$PTXAS_SM90A"
	exit 0
fi
sdk=$(dirname "$0")/cuda-sdk.sh
if home=$("$sdk" 2>/dev/null) && [ "$(major "$home/bin/ptxas")" -ge 12 ] 2>/dev/null; then
	echo "$home/bin/ptxas"
	exit 0
fi
cache=${EMBREC_CUDA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/embrec/cuda}
prefix=$(dirname "$cache")/ptxas-12
if [ -x "$prefix/bin/ptxas" ] && [ "$(major "$prefix/bin/ptxas")" -ge 12 ] 2>/dev/null; then
	echo "$prefix/bin/ptxas"
	exit 0
fi
. "$(dirname "$0")/lib-apt.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/embrec-ptxas.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/debs" "$work/x"
apt_private "$work/apt"
cat >"$APT_DIR/sources.list.d/embrec-ptxas.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
say "apt-get update (Debian 13 non-free, private lists in $APT_DIR)"
apt_get -qq update >&2
say "apt-get download nvidia-cuda-toolkit (CUDA 12.4, ~87 MB)"
apt_download "$work/debs" nvidia-cuda-toolkit
dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-toolkit_*.deb | tar -x -C "$work/x" \
	./usr/bin/ptxas ./usr/bin/nvdisasm ./usr/bin/cuobjdump
new=$prefix.new.$$
rm -rf "$new"
mkdir -p "$new"
mv "$work/x/usr/bin" "$new/bin"
rm -rf "$prefix"
mv "$new" "$prefix"
say "ready: $("$prefix/bin/ptxas" --version | tail -1)"
echo "$prefix/bin/ptxas"
