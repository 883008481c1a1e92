// Cross-entropy conformance: selected rows, ignored rows, in-place backward.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

func ceRef(x []float64, targets []int32, V int) []float64 {
	out := make([]float64, len(targets))
	for r, t := range targets {
		if t < 0 {
			continue
		}
		row := x[r*V : r*V+V]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - mx)
		}
		out[r] = math.Log(s) + mx - row[t]
	}
	return out
}

// CrossEntropy checks CrossEntropyForward and CrossEntropyBackward.
func CrossEntropy(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, V := range []int{1, 5, 97, 1000} {
		for _, N := range []int{0, 1, 6} {
			name := fmt.Sprintf("N%d_V%d", N, V)
			e := newEnv(t, b, tol, uint64(V*10+N))
			xv := e.randn(N * V)
			for i := range xv {
				xv[i] *= 3
			}
			targets := make([]int32, N)
			for i := range targets {
				targets[i] = int32(e.rng.IntN(V))
				if i%3 == 2 {
					targets[i] = -100 // HF's ignore index
				}
			}
			x, losses := e.tensor("logits", xv, N, V), e.tensor("losses", nil, N)
			e.b.CrossEntropyForward(losses, x, targets)
			e.compare("CrossEntropyForward "+name, "loss", e.read(losses), ceRef(xv, targets, V), nil)

			const scale = 0.37
			ref := make([]float64, N*V)
			for r, tg := range targets {
				if tg < 0 {
					continue
				}
				row := xv[r*V : r*V+V]
				lse := ceRef(row, []int32{0}, V)[0] + row[0] // log-sum-exp
				for i, v := range row {
					ref[r*V+i] = scale * math.Exp(v-lse)
				}
				ref[r*V+int(tg)] -= scale
			}
			d := e.tensor("dLogits", nil, N, V)
			e.b.CrossEntropyBackward(d, x, targets, scale)
			e.compare("CrossEntropyBackward "+name, "loss", e.read(d), ref, rmsScale(ref))
			e.b.CrossEntropyBackward(x, x, targets, scale) // in place
			e.compare("CrossEntropyBackward in place "+name, "loss", e.read(x), ref, rmsScale(ref))
			loss := func() float64 {
				s := 0.0
				for _, l := range ceRef(xv, targets, V) {
					s += scale * l
				}
				return s
			}
			e.fdCheck("CrossEntropy dLogits "+name, xv, ref, loss, 3)
			e.checkPadding()
		}
	}
}
