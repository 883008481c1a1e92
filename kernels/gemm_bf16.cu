// gemm_bf16_{nn,nt,tn,tt}: C (float32) = alpha * op(A) @ op(B) + beta * C
// with bf16 operands on the tensor cores: mma.sync.m16n8k16 (bf16 in,
// float32 accumulate), fragments loaded with ldmatrix (.trans for operands
// whose contiguous dimension is M or N), global -> shared copies with
// cp.async, double-buffered. The suffix names the layouts: n = op(X) is X,
// t = X stored transposed. A linear layer y = x W^T with HF weight W
// (out, in) is "nt"; its input gradient dx = dy W is "nn".
//
// Layout as gemm_f32: row-major; A stored (M, K) or (K, M) [t]; B stored
// (K, N) or (N, K) [t]; C (M, N); leading dimensions lda, ldb, ldc in
// elements. grid.z batches with element strides sA, sB, sC.
//
// Tiling: 128 x 128 tile of C per block of 256 threads = 8 warps in a
// 2 (M) x 4 (N) grid, each warp 64 x 32 = 4 x 4 mma tiles, K in steps of
// 32 (two k16 steps) through two shared-memory stages. Shared rows are
// padded by 8 elements (16 bytes), which makes the eight 16-byte row reads
// of every ldmatrix phase hit distinct banks for both the 80-byte (32+8)
// and 272-byte (128+8) row strides.
//
// vecA / vecB (set by the host): the operand's contiguous extent and
// leading dimension are multiples of 8 and its base (with every batch
// offset) is 16-byte aligned, so each 8-element chunk is either entirely
// inside the matrix or entirely outside it and can be fetched with one
// 16-byte cp.async (zero-filled outside). Otherwise the tile is loaded
// element by element with bounds checks: correct for any shape, slower.

#include "common.cuh"
#include "gemm_tile.cuh"
#include "ptx.cuh"

#define BM 128
#define BN 128
#define BK 32
#define SPAD 8
#define TILE (BM * (BK + SPAD)) // elements of one stage of one operand: max(128*40, 32*136)

typedef unsigned short u16;

// load_tile copies rows [row0, row0+ROWS) x cols [col0, col0+COLS) of a
// matrix g (element (r, c) at g[r*ld + c], valid for r < nrows, c < ncols)
// into shared s with row stride COLS+SPAD, zero-filling outside the matrix.
template <int ROWS, int COLS>
__device__ __forceinline__ void load_tile(u16* s, const u16* g, int ld, int row0, int col0, int nrows, int ncols,
                                          int vec) {
	const int CPR = COLS / 8; // 16-byte chunks per row
#pragma unroll
	for (int ch = threadIdx.x; ch < ROWS * CPR; ch += 256) {
		int r = ch / CPR, c = (ch % CPR) * 8;
		int gr = row0 + r, gc = col0 + c;
		u16* dst = s + r * (COLS + SPAD) + c;
		if (vec) {
			bool ok = gr < nrows && gc < ncols;
			cp_async16(dst, ok ? (const void*)(g + (long long)gr * ld + gc) : (const void*)g, ok ? 16 : 0);
		} else {
#pragma unroll
			for (int e = 0; e < 8; e++)
				dst[e] = (gr < nrows && gc + e < ncols) ? g[(long long)gr * ld + gc + e] : (u16)0;
		}
	}
}

template <bool TA, bool TB>
__device__ __forceinline__ void load_stage(u16* sA, u16* sB, const u16* A, const u16* B, int M, int N, int K,
                                           int lda, int ldb, int m0, int n0, int k0, int vecA, int vecB) {
	if (TA) load_tile<BK, BM>(sA, A, lda, k0, m0, K, M, vecA); // stored (K, M): [k][m]
	else load_tile<BM, BK>(sA, A, lda, m0, k0, M, K, vecA);     // stored (M, K): [m][k]
	if (TB) load_tile<BN, BK>(sB, B, ldb, n0, k0, N, K, vecB);  // stored (N, K): [n][k]
	else load_tile<BK, BN>(sB, B, ldb, k0, n0, K, N, vecB);     // stored (K, N): [k][n]
}

