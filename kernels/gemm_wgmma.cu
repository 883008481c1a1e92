// gemm_wgmma_{v3a,...,v3f}_{nn,nt,tn,tt}: the tensor-core GEMM of gemm_bf16.cu
// (same parameters, layouts, tails, vecA / vecB, beta and grid.z batching)
// on Hopper's warpgroup MMA: wgmma.mma_async (sm_90a), both operands read
// by the tensor cores straight from shared memory through matrix
// descriptors, float32 accumulators in registers. This module is PTX for
// sm_90a: gen.sh compiles it apart (see its header) and the cuda package
// loads it only on a compute-capability 9.0 device.
//
// v3a, v3b, v3d (gemm_wgmma_body): 256 threads = two warpgroups that both
// load and multiply (v3d: v3b's 128 x 128 tile in 3 stages, 99 KB of
// shared memory and at most 128 registers, so that two blocks share a
// multiprocessor and one's barriers and epilogue overlap the other's
// products; not yet run on a GPU); v3e, v3f: v3a, v3b with planned copies
// (WgCfg::PLAN, WgPlan; not yet run on a GPU); v3k: v3a on 128 x 208
// tiles, three layouts (at the end of this file; not yet run on a GPU);
// v3c (gemm_wgmma_ws_body, below): a producer warpgroup and two
// consumers. The rest of this header describes v3a, v3b, v3d, v3e, v3f
// and v3k.
//
// Block: 256 threads = two warpgroups; a 128 x BN tile of C, warpgroup g
// computing rows 64g .. 64g+63 with one wgmma m64nBNk16 per k16 step
// (BN/2 accumulators per thread). K advances in k-tiles of BK = 64
// elements (128 bytes) through STAGES shared-memory stages, loaded by all
// threads with 16-byte cp.async (zero-filled outside the matrix; or
// element by element when vecA / vecB is 0).
//
// Shared layout: the 128-byte swizzle of the wgmma descriptors. An operand
// whose K is contiguous in memory (A stored (M, K), B stored (N, K)) is
// "K-major": row r of the tile (an m or an n) is 128 bytes, its 16-byte
// chunk c (k = 8c .. 8c+7) at r*128 + ((c ^ (r % 8)) * 16); eight rows
// make a 1024-byte atom; descriptor SBO = 1024 (atom to atom along M/N),
// LBO unused; the k16 step s starts 32*s bytes into the row (the hardware
// applies the XOR to the address). An operand whose M or N is contiguous
// (A stored (K, M), B stored (K, N)) is "MN-major": atoms of 8 k-rows x 64
// m/n elements (128 bytes), chunk c of k-row j at j*128 + ((c ^ j) * 16);
// atoms along M/N are adjacent (WG_MN_LBO bytes apart), atom rows along K
// are R/64 atoms apart (WG_MN_SBO); the k16 step s starts 2 atom rows
// further. Tiles start 1024-byte aligned.
//
// Pipeline of k-tile kt (S = STAGES, k-tiles kt+1 .. kt+S-3 in flight):
//
//   cp.async.wait_group S-3     k-tile kt landed (this thread's copies)
//   fence.proxy.async           ... made visible to the tensor cores
//   __syncthreads               everyone's; and every warpgroup has
//                               retired its wgmma of k-tile kt-2
//   cp.async k-tile kt+S-2      into stage (kt-2) % S; commit
//   wgmma.fence; 4 x wgmma on stage kt % S; wgmma.commit_group
//   wgmma.wait_group 1          the wgmma of k-tile kt-1 retired
//
// The stage written at k-tile kt was last read by the wgmma of k-tile
// kt-2, which every warpgroup waited for before the barrier.
//
// gemm_wgmma_v3*_smem (a device constant) is each variant's dynamic
// shared-memory size: S stages of A and B plus 1024 bytes to align the
// first; each kernel traps when launched with less.

