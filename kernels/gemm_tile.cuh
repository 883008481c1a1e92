// Pieces shared by the tensor-core GEMMs (gemm_bf16.cu's v2 kernels and
// gemm_wgmma.cu): the grouped block rasterisation and the epilogue's store
// of a pair of adjacent outputs.

#pragma once

// gemm_group_tile maps the block (bx, by) of a grid of nx x ny C tiles to
// the tile it computes: groups of GROUP block rows, column-major inside a
// group, so that the blocks resident at one time share their A and B
// tiles in L2.
template <int GROUP>
__device__ __forceinline__ void gemm_group_tile(int& bx, int& by, int nx, int ny) {
	if (GROUP > 1) {
		int pid = by * nx + bx, per = GROUP * nx;
		int gid = pid / per, first = gid * GROUP;
		int gsz = min(ny - first, GROUP), r = pid - gid * per;
		by = first + r % gsz;
		bx = r / gsz;
	}
}

// gemm_block_tile moves A, B and C to the block's batch (grid z, strides
// sA, sB, sC elements) and sets m0, n0 to the first row and column of the
// block's BM x BN tile of C (rasterised by gemm_group_tile). The wgmma
// kernels use it; gemm_bf16.cu's v2 kernels, verified on GPUs, keep their
// own copy of these lines, so that their PTX stays the one measured.
template <int BM, int BN, int GROUP, class T>
__device__ __forceinline__ void gemm_block_tile(const T*& A, const T*& B, float*& C, long long sA, long long sB,
                                                long long sC, int& m0, int& n0) {
	A += blockIdx.z * sA;
	B += blockIdx.z * sB;
	C += blockIdx.z * sC;
	int bx = blockIdx.x, by = blockIdx.y;
	gemm_group_tile<GROUP>(bx, by, gridDim.x, gridDim.y);
	m0 = by * BM;
	n0 = bx * BN;
}

// gemm_store_pair writes v0, v1 (already times alpha) to row[n], row[n+1]
// plus beta times what is there (beta 0: not read), within N columns: one
// float2 access when c2 (C's base 8-byte aligned, ldc even; n is even) and
// both columns exist, else scalar ones.
__device__ __forceinline__ void gemm_store_pair(float* row, int n, int N, float v0, float v1, float beta, bool c2) {
	if (c2 && n + 1 < N) {
		float2* p = (float2*)(row + n);
		if (beta != 0.f) {
			float2 o = *p;
			v0 += beta * o.x;
			v1 += beta * o.y;
		}
		*p = make_float2(v0, v1);
	} else {
		if (n < N) row[n] = beta == 0.f ? v0 : v0 + beta * row[n];
		if (n + 1 < N) row[n + 1] = beta == 0.f ? v1 : v1 + beta * row[n + 1];
	}
}

// GEMM_ENTRIES defines the four kernels <prefix>_{nn,nt,tn,tt} of one tile
// configuration CF, each calling body<CF, transA, transB> with the
// parameters every tensor-core GEMM takes (see gemm_bf16.cu), under
// __launch_bounds__ BOUNDS (parenthesised), and the device constant
// <prefix>_smem = CF::SMEM, the dynamic shared memory the kernels need.
#define GEMM_ENTRY(name, body, BOUNDS, CF, TA, TB)                                                                 \
	extern "C" __global__ void __launch_bounds__ BOUNDS                                                            \
	    name(float* C, const u16* A, const u16* B, int M, int N, int K, int lda, int ldb, int ldc, float alpha,    \
	         float beta, long long sA, long long sB, long long sC, int vecA, int vecB) {                           \
		body<CF, TA, TB>(C, A, B, M, N, K, lda, ldb, ldc, alpha, beta, sA, sB, sC, vecA, vecB);                    \
	}

#define GEMM_ENTRIES(prefix, body, BOUNDS, CF)                                                                     \
	extern "C" __device__ const int prefix##_smem = CF::SMEM;                                                      \
	GEMM_ENTRY(prefix##_nn, body, BOUNDS, CF, false, false)                                                        \
	GEMM_ENTRY(prefix##_nt, body, BOUNDS, CF, false, true)                                                         \
	GEMM_ENTRY(prefix##_tn, body, BOUNDS, CF, true, false)                                                         \
	GEMM_ENTRY(prefix##_tt, body, BOUNDS, CF, true, true)
