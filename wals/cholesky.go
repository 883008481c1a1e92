// cholesky.go: the exact row solver: form (G + Yᵀ(C_u−I)Y) in float64 and
// solve it with gonum's Cholesky factorisation.

package wals

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// cholScratch is one goroutine's work space for cholRow.
type cholScratch struct {
	a    *mat.SymDense // (K, K)
	b, x *mat.VecDense // (K)
	chol mat.Cholesky
}

func newCholScratch(k int) *cholScratch {
	return &cholScratch{a: mat.NewSymDense(k, nil), b: mat.NewVecDense(k, nil), x: mat.NewVecDense(k, nil)}
}

// cholRow sets x to the exact solution of the row's system. g64 is
// G = YᵀY + λI in float64.
func cholRow(x []float32, g64 []float64, y []float32, cols []int32, vals []float32, alpha float64, s *cholScratch) error {
	k := len(x)
	a := s.a.RawSymmetric().Data // upper triangle used, stride k
	copy(a, g64)
	b := s.b.RawVector().Data
	clear(b)
	for j, c := range cols {
		yi := y[int(c)*k : int(c)*k+k]
		w := alpha * float64(vals[j]) // c_i − 1
		for p := 0; p < k; p++ {
			wy := w * float64(yi[p])
			b[p] += (1 + w) * float64(yi[p])
			row := a[p*k : p*k+k]
			for q := p; q < k; q++ {
				row[q] += wy * float64(yi[q])
			}
		}
	}
	if ok := s.chol.Factorize(s.a); !ok {
		return fmt.Errorf("wals: system not positive definite (use reg > 0)")
	}
	if err := s.chol.SolveVecTo(s.x, s.b); err != nil {
		return fmt.Errorf("wals: cholesky solve: %w", err)
	}
	for p, v := range s.x.RawVector().Data {
		x[p] = float32(v)
	}
	return nil
}
