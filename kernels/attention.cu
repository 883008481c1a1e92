// The materialised (T x T) attention's row kernels (tensor.Attention): the
// masked causal softmax and its backward, and the head packing of the
// tensor-core path. The products around them (scores = scale Q K^T,
// out = P V and the backward's four products) run either on the BF16 GEMM
// over packed heads (the default, cuda/ops_attention.go) or on gemm_f32
// with per-head strides (Options.AttentionF32). The fused alternative,
// without the T x T buffers, is flash.cu.

#include "common.cuh"

// masked_softmax_row turns row r of probs (B, NH, Tq, Tk) from scores into
// probabilities over the keys j <= i + Tk - Tq (query i's position) whose
// mask[b*Tk + j] != 0 (mask NULL: all keys valid); other entries become 0,
// and a row that sees no key becomes all zeros. With BF, pb (the same
// shape, BF16) receives the probabilities rounded to nearest even: the
// operand of the P V product, without a separate conversion pass. One warp
// per row.
template <bool BF>
__device__ __forceinline__ void masked_softmax_row(float* probs, __nv_bfloat16* pb, const int* mask, int r, int NH,
                                                   int Tq, int Tk, int lane) {
	int b = r / (NH * Tq), i = r % Tq;
	int last = i + Tk - Tq;
	float* p = probs + (long long)r * Tk;
	const int* m = mask ? mask + (long long)b * Tk : 0;
	float mx = -INFINITY;
	for (int j = lane; j <= last && j < Tk; j += 32)
		if (!m || m[j] != 0) mx = fmaxf(mx, p[j]);
	mx = warp_max(mx);
	float sum = 0;
	for (int j = lane; j < Tk; j += 32) {
		float e = 0;
		if (j <= last && (!m || m[j] != 0) && mx != -INFINITY) e = expf(p[j] - mx);
		p[j] = e;
		sum += e;
	}
	sum = warp_sum(sum);
	float inv = sum > 0 ? 1.f / sum : 0.f;
	if (BF) {
		__nv_bfloat16* q = pb + (long long)r * Tk;
		for (int j = lane; j < Tk; j += 32) {
			float v = j <= last ? p[j] * inv : 0.f;
			if (j <= last) p[j] = v;
			q[j] = __float2bfloat16_rn(v);
		}
	} else if (sum > 0) {
		for (int j = lane; j <= last && j < Tk; j += 32) p[j] *= inv;
	}
}

// masked_softmax_f32: masked_softmax_row over rows rows; 4 rows (warps)
// per block of 128 threads.
extern "C" __global__ void masked_softmax_f32(float* probs, const int* mask, int rows, int NH, int Tq, int Tk) {
	int r = blockIdx.x * 4 + (threadIdx.x >> 5);
	if (r < rows) masked_softmax_row<false>(probs, 0, mask, r, NH, Tq, Tk, threadIdx.x & 31);
}

// masked_softmax_f32_bf16: masked_softmax_f32 that also writes the
// probabilities in BF16 to pb.
extern "C" __global__ void masked_softmax_f32_bf16(float* probs, __nv_bfloat16* pb, const int* mask, int rows,
                                                   int NH, int Tq, int Tk) {
	int r = blockIdx.x * 4 + (threadIdx.x >> 5);
	if (r < rows) masked_softmax_row<true>(probs, pb, mask, r, NH, Tq, Tk, threadIdx.x & 31);
}

// softmax_backward_f32: dS = P * (dP - rowsum(P * dP)), in place on dP;
// rows of Tk. One warp per row, 4 rows per block of 128 threads.
extern "C" __global__ void softmax_backward_f32(float* dP, const float* P, int rows, int Tk) {
	int r = blockIdx.x * 4 + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31;
	if (r >= rows) return;
	float* d = dP + (long long)r * Tk;
	const float* p = P + (long long)r * Tk;
	float dot = 0;
	for (int j = lane; j < Tk; j += 32) dot += p[j] * d[j];
	dot = warp_sum(dot);
	for (int j = lane; j < Tk; j += 32) d[j] = p[j] * (d[j] - dot);
}

// softmax_backward_bf16: the tensor-core path's softmax backward: dS =
// P * (dP - rowsum(P * dP)) written in BF16 to dS, and P rounded to BF16 to
// pb (the operands of the dQ, dK and dV products), from float32 dP and P,
// which are only read. One warp per row, 4 rows per block of 128 threads.
extern "C" __global__ void softmax_backward_bf16(__nv_bfloat16* dS, __nv_bfloat16* pb, const float* dP,
                                                 const float* P, int rows, int Tk) {
	int r = blockIdx.x * 4 + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31;
	if (r >= rows) return;
	long long o = (long long)r * Tk;
	float dot = 0;
	for (int j = lane; j < Tk; j += 32) dot += P[o + j] * dP[o + j];
	dot = warp_sum(dot);
	for (int j = lane; j < Tk; j += 32) {
		float p = P[o + j];
		dS[o + j] = __float2bfloat16_rn(p * (dP[o + j] - dot));
		pb[o + j] = __float2bfloat16_rn(p);
	}
}

// pack_src returns the offset in pack_heads' input of the first column of
// output row r = (b*NH + h)*T + t: head h / (NH/NHin) of position t.
__device__ __forceinline__ long long pack_src(long long r, int T, int NH, int NHin, int HS) {
	long long bh = r / T;
	int t = (int)(r - bh * T);
	long long bb = bh / NH;
	int h = (int)(bh - bb * NH);
	return ((bb * T + t) * NHin + h / (NH / NHin)) * HS;
}

