// Pieces of the wgmma GEMMs shared by gemm_wgmma.cu (copies by the
// threads) and gemm_tma.cu (copies by the tensor memory accelerator): the
// 128-byte-swizzle matrix descriptor, a warpgroup's descriptor strides,
// the wgmma of one k-tile, and the epilogue. A tile configuration CF
// provides BN (the C tile's columns), BK (its k-tile) and ACC (BN / 2
// float32 accumulators per thread); gemm_wgmma.cu describes the shared
// layouts the descriptors address.

#pragma once

#include "common.cuh"
#include "gemm_tile.cuh"
#include "wgmma.cuh"

typedef unsigned short u16;

// wg_desc encodes a 128-byte-swizzle matrix descriptor for the shared
// address addr: bits 0-13 addr/16, 16-29 LBO/16, 32-45 SBO/16, 62-63
// swizzle mode (1: 128-byte).
__device__ __forceinline__ unsigned long long wg_desc(unsigned addr, unsigned lbo, unsigned sbo) {
	return (unsigned long long)((addr & 0x3FFFF) >> 4) | ((unsigned long long)(lbo >> 4) << 16) |
	       ((unsigned long long)(sbo >> 4) << 32) | (1ull << 62);
}

// WgDesc: the parts of a warpgroup's descriptors that do not depend on the
// stage: its 64 rows of A (row group g of the tile), each operand's
// strides, and the step per k16.
struct WgDesc {
	unsigned aOff, aLBO, aSBO, bLBO, bSBO, aStep, bStep;
};

// wg_mma_ktile issues and commits the warpgroup's wgmma of one k-tile
// (stage tiles at shared a0, b0): acc += its 64 rows of A times B.
template <class CF, bool TA, bool TB>
__device__ __forceinline__ void wg_mma_ktile(float (&acc)[CF::ACC], unsigned a0, unsigned b0, const WgDesc& w) {
	wg_fence_acc(acc);
	wgmma_fence();
#pragma unroll
	for (int ks = 0; ks < CF::BK / 16; ks++) {
		unsigned long long da = wg_desc(a0 + ks * w.aStep, w.aLBO, w.aSBO), db = wg_desc(b0 + ks * w.bStep, w.bLBO, w.bSBO);
		if constexpr (CF::BN == 256) wgmma_m64n256<TA, !TB>(acc, da, db); // B stored (K, N): N-major
		else if constexpr (CF::BN == 208) wgmma_m64n208<TA, !TB>(acc, da, db);
		else wgmma_m64n128<TA, !TB>(acc, da, db);
	}
	wgmma_commit();
}

// wg_epilogue stores alpha * acc (+ beta * C) for the warpgroup's rows
// [r0, r0+64) x [n0, n0+BN) of C. Accumulator i of a thread holds row
// 16*warp + lane/4 + 8*((i/2) % 2), column 8*(i/4) + 2*(lane%4) + i%2 of
// the 64 x BN tile; float2 stores where C allows them (as gemm_bf16.cu).
template <class CF>
__device__ __forceinline__ void wg_epilogue(float* C, const float (&acc)[CF::ACC], int r0, int n0, int M, int N,
                                            int ldc, float alpha, float beta) {
	int lane = threadIdx.x & 31, warp = (threadIdx.x >> 5) & 3;
	bool c2 = ((unsigned long long)C & 7) == 0 && (ldc & 1) == 0;
#pragma unroll
	for (int h = 0; h < 2; h++) {
		int m = r0 + warp * 16 + (lane >> 2) + h * 8;
		if (m >= M) continue;
		float* row = C + (long long)m * ldc;
#pragma unroll
		for (int j = 0; j < CF::BN / 8; j++) {
			int n = n0 + j * 8 + 2 * (lane & 3);
			gemm_store_pair(row, n, N, alpha * acc[4 * j + 2 * h], alpha * acc[4 * j + 2 * h + 1], beta, c2);
		}
	}
}

// wg_epilogue_t is wg_epilogue for a kernel that computes C^T (M x N here
// are C^T's extents, ldc C's row stride): the warpgroup's rows [r0, r0+64)
// are columns of C, the tile's columns [n0, n0+BN) rows of C, so
// accumulator (r, c) goes to C[c*ldc + r]. The eight lanes that share a c
// hold eight consecutive r: each store instruction fills 32-byte sectors
// whole.
template <class CF>
__device__ __forceinline__ void wg_epilogue_t(float* C, const float (&acc)[CF::ACC], int r0, int n0, int M, int N,
                                              int ldc, float alpha, float beta) {
	int lane = threadIdx.x & 31, warp = (threadIdx.x >> 5) & 3;
#pragma unroll
	for (int h = 0; h < 2; h++) {
		int r = r0 + warp * 16 + (lane >> 2) + h * 8; // a column of C
		if (r >= M) continue;
#pragma unroll
		for (int j = 0; j < CF::BN / 8; j++) {
#pragma unroll
			for (int e = 0; e < 2; e++) {
				int c = n0 + j * 8 + 2 * (lane & 3) + e; // a row of C
				if (c >= N) continue;
				float* p = C + (long long)c * ldc + r;
				float v = alpha * acc[4 * j + 2 * h + e];
				*p = beta == 0.f ? v : v + beta * *p;
			}
		}
	}
}
