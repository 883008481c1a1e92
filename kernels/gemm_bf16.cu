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

#define BM 128
#define BN 128
#define BK 32
#define SPAD 8
#define TILE (BM * (BK + SPAD)) // elements of one stage of one operand: max(128*40, 32*136)

typedef unsigned short u16;

__device__ __forceinline__ unsigned smem_u32(const void* p) { return (unsigned)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes) {
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_u32(dst)), "l"(src), "r"(src_bytes));
}

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

__device__ __forceinline__ void ldsm_x4(unsigned* r, const u16* p) {
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
	             : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
	             : "r"(smem_u32(p)));
}

__device__ __forceinline__ void ldsm_x4_trans(unsigned* r, const u16* p) {
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
	             : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
	             : "r"(smem_u32(p)));
}

__device__ __forceinline__ void mma_bf16(float* c, const unsigned* a, const unsigned* b) {
	asm volatile(
	    "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
	    "{%0,%1,%2,%3};\n"
	    : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
	    : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
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
	asm volatile("cp.async.commit_group;\n" ::);
	for (int kt = 0; kt < nk; kt++) {
		int st = kt & 1;
		if (kt + 1 < nk)
			load_stage<TA, TB>(smA[st ^ 1], smB[st ^ 1], A, B, M, N, K, lda, ldb, m0, n0, (kt + 1) * BK, vecA,
			                   vecB);
		asm volatile("cp.async.commit_group;\n" ::); // possibly empty: keeps "wait 1" uniform
		asm volatile("cp.async.wait_group 1;\n" ::);  // stage st has landed (this thread's copies)
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
	asm volatile("cp.async.wait_all;\n" ::);

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
