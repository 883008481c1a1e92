// gemm_f32: C = alpha * op(A) @ op(B) + beta * C in float32 on the CUDA
// cores (FFMA), for float32 operands: trainable weights (LoRA, projectors),
// their gradients, and attention's per-head products. Accurate to float32
// (no tf32), so the conformance suite's float32 tolerances hold.
//
// Layout: row-major; op(A) is (M, K), stored (M, K) with row stride lda, or
// (K, M) when transA; op(B) is (K, N), stored (K, N) with row stride ldb,
// or (N, K) when transB; C is (M, N) with row stride ldc.
//
// Batching (grid.z): z = b * heads + h selects
//   A + b*sAb + h*sAh,  B + b*sBb + (h/group)*sBh,  C + b*sCb + h*sCh,
// which covers plain batched products (heads = group = 1) and attention's
// grouped heads, where group query heads share a key/value head.
//
// Tiling: 64 x 64 tile of C per block of 256 threads (16 x 16), each thread
// 4 x 4 outputs strided by 16; K in steps of 16 through shared memory.
// beta == 0 overwrites C without reading it (stale NaNs never leak).

#include "common.cuh"
#include "dropout.cuh"

#define FB 64
#define FK 16

extern "C" __global__ void __launch_bounds__(256)
gemm_f32(float* C, const float* A, const float* B, int M, int N, int K, int lda, int ldb, int ldc, int transA,
         int transB, float alpha, float beta, long long sAb, long long sAh, long long sBb, long long sBh,
         long long sCb, long long sCh, int heads, int group) {
	__shared__ float As[FK][FB + 1];
	__shared__ float Bs[FK][FB + 1];
	int z = blockIdx.z, b = z / heads, h = z % heads;
	A += b * sAb + h * sAh;
	B += b * sBb + (long long)(h / group) * sBh;
	C += b * sCb + h * sCh;
	int m0 = blockIdx.y * FB, n0 = blockIdx.x * FB;
	int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
	float acc[4][4];
#pragma unroll
	for (int i = 0; i < 4; i++)
#pragma unroll
		for (int j = 0; j < 4; j++) acc[i][j] = 0.f;

	for (int k0 = 0; k0 < K; k0 += FK) {
#pragma unroll
		for (int l = 0; l < 4; l++) {
			int e = tid + 256 * l;
			int m, k;
			if (transA) { // stored (K, M): consecutive threads walk m
				k = e / FB;
				m = e % FB;
			} else { // stored (M, K): consecutive threads walk k
				m = e / FK;
				k = e % FK;
			}
			int gm = m0 + m, gk = k0 + k;
			float v = 0.f;
			if (gm < M && gk < K) v = transA ? A[(long long)gk * lda + gm] : A[(long long)gm * lda + gk];
			As[k][m] = v;
			int n;
			if (transB) { // stored (N, K)
				n = e / FK;
				k = e % FK;
			} else { // stored (K, N)
				k = e / FB;
				n = e % FB;
			}
			int gn = n0 + n;
			gk = k0 + k;
			v = 0.f;
			if (gn < N && gk < K) v = transB ? B[(long long)gn * ldb + gk] : B[(long long)gk * ldb + gn];
			Bs[k][n] = v;
		}
		__syncthreads();
#pragma unroll
		for (int kk = 0; kk < FK; kk++) {
			float a[4], bb[4];
#pragma unroll
			for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
			for (int j = 0; j < 4; j++) bb[j] = Bs[kk][tx + 16 * j];
#pragma unroll
			for (int i = 0; i < 4; i++)
#pragma unroll
				for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], bb[j], acc[i][j]);
		}
		__syncthreads();
	}
#pragma unroll
	for (int i = 0; i < 4; i++) {
		int m = m0 + ty + 16 * i;
		if (m >= M) continue;
#pragma unroll
		for (int j = 0; j < 4; j++) {
			int n = n0 + tx + 16 * j;
			if (n >= N) continue;
			float* c = C + (long long)m * ldc + n;
			*c = beta == 0.f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
		}
	}
}

// gemm_f32_thin: the same product for a thin C, N <= THIN_N columns (the
// LoRA products: x A^T (tokens, r), dY B (tokens, r), dY^T h (out, r)),
// where a 64 x 64 tile would leave most of its work idle. One thread per
// row of C keeps the N outputs of its row in registers; the block stages
// THIN_ROWS rows x THIN_K of op(A) and THIN_K x N of op(B) in shared memory
// (coalesced for either layout of A). grid.y splits K into slices of kSlice
// (a multiple of THIN_K); slice s writes C + s * sC, so that slices > 1
// write partial products the caller sums.
//
// transC writes element (i, j) to C[j*ldc + i]: with C^T = op(B)^T op(A)^T
// the host runs products with a thin M (dA = dh^T x: (r, in)) as a thin N.
// beta == 0 overwrites C without reading it.

