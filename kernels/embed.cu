// Row gather and scatter (tensor.Embeddings): token embeddings (F32 or a
// frozen BF16 table), their scatter-add backward, and ScatterRows. Ids are
// device int32, range-checked by the host before upload.

#include "common.cuh"

// embedding_forward_f32: out[i] = table[ids[i]]; out (N, C), table (V, C).
extern "C" __global__ void embedding_forward_f32(float* out, const float* table, const int* ids, int N, int C) {
	GRID_STRIDE(k, (long long)N * C) {
		long long i = k / C, c = k % C;
		out[k] = table[(long long)ids[i] * C + c];
	}
}

// embedding_forward_bf16: the same from a bf16 table, widened to float.
extern "C" __global__ void embedding_forward_bf16(float* out, const __nv_bfloat16* table, const int* ids, int N,
                                                  int C) {
	GRID_STRIDE(k, (long long)N * C) {
		long long i = k / C, c = k % C;
		out[k] = __bfloat162float(table[(long long)ids[i] * C + c]);
	}
}

// embedding_backward_f32: dTable[ids[i]] += dOut[i]. Repeated ids add with
// atomicAdd, so their order (and the last bits) may vary from run to run.
extern "C" __global__ void embedding_backward_f32(float* dTable, const float* dOut, const int* ids, int N, int C) {
	GRID_STRIDE(k, (long long)N * C) {
		long long i = k / C, c = k % C;
		atomicAdd(&dTable[(long long)ids[i] * C + c], dOut[k]);
	}
}

// scatter_rows_f32: dst[rows[i]] = src[i]; rows are distinct.
extern "C" __global__ void scatter_rows_f32(float* dst, const float* src, const int* rows, int n, int C) {
	GRID_STRIDE(k, (long long)n * C) {
		long long i = k / C, c = k % C;
		dst[(long long)rows[i] * C + c] = src[k];
	}
}