#include "common.cuh"
#include "gemm_tile.cuh"
#include "ptx.cuh"
#include "wg_gemm.cuh"
#include "wgmma.cuh"

#include <type_traits>

// MN-major descriptor strides, in bytes (see the layout above); rows is
// the tile's M or N extent.
#define WG_MN_LBO 1024
#define WG_MN_SBO(rows) ((rows) / 64 * 1024)

// WgCfg: a tile configuration. WS: warp-specialised (gemm_wgmma_ws_body:
// one producer warpgroup loads, two consumer warpgroups multiply; else
// every thread does both), with LOADERS threads issuing the copies and
// 2 * STAGES mbarriers after the stages. PLAN (gemm_wgmma_body only): the
// 16-byte copies of vecA / vecB operands follow a per-thread plan worked
// out once per block (WgPlan) instead of recomputing each copy's
// addresses, swizzle and bounds every k-tile.
template <int BN_, int STAGES_, int GROUP_, bool WS_ = false, bool PLAN_ = false>
struct WgCfg {
	static constexpr bool WS = WS_, PLAN = PLAN_;
	// NT: threads per block (the kernels' launch bound)
	static constexpr int BM = 128, BN = BN_, BK = 64, NT = WS ? 384 : 256, LOADERS = WS ? 128 : 256, ACC = BN_ / 2;
	static constexpr int STAGES = STAGES_, GROUP = GROUP_;
	// the 16-byte copies of a loader thread unrolled by LOAD_UNROLL (all of
	// them but in the producer, which has few registers and time to spare)
	static constexpr int LOAD_UNROLL = WS ? 1 : 32;
	static constexpr int A_ST = BM * BK * 2, B_ST = BN * BK * 2; // bytes of one stage
	// bytes: the stages, the alignment slack, the mbarriers
	static constexpr int SMEM = STAGES * (A_ST + B_ST) + 1024 + (WS ? 16 * STAGES : 0);
	static_assert(BN == 128 || BN == 208 || BN == 256, "one wgmma m64n128, m64n208 or m64n256 per warpgroup and k16 step");
	static_assert(STAGES >= 3, "the stage written at k-tile kt must differ from kt-1's and kt's");
};

// wg_load_k copies the tile rows [row0, row0+ROWS) x k [k0, k0+64) of a
// K-major operand g (element (r, k) at g[r*ld + k], valid for r < nrows,
// k < nk) into the swizzled K-major layout at shared address s. Where the
// ROWS * 8 chunks do not divide among the NTH threads (v3k's 208 rows),
// the last round of copies skips the chunks past the tile (RAGGED).
template <int ROWS, int NTH, int UNROLL>
__device__ __forceinline__ void wg_load_k(unsigned s, const u16* g, int ld, int row0, int k0, int nrows, int nk,
                                          int vec, int tid) {
	constexpr bool RAGGED = ROWS * 8 % NTH != 0;
	constexpr int CH = (ROWS * 8 + NTH - 1) / NTH; // 16-byte chunks per thread (at most)
	if (vec) {
#pragma unroll UNROLL
		for (int i = 0; i < CH; i++) {
			int ch = tid + i * NTH, r = ch >> 3, c = ch & 7;
			if (RAGGED && ch >= ROWS * 8) break;
			int gr = row0 + r, gk = k0 + c * 8;
			bool ok = gr < nrows && gk < nk;
			cp_async16_shared(s + r * 128 + ((c ^ (r & 7)) << 4), ok ? (const void*)(g + (gr * ld + gk)) : (const void*)g,
			                  ok ? 16 : 0);
		}
	} else {
#pragma unroll 1
		for (int i = 0; i < CH; i++) {
			int ch = tid + i * NTH, r = ch >> 3, c = ch & 7;
			if (RAGGED && ch >= ROWS * 8) break;
			int gr = row0 + r, gk = k0 + c * 8;
			unsigned dst = s + r * 128 + ((c ^ (r & 7)) << 4);
#pragma unroll
			for (int e = 0; e < 8; e++)
				st_shared_u16(dst + 2 * e, (gr < nrows && gk + e < nk) ? g[(long long)gr * ld + gk + e] : (u16)0);
		}
	}
}

