// The adapter hook: a low-rank (or any) path added to the output of a
// linear layer. The lora package implements Adapter; llama does not import it.

package llama

import "embrec/tensor"

// Proj names one of the seven linear layers of a block.
type Proj uint8

const (
	ProjQ    Proj = iota // self_attn.q_proj
	ProjK                // self_attn.k_proj
	ProjV                // self_attn.v_proj
	ProjO                // self_attn.o_proj
	ProjGate             // mlp.gate_proj
	ProjUp               // mlp.up_proj
	ProjDown             // mlp.down_proj
	numProj
)

var projNames = [numProj]string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// String returns the HF module name ("q_proj").
func (p Proj) String() string {
	if p < numProj {
		return projNames[p]
	}
	return "Proj(?)"
}

// ParseProj maps an HF module name ("v_proj") to its Proj.
func ParseProj(s string) (Proj, bool) {
	for i, n := range projNames {
		if n == s {
			return Proj(i), true
		}
	}
	return 0, false
}

// Adapter adds a trainable path to a linear layer y = x W^T:
// y' = y + delta(x). x is (N, in) and out, dOut are (N, out), N = B*T rows
// (or B*Tnew rows while decoding).
//
// Forward may be called more than once with the same x for one Backward
// (activation checkpointing recomputes a layer before its backward), and
// while decoding with no Backward at all; an adapter with dropout must
// therefore draw its mask as a pure function of its own step counter and
// the element index (tensor.DropoutUniform), not from a stream.
type Adapter interface {
	// Forward accumulates out += delta(x).
	Forward(out, x *tensor.Tensor)
	// Backward accumulates dx += d delta/dx^T dOut and the adapter's own
	// parameter gradients (x is the input Forward saw).
	Backward(dx, dOut, x *tensor.Tensor)
}

// Weight returns the layer's weight (or gradient) of projection p.
func (L *Layer) Weight(p Proj) *tensor.Tensor {
	return [numProj]*tensor.Tensor{L.Q, L.K, L.V, L.O, L.Gate, L.Up, L.Down}[p]
}

// SetAdapter installs a on projection p of layer l (nil removes it).
func (m *Model) SetAdapter(l int, p Proj, a Adapter) {
	if l < 0 || l >= m.Config.Layers || p >= numProj {
		panic("llama: SetAdapter: no layer/projection " + p.String())
	}
	m.adapters[l][p] = a
}

// Adapter returns the adapter on projection p of layer l, or nil.
func (m *Model) Adapter(l int, p Proj) Adapter { return m.adapters[l][p] }

// linear computes out = x W^T (+ adapter delta). x (N, in), W (out, in).
// xB, when not nil, is x rounded to BF16 (Run.attCopy): the product reads
// it, the bits a conversion of x would give, and the adapter reads x.
func (m *Model) linear(out, x, xB, w *tensor.Tensor, l int, p Proj) {
	in := x
	if xB != nil {
		in = xB
	}
	m.Backend.MatMul(out, in, w, false, true, 0)
	if a := m.adapters[l][p]; a != nil {
		a.Forward(out, x)
	}
}

// linears computes outs[i] = x W^T (+ adapter delta) for projections ps of
// layer l, one input shared by all (q, k, v; gate, up): the products run
// as one tensor.SharedInputMatMul, so a backend that converts x for the
// product converts it once, then the adapters add their deltas in order.
// ws (len(ps)) receives the weights: callers pass scratch they keep, so
// that a step allocates nothing. xB, when not nil, is x rounded to BF16
// (Run.xnCopy): the products read it, the bits a conversion of x would
// give, and the adapters read x.
func (m *Model) linears(outs, ws []*tensor.Tensor, x, xB *tensor.Tensor, l int, ps ...Proj) {
	for i, p := range ps {
		ws[i] = m.Layers[l].Weight(p)
	}
	if xB != nil {
		tensor.SharedInputMatMul(m.Backend, outs, xB, ws)
	} else {
		tensor.SharedInputMatMul(m.Backend, outs, x, ws)
	}
	for i, p := range ps {
		if a := m.adapters[l][p]; a != nil {
			a.Forward(outs[i], x)
		}
	}
}

// linearBackward sets (beta 0) or accumulates (beta 1) dx = dOut W (plus
// the adapter's part) and accumulates dW += dOut^T x when dW is not nil.
// dOutB, when not nil, is dOut rounded to BF16 (Run.dresCopy): the product
// with W reads it, the bits MatMul would convert dOut to.
func (m *Model) linearBackward(dx, dW, dOut, dOutB, x, w *tensor.Tensor, l int, p Proj, beta float32) {
	b := m.Backend
	if dOutB != nil { // dOut rounded to BF16 already: the product reads it instead of converting dOut
		b.MatMul(dx, dOutB, w, false, false, beta)
	} else {
		b.MatMul(dx, dOut, w, false, false, beta)
	}
	if dW != nil {
		b.MatMul(dW, dOut, x, true, false, 1)
	}
	if a := m.adapters[l][p]; a != nil {
		a.Backward(dx, dOut, x)
	}
}
