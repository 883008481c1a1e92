// Fused ("flash") attention on the tensor cores: causal multi-head
// attention with grouped key/value heads and a key padding mask, without
// the (B, NH, Tq, Tk) probabilities. The forward pass walks the keys in
// blocks with an online softmax (running row maximum and sum, the output
// rescaled as the maximum grows) and saves only each query row's
// log-sum-exp. The backward pass computes D = rowsum(dO * out), then
// recomputes the probabilities blockwise from the log-sum-exp in two
// kernels, so that every gradient is a sum in a fixed order (no atomics):
// dK and dV per block of keys (walking the query heads of the key/value
// head's group and the query blocks), dQ per block of queries (walking the
// keys).
//
// Layouts as tensor.Attention: q, out, dq, dO (B, Tq, NH*HS), k, v, dk, dv
// (B, Tk, NKV*HS), float32 (q, k, v BF16 in the *_bf16in kernels); query
// head h reads key/value head h / (NH/NKV);
// query i sees key j iff j <= i + Tk - Tq and mask[b*Tk + j] != 0 (mask
// NULL: every key). lse and D are (B, NH, Tq).
//
// Precision: Q, K, V, dO, P and dS rounded to BF16 for the products
// (mma.sync m16n8k16, float32 accumulation), the scores scaled by
// 1/sqrt(HS) (the scale argument) in float32 after the product; softmax,
// sums and outputs in float32. q, k and v are float32 (rounded to nearest
// even on the way to shared memory) or, in the *_bf16in kernels, already
// BF16 (copied): the same values give the same bits. Head columns
// HS..FD-1 are zeros in shared memory: HS <= FD.
//
// Tiles: 4 warps, each owning 16 rows (queries, or keys in dK/dV) of the
// block's 64; shared rows padded to FLD elements (240 bytes: 16-byte
// aligned for ldmatrix, and the eight rows of each ldmatrix phase on
// distinct banks). A warp's score tile is an mma accumulator; it becomes
// the A operand of the next product in registers (acc_to_a), the layout
// of an m16n8 accumulator pair being that of an m16k16 A fragment.

#include "common.cuh"
#include "ptx.cuh"

#define FD 112        // padded head size, a multiple of 16
#define FLD (FD + 8)  // shared row stride, elements
#define FKS (FD / 16) // k16 steps over the head dimension
#define FNT (FD / 8)  // n8 tiles over the head dimension

typedef unsigned short u16;

__device__ __forceinline__ unsigned pack_bf16(float a, float b) {
	__nv_bfloat162 h = __floats2bfloat162_rn(a, b);
	return *(unsigned*)&h;
}

// bf16_bits returns x rounded to BF16 (float32) or x's bits (BF16).
__device__ __forceinline__ unsigned bf16_bits(float x) { return pack_bf16(x, 0.f) & 0xffffu; }
__device__ __forceinline__ unsigned bf16_bits(__nv_bfloat16 x) { return *(const u16*)&x; }

// flash_load copies rows row0 .. row0+ROWS-1 of one head (row r at
// g + r*ld, HS elements of T, float or BF16) into shared s (ROWS x FD
// BF16, stride FLD); rows at or past nrows and columns at or past HS are
// zeros.
template <int ROWS, class T>
__device__ __forceinline__ void flash_load(u16* s, const T* g, long long ld, int row0, int nrows, int HS) {
	for (int idx = threadIdx.x; idx < ROWS * (FD / 2); idx += blockDim.x) {
		int r = idx / (FD / 2), c = 2 * (idx % (FD / 2));
		int gr = row0 + r;
		unsigned v0 = 0, v1 = 0;
		if (gr < nrows) {
			const T* p = g + (long long)gr * ld;
			if (c < HS) v0 = bf16_bits(p[c]);
			if (c + 1 < HS) v1 = bf16_bits(p[c + 1]);
		}
		*(unsigned*)(s + r * FLD + c) = v0 | v1 << 16;
	}
}

// flash_sees: query i sees key j (m: the batch's key mask or NULL).
__device__ __forceinline__ bool flash_sees(int i, int j, int Tq, int Tk, const int* m) {
	return i < Tq && j < Tk && j <= i + Tk - Tq && (!m || m[j] != 0);
}

