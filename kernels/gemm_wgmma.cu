// gemm_wgmma_{v3a,v3b}_{nn,nt,tn,tt}: the tensor-core GEMM of gemm_bf16.cu
// (same parameters, layouts, tails, vecA / vecB, beta and grid.z batching)
// on Hopper's warpgroup MMA: wgmma.mma_async (sm_90a), both operands read
// by the tensor cores straight from shared memory through matrix
// descriptors, float32 accumulators in registers. This module is PTX for
// sm_90a: gen.sh compiles it apart (see its header) and the cuda package
// loads it only on a compute-capability 9.0 device.
//
// Block: 256 threads = two warpgroups; a 128 x BN tile of C, warpgroup g
// computing rows 64g .. 64g+63 with one wgmma m64nBNk16 per k16 step
// (BN/2 accumulators per thread). K advances in k-tiles of BK = 64
// elements (128 bytes) through STAGES shared-memory stages, loaded by all
// threads with 16-byte cp.async (zero-filled outside the matrix; or
// element by element when vecA / vecB is 0).
//
// Shared layout: the 128-byte swizzle of the wgmma descriptors. An operand
// whose K is contiguous in memory (A stored (M, K), B stored (N, K)) is
// "K-major": row r of the tile (an m or an n) is 128 bytes, its 16-byte
// chunk c (k = 8c .. 8c+7) at r*128 + ((c ^ (r % 8)) * 16); eight rows
// make a 1024-byte atom; descriptor SBO = 1024 (atom to atom along M/N),
// LBO unused; the k16 step s starts 32*s bytes into the row (the hardware
// applies the XOR to the address). An operand whose M or N is contiguous
// (A stored (K, M), B stored (K, N)) is "MN-major": atoms of 8 k-rows x 64
// m/n elements (128 bytes), chunk c of k-row j at j*128 + ((c ^ j) * 16);
// atoms along M/N are adjacent (WG_MN_LBO bytes apart), atom rows along K
// are R/64 atoms apart (WG_MN_SBO); the k16 step s starts 2 atom rows
// further. Tiles start 1024-byte aligned.
//
// Pipeline of k-tile kt (S = STAGES, k-tiles kt+1 .. kt+S-3 in flight):
//
//   cp.async.wait_group S-3     k-tile kt landed (this thread's copies)
//   fence.proxy.async           ... made visible to the tensor cores
//   __syncthreads               everyone's; and every warpgroup has
//                               retired its wgmma of k-tile kt-2
//   cp.async k-tile kt+S-2      into stage (kt-2) % S; commit
//   wgmma.fence; 4 x wgmma on stage kt % S; wgmma.commit_group
//   wgmma.wait_group 1          the wgmma of k-tile kt-1 retired
//
// The stage written at k-tile kt was last read by the wgmma of k-tile
// kt-2, which every warpgroup waited for before the barrier.
//
// gemm_wgmma_v3*_smem (a device constant) is each variant's dynamic
// shared-memory size: S stages of A and B plus 1024 bytes to align the
// first; each kernel traps when launched with less.

#include "common.cuh"
#include "gemm_tile.cuh"

typedef unsigned short u16;

// MN-major descriptor strides, in bytes (see the layout above); rows is
// the tile's M or N extent.
#define WG_MN_LBO 1024
#define WG_MN_SBO(rows) ((rows) / 64 * 1024)

// wg_desc encodes a 128-byte-swizzle matrix descriptor for the shared
// address addr: bits 0-13 addr/16, 16-29 LBO/16, 32-45 SBO/16, 62-63
// swizzle mode (1: 128-byte).
__device__ __forceinline__ unsigned long long wg_desc(unsigned addr, unsigned lbo, unsigned sbo) {
	return (unsigned long long)((addr & 0x3FFFF) >> 4) | ((unsigned long long)(lbo >> 4) << 16) |
	       ((unsigned long long)(sbo >> 4) << 32) | (1ull << 62);
}

__device__ __forceinline__ void st_shared_u16(unsigned addr, u16 v) {
	asm volatile("st.shared.u16 [%0], %1;\n" ::"r"(addr), "h"(v));
}

