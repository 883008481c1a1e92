// Dropout with tensor.DropoutUniform's counter-based RNG, and AdamW
// (tensor.Dropouts, tensor.Optimizer).

#include "common.cuh"
#include "dropout.cuh"

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
