// The public entry point: argument checks, trivial cases, and the choice
// of thread count and thread grid for a call.

package gemm

import "fmt"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C in row-major layout.
// op(A) is (m,k): A is (m,k) with row stride lda, or (k,m) if transA.
// op(B) is (k,n): B is (k,n) with stride ldb, or (n,k) if transB.
// C is (m,n) with row stride ldc. beta == 0 means C is overwritten
// (NaN/Inf in C do not leak through); beta == 1 accumulates. With k == 0
// or alpha == 0, A and B are not read and C = beta*C.
// Elements of C outside the m x n window (row padding) are never touched.
// It panics with a "gemm: ..." message on negative sizes, strides smaller
// than a row, or slices too short.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	j, ok := newJob(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	if !ok {
		return
	}
	if !pool.mu.TryLock() {
		// Another goroutine is multiplying: do not wait for it, and do not
		// oversubscribe the cores it is using either.
		runSolo(&j)
		return
	}
	defer pool.mu.Unlock()
	pool.job = j
	pj := &pool.job
	pj.nthreads, pj.tm, pj.tn = threadGrid(Threads(), m, n, k, &pj.cfg, !pj.unpackedA())
	pool.prepare(pj.nthreads)
	pool.runParallel(pj.nthreads)
	pj.a, pj.b, pj.c = nil, nil, nil // do not keep the caller's memory alive
}

// SgemmSerial is Sgemm on the calling goroutine alone, for callers that
// split an outer loop over their own goroutines: each call uses one core
// and buffers from a sync.Pool, and never waits for another.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if j, ok := newJob(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); ok {
		runSolo(&j)
	}
}

// Serial holds the packing buffers of single-goroutine multiplications.
// A caller that keeps one per goroutine (attention heads split over a
// worker pool) allocates nothing in steady state, where SgemmSerial's
// pool may be emptied by a garbage collection. The zero value is ready;
// a Serial is used by one goroutine at a time.
type Serial struct{ s solo }

// Sgemm is the package's Sgemm on the calling goroutine with s's buffers.
func (s *Serial) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if j, ok := newJob(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); ok {
		s.s.run(&j)
	}
}

// newJob checks the arguments and handles the trivial cases (reporting
// false when nothing is left to multiply).
func newJob(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (job, bool) {
	j, ok := newJobLen(transA, transB, m, n, k, alpha, len(a), lda, len(b), ldb, beta, c, ldc)
	j.a, j.b = a, b
	return j, ok
}

// newJobLen is newJob for operands of lengths na and nb, which the caller
// sets in the job.
func newJobLen(transA, transB bool, m, n, k int, alpha float32, na, lda, nb, ldb int, beta float32, c []float32, ldc int) (job, bool) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", na, ar, ac, lda)
	checkMatrix("B", nb, br, bc, ldb)
	checkMatrix("C", len(c), m, n, ldc)
	if m == 0 || n == 0 {
		return job{}, false
	}
	if k == 0 || alpha == 0 {
		scaleC(c, m, n, ldc, beta)
		return job{}, false
	}
	return job{
		cfg:    active,
		transA: transA, transB: transB,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		lda: lda, ldb: ldb, c: c, ldc: ldc,
	}, true
}

// checkMatrix panics unless a slice of length size holds a rows x cols
// row-major matrix with row stride ld.
func checkMatrix(name string, size int, rows, cols, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: ld%s = %d < max(1, %d columns)", name, ld, cols))
	}
	if rows > 0 && cols > 0 && size < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: %s has %d elements, need %d for %dx%d with stride %d",
			name, size, (rows-1)*ld+cols, rows, cols, ld))
	}
}

// scaleC sets C = beta*C; beta == 0 writes zeros without reading C.
func scaleC(c []float32, m, n, ldc int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc:][:n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// minWorkPerThread is the number of multiply-adds below which another
// thread costs more (wake-up, barrier) than it saves: about 10 us of work.
const minWorkPerThread = 1 << 18

// threadGrid picks how many workers a call uses and how they are arranged:
// tm groups split the rows of C, and within a group tn workers split the
// columns of each B panel. It minimises the per-worker time per depth step,
// estimated as the worker's tiles times mr*nr/16 cycles (two 8-wide FMAs
// per cycle) plus, when packsA, one cycle per row of A it packs: workers
// in a row group all pack the same rows of A, so column splits cost
// repeated packing and are then chosen only when they balance the tiles
// clearly better (short, wide C). With A read in place (unpacked) a column
// split repeats nothing, and each worker packs exactly the B panels it
// multiplies.
func threadGrid(maxThreads, m, n, k int, cfg *config, packsA bool) (t, tm, tn int) {
	work := float64(m) * float64(n) * float64(k)
	t = max(1, min(maxThreads, int(work/minWorkPerThread)))
	mp := (m + cfg.mr - 1) / cfg.mr
	np := (min(n, cfg.nc) + cfg.nr - 1) / cfg.nr
	t = min(t, mp*np)
	best := -1.0
	for d := t; d >= 1; d-- {
		if t%d != 0 {
			continue
		}
		rowPanels := (mp + d - 1) / d
		tiles := rowPanels * ((np + t/d - 1) / (t / d))
		cost := float64(tiles*cfg.mr*cfg.nr) / 16
		if packsA {
			cost += float64(rowPanels * cfg.mr)
		}
		if best < 0 || cost < best {
			best, tm, tn = cost, d, t/d
		}
	}
	return t, tm, tn
}
