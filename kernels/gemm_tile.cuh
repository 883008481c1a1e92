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
