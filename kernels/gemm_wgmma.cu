// gemm_wgmma_{v3a,v3b}_{nn,nt,tn,tt} and gemm_wgmma_v3k_{nn,nt,tt}: the tensor-core GEMM of gemm_bf16.cu
// (same parameters, layouts, tails, vecA / vecB, beta and grid.z batching)
// on Hopper's warpgroup MMA: wgmma.mma_async (sm_90a), both operands read
// by the tensor cores straight from shared memory through matrix
// descriptors, float32 accumulators in registers. This module is PTX for
// sm_90a: gen.sh compiles it apart (see its header) and the cuda package
// loads it only on a compute-capability 9.0 device.
//
// v3a (128 x 256 tiles, 4 stages), v3b (128 x 128, 6 stages) and v3k
// (128 x 208, 5 stages, three layouts; at the end of this file), all
// gemm_wgmma_body: 256 threads = two warpgroups that both load and
// multiply. They run where the TMA GEMMs of gemm_tma.cu cannot (operands
// the TMA cannot read, a driver that refuses that module), and "auto"
// chooses between v3a and v3b per product. The variants tried beside them
// (a warp-specialised producer, planned copies, two blocks per
// multiprocessor) were removed; results/gpu-changes.md says what they
// measured and where their source is.
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


// MN-major descriptor strides, in bytes (see the layout above); rows is
// the tile's M or N extent.
#define WG_MN_LBO 1024
#define WG_MN_SBO(rows) ((rows) / 64 * 1024)

// WgCfg: a tile configuration: LOADERS threads (all of them) issue the
// copies.
template <int BN_, int STAGES_, int GROUP_>
struct WgCfg {
	// NT: threads per block (the kernels' launch bound)
	static constexpr int BM = 128, BN = BN_, BK = 64, NT = 256, LOADERS = 256, ACC = BN_ / 2;
	static constexpr int STAGES = STAGES_, GROUP = GROUP_;
	// the 16-byte copies of a loader thread unrolled by LOAD_UNROLL (all of them)
	static constexpr int LOAD_UNROLL = 32;
	static constexpr int A_ST = BM * BK * 2, B_ST = BN * BK * 2; // bytes of one stage
	// bytes: the stages and the alignment slack
	static constexpr int SMEM = STAGES * (A_ST + B_ST) + 1024;
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

	int nk = (K + BK - 1) / BK;
#pragma unroll
	for (int s = 0; s < S - 2; s++) { // prologue: k-tiles 0 .. S-3 into stages 0 .. S-3
		if (s < nk)
			wg_load_stage<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, A, B, M, N, K, lda, ldb, m0, n0,
			                          s * BK, vecA, vecB, threadIdx.x);
		cp_async_commit(); // possibly empty: keeps the group count uniform
	}
	for (int kt = 0; kt < nk; kt++) {
		int rs = kt % S;
		cp_async_wait<S - 3>(); // k-tile kt landed (this thread)
		fence_proxy_async();    // visible to the async proxy
		__syncthreads();        // everyone's copies and fences
		int kn = kt + S - 2; // into stage (kt-2) % S: its wgmma retired before the barrier
		if (kn < nk)
			wg_load_stage<CF, TA, TB>(smA + (kn % S) * CF::A_ST, smB + (kn % S) * CF::B_ST, A, B, M, N, K, lda,
			                          ldb, m0, n0, kn * BK, vecA, vecB, threadIdx.x);
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

//                 BN STAGES GROUP
typedef WgCfg<256, 4, 8> CfgV3a;
typedef WgCfg<128, 6, 8> CfgV3b;
typedef WgCfg<208, 5, 8> CfgV3k; // 128 x 208 tiles (v3k, below)

GEMM_ENTRIES(gemm_wgmma_v3a, gemm_wgmma_body, (CfgV3a::NT, 1), CfgV3a)
GEMM_ENTRIES(gemm_wgmma_v3b, gemm_wgmma_body, (CfgV3b::NT, 1), CfgV3b)

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
// or v3b). First run on an H100 in run 10 (results/README.md).
extern "C" __device__ const int gemm_wgmma_v3k_smem = CfgV3k::SMEM;
GEMM_ENTRY(gemm_wgmma_v3k_nt, gemm_wgmma_body, (CfgV3k::NT, 1), CfgV3k, false, true)
GEMM_ENTRY(gemm_wgmma_v3k_tt, gemm_wgmma_body, (CfgV3k::NT, 1), CfgV3k, true, true)
extern "C" __global__ void __launch_bounds__(CfgV3k::NT, 1)
    gemm_wgmma_v3k_nn(float* C, const u16* A, const u16* B, int M, int N, int K, int lda, int ldb, int ldc,
                      float alpha, float beta, long long sA, long long sB, long long sC, int vecA, int vecB) {
	gemm_wgmma_body<CfgV3k, true, true, true>(C, B, A, N, M, K, ldb, lda, ldc, alpha, beta, sB, sA, sC, vecB, vecA);
}
