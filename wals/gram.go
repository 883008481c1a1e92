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
	tmp := make([][]float32, threads)
	forBlocks(n, threads, func(w, b, lo, hi int) {
		// part[a][j] = Σ_r Y[r][a]·Y[r][j]: one gemvT per a, with column a
		// of the block gathered into a contiguous vector.
		if tmp[w] == nil {
			tmp[w] = make([]float32, k*blockRows)
		}
		rows := hi - lo
		yt := tmp[w][:k*rows] // (K, rows) transposed block
		for r := 0; r < rows; r++ {
			for a, v := range y[(lo+r)*k : (lo+r+1)*k] {
				yt[a*rows+r] = v
			}
		}
		part := parts[b*k*k : (b+1)*k*k]
		blk := y[lo*k : hi*k]
		for a := 0; a < k; a++ {
			gemvT(part[a*k:a*k+k], blk, yt[a*rows:(a+1)*rows], k)
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
