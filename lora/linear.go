// One adapter: forward and backward of y += scale * dropout(x) A^T B^T.

package lora

import (
	"fmt"

	"embrec/tensor"
)

// Linear is the adapter of one frozen linear layer W (Out, In).
type Linear struct {
	Name          string // HF module path, e.g. "model.layers.3.self_attn.q_proj"
	In, Out, Rank int
	Scale         float32
	Dropout       float32
	A, B          *tensor.Tensor // (R, In), (Out, R): views into the owner's buffer
	DA, DB        *tensor.Tensor // gradients, same shapes; nil when frozen
	seed          uint64         // this layer's dropout stream, fixed at creation

	set *Set           // shared scratch and step state
	hs  *tensor.Tensor // (maxN, R) scale * dropout(x) A^T of the last Forward
}

// hsView returns the saved (N, R) activation, growing it if needed.
func (l *Linear) hsView(n int) *tensor.Tensor {
	if l.hs == nil || l.hs.Dim(0) < n {
		l.hs = l.set.b.New(tensor.F32, max(n, l.set.maxN), l.Rank)
	}
	return l.set.view(l.hs, n, l.Rank)
}

// input returns dropout(x) in scratch when training with dropout, else x.
// The mask is a pure function of (seed, element), so Backward recomputes
// the same one.
func (l *Linear) input(x *tensor.Tensor) (xd, mask *tensor.Tensor) {
	s := l.set
	if !s.Training || l.Dropout == 0 {
		return x, nil
	}
	n := x.Rows()
	xd, mask = s.scratch(0, n, l.In), s.scratch(1, n, l.In)
	s.b.DropoutForward(xd, mask, x, l.Dropout, s.StepSeed^l.seed)
	return xd, mask
}

// fusedDropout returns the backend's fused dropout products and this
// step's dropout when the adapter drops its input out and the backend
// applies the mask inside its products (tensor.DropoutMatMuler: the same
// bits as input's buffers, without them).
func (l *Linear) fusedDropout() (tensor.DropoutMatMuler, float32, uint64, bool) {
	s := l.set
	f, ok := s.b.(tensor.DropoutMatMuler)
	if !ok || !s.Training || l.Dropout == 0 {
		return nil, 0, 0, false
	}
	return f, l.Dropout, s.StepSeed ^ l.seed, true
}

// Forward adds the adapter's path to out (N, Out) for input x (N, In).
func (l *Linear) Forward(out, x *tensor.Tensor) {
	if x.Cols() != l.In || out.Cols() != l.Out || x.Rows() != out.Rows() {
		panic(fmt.Sprintf("lora: %s: Forward out %v, x %v, layer (%d, %d)", l.Name, out, x, l.Out, l.In))
	}
	b := l.set.b
	n := x.Rows()
	hs := l.hsView(n)
	if f, p, seed, ok := l.fusedDropout(); ok {
		f.MatMulDropIn(hs, x, l.A, false, true, 0, 0, p, seed) // (N, R) = dropout(x) @ A^T
	} else {
		xd, _ := l.input(x)
		b.MatMul(hs, xd, l.A, false, true, 0) // (N, R) = (N, In) @ (R, In)^T
	}
	b.Scale(hs, l.Scale)
	b.MatMul(out, hs, l.B, false, true, 1) // (N, Out) += (N, R) @ (Out, R)^T
}

// Backward accumulates dA and dB and adds the adapter's share of the
// input gradient to dx (N, In) (nil: not needed), given dOut (N, Out) and
// the x of the matching Forward.
func (l *Linear) Backward(dx, dOut, x *tensor.Tensor) {
	if dOut.Cols() != l.Out || x.Cols() != l.In || dOut.Rows() != x.Rows() {
		panic(fmt.Sprintf("lora: %s: Backward dOut %v, x %v, layer (%d, %d)", l.Name, dOut, x, l.Out, l.In))
	}
	s, b := l.set, l.set.b
	n := x.Rows()
	hs := l.hsView(n)
	if l.DB != nil {
		b.MatMul(l.DB, dOut, hs, true, false, 1) // (Out, R) += (N, Out)^T @ (N, R)
	}
	dh := s.scratch(2, n, l.Rank)
	b.MatMul(dh, dOut, l.B, false, false, 0) // (N, R) = (N, Out) @ (Out, R)
	b.Scale(dh, l.Scale)
	if f, p, seed, ok := l.fusedDropout(); ok { // the mask applied inside the products
		if l.DA != nil {
			f.MatMulDropIn(l.DA, dh, x, true, false, 1, 1, p, seed) // (R, In) += dh^T @ dropout(x)
		}
		if dx != nil {
			f.MatMulDropOut(dx, dh, l.A, 1, p, seed) // (N, In) += (dh @ A) * mask
		}
		return
	}
	xd, mask := l.input(x)
	if l.DA != nil {
		b.MatMul(l.DA, dh, xd, true, false, 1) // (R, In) += (N, R)^T @ (N, In)
	}
	if dx == nil {
		return
	}
	if mask == nil {
		b.MatMul(dx, dh, l.A, false, false, 1) // (N, In) += (N, R) @ (R, In)
		return
	}
	dxd := s.scratch(3, n, l.In)
	b.MatMul(dxd, dh, l.A, false, false, 0)
	b.DropoutBackward(dxd, dxd, mask)
	b.AddScaled(dx, dxd, 1)
}