// wgmma_m64n128: d (64 x 128 float32, 64 per thread) += A (64 x 16) @ B (16 x 128),
// both from shared memory through descriptors; MA / NB: A stored M-major,
// B stored N-major (imm-trans-a, imm-trans-b).
template <int MA, int NB>
__device__ __forceinline__ void wgmma_m64n128(float (&d)[64], unsigned long long da, unsigned long long db) {
	asm volatile(
	    "{\n"
	    ".reg .pred p;\n"
	    "setp.ne.b32 p, 1, 0;\n"
	    "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {"
	    "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
	    "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
	    "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
	    "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
	    "}, %64, %65, p, 1, 1, %66, %67;\n"
	    "}\n"
	    : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
	      "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
	      "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
	      "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
	      "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
	      "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
	      "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
	      "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
	    : "l"(da), "l"(db), "n"(MA), "n"(NB));
}

// wgmma_m64n256: d (64 x 256 float32, 128 per thread) += A (64 x 16) @ B (16 x 256),
// both from shared memory through descriptors; MA / NB: A stored M-major,
// B stored N-major (imm-trans-a, imm-trans-b).
template <int MA, int NB>
__device__ __forceinline__ void wgmma_m64n256(float (&d)[128], unsigned long long da, unsigned long long db) {
	asm volatile(
	    "{\n"
	    ".reg .pred p;\n"
	    "setp.ne.b32 p, 1, 0;\n"
	    "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {"
	    "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
	    "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
	    "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
	    "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
	    "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
	    "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
	    "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
	    "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
	    "}, %128, %129, p, 1, 1, %130, %131;\n"
	    "}\n"
	    : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
	      "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
	      "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
	      "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
	      "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
	      "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
	      "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
	      "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),
	      "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),
	      "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
	      "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),
	      "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]),
	      "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),
	      "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),
	      "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),
	      "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
	    : "l"(da), "l"(db), "n"(MA), "n"(NB));
}

template <int BN_, int STAGES_, int GROUP_>
struct WgCfg {
	static constexpr int BM = 128, BN = BN_, BK = 64, NT = 256, ACC = BN_ / 2;
	static constexpr int STAGES = STAGES_, GROUP = GROUP_;
	static constexpr int A_ST = BM * BK * 2, B_ST = BN * BK * 2;    // bytes of one stage
	static constexpr int SMEM = STAGES * (A_ST + B_ST) + 1024;      // bytes, with the alignment slack
	static_assert(BN == 128 || BN == 256, "one wgmma m64n128 or m64n256 per warpgroup and k16 step");
	static_assert(STAGES >= 3, "the stage written at k-tile kt must differ from kt-1's and kt's");
};

// wg_load_k copies the tile rows [row0, row0+ROWS) x k [k0, k0+64) of a
// K-major operand g (element (r, k) at g[r*ld + k], valid for r < nrows,
// k < nk) into the swizzled K-major layout at shared address s.
template <int ROWS>
__device__ __forceinline__ void wg_load_k(unsigned s, const u16* g, int ld, int row0, int k0, int nrows, int nk,
                                          int vec) {
	constexpr int CH = ROWS * 8 / 256; // 16-byte chunks per thread
	if (vec) {
#pragma unroll
		for (int i = 0; i < CH; i++) {
			int ch = threadIdx.x + i * 256, r = ch >> 3, c = ch & 7;
			int gr = row0 + r, gk = k0 + c * 8;
			bool ok = gr < nrows && gk < nk;
			asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s + r * 128 + ((c ^ (r & 7)) << 4)),
			             "l"(ok ? (const void*)(g + (gr * ld + gk)) : (const void*)g), "r"(ok ? 16 : 0));
		}
	} else {
#pragma unroll 1
		for (int i = 0; i < CH; i++) {
			int ch = threadIdx.x + i * 256, r = ch >> 3, c = ch & 7;
			int gr = row0 + r, gk = k0 + c * 8;
			unsigned dst = s + r * 128 + ((c ^ (r & 7)) << 4);
#pragma unroll
			for (int e = 0; e < 8; e++)
				st_shared_u16(dst + 2 * e, (gr < nrows && gk + e < nk) ? g[(long long)gr * ld + gk + e] : (u16)0);
		}
	}
}

