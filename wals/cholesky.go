// cholesky.go: the exact row solver: form (G + Yᵀ(C_u−I)Y) in float64 and
// solve it with gonum's LAPACK Cholesky (Potrf + Potrs), called directly so
// that no condition-number estimate or copy is paid per row.

package wals

import (
	"errors"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// cholScratch is one goroutine's work space for cholRow.
type cholScratch struct {
	a []float64 // (K, K) system, upper triangle used, then its factor
	b []float64 // (K) right-hand side, then the solution
}

func newCholScratch(k int) *cholScratch {
	return &cholScratch{a: make([]float64, k*k), b: make([]float64, k)}
}

var errNotPD = errors.New("wals: system not positive definite (use reg > 0)")

// cholRow sets x to the exact solution of the row's system. g64 is
// G = YᵀY + λI in float64.
func cholRow(x []float32, g64 []float64, y []float32, cols []int32, vals []float32, alpha float64, s *cholScratch) error {
	k := len(x)
	a, b := s.a, s.b
	copy(a, g64)
	clear(b)
	for j, c := range cols {
		yi := y[int(c)*k : int(c)*k+k]
		w := alpha * float64(vals[j]) // c_i − 1
		for p := 0; p < k; p++ {
			yp := float64(yi[p])
			b[p] += (1 + w) * yp
			wy := w * yp
			row := a[p*k : p*k+k]
			for q := p; q < k; q++ {
				row[q] += wy * float64(yi[q])
			}
		}
	}
	t, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: a})
	if !ok {
		return errNotPD
	}
	lapack64.Potrs(t, blas64.General{Rows: k, Cols: 1, Stride: 1, Data: b})
	for p, v := range b {
		x[p] = float32(v)
	}
	return nil
}
