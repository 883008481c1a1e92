// SwiGLU and GELU (tanh approximation) forward and backward
// (tensor.Activations). expf and tanhf are the accurate library versions
// (no fast math): within 2 ulp, like the CPU backend's exp32.

#include "common.cuh"

__device__ __forceinline__ float sigmoidf(float x) { return 1.f / (1.f + expf(-x)); }

// swiglu_forward_f32: out = silu(gate) * up.
extern "C" __global__ void swiglu_forward_f32(float* out, const float* gate, const float* up, int n) {
	GRID_STRIDE(i, n) {
		float x = gate[i];
		out[i] = x * sigmoidf(x) * up[i];
	}
}

// swiglu_backward_f32: with s = sigmoid(g), dGate = dOut*up*s*(1+g*(1-s)),
// dUp = dOut*silu(g). dGate or dUp may alias dOut.
extern "C" __global__ void swiglu_backward_f32(float* dGate, float* dUp, const float* dOut, const float* gate,
                                               const float* up, int n) {
	GRID_STRIDE(i, n) {
		float x = gate[i], u = up[i], dy = dOut[i];
		float s = sigmoidf(x);
		dGate[i] = dy * u * s * (1.f + x * (1.f - s));
		dUp[i] = dy * (x * s);
	}
}

// swiglu_forward_bf16in, swiglu_backward_bf16in: the same with gate and up
// stored in BF16 (saved activations at half the memory); the arithmetic
// is float32 on their values.
extern "C" __global__ void swiglu_forward_bf16in(float* out, const __nv_bfloat16* gate, const __nv_bfloat16* up,
                                                 int n) {
	GRID_STRIDE(i, n) {
		float x = __bfloat162float(gate[i]);
		out[i] = x * sigmoidf(x) * __bfloat162float(up[i]);
	}
}

extern "C" __global__ void swiglu_backward_bf16in(float* dGate, float* dUp, const float* dOut,
                                                  const __nv_bfloat16* gate, const __nv_bfloat16* up, int n) {
	GRID_STRIDE(i, n) {
		float x = __bfloat162float(gate[i]), u = __bfloat162float(up[i]), dy = dOut[i];
		float s = sigmoidf(x);
		dGate[i] = dy * u * s * (1.f + x * (1.f - s));
		dUp[i] = dy * (x * s);
	}
}

#define GELU_C 0.7978845608028654f // sqrt(2/pi)

// gelu_forward_f32: out = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
extern "C" __global__ void gelu_forward_f32(float* out, const float* in, int n) {
	GRID_STRIDE(i, n) {
		float v = in[i];
		out[i] = 0.5f * v * (1.f + tanhf(GELU_C * (v + 0.044715f * v * v * v)));
	}
}

// gelu_backward_f32: dIn = dOut * gelu'(in). dIn may alias dOut.
extern "C" __global__ void gelu_backward_f32(float* dIn, const float* dOut, const float* in, int n) {
	GRID_STRIDE(i, n) {
		float v = in[i];
		float t = tanhf(GELU_C * (v + 0.044715f * v * v * v));
		float dt = (1.f - t * t) * GELU_C * (1.f + 3.f * 0.044715f * v * v);
		dIn[i] = dOut[i] * (0.5f * (1.f + t) + 0.5f * v * dt);
	}
}
