// emu.h: the CUDA C++ of kernels/*.cu compiled for the CPU, so that the
// tests run the kernels' own source without a GPU (the emulator of the
// cuda package's tests; see main.cc for the process around it).
//
// g++ compiles each kernel file with this header included first
// (-include emu.h). It defines what nvcc would: the execution-space
// keywords (empty), __shared__ (static: one block runs at a time, so a
// static is the block's shared memory), the built-in index variables, the
// vector, bf16 and half types, the intrinsics the kernels call, and the
// inline PTX of kernels/ptx.cuh (which declares nothing under EMBREC_EMU).
//
// Execution: every thread of a block is a fiber (ucontext) on one OS
// thread, switched cooperatively, so a run is deterministic. A fiber yields
// only at __syncthreads, at warp-collective operations (shuffles,
// ldmatrix, mma), at warpgroup-collective ones (wgmma) and in mbarrier
// waits; the block barrier releases when every thread that has not exited
// has arrived, a warp collective when all 32 lanes have, a warpgroup one
// when all 128 threads have. A state in which no fiber can make progress
// is a deadlock, reported with where the threads wait. Blocks run one
// after another; within a pass, even blocks run their fibers from thread 0
// up and odd blocks from the last thread down (EMBREC_EMU_ORDER=forward,
// reverse or alternate, the default), so a read of another thread's write
// with no barrier between meets both orders in one launch. ldmatrix also counts, per kernel, the shared-memory
// wavefronts its phases take (bank conflicts; main.cc, request 6).
//
// Semantics follow the PTX ISA where a kernel could depend on them:
//   - cp.async: the 16 bytes are read at issue and written to shared
//     memory only when a cp.async.wait_group / wait_all retires the group,
//     so a kernel that reads a stage before waiting sees the old contents;
//   - ldmatrix (.x4, .trans) and mma.sync.m16n8k16.row.col (bf16 in,
//     float32 accumulate) with the fragment layouts of the ISA; the mma sums
//     the 16 products of each output in double and adds the accumulator;
//   - dynamic shared memory is filled with 0xff bytes (a NaN in float32
//     and in bf16) before each block, so a read of what was never written
//     shows up in the results;
//   - the tests build it with UBSan's alignment and bounds checks
//     (cuda/host_test.go): a misaligned float4 load, which faults on a GPU
//     but not on x86, or an index past a shared-memory array ends the run
//     with the source line.
//   - wgmma (kernels/wgmma.cuh; sm_90a): a warpgroup collective of 128
//     threads; wgmma.mma_async reads both operands from shared memory
//     through its matrix descriptors (128-byte swizzle, K- or MN-major
//     canonical layouts) when it is issued, and writes the accumulators
//     only when a wgmma.wait_group retires its group. It traps where the
//     ISA leaves the result undefined: operands written through the
//     generic proxy (st.shared, cp.async) without the writer's
//     fence.proxy.async since; operand memory overwritten, or accumulators
//     touched, while the operation is in flight; no wgmma.fence since the
//     thread last waited (stricter than the ISA, which needs the fence only
//     where the registers were accessed); descriptors that differ across
//     the warpgroup, use another swizzle, a base offset or reserved bits;
//     a thread that exits with operations in flight.
//   - mbarriers (init, arrive, try_wait.parity): a waiting thread yields
//     until the phase of that parity has completed; a barrier used before
//     its init traps; threads that all wait on phases that cannot complete
//     are a deadlock. In a block that uses them, vector clocks order its
//     shared-memory writes before wgmma reads (arrive and __syncthreads
//     release, a completed wait and __syncthreads acquire): a wgmma that
//     reads what no release it acquired covers traps, whatever order the
//     fibers happened to run in. setmaxnreg does nothing (registers are
//     not modelled).
//   - shared addresses (the u32 of cvta.to.shared, which the wgmma kernel
//     computes with): dynamic shared memory starts at shared address
//     kSharedBase (main.cc), which is not 1024-byte aligned, so a kernel
//     that relies on an alignment it did not establish reads a different
//     swizzle; an address outside the launch's dynamic shared memory traps.
//   - TMA (kernels/tma.cuh): a 3-D tile copy (cp.async.bulk.tensor) reads
//     its box from global memory and writes it, swizzled as the tensor map
//     says (the emulator's own map layout, cuda/tma.go), when it is issued,
//     so that a stage overwritten under a wgmma still in flight is found
//     when that wgmma retires; it then completes its bytes on its mbarrier
//     (mbarrier.arrive.expect_tx raises the phase's transaction count; a
//     phase completes when its arrivals and its bytes are all in). A wgmma
//     that reads what a copy wrote traps unless a thread of its warpgroup
//     has waited for the phase of the copy's mbarrier that the copy
//     completed in. A copy through a map that the issuing thread has not
//     acquired (fence.proxy.tensormap) traps, as do boxes, strides,
//     addresses and swizzles outside what the hardware takes.
// Not emulated: the rest of sm_90a (clusters, multicast, TMA stores,
// cp.async.mbarrier.arrive), shared addresses of static __shared__
// arrays, memory ordering between blocks, and timing.

