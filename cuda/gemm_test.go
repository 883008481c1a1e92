//go:build cuda

// The tensor-core GEMM against a float64 product of the same BF16-rounded
// operands, every layout, odd sizes (tails of every tile, unaligned rows
// that take the element-by-element load path), accumulate and batched.

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
	"embrec/tensor/half"
)

func TestGEMMBF16(t *testing.T) {
	b := newTestBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {16, 8, 16}, {128, 128, 32}, {130, 136, 40}, {37, 61, 29}, {256, 384, 520},
		{129, 5, 300}, {4096 / 16, 3200 / 16, 8640 / 16}}
	for _, sz := range sizes {
		for combo := 0; combo < 8; combo++ {
			m, n, k := sz[0], sz[1], sz[2]
			ta, tb, beta := combo&1 != 0, combo&2 != 0, float32(combo>>2)
			batch := 1 + combo%2
			name := fmt.Sprintf("m%d_n%d_k%d_ta%v_tb%v_beta%v_batch%d", m, n, k, ta, tb, beta, batch)
			av, bv, ov := make([]float32, batch*m*k), make([]float32, batch*k*n), make([]float32, batch*m*n)
			for i := range av {
				av[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			for i := range bv {
				bv[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			for i := range ov {
				ov[i] = float32(rng.NormFloat64())
			}
			ash, bsh := []int{batch, m, k}, []int{batch, k, n}
			if ta {
				ash = []int{batch, k, m}
			}
			if tb {
				bsh = []int{batch, n, k}
			}
			A, B, O := b.New(tensor.BF16, ash...), b.New(tensor.BF16, bsh...), b.New(tensor.F32, batch, m, n)
			b.Upload(A, av)
			b.Upload(B, bv)
			b.Upload(O, ov)
			b.MatMul(O, A, B, ta, tb, beta)
			got := make([]float32, len(ov))
			b.Download(got, O)
			bad := 0
			for p := 0; p < batch; p++ {
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						s, mag := 0.0, 0.0
						for l := 0; l < k; l++ {
							x := float64(av[p*m*k+idx(ta, i, l, m, k)])
							y := float64(bv[p*k*n+idx(tb, l, j, k, n)])
							s += x * y
							mag += math.Abs(x * y)
						}
						o := p*m*n + i*n + j
						s += float64(beta) * float64(ov[o])
						mag += math.Abs(float64(beta) * float64(ov[o]))
						// exact bf16 products, float32 accumulation; 2u per addition allows
						// for tensor-core rounding that truncates rather than rounds.
						if err := math.Abs(float64(got[o]) - s); !(err <= 1e-6+2*float64(k+1)*6e-8*mag) {
							if bad < 3 {
								t.Errorf("%s: C[%d,%d,%d] = %v, want %v", name, p, i, j, got[o], s)
							}
							bad++
						}
					}
				}
			}
		}
	}
}

// idx is the storage index of op(X)[r][c] where op(X) is (rows, cols).
func idx(trans bool, r, c, rows, cols int) int {
	if trans {
		return c*rows + r
	}
	return r*cols + c
}