#define THIN_N 16
#define THIN_ROWS 128
#define THIN_K 32

// thin_load_a4 is the op(A) tile load of thin_body four elements at a
// time (float4 loads along A's stored rows), for vecA: A 16-byte aligned,
// lda a multiple of 4, and the stored rows' extent (K, or M when transA) a
// multiple of 4, so that a 4-element chunk is inside the matrix or outside
// it whole. Four times the bytes per load of the scalar path, all of a
// thread's loads unrolled: the tile is read with more memory parallelism
// (run 5's thin products moved about 0.6 TB/s, latency-bound at two blocks
// per SM). The values stored, and so the results, are the scalar path's.
// thin_fetch_a4 and thin_store_a4 are its two halves for the prefetching
// kernels (global memory into registers through the dropout; registers
// into the tile).
#define THIN_A4 (THIN_K / 4) // float4 chunks of the op(A) tile per thread

// thin_chunk places chunk l of thread tid in the tile: row r, k index k.
__device__ __forceinline__ void thin_chunk(int l, int tid, int transA, int& r, int& k) {
	int e = tid + THIN_ROWS * l;
	if (transA) { // stored (K, M): a row of the tile is 128 m, 32 chunks
		k = e / (THIN_ROWS / 4);
		r = e % (THIN_ROWS / 4) * 4;
	} else { // stored (M, K): a row is 32 k, 8 chunks
		r = e / (THIN_K / 4);
		k = e % (THIN_K / 4) * 4;
	}
}

template <bool DROP>
__device__ __forceinline__ void thin_fetch_a4(float4 (&v)[THIN_A4], const float* A, int M, int lda, int transA, int m0,
                                              int k0, int kEnd, float p, float keep, unsigned long long seed,
                                              int dropA) {
#pragma unroll
	for (int l = 0; l < THIN_A4; l++) {
		int r, k;
		thin_chunk(l, threadIdx.x, transA, r, k);
		int gm = m0 + r, gk = k0 + k;
		long long o = transA ? (long long)gk * lda + gm : (long long)gm * lda + gk;
		v[l] = make_float4(0.f, 0.f, 0.f, 0.f);
		if (gk < kEnd && gm < M) {
			v[l] = *(const float4*)(A + o);
			if (DROP && dropA) {
				v[l].x *= dropout_mask(seed, o, p, keep);
				v[l].y *= dropout_mask(seed, o + 1, p, keep);
				v[l].z *= dropout_mask(seed, o + 2, p, keep);
				v[l].w *= dropout_mask(seed, o + 3, p, keep);
			}
		}
	}
}

__device__ __forceinline__ void thin_store_a4(float (*As)[THIN_ROWS + 1], const float4 (&v)[THIN_A4], int transA) {
#pragma unroll
	for (int l = 0; l < THIN_A4; l++) {
		int r, k;
		thin_chunk(l, threadIdx.x, transA, r, k);
		if (transA) {
			As[k][r] = v[l].x, As[k][r + 1] = v[l].y, As[k][r + 2] = v[l].z, As[k][r + 3] = v[l].w;
		} else {
			As[k][r] = v[l].x, As[k + 1][r] = v[l].y, As[k + 2][r] = v[l].z, As[k + 3][r] = v[l].w;
		}
	}
}

template <bool DROP>
__device__ __forceinline__ void thin_load_a4(float (*As)[THIN_ROWS + 1], const float* A, int M, int lda, int transA,
                                             int m0, int k0, int kEnd, float p, float keep, unsigned long long seed,
                                             int dropA) {
#pragma unroll
	for (int l = 0; l < THIN_A4; l++) { // each chunk stored as it is loaded (the GPU-timed code of runs 7-9)
		int r, k;
		thin_chunk(l, threadIdx.x, transA, r, k);
		int gm = m0 + r, gk = k0 + k;
		long long o = transA ? (long long)gk * lda + gm : (long long)gm * lda + gk;
		float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
		if (gk < kEnd && gm < M) {
			v = *(const float4*)(A + o);
			if (DROP && dropA) {
				v.x *= dropout_mask(seed, o, p, keep);
				v.y *= dropout_mask(seed, o + 1, p, keep);
				v.z *= dropout_mask(seed, o + 2, p, keep);
				v.w *= dropout_mask(seed, o + 3, p, keep);
			}
		}
		if (transA) {
			As[k][r] = v.x, As[k][r + 1] = v.y, As[k][r + 2] = v.z, As[k][r + 3] = v.w;
		} else {
			As[k][r] = v.x, As[k + 1][r] = v.y, As[k + 2][r] = v.z, As[k + 3][r] = v.w;
		}
	}
}