template <bool TA, bool TB>
__device__ __forceinline__ void gemm_bf16_body(float* C, const u16* A, const u16* B, int M, int N, int K, int lda,
                                               int ldb, int ldc, float alpha, float beta, long long sA, long long sB,
                                               long long sC, int vecA, int vecB) {
	__shared__ __align__(16) u16 smA[2][TILE];
	__shared__ __align__(16) u16 smB[2][TILE];
	A += blockIdx.z * sA;
	B += blockIdx.z * sB;
	C += blockIdx.z * sC;
	int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
	float acc[4][4][4];
#pragma unroll
	for (int i = 0; i < 4; i++)
#pragma unroll
		for (int j = 0; j < 4; j++)
#pragma unroll
			for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

	int nk = (K + BK - 1) / BK;
	if (nk > 0) load_stage<TA, TB>(smA[0], smB[0], A, B, M, N, K, lda, ldb, m0, n0, 0, vecA, vecB);
	cp_async_commit();
	for (int kt = 0; kt < nk; kt++) {
		int st = kt & 1;
		if (kt + 1 < nk)
			load_stage<TA, TB>(smA[st ^ 1], smB[st ^ 1], A, B, M, N, K, lda, ldb, m0, n0, (kt + 1) * BK, vecA,
			                   vecB);
		cp_async_commit(); // possibly empty: keeps "wait 1" uniform
		cp_async_wait<1>(); // stage st has landed (this thread's copies)
		__syncthreads();                              // ... and every other thread's
		const u16* a_s = smA[st];
		const u16* b_s = smB[st];
#pragma unroll
		for (int ks = 0; ks < BK; ks += 16) {
			unsigned af[4][4], bfr[4][2];
#pragma unroll
			for (int mi = 0; mi < 4; mi++) {
				int mb = wm + mi * 16;
				if (TA) // [k][m], row stride BM+SPAD
					ldsm_x4_trans(af[mi], a_s + (ks + (lane & 7) + (lane >> 4) * 8) * (BM + SPAD) + mb +
					                          ((lane >> 3) & 1) * 8);
				else // [m][k], row stride BK+SPAD
					ldsm_x4(af[mi], a_s + (mb + (lane & 7) + ((lane >> 3) & 1) * 8) * (BK + SPAD) + ks +
					                    (lane >> 4) * 8);
			}
#pragma unroll
			for (int p = 0; p < 2; p++) {
				int nb = wn + p * 16;
				unsigned r[4];
				if (TB) // [n][k], row stride BK+SPAD
					ldsm_x4(r, b_s + (nb + (lane & 7) + (lane >> 4) * 8) * (BK + SPAD) + ks + ((lane >> 3) & 1) * 8);
				else // [k][n], row stride BN+SPAD
					ldsm_x4_trans(r, b_s + (ks + (lane & 7) + ((lane >> 3) & 1) * 8) * (BN + SPAD) + nb +
					                     (lane >> 4) * 8);
				bfr[2 * p][0] = r[0];
				bfr[2 * p][1] = r[1];
				bfr[2 * p + 1][0] = r[2];
				bfr[2 * p + 1][1] = r[3];
			}
#pragma unroll
			for (int mi = 0; mi < 4; mi++)
#pragma unroll
				for (int ni = 0; ni < 4; ni++) mma_bf16(acc[mi][ni], af[mi], bfr[ni]);
		}
		__syncthreads(); // stage st is overwritten by the next iteration's prefetch
	}
	cp_async_wait_all();

	int g = lane >> 2, t = lane & 3;
#pragma unroll
	for (int mi = 0; mi < 4; mi++)
#pragma unroll
		for (int ni = 0; ni < 4; ni++)
#pragma unroll
			for (int e = 0; e < 4; e++) {
				int m = m0 + wm + mi * 16 + g + (e >> 1) * 8;
				int n = n0 + wn + ni * 8 + 2 * t + (e & 1);
				if (m < M && n < N) {
					float* c = C + (long long)m * ldc + n;
					*c = beta == 0.f ? alpha * acc[mi][ni][e] : alpha * acc[mi][ni][e] + beta * *c;
				}
			}
}

#define GEMM_BF16(name, TA, TB)                                                                                    \
	extern "C" __global__ void __launch_bounds__(256)                                                              \
	    name(float* C, const u16* A, const u16* B, int M, int N, int K, int lda, int ldb, int ldc, float alpha,    \
	         float beta, long long sA, long long sB, long long sC, int vecA, int vecB) {                           \
		gemm_bf16_body<TA, TB>(C, A, B, M, N, K, lda, ldb, ldc, alpha, beta, sA, sB, sC, vecA, vecB);          \
	}

GEMM_BF16(gemm_bf16_nn, false, false)
GEMM_BF16(gemm_bf16_nt, false, true)
GEMM_BF16(gemm_bf16_tn, true, false)
GEMM_BF16(gemm_bf16_tt, true, true)

