// Element-wise kernels: fill, add, scaled add, multiply, scale, sum of
// squares, bias and its backward, dtype conversions (tensor.Elementwise).

#include "common.cuh"

extern "C" __global__ void fill_u32(unsigned int* t, unsigned int bits, int n) {
	GRID_STRIDE(i, n) t[i] = bits;
}

extern "C" __global__ void fill_u16(unsigned short* t, unsigned short bits, int n) {
	GRID_STRIDE(i, n) t[i] = bits;
}

// add_f32: out = a + b (out may alias a or b).
extern "C" __global__ void add_f32(float* out, const float* a, const float* b, int n) {
	GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

// add_scaled_f32: dst += s * src.
extern "C" __global__ void add_scaled_f32(float* dst, const float* src, float s, int n) {
	GRID_STRIDE(i, n) dst[i] += s * src[i];
}

// mul_f32: out = a * b.
extern "C" __global__ void mul_f32(float* out, const float* a, const float* b, int n) {
	GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

// scale_f32: t *= s.
extern "C" __global__ void scale_f32(float* t, float s, int n) {
	GRID_STRIDE(i, n) t[i] *= s;
}

// sum_squares_f32 writes the float64 sum of squares of this block's
// grid-stride share of t into partial[blockIdx.x]; the host adds the
// partials in block order, so the result does not depend on scheduling.
// blockDim.x must be 256.
extern "C" __global__ void sum_squares_f32(double* partial, const float* t, int n) {
	__shared__ double scratch[32];
	double s = 0;
	GRID_STRIDE(i, n) {
		double v = t[i];
		s += v * v;
	}
	s = block_sum_d(s, scratch);
	if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// add_bias_f32: out (rows, C) += bias (C) on every row.
extern "C" __global__ void add_bias_f32(float* out, const float* bias, int rows, int C) {
	GRID_STRIDE(i, (long long)rows * C) out[i] += bias[i % C];
}

// col_sum_accum_f32: dst (C) += column sums of src (rows, C), the bias
// gradient. Block (32, 8): each block owns 32 columns, its 8 row lanes
// stride over the rows, and the lanes are added in a fixed order, so the
// result is deterministic. Grid: ceil(C/32) blocks.
extern "C" __global__ void col_sum_accum_f32(float* dst, const float* src, int rows, int C) {
	__shared__ float part[8][33];
	int c = blockIdx.x * 32 + threadIdx.x;
	float s = 0;
	if (c < C)
		for (int r = threadIdx.y; r < rows; r += 8) s += src[(long long)r * C + c];
	part[threadIdx.y][threadIdx.x] = s;
	__syncthreads();
	if (threadIdx.y == 0 && c < C) {
		float t = 0;
#pragma unroll
		for (int y = 0; y < 8; y++) t += part[y][threadIdx.x];
		dst[c] += t;
	}
}

// Conversions. Rounding is to nearest even, as tensor/half does.
extern "C" __global__ void f32_to_bf16(__nv_bfloat16* dst, const float* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __float2bfloat16_rn(src[i]);
}

// f32_to_bf16_x4 is f32_to_bf16 over n4 groups of four elements, one
// 16-byte load and one 8-byte store per group: for src 16-byte and dst
// 8-byte aligned (the host checks and falls back to f32_to_bf16). The
// tensor-core products convert their float32 operands with it.
extern "C" __global__ void f32_to_bf16_x4(uint2* dst, const float4* src, int n4) {
	GRID_STRIDE(i, n4) {
		float4 v = src[i];
		__nv_bfloat162 lo = __floats2bfloat162_rn(v.x, v.y), hi = __floats2bfloat162_rn(v.z, v.w);
		dst[i] = make_uint2(*(unsigned*)&lo, *(unsigned*)&hi);
	}
}

extern "C" __global__ void f32_to_f16(__half* dst, const float* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __float2half_rn(src[i]);
}

extern "C" __global__ void bf16_to_f32(float* dst, const __nv_bfloat16* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __bfloat162float(src[i]);
}

extern "C" __global__ void f16_to_f32(float* dst, const __half* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __half2float(src[i]);
}

extern "C" __global__ void bf16_to_f16(__half* dst, const __nv_bfloat16* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __float2half_rn(__bfloat162float(src[i]));
}

extern "C" __global__ void f16_to_bf16(__nv_bfloat16* dst, const __half* src, int n) {
	GRID_STRIDE(i, n) dst[i] = __float2bfloat16_rn(__half2float(src[i]));
}