// thin_body is gemm_f32_thin; with DROP, the operand flagged by dropA or
// dropB is read through a dropout mask, element e (its offset from the
// operand's base, which must be its flat index) times dropout_mask(seed,
// e, p, keep): exactly DropoutForward's x * mask, applied on the fly.
// With PF (for vecA only) the next op(A) tile is fetched into registers
// while the block multiplies the current one, so loads stay in flight
// through the FMAs; NT (8 or THIN_N) is the columns computed, N <= NT. The
// sums are the same FMAs in the same order either way: the same bits.
template <bool DROP, bool PF, int NT>
__device__ __forceinline__ void thin_body(float* C, const float* A, const float* B, int M, int N, int K, int lda,
                                          int ldb, int ldc, int transA, int transB, int transC, float alpha,
                                          float beta, int kSlice, long long sC, float p, float keep,
                                          unsigned long long seed, int dropA, int dropB, int vecA) {
	__shared__ float As[THIN_K][THIN_ROWS + 1];
	__shared__ float Bs[THIN_K][NT];
	int tid = threadIdx.x;
	int m0 = blockIdx.x * THIN_ROWS;
	int kBegin = blockIdx.y * kSlice, kEnd = min(K, kBegin + kSlice);
	C += blockIdx.y * sC;
	float acc[NT];
#pragma unroll
	for (int j = 0; j < NT; j++) acc[j] = 0.f;
	float4 next[THIN_A4]; // PF: the next op(A) tile, in flight
	if (PF && kBegin < kEnd) thin_fetch_a4<DROP>(next, A, M, lda, transA, m0, kBegin, kEnd, p, keep, seed, dropA);

	for (int k0 = kBegin; k0 < kEnd; k0 += THIN_K) {
		// op(A) tile: THIN_ROWS x THIN_K = 4096 elements, 32 per thread.
		if (PF) {
			thin_store_a4(As, next, transA);
		} else if (vecA) {
			thin_load_a4<DROP>(As, A, M, lda, transA, m0, k0, kEnd, p, keep, seed, dropA);
		} else {
#pragma unroll 4
			for (int l = 0; l < THIN_ROWS * THIN_K / THIN_ROWS; l++) {
				int e = tid + THIN_ROWS * l;
				int r, k;
				if (transA) { // stored (K, M): consecutive threads walk rows
					k = e / THIN_ROWS;
					r = e % THIN_ROWS;
				} else { // stored (M, K): consecutive threads walk k
					r = e / THIN_K;
					k = e % THIN_K;
				}
				int gm = m0 + r, gk = k0 + k;
				float v = 0.f;
				if (gm < M && gk < kEnd) {
					long long o = transA ? (long long)gk * lda + gm : (long long)gm * lda + gk;
					v = A[o];
					if (DROP && dropA) v *= dropout_mask(seed, o, p, keep);
				}
				As[k][r] = v;
			}
		}
		// op(B) tile: THIN_K x N (N <= NT), zero beyond N and kEnd.
		for (int e = tid; e < THIN_K * NT; e += THIN_ROWS) {
			int k = e / NT, j = e % NT, gk = k0 + k;
			float v = 0.f;
			if (j < N && gk < kEnd) {
				long long o = transB ? (long long)j * ldb + gk : (long long)gk * ldb + j;
				v = B[o];
				if (DROP && dropB) v *= dropout_mask(seed, o, p, keep);
			}
			Bs[k][j] = v;
		}
		__syncthreads();
		if (PF && k0 + THIN_K < kEnd)
			thin_fetch_a4<DROP>(next, A, M, lda, transA, m0, k0 + THIN_K, kEnd, p, keep, seed, dropA);
#pragma unroll 8
		for (int kk = 0; kk < THIN_K; kk++) {
			float a = As[kk][tid];
#pragma unroll
			for (int j = 0; j < NT; j++) acc[j] = fmaf(a, Bs[kk][j], acc[j]);
		}
		__syncthreads();
	}
	int m = m0 + tid;
	if (m >= M) return;
#pragma unroll
	for (int j = 0; j < NT; j++) {
		if (j >= N) break;
		float* c = transC ? C + (long long)j * ldc + m : C + (long long)m * ldc + j;
		*c = beta == 0.f ? alpha * acc[j] : alpha * acc[j] + beta * *c;
	}
}

