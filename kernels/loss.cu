// Softmax cross-entropy over selected rows (tensor.Losses). One block of
// 256 threads per row; a negative target marks an ignored row.

#include "common.cuh"

// row_lse returns the row maximum and log(sum(exp(x - max))) to every thread.
__device__ __forceinline__ void row_lse(const float* x, int V, float* scratch, float* mx_out, float* lse_out) {
	float mx = -INFINITY;
	for (int i = threadIdx.x; i < V; i += blockDim.x) mx = fmaxf(mx, x[i]);
	mx = block_max(mx, scratch);
	float s = 0;
	for (int i = threadIdx.x; i < V; i += blockDim.x) s += expf(x[i] - mx);
	s = block_sum(s, scratch);
	*mx_out = mx;
	*lse_out = logf(s);
}

// cross_entropy_forward_f32: losses[r] = -log softmax(logits[r])[targets[r]],
// 0 for ignored rows. Grid: N blocks of 256.
extern "C" __global__ void cross_entropy_forward_f32(float* losses, const float* logits, const int* targets, int N,
                                                     int V) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	int t = targets[r];
	if (t < 0) {
		if (threadIdx.x == 0) losses[r] = 0;
		return;
	}
	const float* x = logits + (long long)r * V;
	float mx, lse;
	row_lse(x, V, scratch, &mx, &lse);
	if (threadIdx.x == 0) losses[r] = lse - (x[t] - mx);
}

// cross_entropy_backward_f32: dLogits = scale * (softmax - onehot) on
// selected rows, 0 on ignored rows. dLogits may alias logits: every element
// is read and written by the same thread after the reductions.
extern "C" __global__ void cross_entropy_backward_f32(float* dLogits, const float* logits, const int* targets,
                                                      float scale, int N, int V) {
	__shared__ float scratch[32];
	int r = blockIdx.x;
	if (r >= N) return;
	int t = targets[r];
	float* d = dLogits + (long long)r * V;
	if (t < 0) {
		for (int i = threadIdx.x; i < V; i += blockDim.x) d[i] = 0;
		return;
	}
	const float* x = logits + (long long)r * V;
	float mx, lse;
	row_lse(x, V, scratch, &mx, &lse);
	__syncthreads(); // every thread has read x before anyone overwrites it in place
	float shift = mx + lse;
	for (int i = threadIdx.x; i < V; i += blockDim.x) {
		float g = scale * expf(x[i] - shift);
		d[i] = i == t ? g - scale : g;
	}
}