// frag_a loads the A fragment (16 x 16) at rows rb.., columns kk.. of a
// [row][k] tile.
__device__ __forceinline__ void frag_a(unsigned* a, const u16* s, int rb, int kk, int lane) {
	ldsm_x4(a, s + (rb + (lane & 7) + ((lane >> 3) & 1) * 8) * FLD + kk + (lane >> 4) * 8);
}

// frag_b_nk loads the B fragments of the n8 tiles nb.. and nb+8.. at k
// offset kk from a tile stored [n][k].
__device__ __forceinline__ void frag_b_nk(unsigned* b0, unsigned* b1, const u16* s, int nb, int kk, int lane) {
	unsigned r[4];
	ldsm_x4(r, s + (nb + (lane & 7) + (lane >> 4) * 8) * FLD + kk + ((lane >> 3) & 1) * 8);
	b0[0] = r[0], b0[1] = r[1], b1[0] = r[2], b1[1] = r[3];
}

// frag_b_kn is frag_b_nk for a tile stored [k][n].
__device__ __forceinline__ void frag_b_kn(unsigned* b0, unsigned* b1, const u16* s, int nb, int kk, int lane) {
	unsigned r[4];
	ldsm_x4_trans(r, s + (kk + (lane & 7) + ((lane >> 3) & 1) * 8) * FLD + nb + (lane >> 4) * 8);
	b0[0] = r[0], b0[1] = r[1], b1[0] = r[2], b1[1] = r[3];
}

// acc_to_a rounds the accumulators of two adjacent n8 tiles (columns
// 16c .. 16c+15) to the A fragment of k16 chunk c.
__device__ __forceinline__ void acc_to_a(unsigned* a, const float* t0, const float* t1) {
	a[0] = pack_bf16(t0[0], t0[1]);
	a[1] = pack_bf16(t0[2], t0[3]);
	a[2] = pack_bf16(t1[0], t1[1]);
	a[3] = pack_bf16(t1[2], t1[3]);
}

