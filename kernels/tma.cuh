// The inline PTX of the TMA GEMM (gemm_tma.cu, sm_90a, PTX ISA 8.3), each
// instruction behind one named device function as in ptx.cuh and
// wgmma.cuh: the tensor memory accelerator's 2-D tile copy from global to
// shared memory, the mbarrier arrival that announces its bytes, and the
// fences it needs. When EMBREC_EMU is defined, kernels/emu/emu.h provides
// these with the PTX ISA's semantics and this file declares only TmaMap.

#pragma once

// TmaMap: a tensor map (CUtensorMap), 128 opaque bytes that describe a
// 3-D tensor in global memory (address, extents, row and batch strides:
// a batch of matrices) and the box
// that one copy moves into shared memory (its extents and swizzle). The
// host encodes it (cuTensorMapEncodeTiled on a GPU; the emulator's own
// layout under the emulator, cuda/tma.go) and copies it to global memory,
// 64-byte aligned, where the kernels read it.
struct __align__(64) TmaMap {
	unsigned long long w[16];
};

#ifndef EMBREC_EMU

// tma_acquire_map makes the tensor map at map (global memory, written by a
// host-to-device copy) safe for the calling thread's later copies through
// it: the tensor-map proxy sees the generic proxy's write.
__device__ __forceinline__ void tma_acquire_map(const TmaMap* map) {
	asm volatile("fence.proxy.tensormap::generic.acquire.sys [%0], 128;\n" ::"l"(map) : "memory");
}

// fence_mbarrier_init makes the calling thread's mbarrier.init visible to
// the async proxy (the copies' complete_tx) before a barrier that follows.
__device__ __forceinline__ void fence_mbarrier_init() {
	asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

// mbar_arrive_expect_tx raises the current phase's expected transaction
// count of the mbarrier at bar by bytes, then arrives (release): the
// phase completes once every arrival is in and the copies that signal the
// barrier have delivered that many bytes.
__device__ __forceinline__ void mbar_arrive_expect_tx(unsigned bar, unsigned bytes) {
	asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}

// tma_load_3d copies the box of map at element coordinates (c0, c1, c2)
// (c0 along the contiguous dimension, c2 the batch) into shared memory at
// dst, laid out as the map's swizzle says; elements outside the tensor
// arrive as zeros. The copy counts its bytes, the whole box, on the
// mbarrier at bar.
__device__ __forceinline__ void tma_load_3d(unsigned dst, const TmaMap* map, int c0, int c1, int c2, unsigned bar) {
	asm volatile(
	    "cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], "
	    "[%5];\n" ::"r"(dst),
	    "l"(map), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
	    : "memory");
}

#endif
