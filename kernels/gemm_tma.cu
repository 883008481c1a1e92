// gemm_tma_{v3g,v3h}_{nn,nt,tn,tt} and gemm_tma_v3l_{nn,nt,tt}: the wgmma GEMM of gemm_wgmma.cu with
// its operand tiles copied by the tensor memory accelerator (TMA) instead
// of by the threads: C (M, N, float32) = alpha op(A) op(B) + beta C, A and
// B BF16 in global memory described by tensor maps (tma.cuh), batch
// blockIdx.z of grid.z products (the maps' third dimension; C's batch
// stride sC elements). sm_90a PTX of ISA 8.3 (gen.sh), loaded
// on compute capability 9.0 only. The default GEMM on Hopper since run 11
// ("auto-tma-k": v3g, v3h or v3l per product); the GPU runs that tested
// and timed them are in results/README.md.
//
// Why: in v3a / v3b every thread issues its share of a k-tile's 16-byte
// cp.async copies, each with its address, swizzle and bounds worked out,
// about as many instructions per k-tile as the tensor cores take cycles
// for its products (results/gpu-changes.md: how the SASS was counted); a
// variant that handed the copies to one producer warpgroup of threads
// (v3c, removed) was slower still. With TMA one thread issues one instruction
// per operand box: the hardware computes the addresses, applies the
// 128-byte swizzle, fills what lies outside the matrix with zeros and
// counts the bytes on an mbarrier.
//
// v3g, v3h: one tile per block (v3a's 128 x 256, v3b's 128 x 128); v3l
// (at the end): v3k's 128 x 208 tiles. (Persistent forms of v3g and v3h,
// v3i and v3j, never ran on a GPU and were removed; gemm_tma_body keeps
// their loop over a block's tiles, which here runs once.)
//
// Block: 384 threads. Warpgroup 0 produces: its thread 0 waits until the
// consumers have released a stage, announces the stage's bytes on the
// stage's full barrier (mbarrier.arrive.expect_tx) and issues the copies
// of k-tile kt into stage kt % S; the other 127 threads exit after giving
// up registers. Warpgroups 1 and 2 consume: each multiplies its 64 rows of
// the 128 x BN tile (wgmma m64nBNk16, as in v3a / v3b) once the stage's
// full barrier completes, and releases the stage (lane 0 of each warp on
// its empty barrier, 8 arrivals) once the wgmma that read it has retired.
// K-tile kt is round kt / S of its stage; the round-r phase of either
// barrier is phase r, waited for with parity r & 1.
//
// Shared layout, as the TMA's 128-byte swizzle writes it (box rows of 128
// bytes, 16-byte chunk c of row j at j*128 + ((c ^ j % 8) * 16), boxes
// 1024-byte aligned):
//   K-major operand (A stored (M, K), B stored (N, K)): one box of 64 k x
//     BM (or BN) rows, row r at r*128: the K-major layout of gemm_wgmma.cu
//     (SBO 1024, k16 step 32 bytes).
//   MN-major operand (A stored (K, M), B stored (K, N)): boxes of 64 m/n x
//     64 k-rows, box h (m/n 64h .. 64h+63) at h*8192, k-row j at j*128: a
//     descriptor LBO of 8192 (the next 64 along M/N), SBO 1024 (the next 8
//     k-rows), k16 step 2048.
// The host encodes the maps with these boxes (cuda/tma.go): {64, BM or BN,
// 1} for K-major operands, {64, 64, 1} for MN-major ones, dimension 0 the
// contiguous one, dimension 2 the batch.

#include "common.cuh"
#include "gemm_tile.cuh"
#include "ptx.cuh"
#include "tma.cuh"
#include "wg_gemm.cuh"
#include "wgmma.cuh"

// TmaCfg: a tile configuration: 128 x BN tiles of C, k-tiles of 64, S
// stages, grouped rasterisation over GROUP block rows; one tile per
// block, block (x, y, z) tile x + gridDim.x * (y + gridDim.y * z).
template <int BN_, int STAGES_, int GROUP_>
struct TmaCfg {
	static constexpr int BM = 128, BN = BN_, BK = 64, NT = 384, ACC = BN_ / 2, STAGES = STAGES_, GROUP = GROUP_;
	static constexpr int A_ST = BM * BK * 2, B_ST = BN * BK * 2; // bytes of one stage
	static constexpr int CONSUMER_WARPS = 8;                    // arrivals per phase of an empty barrier
	// bytes: the stages, the alignment slack, full[S] and empty[S]
	static constexpr int SMEM = STAGES * (A_ST + B_ST) + 1024 + 16 * STAGES;
	static_assert(BN == 128 || BN == 208 || BN == 256, "one wgmma m64n128, m64n208 or m64n256 per warpgroup and k16 step");
	static_assert(STAGES >= 2, "a stage in use and one being filled");
};

