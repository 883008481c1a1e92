// The Gram matrix against a rank-1-update reference, and a benchmark of the two.

package wals

import "testing"

// gramAxpy is the straightforward rank-1-update Gram (one axpy per row and
// factor), kept as the reference that gram's gemvT formulation must beat.
func gramAxpy(y []float32, k int) []float32 {
	g := make([]float32, k*k)
	for r := 0; r < len(y)/k; r++ {
		row := y[r*k : r*k+k]
		for a, ya := range row {
			axpy(ya, row, g[a*k:a*k+k])
		}
	}
	return g
}

func TestGramMatchesAxpy(t *testing.T) {
	const n, k = 600, 24
	y := make([]float32, n*k)
	for i := range y {
		y[i] = float32(i%17) * 0.01
	}
	g, ref := gram(y, k, 0.5, 3), gramAxpy(y, k)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			want := ref[a*k+b]
			if a == b {
				want += 0.5
			}
			if d := g[a*k+b] - want; d > 1e-3 || d < -1e-3 {
				t.Fatalf("G[%d][%d] = %g, want %g", a, b, g[a*k+b], want)
			}
		}
	}
}

func BenchmarkGram(b *testing.B) {
	const n, k = 12101, 64
	y := make([]float32, n*k)
	for i := range y {
		y[i] = float32(i%13) * 0.01
	}
	b.Run("gemvT-blocks", func(b *testing.B) {
		for range b.N {
			gram(y, k, 0.01, 1)
		}
	})
	b.Run("axpy", func(b *testing.B) {
		for range b.N {
			gramAxpy(y, k)
		}
	})
}
