// SwiGLU and GELU (tanh approximation) forward and backward
// (tensor.Activations). expf and tanhf are the accurate library versions
// (no fast math): within 2 ulp, like the CPU backend's exp32.

#include "common.cuh"

__device__ __forceinline__ float sigmoidf(float x) { return 1.f / (1.f + expf(-x)); }

// SwiGLU, forward and backward, for gate and up in float32 or in BF16
// (saved activations at half the memory) and outputs in float32 or in BF16
// (the operands of a tensor-core product, rounded to nearest even as
// f32_to_bf16 rounds: the same bits as converting the float32 result).
// The arithmetic is float32 on the values. Kernels
// swiglu_{forward,backward}_{f32,bf16in}[_bf16out].

__device__ __forceinline__ float act_load(const float* p, int i) { return p[i]; }
__device__ __forceinline__ float act_load(const __nv_bfloat16* p, int i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void act_store(float* p, int i, float v) { p[i] = v; }
__device__ __forceinline__ void act_store(__nv_bfloat16* p, int i, float v) { p[i] = __float2bfloat16_rn(v); }

// swiglu_forward: out = silu(gate) * up.
template <class In, class Out>
__device__ __forceinline__ void swiglu_forward(Out* out, const In* gate, const In* up, int n) {
	GRID_STRIDE(i, n) {
		float x = act_load(gate, i);
		act_store(out, i, x * sigmoidf(x) * act_load(up, i));
	}
}

// swiglu_backward: with s = sigmoid(g), dGate = dOut*up*s*(1+g*(1-s)),
// dUp = dOut*silu(g). dGate or dUp may alias dOut (float32 outputs).
template <class In, class Out>
__device__ __forceinline__ void swiglu_backward(Out* dGate, Out* dUp, const float* dOut, const In* gate, const In* up,
                                                int n) {
	GRID_STRIDE(i, n) {
		float x = act_load(gate, i), u = act_load(up, i), dy = dOut[i];
		float s = sigmoidf(x);
		act_store(dGate, i, dy * u * s * (1.f + x * (1.f - s)));
		act_store(dUp, i, dy * (x * s));
	}
}

#define SWIGLU_KERNELS(SUFFIX, IN, OUT)                                                                           \
	extern "C" __global__ void swiglu_forward_##SUFFIX(OUT* out, const IN* gate, const IN* up, int n) {           \
		swiglu_forward(out, gate, up, n);                                                                         \
	}                                                                                                             \
	extern "C" __global__ void swiglu_backward_##SUFFIX(OUT* dGate, OUT* dUp, const float* dOut, const IN* gate, \
	                                                    const IN* up, int n) {                                    \
		swiglu_backward(dGate, dUp, dOut, gate, up, n);                                                           \
	}

// swiglu_forward_save: swiglu_forward from float32 gate and up that also
// writes them rounded to BF16 (the activations a block saves under
// llama's SaveBF16; tensor.SwiGLUSaver): one pass over gate and up instead
// of three.
template <class Out>
__device__ __forceinline__ void swiglu_forward_save(Out* out, __nv_bfloat16* gateSaved, __nv_bfloat16* upSaved,
                                                    const float* gate, const float* up, int n) {
	GRID_STRIDE(i, n) {
		float x = gate[i], u = up[i];
		act_store(out, i, x * sigmoidf(x) * u);
		gateSaved[i] = __float2bfloat16_rn(x);
		upSaved[i] = __float2bfloat16_rn(u);
	}
}

extern "C" __global__ void swiglu_forward_save_f32(float* out, __nv_bfloat16* gateSaved, __nv_bfloat16* upSaved,
                                                   const float* gate, const float* up, int n) {
	swiglu_forward_save(out, gateSaved, upSaved, gate, up, n);
}

extern "C" __global__ void swiglu_forward_save_bf16out(__nv_bfloat16* out, __nv_bfloat16* gateSaved,
                                                       __nv_bfloat16* upSaved, const float* gate, const float* up,
                                                       int n) {
	swiglu_forward_save(out, gateSaved, upSaved, gate, up, n);
}

SWIGLU_KERNELS(f32, float, float)
SWIGLU_KERNELS(bf16in, __nv_bfloat16, float)
SWIGLU_KERNELS(f32_bf16out, float, __nv_bfloat16)
SWIGLU_KERNELS(bf16in_bf16out, __nv_bfloat16, __nv_bfloat16)

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
