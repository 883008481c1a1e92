// The AdamW kernel against the scalar update, bit for bit.

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamWKernelMatchesScalar runs CPU.AdamW (the vector body, the
// scalar tail, the pool's split) and adamwGo on the same state for a few
// steps, lengths that leave tails and thread counts 1 and 3, and wants
// every bit of parameters and moments equal.
func TestAdamWKernelMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 7, 8, 9, 1000, 70003} {
		for _, threads := range []int{1, 3} {
			c := NewCPU(threads)
			p0, g := make([]float32, n), make([]float32, n)
			for i := range p0 {
				p0[i], g[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*1e-2)
			}
			g[0] = 0
			p, m, v := c.New(F32, n), c.New(F32, n), c.New(F32, n)
			gt := c.New(F32, n)
			c.Upload(p, p0)
			c.Upload(gt, g)
			wp, wm, wv := append([]float32(nil), p0...), make([]float32, n), make([]float32, n)
			for step := 1; step <= 3; step++ {
				h := AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: step}
				c.AdamW(p, gt, m, v, h)
				bc1 := 1 - math.Pow(float64(h.Beta1), float64(step))
				bc2 := 1 - math.Pow(float64(h.Beta2), float64(step))
				adamwGo(wp, g, wm, wv, &adamwConsts{b1: h.Beta1, nb1: 1 - h.Beta1, b2: h.Beta2, nb2: 1 - h.Beta2,
					decay: 1 - h.LR*h.WeightDecay, stepSize: float32(float64(h.LR) / bc1), bc2Sqrt: float32(math.Sqrt(bc2)), eps: h.Eps})
			}
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"param", Float32s(p), wp}, {"m", Float32s(m), wm}, {"v", Float32s(v), wv}} {
				for i := range c.want {
					if math.Float32bits(c.got[i]) != math.Float32bits(c.want[i]) {
						t.Fatalf("n %d, %d threads: %s[%d] = %v, scalar %v", n, threads, c.name, i, c.got[i], c.want[i])
					}
				}
			}
		}
	}
}