#pragma once
#define EMBREC_EMU 1

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct uint3 {
	unsigned x, y, z;
};
typedef uint3 dim3;

// The built-in variables of the running fiber (set by the scheduler before
// it switches to a fiber; every switch is an opaque call, so a kernel never
// keeps a stale copy).
extern uint3 threadIdx, blockIdx, blockDim, gridDim;

struct alignas(8) float2 {
	float x, y;
};
struct alignas(16) float4 {
	float x, y, z, w;
};
struct alignas(8) uint2 {
	unsigned x, y;
};
struct alignas(16) uint4 {
	unsigned x, y, z, w;
};
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline uint2 make_uint2(unsigned x, unsigned y) { return {x, y}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

struct __nv_bfloat16 {
	unsigned short x;
};
struct alignas(4) __nv_bfloat162 {
	__nv_bfloat16 x, y;
};
struct __half {
	unsigned short x;
};

inline float __bfloat162float(__nv_bfloat16 h) {
	uint32_t u = (uint32_t)h.x << 16;
	float f;
	memcpy(&f, &u, 4);
	return f;
}

// Round to nearest, ties to even; NaN stays a (quiet) NaN.
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffffu) > 0x7f800000u) return {(unsigned short)((u >> 16) | 0x40)};
	u += 0x7fffu + ((u >> 16) & 1);
	return {(unsigned short)(u >> 16)};
}

inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) {
	return {__float2bfloat16_rn(a), __float2bfloat16_rn(b)};
}

inline float __half2float(__half h) {
	uint32_t s = (uint32_t)(h.x & 0x8000) << 16, e = (h.x >> 10) & 0x1f, m = h.x & 0x3ff, x;
	if (e == 0x1f) {
		x = s | 0x7f800000u | m << 13; // Inf, NaN
	} else if (e != 0) {
		x = s | (e + 112) << 23 | m << 13;
	} else if (m == 0) {
		x = s;
	} else { // subnormal: m * 2^-24, normalised
		uint32_t sh = 0;
		while (!(m & 0x400)) m <<= 1, sh++;
		x = s | (113 - sh) << 23 | (m & 0x3ff) << 13;
	}
	float f;
	memcpy(&f, &x, 4);
	return f;
}

// Round to nearest, ties to even, with subnormals; 65520 and above to Inf.
inline __half __float2half_rn(float f) {
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000, a = x & 0x7fffffffu, h;
	if (a > 0x7f800000u) {
		h = sign | 0x7e00;
	} else if (a >= 0x477ff000u) {
		h = sign | 0x7c00;
	} else if (a >= 0x38800000u) { // a normal half
		uint32_t m = a - 0x38000000u; // exponent rebiased from 127 to 15
		h = sign | (m + 0xfff + ((m >> 13) & 1)) >> 13;
	} else if (a >= 0x33000000u) { // a subnormal half: mantissa * 2^(e-126) units of 2^-24
		uint32_t e = a >> 23, mant = (a & 0x7fffff) | 0x800000, shift = 126 - e;
		uint32_t r = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
		if (rem > half || (rem == half && (r & 1))) r++;
		h = sign | r;
	} else {
		h = sign;
	}
	return {(unsigned short)h};
}

