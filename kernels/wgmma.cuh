// The inline PTX of the wgmma GEMM (gemm_wgmma.cu, sm_90a), each
// instruction behind one named device function, as ptx.cuh does for the
// mma.sync kernels: shared-memory stores and cp.async copies by shared
// address, the async-proxy fence, wgmma.mma_async m64n128k16 / m64n208k16 /
// m64n256k16 (bf16 in, float32 accumulate, both operands from shared memory through
// matrix descriptors) and its fence, commit and wait. When EMBREC_EMU is
// defined, kernels/emu/emu.h provides these with the PTX ISA's semantics
// and this file declares nothing.

#pragma once

#ifndef EMBREC_EMU

// st_shared_u16 stores v at shared address addr.
__device__ __forceinline__ void st_shared_u16(unsigned addr, unsigned short v) {
	asm volatile("st.shared.u16 [%0], %1;\n" ::"r"(addr), "h"(v));
}

// cp_async16_shared is cp_async16 (ptx.cuh) to the shared address dst.
__device__ __forceinline__ void cp_async16_shared(unsigned dst, const void* src, int src_bytes) {
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes));
}

// fence_proxy_async makes the calling thread's earlier writes to shared
// memory (st.shared, cp.async) visible to the async proxy, which wgmma
// reads its operands through.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// wgmma_fence orders the warpgroup's register accesses before the
// wgmma.mma_async operations that follow (needed before the first one and
// whenever the accumulators were touched in between).
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }

// wgmma_commit closes the warpgroup's current group of wgmma.mma_async.
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }

// wgmma_wait waits until at most N of the warpgroup's committed groups
// are pending: the accumulators of the older ones are then written.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
	asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// mbar_init sets up the mbarrier at shared address bar (8 bytes) for
// count arrivals per phase, in phase 0. Other threads may use it only
// after a barrier (__syncthreads) that follows.
__device__ __forceinline__ void mbar_init(unsigned bar, unsigned count) {
	asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}

// mbar_arrive counts the calling thread's arrival on the mbarrier at bar
// (release: its earlier memory operations are visible to a thread that
// sees the phase complete); the last of a phase's arrivals completes it.
__device__ __forceinline__ void mbar_arrive(unsigned bar) {
	asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}

// mbar_wait returns once the phase of the mbarrier at bar with parity
// parity (0 or 1) has completed (acquire).
__device__ __forceinline__ void mbar_wait(unsigned bar, unsigned parity) {
	asm volatile(
	    "{\n"
	    ".reg .pred done;\n"
	    "MBAR_WAIT:\n"
	    "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
	    "@!done bra MBAR_WAIT;\n"
	    "}\n" ::"r"(bar),
	    "r"(parity)
	    : "memory");
}

// setmaxnreg_dec / setmaxnreg_inc lower / raise the registers per thread
// of the calling warpgroup to N (a multiple of 8 in [24, 256]): a producer
// warpgroup gives registers up for the consumers' accumulators.
template <int N>
__device__ __forceinline__ void setmaxnreg_dec() {
	asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N>
__device__ __forceinline__ void setmaxnreg_inc() {
	asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}

#include "wgmma_mma.cuh" // wgmma_m64n128, wgmma_m64n208, wgmma_m64n256 (generated)

// wg_fence_acc keeps the compiler from moving reads or writes of the
// accumulators across the point where it stands (they are written
// asynchronously by wgmma).
template <int N>
__device__ __forceinline__ void wg_fence_acc(float (&d)[N]) {
#pragma unroll
	for (int i = 0; i < N; i++) asm volatile("" : "+f"(d[i])::"memory");
}

#endif
