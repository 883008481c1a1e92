package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSwigluBackwardKernel: the vector body of SwiGLU's backward gives
// swigluBackwardGo's bits, ordinary values and the extremes (exp(-g)
// overflowing to +Inf and underflowing to 0, infinities, NaN) included, at
// lengths around the vector width.
func TestSwigluBackwardKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	special := []float32{0, -0.0, 90, -90, 200, -200, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30}
	for _, n := range []int{0, 1, 7, 8, 9, 16, 31, 256} {
		g, u, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range g {
			g[i], u[i], d[i] = float32(r.NormFloat64()*4), float32(r.NormFloat64()), float32(r.NormFloat64())
			if i%5 == 0 {
				g[i] = special[(i/5)%len(special)]
			}
		}
		e := make([]float32, n)
		expAffine(e, g, -1, 0)
		wg, wu := make([]float32, n), make([]float32, n)
		swigluBackwardGo(wg, wu, d, g, u, e)
		dg, du := make([]float32, n), make([]float32, n)
		m := swigluBackwardVector(dg, du, d, g, u, e)
		swigluBackwardGo(dg[m:], du[m:], d[m:], g[m:], u[m:], e[m:])
		for i := range dg {
			same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
			if !same(dg[i], wg[i]) || !same(du[i], wu[i]) {
				t.Fatalf("n=%d (vector %d): element %d (g=%v) dg %v du %v, want %v %v", n, m, i, g[i], dg[i], du[i], wg[i], wu[i])
			}
		}
	}
}
