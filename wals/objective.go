// objective.go: the weighted least-squares objective L(X, Y), computed
// without visiting the unobserved cells.

package wals

import "math"

func nan() float64 { return math.NaN() }

// Objective returns
//
//	L = Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + Reg (|X|² + |Y|²)
//
// using Σ_i (x_u·y_i)² = x_uᵀ (YᵀY) x_u for all cells and correcting the
// observed ones: c(1−s)² − s² with s = x_u·y_i. Summed in float64 over a
// fixed block split (deterministic).
func Objective(r *Matrix, m *Model, cfg Config) float64 {
	k := m.K
	threads := cfg.threads()
	g := gram(m.Y, k, 0, threads)
	parts := make([]float64, numBlocks(r.Rows))
	tmp := make([][]float32, threads)
	for w := range tmp {
		tmp[w] = make([]float32, k)
	}
	forBlocks(r.Rows, threads, func(w, b, lo, hi int) {
		sum := 0.0
		gx := tmp[w]
		for u := lo; u < hi; u++ {
			x := m.X[u*k : u*k+k]
			symv(gx, g, x)
			sum += float64(dot(x, gx))
			cols, vals := r.Row(u)
			for j, c := range cols {
				s := float64(dot(x, m.Y[int(c)*k:int(c)*k+k]))
				conf := 1 + cfg.Alpha*float64(vals[j])
				sum += conf*(1-s)*(1-s) - s*s
			}
			sum += cfg.Reg * float64(dot(x, x))
		}
		parts[b] = sum
	})
	total := 0.0
	for _, p := range parts {
		total += p
	}
	ny := 0.0
	for i := 0; i < m.Items; i++ {
		y := m.Y[i*k : i*k+k]
		ny += float64(dot(y, y))
	}
	return total + cfg.Reg*ny
}