// wg_load_mn copies k [k0, k0+64) x m/n [col0, col0+COLS) of an MN-major
// operand g (element (k, c) at g[k*ld + c], valid for k < nk, c < ncols)
// into the swizzled MN-major layout at shared address s.
template <int COLS, int NTH, int UNROLL>
__device__ __forceinline__ void wg_load_mn(unsigned s, const u16* g, int ld, int k0, int col0, int nk, int ncols,
                                           int vec, int tid) {
	static_assert(COLS % 64 == 0, "MN-major tiles are whole 64-element swizzle atoms wide");
	constexpr int CPR = COLS / 8, CH = 64 * CPR / NTH, ATOMS = COLS / 64;
	if (vec) {
#pragma unroll UNROLL
		for (int i = 0; i < CH; i++) {
			int ch = tid + i * NTH, k = ch / CPR, c = ch % CPR;
			int gk = k0 + k, gc = col0 + c * 8;
			bool ok = gk < nk && gc < ncols;
			unsigned dst = s + ((k >> 3) * ATOMS + (c >> 3)) * 1024 + (k & 7) * 128 + (((c & 7) ^ (k & 7)) << 4);
			cp_async16_shared(dst, ok ? (const void*)(g + (gk * ld + gc)) : (const void*)g, ok ? 16 : 0);
		}
	} else {
#pragma unroll 1
		for (int i = 0; i < CH; i++) {
			int ch = tid + i * NTH, k = ch / CPR, c = ch % CPR;
			int gk = k0 + k, gc = col0 + c * 8;
			unsigned dst = s + ((k >> 3) * ATOMS + (c >> 3)) * 1024 + (k & 7) * 128 + (((c & 7) ^ (k & 7)) << 4);
#pragma unroll
			for (int e = 0; e < 8; e++)
				st_shared_u16(dst + 2 * e, (gk < nk && gc + e < ncols) ? g[(long long)gk * ld + gc + e] : (u16)0);
		}
	}
}

// wg_load_a, wg_load_b copy k-tile k0 of A or B into a stage, by the
// CF::LOADERS threads numbered tid; wg_load_stage does both.
template <class CF, bool TA>
__device__ __forceinline__ void wg_load_a(unsigned sA, const u16* A, int M, int K, int lda, int m0, int k0, int vecA,
                                          int tid) {
	constexpr int L = CF::LOADERS, U = CF::LOAD_UNROLL;
	if constexpr (TA) wg_load_mn<CF::BM, L, U>(sA, A, lda, k0, m0, K, M, vecA, tid); // stored (K, M)
	else wg_load_k<CF::BM, L, U>(sA, A, lda, m0, k0, M, K, vecA, tid);     // stored (M, K)
}

