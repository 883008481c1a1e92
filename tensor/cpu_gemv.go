// Matmul with a handful of rows (a decoding step, a few beams): packing
// the other operand, as the blocked SGEMM does, would cost as much as the
// product itself, so each output is computed directly: dot products of
// contiguous rows for op(B) = B^T (linear layers, y = x W^T), row updates
// (axpy) for op(B) = B, with internal/vec's AVX2 kernels. Split over the
// pool along N.

package tensor

import (
	"embrec/internal/vec"
	"embrec/tensor/internal/gemm"
)

// smallM is the largest row count that skips the blocked SGEMM. Measured
// with BenchmarkMatMulFewRows (K 3200, N 8640, 2 threads, quiet machine,
// median of 3): M 1: 1.5 ms unpacked vs 8.0 ms blocked; M 4: 5.9 vs 11.1;
// M 5: 11.7 vs 27.7; M 8: 15.7 vs 23.9; M 16 blocked: 12.5-16.3. Ten rows
// covers a 10-beam decoding step.
const smallM = 10

type gemvJob struct {
	transB      bool
	m, k        int
	alpha, beta float32
	a, b, c     []float32
	lda, ldb    int
	ldc         int
}

func (j *gemvJob) run(lo, hi int) {
	if j.transB { // each row of B is read once and kept in L1 for every row of A
		var dots [smallM]float32
		for n := lo; n < hi; n++ {
			w := j.b[n*j.ldb : n*j.ldb+j.k]
			vec.DotRows(j.alpha, w, j.a, j.lda, dots[:j.m]) // alpha * Dot(row i of A, w)
			for i, v := range dots[:j.m] {
				c := &j.c[i*j.ldc+n]
				if j.beta != 0 {
					v += j.beta * *c
				}
				*c = v
			}
		}
		return
	}
	for i := 0; i < j.m; i++ {
		x := j.a[i*j.lda : i*j.lda+j.k]
		row := j.c[i*j.ldc+lo : i*j.ldc+hi]
		if j.beta == 0 {
			clear(row)
		} else if j.beta != 1 {
			for n := range row {
				row[n] *= j.beta
			}
		}
		for kk, xv := range x {
			if xv != 0 {
				vec.Axpy(j.alpha*xv, j.b[kk*j.ldb+lo:kk*j.ldb+hi], row)
			}
		}
	}
}

// sgemm is gemm.Sgemm with the small-M path. With serial nil it may use
// every core (MatMul, heads in turn); otherwise it stays on the calling
// goroutine with serial's buffers (inside a parallel loop over heads).
func (c *CPU) sgemm(serial *gemm.Serial, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, out []float32, ldc int) {
	if transA || m > smallM || m == 0 || n == 0 || k == 0 {
		if serial == nil {
			gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, out, ldc)
		} else {
			serial.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, out, ldc)
		}
		return
	}
	j := gemvJob{transB: transB, m: m, k: k, alpha: alpha, beta: beta, a: a, b: b, c: out, lda: lda, ldb: ldb, ldc: ldc}
	if serial != nil {
		j.run(0, n)
		return
	}
	c.gemv = j
	c.pool.parallel(n, 2*m*k, &c.gemv)
	c.gemv = gemvJob{}
}