// unpack_src returns the offset in unpack_heads' input of the first column
// of the group of output row r = (b*T + t)*NHout + ho: packed head
// ho*group of batch b, position t.
__device__ __forceinline__ long long unpack_src(long long r, int T, int NH, int NHout, int HSp) {
	long long bt = r / NHout;
	int ho = (int)(r - bt * NHout);
	long long bb = bt / T;
	int t = (int)(bt - bb * T);
	return ((bb * NH + (long long)ho * (NH / NHout)) * T + t) * HSp;
}

// pack_heads_bf16: out (B*NH, T, HSp) BF16 = scale * in (B, T, NHin*HS)
// F32, rounded to nearest even, head h of out reading head h / (NH/NHin) of
// in (GQA: a key/value head is expanded to each query head of its group;
// NHin == NH is a plain regrouping), columns HS..HSp-1 zero. HSp >= HS is a
// multiple of 8, so every row of out starts 16-byte aligned for the GEMM's
// cp.async loads. One warp per output row (bh, t), lanes over the columns;
// the rows are strided over the grid (any grid works; blocks of 256).
extern "C" __global__ void pack_heads_bf16(__nv_bfloat16* out, const float* in, int B, int T, int NH, int NHin,
                                           int HS, int HSp, float scale) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * NH * T;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		const float* src = in + pack_src(r, T, NH, NHin, HS);
		__nv_bfloat16* dst = out + r * HSp;
		for (int d = lane; d < HSp; d += 32) dst[d] = __float2bfloat16_rn(d < HS ? scale * src[d] : 0.f);
	}
}

// pack_heads_bf16_x4: pack_heads_bf16 four columns per lane (one 16-byte
// load, one 8-byte store), for HS a multiple of 4 and in 16-byte aligned
// (the host checks; HSp is a multiple of 8). 26 lanes cover a row of
// HSp = 104 at once where the scalar kernel takes four passes.
extern "C" __global__ void pack_heads_bf16_x4(__nv_bfloat16* out, const float* in, int B, int T, int NH, int NHin,
                                              int HS, int HSp, float scale) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * NH * T;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		const float4* src = (const float4*)(in + pack_src(r, T, NH, NHin, HS));
		uint2* dst = (uint2*)(out + r * HSp);
		for (int d = lane; 4 * d < HSp; d += 32) {
			float4 v = 4 * d < HS ? src[d] : make_float4(0.f, 0.f, 0.f, 0.f);
			__nv_bfloat162 lo = __floats2bfloat162_rn(scale * v.x, scale * v.y);
			__nv_bfloat162 hi = __floats2bfloat162_rn(scale * v.z, scale * v.w);
			dst[d] = make_uint2(*(unsigned*)&lo, *(unsigned*)&hi);
		}
	}
}

// unpack_heads_f32: out (B, T, NHout*HS) F32 = scale * the sum, over the
// group of NH/NHout query heads h = ho*group + g (g in order), of in
// (B*NH, T, HSp) F32 columns 0..HS-1: the gradient of a key/value head
// expanded by pack_heads_bf16 (NHout == NH: a plain copy). Overwrites out.
// One warp per output (b, t, ho), lanes over the columns; rows strided over
// the grid (any grid works; blocks of 256).
extern "C" __global__ void unpack_heads_f32(float* out, const float* in, int B, int T, int NH, int NHout, int HS,
                                            int HSp, float scale) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * T * NHout;
	int group = NH / NHout;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		const float* src = in + unpack_src(r, T, NH, NHout, HSp);
		float* dst = out + r * HS;
		for (int d = lane; d < HS; d += 32) {
			float s = 0.f;
			for (int g = 0; g < group; g++) s += src[(long long)g * T * HSp + d];
			dst[d] = scale * s;
		}
	}
}

// unpack_heads_f32_copy: unpack_heads_f32 for NHout == NH (a plain copy
// of the heads back, times scale) that also writes outB = out rounded to
// BF16 (nearest even, as f32_to_bf16; tensor.AttentionCopier).
extern "C" __global__ void unpack_heads_f32_copy(float* out, __nv_bfloat16* outB, const float* in, int B, int T,
                                                 int NH, int HS, int HSp, float scale) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * T * NH;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		const float* src = in + unpack_src(r, T, NH, NH, HSp);
		for (int d = lane; d < HS; d += 32) {
			float v = scale * src[d];
			out[r * HS + d] = v;
			outB[r * HS + d] = __float2bfloat16_rn(v);
		}
	}
}

// unpack_heads_f32_x4: unpack_heads_f32 four columns per lane (16-byte
// loads and stores), for HS a multiple of 4 and out 16-byte aligned (the
// host checks; HSp is a multiple of 8); the group sum in the same order.
extern "C" __global__ void unpack_heads_f32_x4(float* out, const float* in, int B, int T, int NH, int NHout, int HS,
                                               int HSp, float scale) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * T * NHout;
	int group = NH / NHout;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		const float4* src = (const float4*)(in + unpack_src(r, T, NH, NHout, HSp));
		float4* dst = (float4*)(out + r * HS);
		long long gs = (long long)T * HSp / 4; // one head further, in float4
		for (int d = lane; 4 * d < HS; d += 32) {
			float4 s = make_float4(0.f, 0.f, 0.f, 0.f);
			for (int g = 0; g < group; g++) {
				float4 v = src[g * gs + d];
				s.x += v.x;
				s.y += v.y;
				s.z += v.z;
				s.w += v.w;
			}
			dst[d] = make_float4(scale * s.x, scale * s.y, scale * s.z, scale * s.w);
		}
	}
}