// ---------------------------------------------------------------------------
// v2 kernels: the same contract (parameters, layouts, tails, vecA / vecB,
// beta, grid.z batching; every kernel takes exactly the parameters above),
// a tile configuration chosen at compile time, and a multistage pipeline:
//
//   - STAGES shared-memory stages (dynamic shared memory, STAGES - 1 k-tiles
//     in flight while one is read) with one __syncthreads per k-tile;
//   - the mma fragments double-buffered across the k16 steps: the fragments
//     of step s+1 (the first step of the next k-tile included) are read
//     from shared memory before the mma of step s are issued;
//   - grouped block rasterisation: GROUP consecutive block rows of C walk
//     the block columns together, so the blocks resident at one time share
//     their A and B tiles in L2;
//   - float2 stores (and beta loads) in the epilogue when C allows them.
//
// Pipeline of k-tile kt (read stage kt % STAGES, KS = BK / 16 steps):
//
//   step 0:        load fragments of step 1; issue the cp.async of k-tile
//                  kt + STAGES - 1 into stage (kt - 1) % STAGES; commit;
//                  mma of step 0
//   step KS - 1:   cp.async.wait_group STAGES - 2 (k-tile kt + 1 landed,
//                  this thread's copies); __syncthreads (everyone's, and
//                  everyone has finished reading stage (kt - 1) % STAGES
//                  ... of the previous k-tile); load fragments of step 0 of
//                  k-tile kt + 1; mma of step KS - 1
//
// The stage written at step 0 of k-tile kt, (kt - 1) % STAGES, was last
// read at step 0 of k-tile kt - 1, before the barrier at step KS - 1 of
// k-tile kt - 1, which every thread has passed: no stage is overwritten
// while it is read. STAGES >= 3.
//
// Configuration (GemmCfg; warp tile 64 x 64: per k16 step 4 ldmatrix for
// A and 4 for B feed 32 mma; shared rows padded by 8 elements as above;
// every stage sized for the larger of the two layouts of each operand, so
// one dynamic size serves all four layouts of a variant):
//
//   v2a  128 x 256 tile, 8 warps (2 x 4), k-tiles of 32, 4 stages,
//        120 KiB shared, __launch_bounds__(256, 1): one block of 8 warps
//        per SM; the default GEMM off Hopper
//
// The register budget is tight: 128 accumulators and 64 fragment
// registers per thread; see v2_load_tile for what keeps it below 255
// (`CHECK=1 go generate ./kernels` prints the counts; the other tile
// shapes that were tried, and their counts, are in
// results/gpu-changes.md).
//
// gemm_bf16_v2*_smem (a device
// constant in the PTX) is each variant's dynamic shared-memory size in
// bytes; the Go side checks its table against it, and each kernel traps
// when launched with less.
// ---------------------------------------------------------------------------

#undef BM
#undef BN
#undef BK
#undef TILE

template <int BM_, int BN_, int WARPS_M_, int WARPS_N_, int STAGES_, int MINB_, int GROUP_, int BK_ = 32>
struct GemmCfg {
	static constexpr int BM = BM_, BN = BN_, BK = BK_, KS = BK / 16;
	static constexpr int WARPS_M = WARPS_M_, WARPS_N = WARPS_N_, NT = 32 * WARPS_M_ * WARPS_N_;
	static constexpr int WTM = BM / WARPS_M, WTN = BN / WARPS_N; // warp tile
	static constexpr int MI = WTM / 16, NI = WTN / 8;            // mma tiles per warp
	static constexpr int STAGES = STAGES_, MINB = MINB_, GROUP = GROUP_;
	// elements of one stage of each operand: the larger of [m][k] and [k][m]
	static constexpr int A_ST = BM * (BK + SPAD) > BK * (BM + SPAD) ? BM * (BK + SPAD) : BK * (BM + SPAD);
	static constexpr int B_ST = BN * (BK + SPAD) > BK * (BN + SPAD) ? BN * (BK + SPAD) : BK * (BN + SPAD);
	static constexpr int SMEM = STAGES * (A_ST + B_ST) * 2; // bytes
	static_assert(WTM % 16 == 0 && WTN % 16 == 0, "warp tile: m16 A fragments, pairs of n8 B fragments");
	static_assert(STAGES >= 3, "the stage written at step 0 must differ from the two being read");
	static_assert(BM * BK / 8 % NT == 0 && BN * BK / 8 % NT == 0, "whole 16-byte chunks per thread");
};