// wg_load_mn copies k [k0, k0+64) x m/n [col0, col0+COLS) of an MN-major
// operand g (element (k, c) at g[k*ld + c], valid for k < nk, c < ncols)
// into the swizzled MN-major layout at shared address s.
template <int COLS>
__device__ __forceinline__ void wg_load_mn(unsigned s, const u16* g, int ld, int k0, int col0, int nk, int ncols,
                                           int vec) {
	constexpr int CPR = COLS / 8, CH = 64 * CPR / 256, ATOMS = COLS / 64;
	if (vec) {
#pragma unroll
		for (int i = 0; i < CH; i++) {
			int ch = threadIdx.x + i * 256, k = ch / CPR, c = ch % CPR;
			int gk = k0 + k, gc = col0 + c * 8;
			bool ok = gk < nk && gc < ncols;
			unsigned dst = s + ((k >> 3) * ATOMS + (c >> 3)) * 1024 + (k & 7) * 128 + (((c & 7) ^ (k & 7)) << 4);
			asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst),
			             "l"(ok ? (const void*)(g + (gk * ld + gc)) : (const void*)g), "r"(ok ? 16 : 0));
		}
	} else {
#pragma unroll 1
		for (int i = 0; i < CH; i++) {
			int ch = threadIdx.x + i * 256, k = ch / CPR, c = ch % CPR;
			int gk = k0 + k, gc = col0 + c * 8;
			unsigned dst = s + ((k >> 3) * ATOMS + (c >> 3)) * 1024 + (k & 7) * 128 + (((c & 7) ^ (k & 7)) << 4);
#pragma unroll
			for (int e = 0; e < 8; e++)
				st_shared_u16(dst + 2 * e, (gk < nk && gc + e < ncols) ? g[(long long)gk * ld + gc + e] : (u16)0);
		}
	}
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ void wg_load_stage(unsigned sA, unsigned sB, const u16* A, const u16* B, int M, int N,
                                              int K, int lda, int ldb, int m0, int n0, int k0, int vecA, int vecB) {
	if (TA) wg_load_mn<CF::BM>(sA, A, lda, k0, m0, K, M, vecA); // stored (K, M)
	else wg_load_k<CF::BM>(sA, A, lda, m0, k0, M, K, vecA);     // stored (M, K)
	if (TB) wg_load_k<CF::BN>(sB, B, ldb, n0, k0, N, K, vecB);  // stored (N, K)
	else wg_load_mn<CF::BN>(sB, B, ldb, k0, n0, K, N, vecB);    // stored (K, N)
}

// wg_fence_acc keeps the compiler from moving reads or writes of the
// accumulators across the point where it stands (they are written
// asynchronously by wgmma).
template <int N>
__device__ __forceinline__ void wg_fence_acc(float (&d)[N]) {
#pragma unroll
	for (int i = 0; i < N; i++) asm volatile("" : "+f"(d[i])::"memory");
}

template <class CF, bool TA, bool TB>
__device__ __forceinline__ void gemm_wgmma_body(float* C, const u16* A, const u16* B, int M, int N, int K, int lda,
                                                int ldb, int ldc, float alpha, float beta, long long sA,
                                                long long sB, long long sC, int vecA, int vecB) {
	constexpr int BM = CF::BM, BN = CF::BN, BK = CF::BK, S = CF::STAGES, ACC = CF::ACC;
	extern __shared__ __align__(16) unsigned char wg_smem[];
	unsigned dyn;
	asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(dyn));
	if (dyn < (unsigned)CF::SMEM) __trap(); // launched with too little shared memory: fail loudly
	unsigned base = ((unsigned)__cvta_generic_to_shared(wg_smem) + 1023) & ~1023u;
	unsigned smA = base, smB = base + S * CF::A_ST; // S stages of A, then S stages of B

	A += blockIdx.z * sA;
	B += blockIdx.z * sB;
	C += blockIdx.z * sC;
	int bx = blockIdx.x, by = blockIdx.y;
	gemm_group_tile<CF::GROUP>(bx, by, gridDim.x, gridDim.y);
	int m0 = by * BM, n0 = bx * BN;
	int wg = threadIdx.x >> 7; // warpgroup: rows 64*wg .. 64*wg+63 of the tile

	float acc[ACC];
