// The projectors f_u and f_i: two-layer MLPs that map a WALS factor
// (N, K) into the LLM's token space (N, C), as an explicit forward/backward
// pair. The paper says only "two-layer MLP"; embrec uses
// Linear(K, Hd) -> GELU (tanh) -> Linear(Hd, C), the shape of LLaVA-1.5's
// vision projector, with Hd configurable (default C).

package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"embrec/tensor"
)

// Projector is one two-layer MLP. Its tensors are views of a Params
// buffer, named like a PyTorch nn.Sequential: NAME.0.weight (Hd, K),
// NAME.0.bias (Hd), NAME.2.weight (C, Hd), NAME.2.bias (C).
type Projector struct {
	Name               string
	In, Hidden, Out    int // K, Hd, C
	W1, B1, W2, B2     *tensor.Tensor
	DW1, DB1, DW2, DB2 *tensor.Tensor

	b        tensor.Backend
	pre, act *tensor.Tensor            // (maxN, Hd) saved pre-activation and GELU output
	dAct     *tensor.Tensor            // (maxN, Hd) scratch
	views    map[int][3]*tensor.Tensor // (n, Hd) views by n, so steady state allocates nothing
}

// NewProjector declares a projector; Bind it to a Params buffer before use.
func NewProjector(b tensor.Backend, name string, in, hidden, out int) *Projector {
	return &Projector{Name: name, In: in, Hidden: hidden, Out: out, b: b, views: map[int][3]*tensor.Tensor{}}
}

// Specs lists the projector's tensors.
func (p *Projector) Specs() []Spec {
	return []Spec{
		{p.Name + ".0.weight", []int{p.Hidden, p.In}}, {p.Name + ".0.bias", []int{p.Hidden}},
		{p.Name + ".2.weight", []int{p.Out, p.Hidden}}, {p.Name + ".2.bias", []int{p.Out}},
	}
}

// Bind points the projector at its weights and gradients in ps.
func (p *Projector) Bind(ps *Params) {
	p.W1, p.B1 = ps.Weight(p.Name+".0.weight"), ps.Weight(p.Name+".0.bias")
	p.W2, p.B2 = ps.Weight(p.Name+".2.weight"), ps.Weight(p.Name+".2.bias")
	p.DW1, p.DB1 = ps.Grad(p.Name+".0.weight"), ps.Grad(p.Name+".0.bias")
	p.DW2, p.DB2 = ps.Grad(p.Name+".2.weight"), ps.Grad(p.Name+".2.bias")
}

// Init draws weights and biases like PyTorch's nn.Linear: uniform in
// +-1/sqrt(fan_in).
func (p *Projector) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e0))
	for _, t := range []struct {
		t   *tensor.Tensor
		fan int
	}{{p.W1, p.In}, {p.B1, p.In}, {p.W2, p.Hidden}, {p.B2, p.Hidden}} {
		bound := 1 / math.Sqrt(float64(t.fan))
		v := make([]float32, t.t.Len())
		for i := range v {
			v[i] = float32((2*rng.Float64() - 1) * bound)
		}
		p.b.Upload(t.t, v)
	}
}

// hidden returns the (n, Hd) views of the saved buffers, growing them.
func (p *Projector) hidden(n int) (pre, act, dAct *tensor.Tensor) {
	if p.pre == nil || p.pre.Dim(0) < n {
		p.pre = p.b.New(tensor.F32, n, p.Hidden)
		p.act = p.b.New(tensor.F32, n, p.Hidden)
		p.dAct = p.b.New(tensor.F32, n, p.Hidden)
		clear(p.views)
	}
	v, ok := p.views[n]
	if !ok {
		v = [3]*tensor.Tensor{p.pre.View(0, n, p.Hidden), p.act.View(0, n, p.Hidden), p.dAct.View(0, n, p.Hidden)}
		p.views[n] = v
	}
	return v[0], v[1], v[2]
}

// Forward sets out (N, C) = W2 gelu(W1 x + b1) + b2 for x (N, K).
func (p *Projector) Forward(out, x *tensor.Tensor) {
	if x.Cols() != p.In || out.Cols() != p.Out || x.Rows() != out.Rows() {
		panic(fmt.Sprintf("train: projector %s: out %v, x %v", p.Name, out, x))
	}
	pre, act, _ := p.hidden(x.Rows())
	p.b.MatMul(pre, x, p.W1, false, true, 0) // (N, Hd) = (N, K) @ (Hd, K)^T
	p.b.AddBias(pre, p.B1)
	p.b.GELUForward(act, pre)
	p.b.MatMul(out, act, p.W2, false, true, 0) // (N, C) = (N, Hd) @ (C, Hd)^T
	p.b.AddBias(out, p.B2)
}

// Backward accumulates the parameter gradients from dOut (N, C) and sets
// dx (N, K) unless nil; x is the input of the matching Forward.
func (p *Projector) Backward(dx, dOut, x *tensor.Tensor) {
	pre, act, dAct := p.hidden(x.Rows())
	p.b.MatMul(p.DW2, dOut, act, true, false, 1) // (C, Hd) += (N, C)^T @ (N, Hd)
	p.b.BiasBackward(p.DB2, dOut)
	p.b.MatMul(dAct, dOut, p.W2, false, false, 0) // (N, Hd) = (N, C) @ (C, Hd)
	p.b.GELUBackward(dAct, dAct, pre)
	p.b.MatMul(p.DW1, dAct, x, true, false, 1) // (Hd, K) += (N, Hd)^T @ (N, K)
	p.b.BiasBackward(p.DB1, dAct)
	if dx != nil {
		p.b.MatMul(dx, dAct, p.W1, false, false, 0) // (N, K) = (N, Hd) @ (Hd, K)
	}
}