template <class CF, bool TB>
__device__ __forceinline__ void wg_load_b(unsigned sB, const u16* B, int N, int K, int ldb, int n0, int k0, int vecB,
                                          int tid) {
	constexpr int L = CF::LOADERS, U = CF::LOAD_UNROLL;
	if constexpr (TB) wg_load_k<CF::BN, L, U>(sB, B, ldb, n0, k0, N, K, vecB, tid); // stored (N, K)
	else wg_load_mn<CF::BN, L, U>(sB, B, ldb, k0, n0, K, N, vecB, tid);   // stored (K, N)
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ void wg_load_stage(unsigned sA, unsigned sB, const u16* A, const u16* B, int M, int N,
                                              int K, int lda, int ldb, int m0, int n0, int k0, int vecA, int vecB,
                                              int tid) {
	wg_load_a<CF, TA>(sA, A, M, K, lda, m0, k0, vecA, tid);
	wg_load_b<CF, TB>(sB, B, N, K, ldb, n0, k0, vecB, tid);
}

// WgPlan: one loader thread's 16-byte copies of one vecA / vecB operand
// in every k-tile, worked out once per block. In v3a's SASS each copy of
// wg_load_k / wg_load_mn took about 24 instructions per k-tile (its row,
// column, swizzle, address and bounds recomputed), so that the main loop
// issued about as many instructions per k-tile as the tensor cores need
// cycles for its products. With the loader threads spanning whole swizzle
// atoms (WgLayoutK, WgLayoutMN), a thread's copies sit at a fixed stride
// in both the stage and the operand, in one swizzle phase: copy i of
// k-tile k0 writes stage offset so + i * SSTEP and reads element e + i *
// eStep + (k0, or k0 * ld for MN-major), and is valid when bit i of ok is
// set (its rows or columns inside the matrix) and its k, k0 + kIdx + i *
// KSTEP, is below nk (vec operands have extents that are multiples of 8,
// so a 16-byte chunk is wholly in or out). The same bytes reach the same
// places as wg_load_k / wg_load_mn. Element offsets are ints, as there.
struct WgPlan {
	unsigned so, ok;
	int e, eStep, kIdx;
};

// WgLayoutK: a K-major operand's copies (ROWS rows x 64 k, element (r, k)
// at g[r*ld + k], rows valid below nrows) by NTH threads: CH per thread,
// RSTEP rows apart.
template <int ROWS, int NTH>
struct WgLayoutK {
	static_assert(NTH % 64 == 0, "a thread's rows keep one swizzle phase");
	static constexpr bool KMAJOR = true;
	static constexpr int CH = ROWS * 8 / NTH, RSTEP = NTH / 8, SSTEP = RSTEP * 128, KSTEP = 0;
	static __device__ __forceinline__ WgPlan plan(int ld, int row0, int nrows, int tid) {
		int r = tid >> 3, c = tid & 7;
		WgPlan p;
		p.so = r * 128 + ((c ^ (r & 7)) << 4);
		p.e = (row0 + r) * ld + c * 8;
		p.eStep = RSTEP * ld;
		p.kIdx = c * 8;
		p.ok = 0;
#pragma unroll
		for (int i = 0; i < CH; i++)
			if (row0 + r + i * RSTEP < nrows) p.ok |= 1u << i;
		return p;
	}
};

// WgLayoutMN: an MN-major operand's copies (64 k-rows x COLS, element
// (k, c) at g[k*ld + c], columns valid below ncols) by NTH threads: CPR
// chunks per k-row, CH per thread, KSTEP k-rows apart.
template <int COLS, int NTH>
struct WgLayoutMN {
	static constexpr bool KMAJOR = false;
	static constexpr int CPR = COLS / 8, ATOMS = COLS / 64, CH = 64 * CPR / NTH, KSTEP = NTH / CPR,
	                     SSTEP = KSTEP / 8 * ATOMS * 1024;
	static_assert(NTH % CPR == 0 && KSTEP % 8 == 0, "a thread's k-rows keep one swizzle phase");
	static __device__ __forceinline__ WgPlan plan(int ld, int col0, int ncols, int tid) {
		int k = tid / CPR, c = tid % CPR;
		WgPlan p;
		p.so = ((k >> 3) * ATOMS + (c >> 3)) * 1024 + (k & 7) * 128 + (((c & 7) ^ (k & 7)) << 4);
		p.e = k * ld + col0 + c * 8;
		p.eStep = KSTEP * ld;
		p.kIdx = k;
		p.ok = col0 + c * 8 < ncols ? ~0u : 0u;
		return p;
	}
};

// WgLayouts: CF's operand layouts for the transposes TA, TB.
template <class CF, bool TA, bool TB>
struct WgLayouts {
	using A = typename std::conditional<TA, WgLayoutMN<CF::BM, CF::LOADERS>, WgLayoutK<CF::BM, CF::LOADERS>>::type;
	using B = typename std::conditional<TB, WgLayoutK<CF::BN, CF::LOADERS>, WgLayoutMN<CF::BN, CF::LOADERS>>::type;
};

// wg_copy issues a thread's copies of plan p (layout LY) for k-tile k0
// into the stage at shared address s.
template <class LY>
__device__ __forceinline__ void wg_copy(unsigned s, const u16* g, const WgPlan& p, int ld, int k0, int nk) {
	constexpr int CH = LY::CH, SSTEP = LY::SSTEP, KSTEP = LY::KSTEP;
	int base = p.e + (LY::KMAJOR ? k0 : k0 * ld);
	int klim = nk - k0 - p.kIdx; // copy i's k is in range when i * KSTEP < klim
	constexpr unsigned all = CH == 32 ? ~0u : (1u << CH) - 1;
	if ((p.ok & all) == all && (CH - 1) * KSTEP < klim) { // every copy inside the matrix (most k-tiles)
#pragma unroll
		for (int i = 0; i < CH; i++) cp_async16_shared(s + p.so + i * SSTEP, g + (base + i * p.eStep), 16);
		return;
	}
#pragma unroll
	for (int i = 0; i < CH; i++) {
		bool ok = ((p.ok >> i) & 1) && i * KSTEP < klim;
		cp_async16_shared(s + p.so + i * SSTEP, ok ? (const void*)(g + (base + i * p.eStep)) : (const void*)g,
		                  ok ? 16 : 0);
	}
}

// WgPlans: a thread's plans for A and B (used where vecA / vecB).
struct WgPlans {
	WgPlan a, b;
};

template <class CF, bool TA, bool TB>
__device__ __forceinline__ WgPlans wg_plans(int M, int N, int lda, int ldb, int m0, int n0, int tid) {
	using LY = WgLayouts<CF, TA, TB>;
	return WgPlans{LY::A::plan(lda, m0, M, tid), LY::B::plan(ldb, n0, N, tid)};
}

// wg_load_stage_plan is wg_load_stage with the planned copies for each
// operand whose vec flag is set (the other as wg_load_stage loads it).
template <class CF, bool TA, bool TB>
__device__ __forceinline__ void wg_load_stage_plan(unsigned sA, unsigned sB, const u16* A, const u16* B, int M, int N,
                                                   int K, int lda, int ldb, int m0, int n0, int k0, int vecA,
                                                   int vecB, const WgPlans& p, int tid) {
	using LY = WgLayouts<CF, TA, TB>;
	if (vecA) wg_copy<typename LY::A>(sA, A, p.a, lda, k0, K);
	else wg_load_a<CF, TA>(sA, A, M, K, lda, m0, k0, 0, tid);
	if (vecB) wg_copy<typename LY::B>(sB, B, p.b, ldb, k0, K);
	else wg_load_b<CF, TB>(sB, B, N, K, ldb, n0, k0, 0, tid);
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ WgDesc wg_desc_parts(int g) {
	WgDesc d;
	d.aOff = TA ? g * 1024 : g * 64 * 128;
	d.aLBO = TA ? WG_MN_LBO : 16;
	d.aSBO = TA ? WG_MN_SBO(CF::BM) : 1024;
	d.bLBO = TB ? 16 : WG_MN_LBO;
	d.bSBO = TB ? 1024 : WG_MN_SBO(CF::BN);
	d.aStep = TA ? 2 * WG_MN_SBO(CF::BM) : 32;
	d.bStep = TB ? 32 : 2 * WG_MN_SBO(CF::BN);
	return d;
}

// TC: the kernel computes C^T (v3k's nn kernel, below): C is written
// transposed (wg_epilogue_t).
template <class CF, bool TA, bool TB, bool TC = false>
__device__ __forceinline__ void gemm_wgmma_body(float* C, const u16* A, const u16* B, int M, int N, int K, int lda,
                                                int ldb, int ldc, float alpha, float beta, long long sA,
                                                long long sB, long long sC, int vecA, int vecB) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK, S = CF::STAGES, ACC = CF::ACC;
	EXTERN_SHARED(unsigned char, wg_smem);
	if (dynamic_smem_size() < (unsigned)CF::SMEM) __trap(); // launched with too little shared memory: fail loudly
	unsigned base = (smem_u32(wg_smem) + 1023) & ~1023u;
	unsigned smA = base, smB = base + S * CF::A_ST; // S stages of A, then S stages of B

	int m0, n0;
	gemm_block_tile<BM, BN, CF::GROUP>(A, B, C, sA, sB, sC, m0, n0);
	int wg = threadIdx.x >> 7; // warpgroup: rows 64*wg .. 64*wg+63 of the tile

	float acc[ACC];
#pragma unroll
	for (int i = 0; i < ACC; i++) acc[i] = 0.f;

	WgDesc w = wg_desc_parts<CF, TA, TB>(wg);
	WgPlans plans; // PLAN: the copies, worked out once
	if constexpr (CF::PLAN) plans = wg_plans<CF, TA, TB>(M, N, lda, ldb, m0, n0, threadIdx.x);

	int nk = (K + BK - 1) / BK;
#pragma unroll
	for (int s = 0; s < S - 2; s++) { // prologue: k-tiles 0 .. S-3 into stages 0 .. S-3
		if (s < nk) {
			if constexpr (CF::PLAN)
				wg_load_stage_plan<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, A, B, M, N, K, lda, ldb, m0,
				                               n0, s * BK, vecA, vecB, plans, threadIdx.x);
			else
				wg_load_stage<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, A, B, M, N, K, lda, ldb, m0, n0,
				                          s * BK, vecA, vecB, threadIdx.x);
		}
		cp_async_commit(); // possibly empty: keeps the group count uniform
	}
	for (int kt = 0; kt < nk; kt++) {
		int rs = kt % S;
		cp_async_wait<S - 3>(); // k-tile kt landed (this thread)
		fence_proxy_async();    // visible to the async proxy
		__syncthreads();        // everyone's copies and fences
		int kn = kt + S - 2; // into stage (kt-2) % S: its wgmma retired before the barrier
		if (kn < nk) {
			if constexpr (CF::PLAN)
				wg_load_stage_plan<CF, TA, TB>(smA + (kn % S) * CF::A_ST, smB + (kn % S) * CF::B_ST, A, B, M, N, K,
				                               lda, ldb, m0, n0, kn * BK, vecA, vecB, plans, threadIdx.x);
			else
				wg_load_stage<CF, TA, TB>(smA + (kn % S) * CF::A_ST, smB + (kn % S) * CF::B_ST, A, B, M, N, K, lda,
				                          ldb, m0, n0, kn * BK, vecA, vecB, threadIdx.x);
		}
		cp_async_commit();
		wg_mma_ktile<CF, TA, TB>(acc, smA + rs * CF::A_ST + w.aOff, smB + rs * CF::B_ST, w);
		wgmma_wait<1>(); // k-tile kt-1's wgmma retired
		wg_fence_acc(acc);
	}
	wgmma_wait<0>();
	cp_async_wait_all();
	wg_fence_acc(acc);
	if constexpr (TC) wg_epilogue_t<CF>(C, acc, m0 + wg * 64, n0, M, N, ldc, alpha, beta);
	else wg_epilogue<CF>(C, acc, m0 + wg * 64, n0, M, N, ldc, alpha, beta);
}

