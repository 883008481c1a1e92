// The projector against a float64 reference, gradients included, and the
// flat parameter buffer's optimizer plumbing.

package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

func geluRef(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

// projRef evaluates the projector in float64 from host copies of its weights.
func projRef(w1, b1, w2, b2, x []float64, K, Hd, C, N int) []float64 {
	out := make([]float64, N*C)
	h := make([]float64, Hd)
	for n := 0; n < N; n++ {
		for j := 0; j < Hd; j++ {
			s := b1[j]
			for k := 0; k < K; k++ {
				s += w1[j*K+k] * x[n*K+k]
			}
			h[j] = geluRef(s)
		}
		for c := 0; c < C; c++ {
			s := b2[c]
			for j := 0; j < Hd; j++ {
				s += w2[c*Hd+j] * h[j]
			}
			out[n*C+c] = s
		}
	}
	return out
}

func host64(b tensor.Backend, t *tensor.Tensor) []float64 {
	h := make([]float32, t.Len())
	b.Download(h, t)
	out := make([]float64, len(h))
	for i, v := range h {
		out[i] = float64(v)
	}
	return out
}

func TestProjectorMatchesReference(t *testing.T) {
	const K, Hd, C, N = 5, 7, 11, 3
	b := tensor.NewCPU(1)
	p := NewProjector(b, "user_proj", K, Hd, C)
	ps := NewParams(b, p.Specs())
	p.Bind(ps)
	p.Init(7)
	rng := rand.New(rand.NewPCG(1, 1))
	xv, dv := make([]float32, N*K), make([]float32, N*C)
	for i := range xv {
		xv[i] = float32(rng.NormFloat64())
	}
	for i := range dv {
		dv[i] = float32(rng.NormFloat64())
	}
	x, out := tensor.FromFloat32(xv, N, K), b.New(tensor.F32, N, C)
	p.Forward(out, x)
	w1, b1, w2, b2 := host64(b, p.W1), host64(b, p.B1), host64(b, p.W2), host64(b, p.B2)
	x64 := host64(b, x)
	ref := projRef(w1, b1, w2, b2, x64, K, Hd, C, N)
	for i, v := range host64(b, out) {
		if math.Abs(v-ref[i]) > 1e-5*(1+math.Abs(ref[i])) {
			t.Fatalf("out[%d] = %v, want %v", i, v, ref[i])
		}
	}
	dx := b.New(tensor.F32, N, K)
	p.Backward(dx, tensor.FromFloat32(dv, N, C), x)
	loss := func() float64 {
		o := projRef(w1, b1, w2, b2, x64, K, Hd, C, N)
		s := 0.0
		for i := range o {
			s += o[i] * float64(dv[i])
		}
		return s
	}
	// Every gradient entry against central differences of the reference.
	for _, g := range []struct {
		name string
		v    []float64
		got  *tensor.Tensor
	}{{"W1", w1, p.DW1}, {"b1", b1, p.DB1}, {"W2", w2, p.DW2}, {"b2", b2, p.DB2}, {"x", x64, dx}} {
		got := host64(b, g.got)
		for i := range g.v {
			old := g.v[i]
			g.v[i] = old + 1e-6
			fp := loss()
			g.v[i] = old - 1e-6
			fm := loss()
			g.v[i] = old
			num := (fp - fm) / 2e-6
			if math.Abs(num-got[i]) > 1e-4*(1+math.Abs(num)) {
				t.Fatalf("d%s[%d] = %v, finite difference %v", g.name, i, got[i], num)
			}
		}
	}
	// Steady state allocates nothing.
	dOut := tensor.FromFloat32(dv, N, C)
	if n := testing.AllocsPerRun(5, func() { p.Forward(out, x); p.Backward(dx, dOut, x) }); n != 0 {
		t.Errorf("projector step allocates %.0f times", n)
	}
}

func TestParamsStepClipAndViews(t *testing.T) {
	b := tensor.NewCPU(1)
	ps := NewParams(b, []Spec{{"a", []int{2, 3}}, {"b", []int{4}}})
	if ps.Len() != 10 {
		t.Fatalf("Len = %d", ps.Len())
	}
	b.Fill(ps.Grad("b"), 2) // norm sqrt(16) = 4
	if n := ps.ClipGradNorm(1); math.Abs(n-4) > 1e-6 {
		t.Fatalf("norm = %v, want 4", n)
	}
	g := host64(b, ps.G)
	if g[0] != 0 || math.Abs(g[6]-0.5) > 1e-6 {
		t.Fatalf("clipped grads %v", g)
	}
	ps.Step(tensor.AdamWParams{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
	w := host64(b, ps.W)
	// First Adam step moves each parameter with a non-zero gradient by lr.
	if w[0] != 0 || math.Abs(w[6]+0.1) > 1e-6 {
		t.Fatalf("weights after one step %v", w)
	}
	ps.ZeroGrad()
	if host64(b, ps.G)[6] != 0 {
		t.Fatal("ZeroGrad left gradients")
	}
}