// tma_desc_parts: a consumer warpgroup's descriptor parts (rows 64g ..
// 64g+63 of A) for the layouts above.
template <bool TA, bool TB>
__device__ __forceinline__ WgDesc tma_desc_parts(int g) {
	WgDesc d;
	d.aOff = g * 8192; // 64 K-major rows of 128 bytes, or the second 64-column box
	d.aLBO = TA ? 8192 : 16;
	d.aSBO = 1024;
	d.aStep = TA ? 2048 : 32;
	d.bLBO = TB ? 16 : 8192;
	d.bSBO = 1024;
	d.bStep = TB ? 32 : 2048;
	return d;
}

// tma_load_stage issues k-tile k0's copies of batch z's 128 x BN tile at
// (m0, n0) into stage (sA, sB), counted on the mbarrier at bar.
template <class CF, bool TA, bool TB>
__device__ __forceinline__ void tma_load_stage(unsigned sA, unsigned sB, const TmaMap* mA, const TmaMap* mB, int m0,
                                               int n0, int k0, int z, unsigned bar) {
	if constexpr (TA) { // A stored (K, M): boxes of 64 m x 64 k
#pragma unroll
		for (int h = 0; h < CF::BM / 64; h++) tma_load_3d(sA + h * 8192, mA, m0 + 64 * h, k0, z, bar);
	} else { // A stored (M, K): one box of 64 k x BM rows
		tma_load_3d(sA, mA, k0, m0, z, bar);
	}
	if constexpr (TB) { // B stored (N, K): one box of 64 k x BN rows
		tma_load_3d(sB, mB, k0, n0, z, bar);
	} else { // B stored (K, N): boxes of 64 n x 64 k
		static_assert(CF::BN % 64 == 0, "MN-major tiles are whole 64-element boxes wide");
#pragma unroll
		for (int h = 0; h < CF::BN / 64; h++) tma_load_3d(sB + h * 8192, mB, n0 + 64 * h, k0, z, bar);
	}
}

// TmaTile: where tile t of a product with nx x ny tiles per batch lies:
// its first row and column of C and its batch (grouped rasterisation
// inside a batch, as gemm_group_tile does for blocks).
struct TmaTile {
	int m0, n0, z;
};

template <class CF>
__device__ __forceinline__ TmaTile tma_tile(int t, int nx, int ny) {
	int per = nx * ny, z = t / per, pid = t - z * per;
	int bx = pid % nx, by = pid / nx;
	gemm_group_tile<CF::GROUP>(bx, by, nx, ny);
	return TmaTile{by * CF::BM, bx * CF::BN, z};
}

