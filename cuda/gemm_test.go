// The tensor-core GEMM against a float64 product of the same BF16-rounded
// operands: every variant of the variant table, every layout, odd sizes
// (tails of every tile, K not a multiple of the k-tile, fewer k-tiles than
// pipeline stages, K = 0), unaligned operands that take the
// element-by-element load path (odd sizes, or views one element off the
// 16-byte alignment, which also take the scalar stores of C), accumulate
// and batched. Outputs are poisoned with NaN where beta is 0, and a guard
// after C must stay untouched.

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
		{129, 5, 300}, {260, 264, 72}, {256, 256, 96}, {5, 7, 0}, {4096 / 16, 3200 / 16, 8640 / 16}}
	const guard, sentinel = 64, float32(-12345.5)
	for _, sz := range sizes {
		for combo := 0; combo < 16; combo++ {
			m, n, k := sz[0], sz[1], sz[2]
			ta, tb, beta := combo&1 != 0, combo&2 != 0, float32(combo>>2&1)
			batch := 1 + combo%2
			off := combo >> 3 // 1: every operand one element past 16-byte alignment
			name := fmt.Sprintf("m%d_n%d_k%d_ta%v_tb%v_beta%v_batch%d_off%d", m, n, k, ta, tb, beta, batch, off)
			av, bv, ov := make([]float32, batch*m*k), make([]float32, batch*k*n), make([]float32, off+batch*m*n+guard)
			for i := range av {
				av[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			for i := range bv {
				bv[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			for i := range ov {
				switch {
				case i < off || i >= off+batch*m*n:
					ov[i] = sentinel
				case beta == 0:
					ov[i] = float32(math.NaN()) // must be overwritten, never read
				default:
					ov[i] = float32(rng.NormFloat64())
				}
			}
			want, mags := gemmRef(av, bv, ta, tb, batch, m, n, k)
			if beta != 0 {
				for o := range want {
					want[o] += float64(beta) * float64(ov[off+o])
					mags[o] += math.Abs(float64(beta) * float64(ov[off+o]))
				}
			}
			ash, bsh := []int{batch, m, k}, []int{batch, k, n}
			if ta {
				ash = []int{batch, k, m}
			}
			if tb {
				bsh = []int{batch, n, k}
			}
			A := b.New(tensor.BF16, off+len(av)).View(off, ash...)
			B := b.New(tensor.BF16, off+len(bv)).View(off, bsh...)
			Ofull := b.New(tensor.F32, len(ov))
			O := Ofull.View(off, batch, m, n)
			b.Upload(A, av)
			b.Upload(B, bv)
			for _, variant := range variantsUnderTest(t, b) {
				b.gemmVariant = variant
				b.Upload(Ofull, ov)
				b.MatMul(O, A, B, ta, tb, beta)
				got := make([]float32, len(ov))
				b.Download(got, Ofull)
				bad := 0
				for i, v := range got {
					if i < off || i >= off+batch*m*n {
						if v != sentinel {
							if bad < 3 {
								t.Errorf("%s %s: guard word %d = %v, written", variant, name, i, v)
							}
							bad++
						}
						continue
					}
					o := i - off
					if !gemmClose(v, want[o], mags[o], k) {
						if bad < 3 {
							t.Errorf("%s %s: C[%d,%d,%d] = %v, want %v", variant, name,
								o/(m*n), o/n%m, o%n, v, want[o])
						}
						bad++
					}
				}
			}
		}
	}
}

// gemmRef returns, in float64, batch products op(A) op(B) of BF16-exact
// values av (batch of (m, k), or (k, m) if ta) and bv ((k, n), or (n, k)
// if tb), (batch, m, n), and for each output the sum of its terms'
// magnitudes (for gemmClose).
func gemmRef(av, bv []float32, ta, tb bool, batch, m, n, k int) (want, mags []float64) {
	want, mags = make([]float64, batch*m*n), make([]float64, batch*m*n)
	opA, opBt := make([]float64, m*k), make([]float64, n*k) // op(A) (m, k) and op(B)^T (n, k) of one batch
	for p := 0; p < batch; p++ {
		for i := 0; i < m; i++ {
			for l := 0; l < k; l++ {
				opA[i*k+l] = float64(av[p*m*k+idx(ta, i, l, m, k)])
			}
		}
		for j := 0; j < n; j++ {
			for l := 0; l < k; l++ {
				opBt[j*k+l] = float64(bv[p*k*n+idx(tb, l, j, k, n)])
			}
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s, mag := 0.0, 0.0
				x, y := opA[i*k:(i+1)*k], opBt[j*k:(j+1)*k]
				for l := range x {
					s += x[l] * y[l]
					mag += math.Abs(x[l] * y[l])
				}
				want[p*m*n+i*n+j], mags[p*m*n+i*n+j] = s, mag
			}
		}
	}
	return want, mags
}

// gemmClose reports whether a tensor-core result v of K-deep sums is
// within tolerance of want: exact bf16 products, float32 accumulation; 2u
// per addition allows for tensor-core rounding that truncates rather than
// rounds.
func gemmClose(v float32, want, mag float64, k int) bool {
	return math.Abs(float64(v)-want) <= 1e-6+2*float64(k+1)*6e-8*mag
}

// idx is the storage index of op(X)[r][c] where op(X) is (rows, cols).
func idx(trans bool, r, c, rows, cols int) int {
	if trans {
		return c*rows + r
	}
	return r*cols + c
}

// TestGEMMIndexProbes runs the index probes (gemm_probe_test.go) on the test backend.
func TestGEMMIndexProbes(t *testing.T) {
	for _, f := range runGEMMProbes(t, newTestBackend(t), [][3]int{{64, 128, 16}, {128, 256, 64}, {130, 264, 200}}) {
		t.Error(f)
	}
}