// __fmul_rn, __fadd_rn: a product, a sum rounded on its own (g++ for x86-64 without -mfma
// never contracts it into an FMA either).
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }

template <class A, class B>
inline typename std::common_type<A, B>::type min(A a, B b) {
	return a < b ? a : b;
}
template <class A, class B>
inline typename std::common_type<A, B>::type max(A a, B b) {
	return a < b ? b : a;
}

namespace emu {
[[noreturn]] void trap(const char* why);
void syncthreads();
// warp_collective: the calling lane deposits size bytes of in and waits
// for the other 31 lanes of its warp, all at the same collective op; then
// compute(all, size, out_l, l) runs for every lane l, all holding the 32
// deposits (size bytes apart), out_l the out of lane l.
typedef void (*Collective)(const void* all, int size, void* out, int lane);
void warp_collective(int op, const void* in, int size, void* out, Collective compute);
unsigned dynamic_smem_bytes();
unsigned char* dynamic_smem();
unsigned shared_addr(const void* p);
unsigned char* shared_ptr(unsigned addr, int bytes);
void st_shared(unsigned addr, const void* v, int bytes);
void cp_async(void* dst, const void* src, int src_bytes);
void cp_async_commit();
void cp_async_wait(int n);
void ldmatrix_x4(unsigned* r, const unsigned short* p, bool trans);
void mma_bf16_16816(float* c, const unsigned* a, const unsigned* b);
void fence_proxy_async();
void wgmma_fence();
void wgmma_commit();
void wgmma_wait(int n);
void wgmma_bf16(int n, bool transA, bool transB, float* d, uint64_t descA, uint64_t descB);
void mbar_init(unsigned bar, unsigned count);
void mbar_arrive(unsigned bar);
void mbar_wait(unsigned bar, unsigned parity);
void mbar_arrive_expect_tx(unsigned bar, unsigned bytes);
void tma_acquire_map(const void* map);
void tma_load_3d(unsigned dst, const void* map, int c0, int c1, int c2, unsigned bar);
} // namespace emu

#define __trap() ::emu::trap("__trap()")
#define __syncthreads() ::emu::syncthreads()

// atomicAdd: fibers switch only at barriers and collectives, so a
// read-modify-write is atomic.
template <class T>
inline T atomicAdd(T* p, T v) {
	T old = *p;
	*p = old + v;
	return old;
}

// __shfl_xor_sync: lane l receives v of lane l ^ laneMask. Every lane of
// the warp must take part (the kernels pass the full mask).
template <class T>
inline T __shfl_xor_sync(unsigned mask, T v, int laneMask) {
	static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
	if (mask != 0xffffffffu) ::emu::trap("__shfl_xor_sync with a partial mask is not emulated");
	struct In {
		T v;
		int m;
	} in{v, laneMask};
	T out;
	::emu::warp_collective(1, &in, sizeof(In), &out, [](const void* all, int, void* out, int lane) {
		const In* ins = (const In*)all;
		*(T*)out = ins[lane ^ (ins[lane].m & 31)].v;
	});
	return out;
}

// What kernels/ptx.cuh provides on the GPU.
#define EXTERN_SHARED(type, name) type* name = (type*)::emu::dynamic_smem()
inline void cp_async16(void* dst, const void* src, int src_bytes) { ::emu::cp_async(dst, src, src_bytes); }
inline void cp_async_commit() { ::emu::cp_async_commit(); }
template <int N>
inline void cp_async_wait() {
	::emu::cp_async_wait(N);
}
inline void cp_async_wait_all() {
	::emu::cp_async_commit();
	::emu::cp_async_wait(0);
}
inline void ldsm_x4(unsigned* r, const unsigned short* p) { ::emu::ldmatrix_x4(r, p, false); }
inline void ldsm_x4_trans(unsigned* r, const unsigned short* p) { ::emu::ldmatrix_x4(r, p, true); }
inline void mma_bf16(float* c, const unsigned* a, const unsigned* b) { ::emu::mma_bf16_16816(c, a, b); }
inline unsigned dynamic_smem_size() { return ::emu::dynamic_smem_bytes(); }
inline unsigned smem_u32(const void* p) { return ::emu::shared_addr(p); }

