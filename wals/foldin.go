// foldin.go: one new row solved against fixed factors of the other side
// (the user step of a fit for a single user), for a history the fit never
// saw as a whole: a prefix of a user's sequence, or a new user.

package wals

import (
	"fmt"
	"math"
)

// FoldIn solves rows against the fixed factors y (n × K) with the fit's
// regularisation and confidence: x = argmin Σ_j c_j (p_j − x·y_j)² + λ|x|²
// over all n rows j, p_j = 1 and c_j = 1 + α·r_j for the observed ones,
// p_j = 0 and c_j = 1 elsewhere. Solve is safe for concurrent use.
type FoldIn struct {
	K     int
	Alpha float64
	y     []float32
	g     []float64 // (K, K) YᵀY + λI
}

// NewFoldIn prepares fold-ins against y (n × K) with regularisation reg
// and confidence alpha (the Config of the fit that produced y).
func NewFoldIn(y []float32, k int, reg, alpha float64) (*FoldIn, error) {
	if k < 1 || len(y)%k != 0 {
		return nil, fmt.Errorf("wals: fold-in: %d factor values do not make rows of K %d", len(y), k)
	}
	if !(reg > 0) || math.IsInf(reg, 0) || !(alpha >= 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("wals: fold-in: reg %g and alpha %g: want reg > 0 and alpha >= 0, both finite", reg, alpha)
	}
	// The Gram matrix of a fit's user step (gram), in float64 as the
	// Cholesky solver takes it.
	g32 := gram(y, k, reg, 1)
	g := make([]float64, k*k)
	for i, v := range g32 {
		g[i] = float64(v)
	}
	return &FoldIn{K: k, Alpha: alpha, y: y, g: g}, nil
}

// Solve sets x (K) to the fold-in of the observed rows cols with values
// vals (r_j; repeats of a column add up). An empty history gives x = 0.
func (f *FoldIn) Solve(x []float32, cols []int32, vals []float32) error {
	if len(x) != f.K || len(cols) != len(vals) {
		return fmt.Errorf("wals: fold-in: x of %d for K %d, %d columns with %d values", len(x), f.K, len(cols), len(vals))
	}
	n := int32(len(f.y) / f.K)
	for _, c := range cols {
		if c < 0 || c >= n {
			return fmt.Errorf("wals: fold-in: column %d outside the %d factor rows", c, n)
		}
	}
	if len(cols) == 0 {
		clear(x)
		return nil
	}
	// Repeats add up into one observation, as in the fitted matrix.
	at := make(map[int32]int, len(cols))
	var uc []int32
	var uv []float32
	for j, c := range cols {
		if i, ok := at[c]; ok {
			uv[i] += vals[j]
			continue
		}
		at[c] = len(uc)
		uc, uv = append(uc, c), append(uv, vals[j])
	}
	return cholRow(x, f.g, f.y, uc, uv, f.Alpha, newCholScratch(f.K))
}