// THIN_KERNELS defines the thin kernels of one (PF, NT): NAME (no dropout)
// and NAME_DROP (with it), the parameters of gemm_f32_thin and
// gemm_f32_thin_drop.
#define THIN_KERNELS(NAME, NAME_DROP, PF, NT)                                                                        \
	extern "C" __global__ void __launch_bounds__(THIN_ROWS)                                                          \
	NAME(float* C, const float* A, const float* B, int M, int N, int K, int lda, int ldb, int ldc, int transA,       \
	     int transB, int transC, float alpha, float beta, int kSlice, long long sC, int vecA) {                     \
		thin_body<false, PF, NT>(C, A, B, M, N, K, lda, ldb, ldc, transA, transB, transC, alpha, beta, kSlice, sC, \
		                         0.f, 0.f, 0, 0, 0, vecA);                                                        \
	}                                                                                                            \
	extern "C" __global__ void __launch_bounds__(THIN_ROWS)                                                          \
	NAME_DROP(float* C, const float* A, const float* B, int M, int N, int K, int lda, int ldb, int ldc, int transA,  \
	          int transB, int transC, float alpha, float beta, int kSlice, long long sC, float p, float keep,        \
	          unsigned long long seed, int dropA, int dropB, int vecA) {                                             \
		thin_body<true, PF, NT>(C, A, B, M, N, K, lda, ldb, ldc, transA, transB, transC, alpha, beta, kSlice, sC,  \
		                        p, keep, seed, dropA, dropB, vecA);                                               \
	}

// gemm_f32_thin, gemm_f32_thin_drop: the thin product, and with operand A
// (dropA) or B (dropB) dropped out on the fly (LoRA's input dropout,
// tensor.DropoutMatMuler).
THIN_KERNELS(gemm_f32_thin, gemm_f32_thin_drop, false, THIN_N)
// The same with the next op(A) tile prefetched (vecA only), for N <= 16
// and for N <= 8 (LoRA rank 8): the default (Options.ThinNoPrefetch off).
THIN_KERNELS(gemm_f32_thin_pf, gemm_f32_thin_drop_pf, true, THIN_N)
THIN_KERNELS(gemm_f32_thin_pf8, gemm_f32_thin_drop_pf8, true, 8)

// gemm_f32_drop_out: C (M, N) = beta * C + (A @ B) * mask for a short K
// (A (M, K), B (K, N), row-major, contiguous), the mask over C's elements
// (dropout_mask of element m*N + n): the input gradient of a product whose
// input was dropped out, DropoutBackward fused into the product. The K
// products accumulate in order in one FMA chain, as gemm_f32 does for
// K <= FK, and the mask multiplies the sum before beta * C is added, as
// the unfused DropoutBackward then AddScaled do, so the bits match them.
// One thread per element of C, grid-stride.
extern "C" __global__ void gemm_f32_drop_out(float* C, const float* A, const float* B, int M, int N, int K,
                                             float beta, float p, float keep, unsigned long long seed) {
	GRID_STRIDE(i, (long long)M * N) {
		long long m = i / N;
		int n = (int)(i - m * N);
		const float* a = A + m * K;
		float acc = 0.f;
		for (int k = 0; k < K; k++) acc = fmaf(a[k], B[(long long)k * N + n], acc);
		float v = __fmul_rn(acc, dropout_mask(seed, i, p, keep)); // rounded before the sum: no FMA contraction
		C[i] = beta == 0.f ? v : beta * C[i] + v;
	}
}

// sum_slices_f32: out[i] = sum over s < slices of parts[s*n + i] (in order
// of s, from 0), plus beta * out[i] unless beta is 0: the partial products
// of split-K and of the thin products' K slices summed, one thread per
// element, each slice read coalesced. (Before, a gemm_f32 launch computed
// ones (1, S) @ parts (S, n) in 64 x 64 tiles of which one row was used.)
// The loads go out eight at a time (they do not wait on the sum), so a
// thread waits on memory about slices/8 times rather than slices times.
extern "C" __global__ void sum_slices_f32(float* out, const float* parts, int n, int slices, float beta) {
	GRID_STRIDE(i, n) {
		float acc = 0.f;
		for (int s0 = 0; s0 < slices; s0 += 8) {
			float v[8];
#pragma unroll
			for (int j = 0; j < 8; j++) v[j] = s0 + j < slices ? parts[(long long)(s0 + j) * n + i] : 0.f;
#pragma unroll
			for (int j = 0; j < 8; j++)
				if (s0 + j < slices) acc += v[j];
		}
		out[i] = beta == 0.f ? acc : acc + beta * out[i];
	}
}
