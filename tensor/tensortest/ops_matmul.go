// MatMul conformance: every transpose combination, overwrite and
// accumulate, odd and zero sizes, batched.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

// MatMul checks out = op(a) @ op(b) + beta*out.
func MatMul(t *testing.T, b tensor.Backend, tol Tolerances) {
	sizes := [][3]int{{0, 3, 5}, {3, 0, 5}, {3, 5, 0}, {1, 1, 1}, {2, 3, 4}, {7, 13, 17},
		{37, 61, 29}, {67, 130, 257}, {129, 5, 300}, {1, 200, 33}, {3, 130, 257}, {4, 67, 300}, {5, 31, 7}}
	for _, sz := range sizes {
		for _, batch := range []int{0, 3} {
			if batch > 0 && sz[0]*sz[1]*sz[2] > 5000 {
				continue
			}
			for combo := 0; combo < 8; combo++ {
				ta, tb, beta := combo&1 != 0, combo&2 != 0, float32(combo>>2)
				name := fmt.Sprintf("m%d_n%d_k%d_b%d_ta%v_tb%v_beta%v", sz[0], sz[1], sz[2], batch, ta, tb, beta)
				e := newEnv(t, b, tol, uint64(sz[0]*1000+sz[1]*10+sz[2]+combo+batch))
				checkMatMul(e, name, sz[0], sz[1], sz[2], batch, ta, tb, beta)
				e.checkPadding()
			}
		}
	}
}

func checkMatMul(e *env, name string, m, n, k, batch int, ta, tb bool, beta float32) {
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
	var ov []float64
	if beta == 0 { // overwrite: stale NaNs must not leak into the result
		ov = make([]float64, bt*m*n)
		for i := range ov {
			ov[i] = math.NaN()
		}
	} else {
		ov = e.randn(bt * m * n)
	}
	shape := func(r, c int) []int {
		if batch > 0 {
			return []int{batch, r, c}
		}
		return []int{r, c}
	}
	A := e.tensor("a", av, shape(aRows, aCols)...)
	B := e.tensor("b", bv, shape(bRows, bCols)...)
	O := e.tensor("out", ov, shape(m, n)...)
	e.b.MatMul(O, A, B, ta, tb, beta)
	ref := make([]float64, bt*m*n)
	mag := make([]float64, bt*m*n)
	for p := 0; p < bt; p++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s, sa := 0.0, 0.0
				for l := 0; l < k; l++ {
					x := av[p*m*k+idx(ta, i, l, aCols, aRows)]
					y := bv[p*k*n+idx(tb, l, j, bCols, bRows)]
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
	e.compare("MatMul "+name, "matmul", e.read(O), ref, mag)
}

// idx is the storage index of logical element (r, c) of op(X), where X is
// stored with cols columns, or transposed.
func idx(trans bool, r, c, cols, rows int) int {
	if trans {
		return c*cols + r
	}
	return r*cols + c
}
