// Shared device helpers for embrec's kernels: launch-shape conventions,
// warp and block reductions. Every kernel is extern "C" so its PTX name is
// the name in kernels.go, and takes parameters of exact C types: pointers
// (u64), int (s32), float (f32), unsigned long long (u64).
//
// Conventions: element-wise kernels use grid-stride loops over n elements
// (any grid works; the Go side launches min(ceil(n/256), 65535) blocks of
// 256); row kernels take one block (or one warp) per row. Sizes fit in int:
// the Go side checks that every tensor has fewer than 2^31 elements.

#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#define GRID_STRIDE(i, n) \
	for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
	     i += (long long)blockDim.x * gridDim.x)

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
	for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

// block_sum returns the sum of v over the block to every thread. blockDim.x
// must be a multiple of 32 and at most 1024; scratch holds 32 floats. It
// synchronises, so every thread of the block must call it.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
	v = warp_sum(v);
	__syncthreads(); // scratch may still be read by a previous call
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	v = lane < nw ? scratch[lane] : 0.f;
	return warp_sum(v);
}

__device__ __forceinline__ double block_sum_d(double v, double* scratch) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
	v = warp_sum_d(v);
	__syncthreads();
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	v = lane < nw ? scratch[lane] : 0.0;
	return warp_sum_d(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
	v = warp_max(v);
	__syncthreads();
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	v = lane < nw ? scratch[lane] : -INFINITY;
	return warp_max(v);
}