// A row of an accumulator tile lives in the four lanes of a quad.
__device__ __forceinline__ float quad_max(float v) {
	v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
	return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

__device__ __forceinline__ float quad_sum(float v) {
	v += __shfl_xor_sync(0xffffffffu, v, 1);
	return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// acc += A (16 x 16) times the NT n8 tiles of a [n][k] tile at k offset kk.
template <int NT>
__device__ __forceinline__ void mma_nk(float (*acc)[4], const unsigned* a, const u16* s, int kk, int lane) {
#pragma unroll
	for (int p = 0; p < NT / 2; p++) {
		unsigned b0[2], b1[2];
		frag_b_nk(b0, b1, s, p * 16, kk, lane);
		mma_bf16(acc[2 * p], a, b0);
		mma_bf16(acc[2 * p + 1], a, b1);
	}
}

// acc += A (16 x 16) times the NT n8 tiles of a [k][n] tile at k offset kk.
template <int NT>
__device__ __forceinline__ void mma_kn(float (*acc)[4], const unsigned* a, const u16* s, int kk, int lane) {
#pragma unroll
	for (int p = 0; p < NT / 2; p++) {
		unsigned b0[2], b1[2];
		frag_b_kn(b0, b1, s, p * 16, kk, lane);
		mma_bf16(acc[2 * p], a, b0);
		mma_bf16(acc[2 * p + 1], a, b1);
	}
}

// store_row writes row r (0: the lane's row lane/4, 1: that + 8) of a
// warp's (16, FD) accumulator tile, times mul, to dst's first HS columns.
__device__ __forceinline__ void store_row(float* dst, const float (&acc)[FNT][4], int r, int t, int HS, float mul) {
#pragma unroll
	for (int dt = 0; dt < FNT; dt++)
#pragma unroll
		for (int e = 0; e < 2; e++) {
			int d = dt * 8 + 2 * t + e;
			if (d < HS) dst[d] = mul * acc[dt][2 * r + e];
		}
}

template <int R, int C>
__device__ __forceinline__ void zero(float (&x)[R][C]) {
#pragma unroll
	for (int i = 0; i < R; i++)
#pragma unroll
		for (int j = 0; j < C; j++) x[i][j] = 0.f;
}

#define FBR 64 // forward and dQ: query rows per block; dK/dV: key rows per block
#define FBC 64 // forward: keys per step
#define FBH 32 // dK/dV: queries per step; dQ: keys per step

// flash_forward_body: out and lse for query rows blockIdx.x*64 .. of head
// blockIdx.y, batch blockIdx.z. Blocks of 128 threads.
template <class T>
__device__ __forceinline__ void flash_forward_body(float* out, float* lse, const T* q, const T* k, const T* v,
                                              const int* mask, int Tq, int Tk, int NH, int NKV, int HS, float scale) {
	__shared__ __align__(16) u16 sQ[FBR * FLD];
	__shared__ __align__(16) u16 sK[FBC * FLD];
	__shared__ __align__(16) u16 sV[FBC * FLD];
	int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * FBR, kvh = h / (NH / NKV);
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, t = lane & 3;
	long long qC = (long long)NH * HS, kC = (long long)NKV * HS;
	const int* m = mask ? mask + (long long)b * Tk : 0;
	const T* kh = k + (long long)b * Tk * kC + kvh * HS;
	const T* vh = v + (long long)b * Tk * kC + kvh * HS;
	flash_load<FBR>(sQ, q + (long long)b * Tq * qC + h * HS, qC, q0, Tq, HS);
	__syncthreads();
	unsigned qf[FKS][4];
#pragma unroll
	for (int ks = 0; ks < FKS; ks++) frag_a(qf[ks], sQ, warp * 16, ks * 16, lane);
	float o[FNT][4];
	zero(o);
	float mx[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
	int row[2] = {q0 + warp * 16 + (lane >> 2), q0 + warp * 16 + (lane >> 2) + 8};
	int kend = min(Tk, q0 + FBR + Tk - Tq); // the block's last query sees keys below this
	for (int k0 = 0; k0 < kend; k0 += FBC) {
		__syncthreads(); // every warp is done with the previous tiles
		flash_load<FBC>(sK, kh, kC, k0, Tk, HS);
		flash_load<FBC>(sV, vh, kC, k0, Tk, HS);
		__syncthreads();
		float s[FBC / 8][4];
		zero(s);
#pragma unroll
		for (int ks = 0; ks < FKS; ks++) mma_nk<FBC / 8>(s, qf[ks], sK, ks * 16, lane);
		float rmax[2] = {-INFINITY, -INFINITY};
#pragma unroll
		for (int nt = 0; nt < FBC / 8; nt++)
#pragma unroll
			for (int e = 0; e < 4; e++) {
				s[nt][e] = flash_sees(row[e >> 1], k0 + nt * 8 + 2 * t + (e & 1), Tq, Tk, m) ? scale * s[nt][e]
				                                                                             : -INFINITY;
				rmax[e >> 1] = fmaxf(rmax[e >> 1], s[nt][e]);
			}
#pragma unroll
		for (int r = 0; r < 2; r++) {
			float mn = fmaxf(mx[r], quad_max(rmax[r]));
			float alpha = mn == -INFINITY ? 1.f : expf(mx[r] - mn); // nothing seen yet: o and l are 0
			mx[r] = mn;
			l[r] *= alpha;
#pragma unroll
			for (int dt = 0; dt < FNT; dt++) o[dt][2 * r] *= alpha, o[dt][2 * r + 1] *= alpha;
		}
#pragma unroll
		for (int nt = 0; nt < FBC / 8; nt++)
#pragma unroll
			for (int e = 0; e < 4; e++) {
				float p = s[nt][e] == -INFINITY ? 0.f : expf(s[nt][e] - mx[e >> 1]);
				s[nt][e] = p;
				l[e >> 1] += p;
			}
#pragma unroll
		for (int c = 0; c < FBC / 16; c++) { // O += P V
			unsigned a[4];
			acc_to_a(a, s[2 * c], s[2 * c + 1]);
			mma_kn<FNT>(o, a, sV, c * 16, lane);
		}
	}
#pragma unroll
	for (int r = 0; r < 2; r++) {
		float lt = quad_sum(l[r]);
		int i = row[r];
		if (i >= Tq) continue;
		store_row(out + ((long long)b * Tq + i) * qC + h * HS, o, r, t, HS, lt > 0.f ? 1.f / lt : 0.f);
		if (t == 0) lse[((long long)b * NH + h) * Tq + i] = lt > 0.f ? mx[r] + logf(lt) : -INFINITY;
	}
}

// The kernels: q, k, v float32, or BF16 (_bf16in); the same parameters.
extern "C" __global__ void __launch_bounds__(128)
    flash_forward_bf16(float* out, float* lse, const float* q, const float* k, const float* v, const int* mask, int Tq,
                       int Tk, int NH, int NKV, int HS, float scale) {
	flash_forward_body(out, lse, q, k, v, mask, Tq, Tk, NH, NKV, HS, scale);
}

extern "C" __global__ void __launch_bounds__(128)
    flash_forward_bf16_bf16in(float* out, float* lse, const __nv_bfloat16* q, const __nv_bfloat16* k,
                              const __nv_bfloat16* v, const int* mask, int Tq, int Tk, int NH, int NKV, int HS,
                              float scale) {
	flash_forward_body(out, lse, q, k, v, mask, Tq, Tk, NH, NKV, HS, scale);
}

// flash_backward_dot: D (B, NH, Tq) = the dot product of dO and out over
// each query row of each head (the softmax backward's rowsum(P * dP)), dO
// rounded to BF16 as the products that compute dP see it: then dP - D
// cancels exactly where it should (a query with a single key, whose out
// is that key's BF16 value), and elsewhere differs only by the rounding of
// P in the forward's P V. One warp per row (b, i, h), rows strided over the
// grid; blocks of 256.
extern "C" __global__ void flash_backward_dot(float* D, const float* dO, const float* out, int B, int Tq, int NH,
                                              int HS) {
	int lane = threadIdx.x & 31, wpb = blockDim.x >> 5;
	long long rows = (long long)B * Tq * NH;
	for (long long r = (long long)blockIdx.x * wpb + (threadIdx.x >> 5); r < rows; r += (long long)gridDim.x * wpb) {
		float s = 0.f;
		for (int d = lane; d < HS; d += 32)
			s += __bfloat162float(__float2bfloat16_rn(dO[r * HS + d])) * out[r * HS + d];
		s = warp_sum(s);
		if (lane == 0) {
			long long bi = r / NH;
			int h = (int)(r - bi * NH);
			long long b = bi / Tq;
			int i = (int)(bi - b * Tq);
			D[(b * NH + h) * Tq + i] = s;
		}
	}
}

// flash_dkdv_body: dK and dV of key rows blockIdx.x*64 .. of
// key/value head blockIdx.y, batch blockIdx.z: the sum over the query
// heads of its group, in order, and over blocks of 32 queries, in order.
// Each warp holds its 16 keys' transposed scores S^T = scale K Q^T.
template <class T>
__device__ __forceinline__ void flash_dkdv_body(float* dk, float* dv, const T* q, const T* k, const T* v,
                                                    const float* dO, const float* lse, const float* D, const int* mask,
                                                    int Tq, int Tk, int NH, int NKV, int HS, float scale) {
	__shared__ __align__(16) u16 sK[FBR * FLD];
	__shared__ __align__(16) u16 sV[FBR * FLD];
	__shared__ __align__(16) u16 sQ[FBH * FLD];
	__shared__ __align__(16) u16 sdO[FBH * FLD];
	__shared__ float sL[FBH], sD[FBH];
	int b = blockIdx.z, kvh = blockIdx.y, k0 = blockIdx.x * FBR, group = NH / NKV;
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, t = lane & 3;
	long long qC = (long long)NH * HS, kC = (long long)NKV * HS;
	const int* m = mask ? mask + (long long)b * Tk : 0;
	flash_load<FBR>(sK, k + (long long)b * Tk * kC + kvh * HS, kC, k0, Tk, HS);
	flash_load<FBR>(sV, v + (long long)b * Tk * kC + kvh * HS, kC, k0, Tk, HS);
	float dK[FNT][4], dV[FNT][4];
	zero(dK);
	zero(dV);
	int key[2] = {k0 + warp * 16 + (lane >> 2), k0 + warp * 16 + (lane >> 2) + 8};
	int qstart = max(0, k0 - (Tk - Tq)) / FBH * FBH; // earlier queries see none of these keys
	for (int gi = 0; gi < group; gi++) {
		int h = kvh * group + gi;
		const T* qh = q + (long long)b * Tq * qC + h * HS;
		const float* dOh = dO + (long long)b * Tq * qC + h * HS;
		const float* Lh = lse + ((long long)b * NH + h) * Tq;
		const float* Dh = D + ((long long)b * NH + h) * Tq;
		for (int q0 = qstart; q0 < Tq; q0 += FBH) {
			__syncthreads(); // every warp is done with the previous tiles
			flash_load<FBH>(sQ, qh, qC, q0, Tq, HS);
			flash_load<FBH>(sdO, dOh, qC, q0, Tq, HS);
			if (threadIdx.x < FBH) {
				int i = q0 + threadIdx.x;
				sL[threadIdx.x] = i < Tq ? Lh[i] : -INFINITY;
				sD[threadIdx.x] = i < Tq ? Dh[i] : 0.f;
			}
			__syncthreads();
			float st[FBH / 8][4], dpt[FBH / 8][4];
			zero(st);
			zero(dpt);
#pragma unroll
			for (int ks = 0; ks < FKS; ks++) {
				unsigned a[4];
				frag_a(a, sK, warp * 16, ks * 16, lane);
				mma_nk<FBH / 8>(st, a, sQ, ks * 16, lane); // S^T / scale = K Q^T
				frag_a(a, sV, warp * 16, ks * 16, lane);
				mma_nk<FBH / 8>(dpt, a, sdO, ks * 16, lane); // dP^T = V dO^T
			}
#pragma unroll
			for (int nt = 0; nt < FBH / 8; nt++)
#pragma unroll
				for (int e = 0; e < 4; e++) {
					int c = nt * 8 + 2 * t + (e & 1);
					float L = sL[c];
					bool sees = flash_sees(q0 + c, key[e >> 1], Tq, Tk, m) && L != -INFINITY;
					float p = sees ? expf(scale * st[nt][e] - L) : 0.f;
					st[nt][e] = p;                        // P^T
					dpt[nt][e] = p * (dpt[nt][e] - sD[c]); // dS^T
				}
#pragma unroll
			for (int c = 0; c < FBH / 16; c++) {
				unsigned a[4];
				acc_to_a(a, st[2 * c], st[2 * c + 1]);
				mma_kn<FNT>(dV, a, sdO, c * 16, lane); // dV += P^T dO
				acc_to_a(a, dpt[2 * c], dpt[2 * c + 1]);
				mma_kn<FNT>(dK, a, sQ, c * 16, lane); // dK / scale += dS^T Q
			}
		}
	}
#pragma unroll
	for (int r = 0; r < 2; r++) {
		int j = key[r];
		if (j >= Tk) continue;
		store_row(dk + ((long long)b * Tk + j) * kC + kvh * HS, dK, r, t, HS, scale);
		store_row(dv + ((long long)b * Tk + j) * kC + kvh * HS, dV, r, t, HS, 1.f);
	}
}

extern "C" __global__ void __launch_bounds__(128)
    flash_backward_dkdv(float* dk, float* dv, const float* q, const float* k, const float* v, const float* dO,
                        const float* lse, const float* D, const int* mask, int Tq, int Tk, int NH, int NKV, int HS,
                        float scale) {
	flash_dkdv_body<float>(dk, dv, q, k, v, dO, lse, D, mask, Tq, Tk, NH, NKV, HS, scale);
}

extern "C" __global__ void __launch_bounds__(128)
    flash_backward_dkdv_bf16in(float* dk, float* dv, const __nv_bfloat16* q, const __nv_bfloat16* k,
                               const __nv_bfloat16* v, const float* dO, const float* lse, const float* D,
                               const int* mask, int Tq, int Tk, int NH, int NKV, int HS, float scale) {
	flash_dkdv_body<__nv_bfloat16>(dk, dv, q, k, v, dO, lse, D, mask, Tq, Tk, NH, NKV, HS, scale);
}

// flash_dq_body: dQ = scale dS K for query rows blockIdx.x*64 .. of
// head blockIdx.y, batch blockIdx.z, summed over blocks of 32 keys in
// order.
template <class T>
__device__ __forceinline__ void flash_dq_body(float* dq, const T* q, const T* k, const T* v, const float* dO,
                                                  const float* lse, const float* D, const int* mask, int Tq, int Tk,
                                                  int NH, int NKV, int HS, float scale) {
	__shared__ __align__(16) u16 sQ[FBR * FLD];
	__shared__ __align__(16) u16 sdO[FBR * FLD];
	__shared__ __align__(16) u16 sK[FBH * FLD];
	__shared__ __align__(16) u16 sV[FBH * FLD];
	int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * FBR, kvh = h / (NH / NKV);
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, t = lane & 3;
	long long qC = (long long)NH * HS, kC = (long long)NKV * HS;
	const int* m = mask ? mask + (long long)b * Tk : 0;
	const T* kh = k + (long long)b * Tk * kC + kvh * HS;
	const T* vh = v + (long long)b * Tk * kC + kvh * HS;
	flash_load<FBR>(sQ, q + (long long)b * Tq * qC + h * HS, qC, q0, Tq, HS);
	flash_load<FBR>(sdO, dO + (long long)b * Tq * qC + h * HS, qC, q0, Tq, HS);
	__syncthreads();
	unsigned qf[FKS][4], of[FKS][4];
#pragma unroll
	for (int ks = 0; ks < FKS; ks++) {
		frag_a(qf[ks], sQ, warp * 16, ks * 16, lane);
		frag_a(of[ks], sdO, warp * 16, ks * 16, lane);
	}
	int row[2] = {q0 + warp * 16 + (lane >> 2), q0 + warp * 16 + (lane >> 2) + 8};
	float L[2], Dr[2];
#pragma unroll
	for (int r = 0; r < 2; r++) {
		long long o = ((long long)b * NH + h) * Tq + row[r];
		L[r] = row[r] < Tq ? lse[o] : -INFINITY;
		Dr[r] = row[r] < Tq ? D[o] : 0.f;
	}
	float dQ[FNT][4];
	zero(dQ);
	int kend = min(Tk, q0 + FBR + Tk - Tq);
	for (int k0 = 0; k0 < kend; k0 += FBH) {
		__syncthreads();
		flash_load<FBH>(sK, kh, kC, k0, Tk, HS);
		flash_load<FBH>(sV, vh, kC, k0, Tk, HS);
		__syncthreads();
		float s[FBH / 8][4], dp[FBH / 8][4];
		zero(s);
		zero(dp);
#pragma unroll
		for (int ks = 0; ks < FKS; ks++) {
			mma_nk<FBH / 8>(s, qf[ks], sK, ks * 16, lane);  // S / scale = Q K^T
			mma_nk<FBH / 8>(dp, of[ks], sV, ks * 16, lane); // dP = dO V^T
		}
#pragma unroll
		for (int nt = 0; nt < FBH / 8; nt++)
#pragma unroll
			for (int e = 0; e < 4; e++) {
				int r = e >> 1;
				bool sees = flash_sees(row[r], k0 + nt * 8 + 2 * t + (e & 1), Tq, Tk, m) && L[r] != -INFINITY;
				float p = sees ? expf(scale * s[nt][e] - L[r]) : 0.f;
				s[nt][e] = p * (dp[nt][e] - Dr[r]); // dS
			}
#pragma unroll
		for (int c = 0; c < FBH / 16; c++) { // dQ += dS K
			unsigned a[4];
			acc_to_a(a, s[2 * c], s[2 * c + 1]);
			mma_kn<FNT>(dQ, a, sK, c * 16, lane);
		}
	}
#pragma unroll
	for (int r = 0; r < 2; r++) {
		int i = row[r];
		if (i >= Tq) continue;
		store_row(dq + ((long long)b * Tq + i) * qC + h * HS, dQ, r, t, HS, scale);
	}
}

extern "C" __global__ void __launch_bounds__(128)
    flash_backward_dq(float* dq, const float* q, const float* k, const float* v, const float* dO, const float* lse,
                      const float* D, const int* mask, int Tq, int Tk, int NH, int NKV, int HS, float scale) {
	flash_dq_body<float>(dq, q, k, v, dO, lse, D, mask, Tq, Tk, NH, NKV, HS, scale);
}

extern "C" __global__ void __launch_bounds__(128)
    flash_backward_dq_bf16in(float* dq, const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v,
                             const float* dO, const float* lse, const float* D, const int* mask, int Tq, int Tk, int NH,
                             int NKV, int HS, float scale) {
	flash_dq_body<__nv_bfloat16>(dq, q, k, v, dO, lse, D, mask, Tq, Tk, NH, NKV, HS, scale);
}