// gemm_wgmma_ws_body: v3c, the tile of v3a with the roles split (warp
// specialisation). Warpgroup 0 produces: it copies k-tile kt into stage
// kt % S once the consumers have released the stage's previous k-tile,
// keeps up to LAG k-tiles of copies in flight, and at the start of
// iteration kt publishes k-tile kt - LAG once its own copies of it have
// landed (cp.async.wait_group LAG - 1) and are fenced for the async proxy,
// before it waits for a free stage: publishing k-tile j then waits only
// for the release of k-tile j + LAG - 1 - S. Warpgroups 1 and 2 consume:
// each multiplies its 64 rows of the tile as soon as a k-tile is
// published, and releases a stage when the wgmma that read it retired. No
// block-wide barrier after the start; registers move from the producer
// (40) to the consumers (232).
//
// Per stage s two mbarriers: full[s] (128 arrivals: every producer thread
// publishes) and empty[s] (256 arrivals: every consumer thread releases).
// K-tile kt is round r = kt / S of its stage, and the round-r phase of
// either barrier is phase r; waiting on parity r & 1 waits for it, and a
// phase two rounds on cannot complete before the waiter has arrived, so
// the parity is never ambiguous.
template <class CF, bool TA, bool TB>
__device__ __forceinline__ void gemm_wgmma_ws_body(float* C, const u16* A, const u16* B, int M, int N, int K,
                                                   int lda, int ldb, int ldc, float alpha, float beta, long long sA,
                                                   long long sB, long long sC, int vecA, int vecB) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK, S = CF::STAGES, ACC = CF::ACC, LAG = S - 2;
	static_assert(CF::WS, "a warp-specialised configuration");
	EXTERN_SHARED(unsigned char, wg_smem);
	if (dynamic_smem_size() < (unsigned)CF::SMEM) __trap(); // launched with too little shared memory: fail loudly
	unsigned base = (smem_u32(wg_smem) + 1023) & ~1023u;
	unsigned smA = base, smB = base + S * CF::A_ST, bars = smB + S * CF::B_ST; // then full[S], empty[S]
	auto full = [&](int s) { return bars + 8 * s; };
	auto empty = [&](int s) { return bars + 8 * (S + s); };

	int m0, n0;
	gemm_block_tile<BM, BN, CF::GROUP>(A, B, C, sA, sB, sC, m0, n0);
	int wg = threadIdx.x >> 7;
	int nk = (K + BK - 1) / BK;
	if (threadIdx.x == 0)
		for (int s = 0; s < S; s++) {
			mbar_init(full(s), 128);
			mbar_init(empty(s), 256);
		}
	__syncthreads(); // the barriers are set up

	if (wg == 0) { // producer
		setmaxnreg_dec<40>();
		for (int kt = 0; kt < nk; kt++) {
			int s = kt % S;
			if (kt >= LAG) { // publish k-tile kt - LAG first: it does not wait for a free stage
				cp_async_wait<LAG - 1>(); // k-tile kt - LAG landed (this thread's copies)
				fence_proxy_async();
				mbar_arrive(full((kt - LAG) % S));
			}
			if (kt >= S) mbar_wait(empty(s), (kt / S - 1) & 1); // k-tile kt - S released
			wg_load_stage<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, A, B, M, N, K, lda, ldb, m0, n0,
			                          kt * BK, vecA, vecB, threadIdx.x);
			cp_async_commit();
		}
		cp_async_wait_all();
		fence_proxy_async();
		for (int kt = max(nk - LAG, 0); kt < nk; kt++) mbar_arrive(full(kt % S));
		return;
	}

	setmaxnreg_inc<232>();
	int g = wg - 1; // consumer: rows 64g .. 64g+63 of the tile
	float acc[ACC];
