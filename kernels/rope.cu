// Rotary position embeddings, both pair layouts (tensor.Rotary).

#include "common.cuh"

// RopePair: one rotated pair, its two elements' indices and values.
struct RopePair {
	long long i1, i2;
	float y1, y2;
};

// rope_pair rotates pair idx (of N * pairs, pairs = X/2) of in (N, X): each HS = 2*half
// sized head of row r turns by the angle of the row's position pos[r]
// (device int32); sign -1 rotates backwards (the gradient). Pairs are
// (i, i+half) in the rotate-half layout and (2i, 2i+1) when interleaved.
__device__ __forceinline__ RopePair rope_pair(const float* in, const float* cos_t, const float* sin_t,
                                              const int* pos, long long idx, int X, int pairs, int half,
                                              int interleaved, float sign) {
	int r = (int)(idx / pairs);
	int j = (int)(idx % pairs);
	int h = j / half, i = j % half;
	long long base = (long long)r * X + (long long)h * 2 * half;
	long long i1 = base + i, i2 = base + i + half;
	if (interleaved) {
		i1 = base + 2 * i;
		i2 = i1 + 1;
	}
	long long t = (long long)pos[r] * half + i;
	float c = cos_t[t], s = sign * sin_t[t];
	float x1 = in[i1], x2 = in[i2];
	return RopePair{i1, i2, x1 * c - x2 * s, x2 * c + x1 * s};
}

// rope_f32 writes the rotated pairs of in (N, X) into out. One thread per
// pair, so out may alias in.
extern "C" __global__ void rope_f32(float* out, const float* in, const float* cos_t, const float* sin_t,
                                    const int* pos, int N, int X, int half, int interleaved, float sign) {
	int pairs = X / 2;
	GRID_STRIDE(idx, (long long)N * pairs) {
		RopePair p = rope_pair(in, cos_t, sin_t, pos, idx, X, pairs, half, interleaved, sign);
		out[p.i1] = p.y1;
		out[p.i2] = p.y2;
	}
}

// rope_copy_f32 is rope_f32 that also writes outB = out rounded to BF16
// (nearest even, as f32_to_bf16; tensor.RoPECopier). outB may not alias
// in.
extern "C" __global__ void rope_copy_f32(float* out, __nv_bfloat16* outB, const float* in, const float* cos_t,
                                         const float* sin_t, const int* pos, int N, int X, int half, int interleaved,
                                         float sign) {
	int pairs = X / 2;
	GRID_STRIDE(idx, (long long)N * pairs) {
		RopePair p = rope_pair(in, cos_t, sin_t, pos, idx, X, pairs, half, interleaved, sign);
		out[p.i1] = p.y1;
		out[p.i2] = p.y2;
		outB[p.i1] = __float2bfloat16_rn(p.y1);
		outB[p.i2] = __float2bfloat16_rn(p.y2);
	}
}