#pragma unroll
	for (int i = 0; i < ACC; i++) acc[i] = 0.f;

	// Descriptor parts that do not depend on the stage: the warpgroup's
	// A rows, and each operand's strides.
	unsigned aOff = TA ? wg * 1024 : wg * 64 * 128;
	unsigned aLBO = TA ? WG_MN_LBO : 16, aSBO = TA ? WG_MN_SBO(BM) : 1024;
	unsigned bLBO = TB ? 16 : WG_MN_LBO, bSBO = TB ? 1024 : WG_MN_SBO(BN);
	unsigned aStep = TA ? 2 * WG_MN_SBO(BM) : 32, bStep = TB ? 32 : 2 * WG_MN_SBO(BN); // per k16 step

	int nk = (K + BK - 1) / BK;
#pragma unroll
	for (int s = 0; s < S - 2; s++) { // prologue: k-tiles 0 .. S-3 into stages 0 .. S-3
		if (s < nk)
			wg_load_stage<CF, TA, TB>(smA + s * CF::A_ST, smB + s * CF::B_ST, A, B, M, N, K, lda, ldb, m0, n0,
			                          s * BK, vecA, vecB);
		asm volatile("cp.async.commit_group;\n" ::); // possibly empty: keeps the group count uniform
	}
	for (int kt = 0; kt < nk; kt++) {
		int rs = kt % S;
		asm volatile("cp.async.wait_group %0;\n" ::"n"(S - 3) : "memory"); // k-tile kt landed (this thread)
		asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");      // visible to the async proxy
		__syncthreads();                                                      // everyone's copies and fences
		int kn = kt + S - 2; // into stage (kt-2) % S: its wgmma retired before the barrier
		if (kn < nk)
			wg_load_stage<CF, TA, TB>(smA + (kn % S) * CF::A_ST, smB + (kn % S) * CF::B_ST, A, B, M, N, K, lda, ldb,
			                          m0, n0, kn * BK, vecA, vecB);
		asm volatile("cp.async.commit_group;\n" ::);
		unsigned a0 = smA + rs * CF::A_ST + aOff, b0 = smB + rs * CF::B_ST;
		wg_fence_acc(acc);
		asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
		for (int ks = 0; ks < BK / 16; ks++) {
			unsigned long long da = wg_desc(a0 + ks * aStep, aLBO, aSBO), db = wg_desc(b0 + ks * bStep, bLBO, bSBO);
			if constexpr (BN == 256) wgmma_m64n256<TA, !TB>(acc, da, db); // B stored (K, N): N-major
			else wgmma_m64n128<TA, !TB>(acc, da, db);
		}
		asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
		asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory"); // k-tile kt-1's wgmma retired
		wg_fence_acc(acc);
	}
	asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
	asm volatile("cp.async.wait_all;\n" ::: "memory");
	wg_fence_acc(acc);

	// epilogue: accumulator i of a thread holds row 16*warp + lane/4 +
	// 8*((i/2) % 2), column 8*(i/4) + 2*(lane%4) + i%2 of its warpgroup's
	// 64 x BN tile; float2 stores where C allows them (as gemm_bf16.cu)
	int lane = threadIdx.x & 31, warp = (threadIdx.x >> 5) & 3;
	bool c2 = ((unsigned long long)C & 7) == 0 && (ldc & 1) == 0;
#pragma unroll
	for (int h = 0; h < 2; h++) {
		int m = m0 + wg * 64 + warp * 16 + (lane >> 2) + h * 8;
		if (m >= M) continue;
		float* row = C + (long long)m * ldc;
#pragma unroll
		for (int j = 0; j < BN / 8; j++) {
			int n = n0 + j * 8 + 2 * (lane & 3);
			gemm_store_pair(row, n, N, alpha * acc[4 * j + 2 * h], alpha * acc[4 * j + 2 * h + 1], beta, c2);
		}
	}
}

//                 BN STAGES GROUP
typedef WgCfg<256, 4, 8> CfgV3a;
typedef WgCfg<128, 6, 8> CfgV3b;

GEMM_ENTRIES(gemm_wgmma_v3a, gemm_wgmma_body, (256, 1), CfgV3a)
GEMM_ENTRIES(gemm_wgmma_v3b, gemm_wgmma_body, (256, 1), CfgV3b)