#pragma unroll
	for (int i = 0; i < ACC; i++) acc[i] = 0.f;
	WgDesc w = wg_desc_parts<CF, TA, TB>(g);
	for (int kt = 0; kt < nk; kt++) {
		int s = kt % S;
		mbar_wait(full(s), (kt / S) & 1); // k-tile kt published
		wg_mma_ktile<CF, TA, TB>(acc, smA + s * CF::A_ST + w.aOff, smB + s * CF::B_ST, w);
		wgmma_wait<1>(); // k-tile kt-1's wgmma retired: release its stage
		wg_fence_acc(acc);
		if (kt > 0) mbar_arrive(empty((kt - 1) % S));
	}
	wgmma_wait<0>();
	wg_fence_acc(acc);
	wg_epilogue<CF>(C, acc, m0 + g * 64, n0, M, N, ldc, alpha, beta);
}

//                 BN STAGES GROUP WS
typedef WgCfg<256, 4, 8> CfgV3a;
typedef WgCfg<128, 6, 8> CfgV3b;
typedef WgCfg<256, 4, 8, true> CfgV3c;
typedef WgCfg<128, 3, 8> CfgV3d; // v3b's tile in 3 stages: two blocks per SM (launch bound 2: <= 128 registers)
typedef WgCfg<256, 4, 8, false, true> CfgV3e; // v3a with planned copies
typedef WgCfg<128, 6, 8, false, true> CfgV3f; // v3b with planned copies
typedef WgCfg<208, 5, 8> CfgV3k; // 128 x 208 tiles (v3k, below)