// v2_load_tile is load_tile for NT threads. In the 16-byte path the
// element offset within the operand is an int (every tensor has fewer than
// 2^31 elements; the batch offset is already in g): 64-bit offsets per
// chunk cost ~12 registers next to the 128 accumulators. The element-wise
// path is not unrolled: it is the slow path, and unrolled it holds the
// loads of every chunk in registers at once (ptxas then spills).
template <int ROWS, int COLS, int NT>
__device__ __forceinline__ void v2_load_tile(u16* s, const u16* g, int ld, int row0, int col0, int nrows, int ncols,
                                             int vec) {
	constexpr int CPR = COLS / 8; // 16-byte chunks per row
	if (vec) {
#pragma unroll
		for (int i = 0; i < ROWS * CPR / NT; i++) {
			int ch = threadIdx.x + i * NT;
			int r = ch / CPR, c = (ch % CPR) * 8;
			int gr = row0 + r, gc = col0 + c;
			bool ok = gr < nrows && gc < ncols;
			cp_async16(s + r * (COLS + SPAD) + c, ok ? (const void*)(g + (gr * ld + gc)) : (const void*)g,
			           ok ? 16 : 0);
		}
	} else {
#pragma unroll 1
		for (int i = 0; i < ROWS * CPR / NT; i++) {
			int ch = threadIdx.x + i * NT;
			int r = ch / CPR, c = (ch % CPR) * 8;
			int gr = row0 + r, gc = col0 + c;
			u16* dst = s + r * (COLS + SPAD) + c;
#pragma unroll
			for (int e = 0; e < 8; e++)
				dst[e] = (gr < nrows && gc + e < ncols) ? g[(long long)gr * ld + gc + e] : (u16)0;
		}
	}
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ void v2_load_stage(u16* sA, u16* sB, const u16* A, const u16* B, int M, int N, int K,
                                              int lda, int ldb, int m0, int n0, int k0, int vecA, int vecB) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK, NT = CF::NT;
	if (TA) v2_load_tile<BK, BM, NT>(sA, A, lda, k0, m0, K, M, vecA); // stored (K, M): [k][m]
	else v2_load_tile<BM, BK, NT>(sA, A, lda, m0, k0, M, K, vecA);     // stored (M, K): [m][k]
	if (TB) v2_load_tile<BN, BK, NT>(sB, B, ldb, n0, k0, N, K, vecB);  // stored (N, K): [n][k]
	else v2_load_tile<BK, BN, NT>(sB, B, ldb, k0, n0, K, N, vecB);     // stored (K, N): [k][n]
}

// v2_frags loads the A and B fragments of one k16 step (k offset ks in the
// stage) of a warp's tile; the addressing is the first kernel's, with the
// row strides of this configuration.
template <class CF, bool TA, bool TB>
__device__ __forceinline__ void v2_frags(unsigned (&af)[CF::MI][4], unsigned (&bfr)[CF::NI][2], const u16* a_s,
                                         const u16* b_s, int ks, int wm, int wn, int lane) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK;
#pragma unroll
	for (int mi = 0; mi < CF::MI; mi++) {
		int mb = wm + mi * 16;
		if (TA) // [k][m], row stride BM+SPAD
			ldsm_x4_trans(af[mi],
			              a_s + (ks + (lane & 7) + (lane >> 4) * 8) * (BM + SPAD) + mb + ((lane >> 3) & 1) * 8);
		else // [m][k], row stride BK+SPAD
			ldsm_x4(af[mi], a_s + (mb + (lane & 7) + ((lane >> 3) & 1) * 8) * (BK + SPAD) + ks + (lane >> 4) * 8);
	}
#pragma unroll
	for (int p = 0; p < CF::NI / 2; p++) {
		int nb = wn + p * 16;
		unsigned r[4];
		if (TB) // [n][k], row stride BK+SPAD
			ldsm_x4(r, b_s + (nb + (lane & 7) + (lane >> 4) * 8) * (BK + SPAD) + ks + ((lane >> 3) & 1) * 8);
		else // [k][n], row stride BN+SPAD
			ldsm_x4_trans(r, b_s + (ks + (lane & 7) + ((lane >> 3) & 1) * 8) * (BN + SPAD) + nb + (lane >> 4) * 8);
		bfr[2 * p][0] = r[0];
		bfr[2 * p][1] = r[1];
		bfr[2 * p + 1][0] = r[2];
		bfr[2 * p + 1][1] = r[3];
	}
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ void gemm_v2_body(float* C, const u16* A, const u16* B, int M, int N, int K, int lda,
                                             int ldb, int ldc, float alpha, float beta, long long sA, long long sB,
                                             long long sC, int vecA, int vecB) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK, KS = CF::KS, S = CF::STAGES;
	constexpr int MI = CF::MI, NI = CF::NI, A_ST = CF::A_ST, B_ST = CF::B_ST;
	EXTERN_SHARED(unsigned char, v2_smem);
	if (dynamic_smem_size() < (unsigned)CF::SMEM) __trap(); // launched with too little shared memory: fail loudly
	u16* smA = (u16*)v2_smem; // S stages of A_ST elements
	u16* smB = smA + S * A_ST; // then S stages of B_ST elements

	A += blockIdx.z * sA;
	B += blockIdx.z * sB;
	C += blockIdx.z * sC;
	int bx = blockIdx.x, by = blockIdx.y;
	gemm_group_tile<CF::GROUP>(bx, by, gridDim.x, gridDim.y);
	int m0 = by * BM, n0 = bx * BN;
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	int wm = (warp / CF::WARPS_N) * CF::WTM, wn = (warp % CF::WARPS_N) * CF::WTN;

	float acc[MI][NI][4];
