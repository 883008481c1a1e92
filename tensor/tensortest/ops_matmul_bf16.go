// BF16 MatMul conformance: products with an operand stored in BF16 equal
// the product of both operands rounded to BF16, summed in float32.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

// MatMulBF16 checks MatMul when a, b or both are BF16 tensors (the other
// F32): the reference is the float64 product of the operands rounded to
// BF16 (nearest even), with the tolerance row "matmul_bf16". It is not
// part of Run: only backends that multiply BF16 operands run it.
func MatMulBF16(t *testing.T, b tensor.Backend, tol Tolerances) {
	sizes := [][3]int{{1, 1, 1}, {2, 3, 4}, {7, 13, 17}, {37, 61, 29}, {67, 130, 257}, {129, 5, 300}, {3, 130, 257}, {25, 40, 513}}
	for _, sz := range sizes {
		for combo := 0; combo < 16; combo++ {
			ta, tb, beta := combo&1 != 0, combo&2 != 0, float32(combo>>2&1)
			dts := [2]tensor.DType{tensor.F32, tensor.BF16}
			if combo&8 != 0 {
				dts = [2]tensor.DType{tensor.BF16, tensor.BF16}
			} else if combo&4 != 0 && combo&1 != 0 {
				dts = [2]tensor.DType{tensor.BF16, tensor.F32}
			}
			for _, batch := range []int{0, 2} {
				if batch > 0 && sz[0]*sz[1]*sz[2] > 5000 {
					continue
				}
				name := fmt.Sprintf("m%d_n%d_k%d_b%d_ta%v_tb%v_beta%v_%v_%v", sz[0], sz[1], sz[2], batch, ta, tb, beta, dts[0], dts[1])
				e := newEnv(t, b, tol, uint64(sz[0]*1000+sz[1]*10+sz[2]+combo+batch))
				checkMatMulBF16(e, name, sz[0], sz[1], sz[2], batch, ta, tb, beta, dts)
				e.checkPadding()
			}
		}
	}
}

func checkMatMulBF16(e *env, name string, m, n, k, batch int, ta, tb bool, beta float32, dts [2]tensor.DType) {
	e.t.Helper()
	bt := max(batch, 1)
	aRows, aCols := m, k
	if ta {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if tb {
		bRows, bCols = n, k
	}
	av, bv := e.randn(bt*m*k), e.randn(bt*k*n)
	ov := e.randn(bt * m * n)
	if beta == 0 {
		for i := range ov {
			ov[i] = math.NaN()
		}
	}
	shape := func(r, c int) []int {
		if batch > 0 {
			return []int{batch, r, c}
		}
		return []int{r, c}
	}
	A := e.tensor("a", av, shape(aRows, aCols)...)
	B := e.tensor("b", bv, shape(bRows, bCols)...)
	if dts[0] == tensor.BF16 {
		A = e.tensorAs(tensor.BF16, A)
	}
	if dts[1] == tensor.BF16 {
		B = e.tensorAs(tensor.BF16, B)
	}
	O := e.tensor("out", ov, shape(m, n)...)
	e.b.MatMul(O, A, B, ta, tb, beta)
	ra, rb := roundBF16(av), roundBF16(bv)
	ref := make([]float64, bt*m*n)
	mag := make([]float64, bt*m*n)
	for p := 0; p < bt; p++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s, sa := 0.0, 0.0
				for l := 0; l < k; l++ {
					x := ra[p*m*k+idx(ta, i, l, aCols, aRows)]
					y := rb[p*k*n+idx(tb, l, j, bCols, bRows)]
					s += x * y
					sa += math.Abs(x * y)
				}
				o := p*m*n + i*n + j
				if beta != 0 {
					s += float64(beta) * ov[o]
					sa += math.Abs(float64(beta) * ov[o])
				}
				ref[o], mag[o] = s, sa
			}
		}
	}
	e.compare("MatMul BF16 "+name, "matmul_bf16", e.read(O), ref, mag)
}
