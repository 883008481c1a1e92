package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRMSNormKernels: the row kernels against the scalar loops at lengths
// around the vector width: the scaled row and the input gradient bit for
// bit, the float64 dot within 1e-12 of the in-order sum (its order is the
// kernel's own).
func TestRMSNormKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 7, 8, 9, 17, 64, 100} {
		x, w, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], w[i], d[i] = float32(r.NormFloat64()*3), float32(1+r.NormFloat64()/10), float32(r.NormFloat64())
		}
		rs, mean := float32(0.37), float32(-0.21)
		o, wo := make([]float32, n), make([]float32, n)
		rmsScale(o, w, x, rs)
		rmsScaleGo(wo, w, x, rs)
		dx, wdx := make([]float32, n), make([]float32, n)
		rmsGrad(dx, d, w, x, rs, mean)
		rmsGradGo(wdx, d, w, x, rs, mean)
		for i := range o {
			if math.Float32bits(o[i]) != math.Float32bits(wo[i]) || math.Float32bits(dx[i]) != math.Float32bits(wdx[i]) {
				t.Fatalf("n=%d element %d: row %v grad %v, want %v %v", n, i, o[i], dx[i], wo[i], wdx[i])
			}
		}
		var mag float64
		for i, v := range x {
			mag += math.Abs(float64(d[i]*w[i]) * float64(v*rs))
		}
		if got, want := rmsDot(d, w, x, rs), rmsDotGo(d, w, x, rs); math.Abs(got-want) > 1e-12*mag {
			t.Fatalf("n=%d: dot %v, want %v", n, got, want)
		}
	}
}