// What kernels/wgmma.cuh provides on the GPU.
inline void st_shared_u16(unsigned addr, unsigned short v) { ::emu::st_shared(addr, &v, 2); }
inline void cp_async16_shared(unsigned dst, const void* src, int src_bytes) {
	::emu::cp_async(::emu::shared_ptr(dst, 16), src, src_bytes);
}
inline void fence_proxy_async() { ::emu::fence_proxy_async(); }
inline void wgmma_fence() { ::emu::wgmma_fence(); }
inline void wgmma_commit() { ::emu::wgmma_commit(); }
template <int N>
inline void wgmma_wait() {
	::emu::wgmma_wait(N);
}
template <int MA, int NB>
inline void wgmma_m64n128(float (&d)[64], uint64_t da, uint64_t db) {
	::emu::wgmma_bf16(128, MA, NB, d, da, db);
}
template <int MA, int NB>
inline void wgmma_m64n256(float (&d)[128], uint64_t da, uint64_t db) {
	::emu::wgmma_bf16(256, MA, NB, d, da, db);
}
template <int MA, int NB>
inline void wgmma_m64n208(float (&d)[104], uint64_t da, uint64_t db) {
	::emu::wgmma_bf16(208, MA, NB, d, da, db);
}
inline void mbar_init(unsigned bar, unsigned count) { ::emu::mbar_init(bar, count); }
inline void mbar_arrive(unsigned bar) { ::emu::mbar_arrive(bar); }
inline void mbar_wait(unsigned bar, unsigned parity) { ::emu::mbar_wait(bar, parity); }
// What kernels/tma.cuh provides on the GPU (TmaMap itself is defined there).
struct TmaMap;
inline void tma_acquire_map(const TmaMap* map) { ::emu::tma_acquire_map(map); }
inline void fence_mbarrier_init() {} // an mbarrier.init is visible to every proxy at once here
inline void mbar_arrive_expect_tx(unsigned bar, unsigned bytes) { ::emu::mbar_arrive_expect_tx(bar, bytes); }
inline void tma_load_3d(unsigned dst, const TmaMap* map, int c0, int c1, int c2, unsigned bar) {
	::emu::tma_load_3d(dst, map, c0, c1, c2, bar);
}
template <int N>
inline void setmaxnreg_dec() {} // registers are not modelled
template <int N>
inline void setmaxnreg_inc() {}
// wg_fence_acc: nothing to keep in order here; the accumulators are
// written by wgmma_wait, an opaque call that has their address.
template <int N>
inline void wg_fence_acc(float (&)[N]) {}

// Registration of the kernels of one translation unit (the generated
// wrapper of each kernel file): name and an invoker that unpacks the
// command stream's parameter words into the kernel's C types.
namespace emu {
typedef void (*Invoker)(void* fn, const uint64_t* words);
struct Reg {
	Reg(const char* name, void* fn, int nparams, Invoker inv);
};

template <class T>
inline T from_word(uint64_t w) {
	if constexpr (std::is_pointer<T>::value) {
		return reinterpret_cast<T>((uintptr_t)w);
	} else if constexpr (std::is_same<T, float>::value) {
		uint32_t u = (uint32_t)w;
		float f;
		memcpy(&f, &u, 4);
		return f;
	} else {
		static_assert(std::is_integral<T>::value, "kernel parameters: pointers, integers, float");
		return (T)w;
	}
}

template <class... A, size_t... I>
inline void call(void (*f)(A...), const uint64_t* w, std::index_sequence<I...>) {
	f(from_word<A>(w[I])...);
}

template <class... A>
inline Reg reg(const char* name, void (*f)(A...)) {
	return Reg(name, (void*)f, sizeof...(A), [](void* fn, const uint64_t* w) {
		call((void (*)(A...))fn, w, std::index_sequence_for<A...>{});
	});
}
} // namespace emu
