// Dropout with tensor.DropoutUniform's counter-based RNG, and AdamW
// (tensor.Dropouts, tensor.Optimizer).

#include "common.cuh"

// dropout_uniform is tensor.DropoutUniform bit for bit: SplitMix64's
// finaliser over seed + (i+1) * golden ratio (64-bit wrap-around), top 24
// bits as a float in [0, 1). The conversion of a 24-bit integer to float and
// the multiplication by 2^-24 are exact.
__device__ __forceinline__ float dropout_uniform(unsigned long long seed, long long i) {
	unsigned long long z = seed + (unsigned long long)(i + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (float)(unsigned int)(z >> 40) * (1.0f / 16777216.0f);
}

// dropout_forward_f32: mask = (U(seed, i) < p) ? 0 : keep; out = in * mask.
// keep = 1/(1-p) is computed by the host in float32, as the CPU backend does.
extern "C" __global__ void dropout_forward_f32(float* out, float* mask, const float* in, float p, float keep,
                                               unsigned long long seed, int n) {
	GRID_STRIDE(i, n) {
		float m = dropout_uniform(seed, i) < p ? 0.f : keep;
		mask[i] = m;
		out[i] = in[i] * m;
	}
}

// adamw_f32: one AdamW step in PyTorch's order (see tensor.CPU.AdamW).
// step_size = lr/(1-b1^t) and bc2_sqrt = sqrt(1-b2^t) are computed by the
// host in float64 and rounded to float32; decay = 1 - lr*wd in float32.
extern "C" __global__ void adamw_f32(float* param, const float* grad, float* m, float* v, float beta1, float beta2,
                                     float eps, float step_size, float bc2_sqrt, float decay, int n) {
	GRID_STRIDE(i, n) {
		float g = grad[i];
		float mi = beta1 * m[i] + (1.f - beta1) * g;
		float vi = beta2 * v[i] + (1.f - beta2) * g * g;
		m[i] = mi;
		v[i] = vi;
		param[i] = param[i] * decay - step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
	}
}
