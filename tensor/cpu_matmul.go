// CPU matmul: shape checks around the packed SGEMM of internal/gemm, and
// the BF16 product when an operand is stored in BF16.

package tensor

import (
	"fmt"

	"embrec/tensor/internal/gemm"
)

// MatMul implements MatMuler. With an operand stored in BF16 the product
// is a BF16 product (gemm.GemmBF16): both operands rounded to BF16 (a
// float32 one to nearest even), products summed in float32, as the cuda
// backend's tensor cores do.
func (c *CPU) MatMul(out, a, b *Tensor, transA, transB bool, beta float32) {
	if b.Rank() == 3 {
		c.batchedMatMul(out, a, b, transA, transB, beta)
		return
	}
	if b.Rank() != 2 {
		panic(fmt.Sprintf("tensor: MatMul: b %v must have rank 2 or 3", b))
	}
	ar, ac := a.Rows(), a.Cols()
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := b.Dim(0), b.Dim(1)
	if transB {
		kb, n = n, kb
	}
	if k != kb || out.Rows() != m || out.Cols() != n {
		panic(fmt.Sprintf("tensor: MatMul: out %v = a %v (T=%v) @ b %v (T=%v)", out, a, transA, b, transB))
	}
	if a.DType() == BF16 || b.DType() == BF16 {
		gemm.GemmBF16(transA, transB, m, n, k, 1, operand(a), max(ac, 1), operand(b), max(b.Dim(1), 1), beta, Float32s(out), max(n, 1))
		return
	}
	c.product(transA, transB, m, n, k, Float32s(a), max(ac, 1), Float32s(b), max(b.Dim(1), 1), beta, Float32s(out), max(n, 1))
}

// operand is t as an operand of the BF16 product: its BF16 bits, or its
// float32 values (rounded while packing). Other dtypes panic.
func operand(t *Tensor) gemm.Operand {
	if t.DType() == BF16 {
		return gemm.Operand{BF16: halfs(t)}
	}
	return gemm.Operand{F32: Float32s(t)}
}

func (c *CPU) batchedMatMul(out, a, b *Tensor, transA, transB bool, beta float32) {
	if a.Rank() != 3 || out.Rank() != 3 || a.Dim(0) != b.Dim(0) || out.Dim(0) != b.Dim(0) {
		panic(fmt.Sprintf("tensor: MatMul: batched out %v, a %v, b %v", out, a, b))
	}
	bt := b.Dim(0)
	m, k := a.Dim(1), a.Dim(2)
	if transA {
		m, k = k, m
	}
	kb, n := b.Dim(1), b.Dim(2)
	if transB {
		kb, n = n, kb
	}
	if k != kb || out.Dim(1) != m || out.Dim(2) != n {
		panic(fmt.Sprintf("tensor: MatMul: out %v = a %v (T=%v) @ b %v (T=%v)", out, a, transA, b, transB))
	}
	sa, sb, so := a.Dim(1)*a.Dim(2), b.Dim(1)*b.Dim(2), m*n
	if a.DType() == BF16 || b.DType() == BF16 {
		oa, ob, os := operand(a), operand(b), Float32s(out)
		for i := 0; i < bt; i++ {
			gemm.GemmBF16(transA, transB, m, n, k, 1, sliceOperand(oa, i*sa, sa), max(a.Dim(2), 1),
				sliceOperand(ob, i*sb, sb), max(b.Dim(2), 1), beta, os[i*so:(i+1)*so], max(n, 1))
		}
		return
	}
	as, bs, os := Float32s(a), Float32s(b), Float32s(out)
	for i := 0; i < bt; i++ {
		c.product(transA, transB, m, n, k, as[i*sa:(i+1)*sa], max(a.Dim(2), 1),
			bs[i*sb:(i+1)*sb], max(b.Dim(2), 1), beta, os[i*so:(i+1)*so], max(n, 1))
	}
}

// product is MatMul's SGEMM: the small-M path by default, the blocked
// SGEMM for every row count in batch-invariant mode.
func (c *CPU) product(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, out []float32, ldc int) {
	if c.invariant {
		gemm.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, out, ldc)
		return
	}
	c.sgemm(nil, transA, transB, m, n, k, 1, a, lda, b, ldb, beta, out, ldc)
}

// SetBatchInvariant implements BatchInvariant: on, MatMul computes every
// output row with the blocked SGEMM whatever the number of rows (whose
// per-element sums run in the same order for every row count), instead of
// direct dot products below smallM rows. Attention is unaffected: it is
// already per row. Off is the default.
func (c *CPU) SetBatchInvariant(on bool) { c.invariant = on }

// sliceOperand is o's elements [off, off+n).
func sliceOperand(o gemm.Operand, off, n int) gemm.Operand {
	if o.BF16 != nil {
		return gemm.Operand{BF16: o.BF16[off : off+n]}
	}
	return gemm.Operand{F32: o.F32[off : off+n]}
}