GEMM_ENTRIES(gemm_wgmma_v3a, gemm_wgmma_body, (CfgV3a::NT, 1), CfgV3a)
GEMM_ENTRIES(gemm_wgmma_v3b, gemm_wgmma_body, (CfgV3b::NT, 1), CfgV3b)
GEMM_ENTRIES(gemm_wgmma_v3c, gemm_wgmma_ws_body, (CfgV3c::NT, 1), CfgV3c)
GEMM_ENTRIES(gemm_wgmma_v3d, gemm_wgmma_body, (CfgV3d::NT, 2), CfgV3d)
GEMM_ENTRIES(gemm_wgmma_v3e, gemm_wgmma_body, (CfgV3e::NT, 1), CfgV3e)
GEMM_ENTRIES(gemm_wgmma_v3f, gemm_wgmma_body, (CfgV3f::NT, 1), CfgV3f)

// v3k: v3a's kernel on 128 x 208 tiles, for products whose N or M makes
// whole waves of 208-wide tiles where 256-wide ones leave most of the last
// wave idle. At the LoRA step's M = 2048 (B*T = 8 x 256) and N = 3200 on
// 132 multiprocessors, v3a's 16 x 13 = 208 tiles take two waves, the
// second 58% full; v3k's 16 x 16 = 256 tiles take two waves of tiles
// 81% as wide (one wgmma m64n208k16 per warpgroup and k16 step, 104
// accumulators per thread; 5 stages of 42 KB). A 208-wide operand tile
// must be K-major (the 128-byte swizzle's MN-major atoms are 64 elements
// wide), so: nt and tt (B stored (N, K)) run as they are; nn runs as its
// transpose, C^T = B^T A^T, whose operands are B stored (K, N) read as an
// MN-major 128-row A and A stored (M, K) read as a K-major 208-row B, the
// result stored transposed (wg_epilogue_t): its grid is (ceil(M / 208),
// ceil(N / 128)) and the same parameters as every GEMM kernel; tn (both
// operands MN-major) has no v3k kernel (the cuda package runs it on v3a
// or v3b). Not yet run on a GPU.
extern "C" __device__ const int gemm_wgmma_v3k_smem = CfgV3k::SMEM;
GEMM_ENTRY(gemm_wgmma_v3k_nt, gemm_wgmma_body, (CfgV3k::NT, 1), CfgV3k, false, true)
GEMM_ENTRY(gemm_wgmma_v3k_tt, gemm_wgmma_body, (CfgV3k::NT, 1), CfgV3k, true, true)
extern "C" __global__ void __launch_bounds__(CfgV3k::NT, 1)
    gemm_wgmma_v3k_nn(float* C, const u16* A, const u16* B, int M, int N, int K, int lda, int ldb, int ldc,
                      float alpha, float beta, long long sA, long long sB, long long sC, int vecA, int vecB) {
	gemm_wgmma_body<CfgV3k, true, true, true>(C, B, A, N, M, K, ldb, lda, ldc, alpha, beta, sB, sA, sC, vecB, vecA);
}
