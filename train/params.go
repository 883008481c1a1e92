// The trainable parameters of a run (projectors, LoRA, or a whole small
// model) in one flat float32 buffer with named views, and its gradient and
// AdamW moments in parallel flat buffers: zeroing, clipping, the optimizer
// step and checkpoints are single loops.

package train

import (
	"fmt"

	"embrec/tensor"
)

// Spec names one trainable tensor and its shape.
type Spec struct {
	Name  string
	Shape []int
}

// Params is a flat trainable buffer.
type Params struct {
	Specs      []Spec
	W, G, M, V *tensor.Tensor // (total) weights, gradients, AdamW moments
	w, g       map[string]*tensor.Tensor
	b          tensor.Backend
}

// NewParams lays specs out in order in zero-filled buffers.
func NewParams(b tensor.Backend, specs []Spec) *Params {
	total := 0
	for _, s := range specs {
		total += numel(s.Shape)
	}
	p := &Params{Specs: specs, b: b, w: map[string]*tensor.Tensor{}, g: map[string]*tensor.Tensor{},
		W: b.New(tensor.F32, total), G: b.New(tensor.F32, total),
		M: b.New(tensor.F32, total), V: b.New(tensor.F32, total)}
	off := 0
	for _, s := range specs {
		if _, dup := p.w[s.Name]; dup {
			panic("train: duplicate parameter " + s.Name)
		}
		n := numel(s.Shape)
		p.w[s.Name] = p.W.View(off, s.Shape...)
		p.g[s.Name] = p.G.View(off, s.Shape...)
		off += n
	}
	return p
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of scalar parameters.
func (p *Params) Len() int { return p.W.Len() }

// Weight returns the named weight view (panics if unknown: a wiring bug).
func (p *Params) Weight(name string) *tensor.Tensor {
	t, ok := p.w[name]
	if !ok {
		panic(fmt.Sprintf("train: no parameter %q", name))
	}
	return t
}

// Grad returns the named gradient view.
func (p *Params) Grad(name string) *tensor.Tensor {
	t, ok := p.g[name]
	if !ok {
		panic(fmt.Sprintf("train: no parameter %q", name))
	}
	return t
}

// ZeroGrad clears the gradient buffer.
func (p *Params) ZeroGrad() { p.b.Fill(p.G, 0) }

// ClipGradNorm scales the gradients to global norm maxNorm if larger and
// returns the norm before clipping (maxNorm <= 0: measure only).
func (p *Params) ClipGradNorm(maxNorm float64) float64 {
	return tensor.ClipGlobalNorm(p.b, []*tensor.Tensor{p.G}, maxNorm)
}

// Step applies one AdamW step to every parameter.
func (p *Params) Step(h tensor.AdamWParams) { p.b.AdamW(p.W, p.G, p.M, p.V, h) }
