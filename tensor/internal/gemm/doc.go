// Package gemm is the CPU matrix-multiply kernel of embrec: a packed,
// cache-blocked, goroutine-parallel single-precision GEMM (Sgemm) in the
// style of Goto & van de Geijn ("Anatomy of high-performance matrix
// multiplication", 2008) and BLIS (Van Zee & van de Geijn, 2015).
//
// # Algorithm
//
// C (m,n) += alpha * op(A) (m,k) * op(B) (k,n) is computed by five loops
// around a register-blocked micro-kernel:
//
//	for jc in steps of NC over n            // B panel of NC columns: L3
//	  for pc in steps of KC over k          // depth block
//	    pack op(B)[pc:pc+KC, jc:jc+NC] -> Bp (NR-wide micro-panels), shared by all workers
//	    for ic in steps of MC over this worker's rows
//	      pack op(A)[ic:ic+MC, pc:pc+KC] -> Ap (MR-tall micro-panels), private: L2
//	      for jr in steps of NR             // one Bp micro-panel (KC x NR): L1
//	        for ir in steps of MR           // one Ap micro-panel (MR x KC)
//	          micro-kernel: C[ir:ir+MR, jr:jr+NR] (+)= alpha * Ap_ir * Bp_jr
//
// Packing copies each block once into a contiguous buffer in exactly the
// order the micro-kernel reads it, so the inner loop streams unit-stride
// memory regardless of the transpose flags and leading dimensions; the
// packed panels are zero-padded to whole MR/NR tiles, so the micro-kernel
// always computes a full tile and partial tiles at the right and bottom
// edges go through a small scratch tile that is then merged into C.
// The first depth block applies the caller's beta, later ones accumulate
// (beta = 1); beta == 0 never reads C, so NaN/Inf in C do not leak.
//
// # Micro-kernel and blocking parameters (amd64, AVX2+FMA)
//
// The micro-kernel (kernel_amd64.s) computes a 6x16 tile: 12 ymm
// accumulators (6 rows x two 8-wide vectors), two ymm registers for the
// 16 B values of one k step and one or two for broadcast A values, which
// fills the 16 ymm registers. Each k step is 2 loads of B, 6 broadcasts
// of A and 12 FMAs: with two FMA pipes on Zen3 the loop is FMA-bound, and
// 12 independent accumulator chains hide the 4-cycle FMA latency.
//
//	MR = 6, NR = 16   register tile, as above
//	KC = 256          Bp micro-panel KC*NR*4 = 16 KiB stays in the 32 KiB L1d
//	                  next to the streaming Ap micro-panel (6 KiB)
//	MC = 144          Ap block MC*KC*4 = 144 KiB, well inside the 512 KiB L2
//	                  with room for Bp micro-panels passing through
//	NC = 4080         Bp panel KC*NC*4 ~ 4 MiB lives in the shared L3
//
// These are the cache-derived values BLIS also uses for Zen-class cores.
// On the project machine (AMD EPYC Zen3, 2 cores, shared with other jobs)
// nearby choices (MC 96..240, KC 256..512) measured within the run-to-run
// noise, so the derivation above decided. The in-cache micro-kernel alone
// (BenchmarkMicroKernel) runs at 76-81 GFLOP/s on one core, about the
// 2 FMA x 8 lanes x 2 flops x 2.45 GHz = 78 GFLOP/s peak.
//
// # Parallelism
//
// A persistent pool of worker goroutines (SetThreads, default
// GOMAXPROCS) shares each packed B panel: every worker packs a slice of
// it, a barrier publishes it, and the workers then split the rows of C
// (or, when C is short and wide, the columns of the panel) in whole MR/NR
// tiles. The B panel is double-buffered, so one barrier per (jc, pc)
// block suffices. The calling goroutine is worker 0. Steady-state calls
// allocate nothing: packing buffers belong to the pool and grow only when
// a larger problem arrives. A call that finds the pool busy (Sgemm called
// from several goroutines at once) does not wait: it runs single-threaded
// on its own goroutine with buffers from a sync.Pool.
//
// The thread grid (threadGrid) weighs tile balance against repeated
// packing: a row split shares everything, a column split makes each worker
// of a row group pack the same A rows, so it is used for short, wide C.
// Problems under about 2^18 multiply-adds per worker use fewer workers.
//
// # Determinism
//
// The result is bitwise independent of the thread count: the tile grid is
// anchored at C[0,0] and the depth blocking does not depend on the
// partition, so every element of C sees the same sequence of floating-point
// operations whichever worker computes it. It may differ in the last bits
// between the assembly and the pure-Go micro-kernels (FMA vs separate
// multiply and add) and between different blocking parameters.
//
// # Limitations
//
// Problems with m < 6 or n < 16 (matrix-vector shapes, one-token decoding)
// still compute whole padded tiles and pay for packing; they are correct
// but far from memory-bound speed. There is no special path for them yet.
//
// # Portability
//
// The pure-Go micro-kernel (4x4, kernel_generic.go) is used on non-amd64
// platforms, with the purego build tag, and at run time on amd64 CPUs
// without AVX2 and FMA (detected with golang.org/x/sys/cpu). It uses the
// same packing and blocking, so it keeps the cache behaviour.
package gemm
