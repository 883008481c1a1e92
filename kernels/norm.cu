// RMSNorm forward and backward (tensor.Normalizer). One block of 256
// threads per row; the weight gradient is a separate deterministic column
// reduction.

#include "common.cuh"

// rmsnorm_forward_row normalises row r of in (N, C) (rstd[r] =
// 1/sqrt(mean(in^2) + eps)) and hands each output, weight * in * rstd, to
// store(i, v). One block of 256 threads per row; scratch: the kernel's
// __shared__ float[32] for block_sum.
template <class Store>
__device__ __forceinline__ void rmsnorm_forward_row(float* scratch, float* rstd, const float* in, const float* weight,
                                                    float eps, int r, int C, Store store) {
	const float* x = in + (long long)r * C;
	float ss = 0;
	for (int i = threadIdx.x; i < C; i += blockDim.x) ss += x[i] * x[i];
	ss = block_sum(ss, scratch);
	float rs = 1.f / sqrtf(ss / (float)C + eps);
	if (threadIdx.x == 0) rstd[r] = rs;
	for (int i = threadIdx.x; i < C; i += blockDim.x) store(i, weight[i] * (x[i] * rs));
}

// rmsnorm_forward_f32: out (N, C) = weight * in * rstd, rstd (N) =
// 1/sqrt(mean(in^2) + eps). Grid: N blocks of 256.
extern "C" __global__ void rmsnorm_forward_f32(float* out, float* rstd, const float* in, const float* weight, float eps,
                                               int N, int C) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	float* o = out + (long long)r * C;
	rmsnorm_forward_row(scratch, rstd, in, weight, eps, r, C, [&](int i, float v) { o[i] = v; });
}

// rmsnorm_forward_copy_f32 is rmsnorm_forward_f32 that also writes outB =
// out rounded to BF16 (nearest even, as f32_to_bf16; tensor.RMSNormCopier).
extern "C" __global__ void rmsnorm_forward_copy_f32(float* out, __nv_bfloat16* outB, float* rstd, const float* in,
                                                    const float* weight, float eps, int N, int C) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	float* o = out + (long long)r * C;
	__nv_bfloat16* ob = outB + (long long)r * C;
	rmsnorm_forward_row(scratch, rstd, in, weight, eps, r, C, [&](int i, float v) {
		o[i] = v;
		ob[i] = __float2bfloat16_rn(v);
	});
}

// rmsnorm_backward_row hands each element of row r's input gradient, with
// g = dOut*w and xhat = x*rstd, dx = rstd * (g - xhat * mean(g * xhat)),
// to store(i, dx). One block of 256 threads per row; scratch as above.
template <class Store>
__device__ __forceinline__ void rmsnorm_backward_row(float* scratch, const float* dOut, const float* in,
                                                     const float* weight, const float* rstd, int r, int C,
                                                     Store store) {
	const float* x = in + (long long)r * C;
	const float* d = dOut + (long long)r * C;
	float rs = rstd[r];
	float dot = 0;
	for (int i = threadIdx.x; i < C; i += blockDim.x) dot += (d[i] * weight[i]) * (x[i] * rs);
	dot = block_sum(dot, scratch);
	float m = dot / (float)C;
	for (int i = threadIdx.x; i < C; i += blockDim.x) store(i, rs * (d[i] * weight[i] - x[i] * rs * m));
}

// rmsnorm_backward_f32 sets dIn (N, C) to the input gradient. Grid: N
// blocks of 256. dIn may alias dOut.
extern "C" __global__ void rmsnorm_backward_f32(float* dIn, const float* dOut, const float* in, const float* weight,
                                                const float* rstd, int N, int C) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	float* dx = dIn + (long long)r * C;
	rmsnorm_backward_row(scratch, dOut, in, weight, rstd, r, C, [&](int i, float v) { dx[i] = v; });
}

// rmsnorm_backward_add_f32: dRes (N, C) += the input gradient
// (tensor.RMSNormBackwardAdder), the sum rounded on its own (__fadd_rn: no
// FMA contraction), so that the result is rmsnorm_backward_f32's followed
// by add_f32, bit for bit; with resB not null, also resB = dRes rounded to
// BF16 (nearest even, as f32_to_bf16). Grid: N blocks of 256. dRes may not
// alias dOut.
extern "C" __global__ void rmsnorm_backward_add_f32(float* dRes, __nv_bfloat16* resB, const float* dOut,
                                                    const float* in, const float* weight, const float* rstd, int N,
                                                    int C) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	float* dr = dRes + (long long)r * C;
	rmsnorm_backward_row(scratch, dOut, in, weight, rstd, r, C, [&](int i, float dx) {
		float v = __fadd_rn(dr[i], dx);
		dr[i] = v;
		if (resB) resB[(long long)r * C + i] = __float2bfloat16_rn(v);
	});
}

// rmsnorm_dweight_f32: dWeight (C) += sum over rows of dOut * in * rstd.
// Block (32, 8), grid ceil(C/32), fixed summation order (deterministic).
extern "C" __global__ void rmsnorm_dweight_f32(float* dWeight, const float* dOut, const float* in, const float* rstd,
                                               int N, int C) {
	__shared__ float part[8][33];
	int c = blockIdx.x * 32 + threadIdx.x;
	float s = 0;
	if (c < C)
		for (int r = threadIdx.y; r < N; r += 8) {
			long long k = (long long)r * C + c;
			s += dOut[k] * in[k] * rstd[r];
		}
	part[threadIdx.y][threadIdx.x] = s;
	__syncthreads();
	if (threadIdx.y == 0 && c < C) {
		float t = 0;
#pragma unroll
		for (int y = 0; y < 8; y++) t += part[y][threadIdx.x];
		dWeight[c] += t;
	}
}
