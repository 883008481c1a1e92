// gram.go: the shared K×K Gram matrix YᵀY + λI (the "YᵀY trick"),
// accumulated block by block in a fixed order so it is deterministic.

package wals

// gram returns G = YᵀY + reg·I (K×K, row-major, float32) for the n×K factor
// matrix y. Each block of rows is summed in float32 into its own partial,
// and the partials are added in block order in float64.
func gram(y []float32, k int, reg float64, threads int) []float32 {
	n := len(y) / k
	nb := numBlocks(n)
	parts := make([]float32, nb*k*k)
	forBlocks(n, threads, func(_, b, lo, hi int) {
		part := parts[b*k*k : (b+1)*k*k]
		for r := lo; r < hi; r++ {
			row := y[r*k : r*k+k]
			for a, ya := range row {
				if ya != 0 {
					axpy(ya, row, part[a*k:a*k+k])
				}
			}
		}
	})
	acc := make([]float64, k*k)
	for b := 0; b < nb; b++ {
		for i, v := range parts[b*k*k : (b+1)*k*k] {
			acc[i] += float64(v)
		}
	}
	g := make([]float32, k*k)
	for i, v := range acc {
		g[i] = float32(v)
	}
	for a := 0; a < k; a++ {
		g[a*k+a] += float32(reg)
	}
	return g
}