// The pipeline runs across a block's tiles: its it-th k-tile overall goes
// to stage it % S in round it / S (a block has one tile: the loop over
// tiles t0, t0 + tstep, ... runs once). TC: the kernel computes C^T (v3l's nn, below),
// stored transposed (wg_epilogue_t).
template <class CF, bool TA, bool TB, bool TC = false>
__device__ __forceinline__ void gemm_tma_body(float* C, const TmaMap* mA, const TmaMap* mB, int M, int N, int K,
                                              int ldc, float alpha, float beta, long long sC, int batches) {
	constexpr int S = CF::STAGES, ACC = CF::ACC;
	EXTERN_SHARED(unsigned char, wg_smem);
	if (dynamic_smem_size() < (unsigned)CF::SMEM) __trap(); // launched with too little shared memory: fail loudly
	unsigned base = (smem_u32(wg_smem) + 1023) & ~1023u;
	unsigned smA = base, smB = base + S * CF::A_ST, bars = smB + S * CF::B_ST; // then full[S], empty[S]
	auto full = [&](int s) { return bars + 8 * s; };
	auto empty = [&](int s) { return bars + 8 * (S + s); };

	int nx = (N + CF::BN - 1) / CF::BN, ny = (M + CF::BM - 1) / CF::BM;
	int t0 = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
	int tiles = t0 + 1, tstep = 1;
	int wg = threadIdx.x >> 7;
	int nk = (K + CF::BK - 1) / CF::BK;
	if (threadIdx.x == 0) {
		for (int s = 0; s < S; s++) {
			mbar_init(full(s), 1);
			mbar_init(empty(s), CF::CONSUMER_WARPS);
		}
		fence_mbarrier_init();
	}
	__syncthreads(); // the barriers are set up

	if (wg == 0) { // producer
		setmaxnreg_dec<40>();
		if (threadIdx.x != 0) return;
		tma_acquire_map(mA);
		tma_acquire_map(mB);
		int it = 0;
		for (int t = t0; t < tiles; t += tstep) {
			TmaTile tl = tma_tile<CF>(t, nx, ny);
			for (int kt = 0; kt < nk; kt++, it++) {
				int s = it % S;
				if (it >= S) mbar_wait(empty(s), (it / S - 1) & 1); // k-tile it - S released
				mbar_arrive_expect_tx(full(s), CF::A_ST + CF::B_ST);
				tma_load_stage<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, mA, mB, tl.m0, tl.n0, kt * CF::BK,
				                           tl.z, full(s));
			}
		}
		return;
	}

	setmaxnreg_inc<232>();
	int g = wg - 1; // consumer: rows 64g .. 64g+63 of the tile
	float acc[ACC];
	WgDesc w = tma_desc_parts<TA, TB>(g);
	bool signals = (threadIdx.x & 31) == 0;
	int it = 0;
	for (int t = t0; t < tiles; t += tstep) {
		TmaTile tl = tma_tile<CF>(t, nx, ny);
#pragma unroll
		for (int i = 0; i < ACC; i++) acc[i] = 0.f;
		for (int kt = 0; kt < nk; kt++, it++) {
			int s = it % S;
			mbar_wait(full(s), (it / S) & 1); // k-tile it landed
			wg_mma_ktile<CF, TA, TB>(acc, smA + s * CF::A_ST + w.aOff, smB + s * CF::B_ST, w);
			wgmma_wait<1>(); // k-tile it-1's wgmma retired: release its stage
			wg_fence_acc(acc);
			if (kt > 0 && signals) mbar_arrive(empty((it - 1) % S));
		}
		wgmma_wait<0>();
		wg_fence_acc(acc);
		if (signals) mbar_arrive(empty((it - 1) % S)); // the tile's last stage, for the next tile's copies
		if constexpr (TC) wg_epilogue_t<CF>(C + tl.z * sC, acc, tl.m0 + g * 64, tl.n0, M, N, ldc, alpha, beta);
		else wg_epilogue<CF>(C + tl.z * sC, acc, tl.m0 + g * 64, tl.n0, M, N, ldc, alpha, beta);
	}
}

// TMA_ENTRIES defines <prefix>_{nn,nt,tn,tt} for configuration CF and the
// device constant <prefix>_smem = CF::SMEM.
#define TMA_ENTRY(name, CF, TA, TB)                                                                                \
	extern "C" __global__ void __launch_bounds__(CF::NT, 1)                                                        \
	    name(float* C, const TmaMap* mA, const TmaMap* mB, int M, int N, int K, int ldc, float alpha, float beta,  \
	         long long sC, int batches) {                                                                          \
		gemm_tma_body<CF, TA, TB>(C, mA, mB, M, N, K, ldc, alpha, beta, sC, batches);                               \
	}

#define TMA_ENTRIES(prefix, CF)                                                                                    \
	extern "C" __device__ const int prefix##_smem = CF::SMEM;                                                      \
	TMA_ENTRY(prefix##_nn, CF, false, false)                                                                       \
	TMA_ENTRY(prefix##_nt, CF, false, true)                                                                        \
	TMA_ENTRY(prefix##_tn, CF, true, false)                                                                        \
	TMA_ENTRY(prefix##_tt, CF, true, true)

typedef TmaCfg<256, 4, 8> CfgV3g; // v3a's tile
typedef TmaCfg<128, 6, 8> CfgV3h; // v3b's tile

TMA_ENTRIES(gemm_tma_v3g, CfgV3g)
TMA_ENTRIES(gemm_tma_v3h, CfgV3h)

// v3l: v3g on v3k's 128 x 208 tiles (gemm_wgmma.cu says why), the same
// three layouts: nt and tt as they are, nn as its transpose C^T = B^T A^T
// (B's map, of 64 x 64 boxes, read as an MN-major A; A's, of 64 k x 208
// rows, as a K-major B; C stored transposed), no tn. 5 stages of 42 KB.
typedef TmaCfg<208, 5, 8> CfgV3l;
extern "C" __device__ const int gemm_tma_v3l_smem = CfgV3l::SMEM;
TMA_ENTRY(gemm_tma_v3l_nt, CfgV3l, false, true)
TMA_ENTRY(gemm_tma_v3l_tt, CfgV3l, true, true)
extern "C" __global__ void __launch_bounds__(CfgV3l::NT, 1)
    gemm_tma_v3l_nn(float* C, const TmaMap* mA, const TmaMap* mB, int M, int N, int K, int ldc, float alpha,
                    float beta, long long sC, int batches) {
	gemm_tma_body<CfgV3l, true, true, true>(C, mB, mA, N, M, K, ldc, alpha, beta, sC, batches);
}
