// Rotary position embeddings, both pair layouts (tensor.Rotary).

#include "common.cuh"

// rope_f32 rotates each HS = 2*half sized head of every row of in (N, X)
// into out by the angle of the row's position pos[r] (device int32); sign
// -1 rotates backwards (the gradient). Pairs are (i, i+half) in the
// rotate-half layout and (2i, 2i+1) when interleaved != 0. One thread per
// pair, so out may alias in.
extern "C" __global__ void rope_f32(float* out, const float* in, const float* cos_t, const float* sin_t,
                                    const int* pos, int N, int X, int half, int interleaved, float sign) {
	int pairs = X / 2;
	GRID_STRIDE(idx, (long long)N * pairs) {
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
		out[i1] = x1 * c - x2 * s;
		out[i2] = x2 * c + x1 * s;
	}
}

// rope_copy_f32 is rope_f32 (the same expressions) that also writes outB =
// out rounded to BF16 (nearest even, as f32_to_bf16; tensor.RoPECopier).
// outB may not alias in.
extern "C" __global__ void rope_copy_f32(float* out, __nv_bfloat16* outB, const float* in, const float* cos_t,
                                         const float* sin_t, const int* pos, int N, int X, int half, int interleaved,
                                         float sign) {
	int pairs = X / 2;
	GRID_STRIDE(idx, (long long)N * pairs) {
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
		float y1 = x1 * c - x2 * s, y2 = x2 * c + x1 * s;
		out[i1] = y1;
		out[i2] = y2;
		outB[i1] = __float2bfloat16_rn(y1);
		outB[i2] = __float2bfloat16_rn(y2);
	}
}
