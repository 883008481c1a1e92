// The materialised (T x T) attention's row kernels (tensor.Attention): the
// masked causal softmax and its backward. The products around them
// (scores = scale Q K^T, out = P V and the backward's four products) run on
// gemm_f32 with per-head strides; a fused flash-style kernel is a later goal.

#include "common.cuh"

// masked_softmax_f32 turns each row of probs (B, NH, Tq, Tk) from scores
// into probabilities over the keys j <= i + Tk - Tq (query i's position)
// whose mask[b*Tk + j] != 0 (mask NULL: all keys valid); other entries
// become 0, and a row that sees no key becomes all zeros. One warp per row,
// 4 rows per block of 128 threads.
extern "C" __global__ void masked_softmax_f32(float* probs, const int* mask, int rows, int NH, int Tq, int Tk) {
	int r = blockIdx.x * 4 + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31;
	if (r >= rows) return;
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
	if (sum > 0) {
		float inv = 1.f / sum;
		for (int j = lane; j <= last && j < Tk; j += 32) p[j] *= inv;
	}
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