#pragma unroll
	for (int i = 0; i < MI; i++)
#pragma unroll
		for (int j = 0; j < NI; j++)
#pragma unroll
			for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

	int nk = (K + BK - 1) / BK;
#pragma unroll
	for (int s = 0; s < S - 1; s++) { // prologue: k-tiles 0 .. S-2 into stages 0 .. S-2
		if (s < nk)
			v2_load_stage<CF, TA, TB>(smA + s * A_ST, smB + s * B_ST, A, B, M, N, K, lda, ldb, m0, n0, s * BK, vecA,
			                          vecB);
		cp_async_commit(); // possibly empty: keeps the group count uniform
	}
	cp_async_wait<S - 2>(); // k-tile 0 landed (this thread's copies)
	__syncthreads();                                         // ... and everyone's

	unsigned af[2][MI][4], bfr[2][NI][2];
	v2_frags<CF, TA, TB>(af[0], bfr[0], smA, smB, 0, wm, wn, lane);
	for (int kt = 0; kt < nk; kt++) {
		int rs = kt % S;
#pragma unroll
		for (int ks = 0; ks < KS; ks++) {
			int ns = rs, nks = (ks + 1) * 16;
			if (ks == KS - 1) {
				cp_async_wait<S - 2>(); // k-tile kt+1 landed (this thread)
				__syncthreads(); // everyone's copies; everyone done with stage (kt-1) % S
				ns = (kt + 1) % S;
				nks = 0;
			}
			// next step's fragments (after the last k-tile: stale data, never used)
			v2_frags<CF, TA, TB>(af[(ks + 1) & 1], bfr[(ks + 1) & 1], smA + ns * A_ST, smB + ns * B_ST, nks, wm, wn,
			                     lane);
			if (ks == 0) {
				int kn = kt + S - 1; // into stage (kt-1) % S, last read before the barrier of k-tile kt-1
				if (kn < nk)
					v2_load_stage<CF, TA, TB>(smA + (kn % S) * A_ST, smB + (kn % S) * B_ST, A, B, M, N, K, lda, ldb,
					                          m0, n0, kn * BK, vecA, vecB);
				cp_async_commit();
			}
#pragma unroll
			for (int mi = 0; mi < MI; mi++)
#pragma unroll
				for (int ni = 0; ni < NI; ni++) mma_bf16(acc[mi][ni], af[ks & 1][mi], bfr[ks & 1][ni]);
		}
	}
	cp_async_wait_all();

	// epilogue: float2 stores where C's base (with the batch offset) is
	// 8-byte aligned and ldc even (n is always even), scalar ones otherwise
	bool c2 = ((unsigned long long)C & 7) == 0 && (ldc & 1) == 0;
	int g = lane >> 2, t = lane & 3;
#pragma unroll
	for (int mi = 0; mi < MI; mi++)
#pragma unroll
		for (int h = 0; h < 2; h++) {
			int m = m0 + wm + mi * 16 + g + h * 8;
			if (m >= M) continue;
			float* row = C + (long long)m * ldc;
#pragma unroll
			for (int ni = 0; ni < NI; ni++) {
				int n = n0 + wn + ni * 8 + 2 * t;
				gemm_store_pair(row, n, N, alpha * acc[mi][ni][2 * h], alpha * acc[mi][ni][2 * h + 1], beta, c2);
			}
		}
}

//                      BM   BN  WARPS_M WARPS_N STAGES MINB GROUP BK
typedef GemmCfg<128, 256, 2, 4, 4, 1, 8> CfgV2a;

GEMM_ENTRIES(gemm_bf16_v2a, gemm_v2_body, (CfgV2a::NT, CfgV2a::MINB), CfgV2a)
