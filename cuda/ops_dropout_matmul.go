// Dropout inside products (tensor.DropoutMatMuler): a LoRA adapter's input
// dropout without the dropped-out copy of the input and its mask in memory.
// The thin products read the operand through the mask (gemm_f32_thin_drop)
// and the input gradient applies it to the product's result
// (gemm_f32_drop_out); other shapes, and every shape under
// the tests' unfusedDrop switch, run the unfused ops in scratch. Either way the
// bits are the unfused ops' (TestDropoutMatMul).

package cuda

import (
	"fmt"

	"embrec/tensor"
)

// dropOutMaxK is the longest K gemm_f32_drop_out takes (one FMA chain per
// output; LoRA ranks are 4 to 64).
const dropOutMaxK = 64

// MatMulDropIn implements tensor.DropoutMatMuler.
func (b *Backend) MatMulDropIn(out, x, y *tensor.Tensor, transA, transB bool, beta float32, which int, p float32,
	seed uint64) {
	if which != 0 && which != 1 || p < 0 || p >= 1 {
		panic(fmt.Sprintf("cuda: MatMulDropIn: operand %d, dropout %v", which, p))
	}
	drop := &thinDrop{which: which, p: p, keep: 1 / (1 - p), seed: seed}
	switch {
	case p == 0:
		b.MatMul(out, x, y, transA, transB, beta)
	case b.unfusedDrop:
		b.matMulDropUnfused(out, x, y, transA, transB, beta, drop)
	default:
		b.matMul(out, x, y, transA, transB, beta, drop)
	}
}

// matMulDropUnfused is MatMulDropIn through DropoutForward into scratch.
func (b *Backend) matMulDropUnfused(out, x, y *tensor.Tensor, transA, transB bool, beta float32, drop *thinDrop) {
	op := [2]*tensor.Tensor{x, y}[drop.which]
	d := b.grow(&b.dropScr[0], tensor.F32, op.Len()).View(0, op.Shape()...)
	mask := b.grow(&b.dropScr[1], tensor.F32, op.Len()).View(0, op.Shape()...)
	b.DropoutForward(d, mask, op, drop.p, drop.seed)
	if drop.which == 0 {
		b.MatMul(out, d, y, transA, transB, beta)
	} else {
		b.MatMul(out, x, d, transA, transB, beta)
	}
}

// MatMulDropOut implements tensor.DropoutMatMuler.
func (b *Backend) MatMulDropOut(out, x, y *tensor.Tensor, beta float32, p float32, seed uint64) {
	needF32("MatMulDropOut", out, x, y)
	if x.Rank() != 2 || y.Rank() != 2 || out.Rank() != 2 || x.Cols() != y.Rows() || out.Rows() != x.Rows() ||
		out.Cols() != y.Cols() || p < 0 || p >= 1 {
		panic(fmt.Sprintf("cuda: MatMulDropOut: out %v = a %v @ b %v, dropout %v", out, x, y, p))
	}
	M, K, N := x.Rows(), x.Cols(), y.Cols()
	if M*N == 0 {
		return
	}
	if K <= dropOutMaxK && !b.unfusedDrop {
		b.launch("gemm_f32_drop_out", ewGrid(M*N), block256, 0, ptr(out), ptr(x), ptr(y), argI32(M), argI32(N),
			argI32(K), argF32(beta), argF32(p), argF32(1/(1-p)), argU64(seed))
		return
	}
	t := b.grow(&b.dropScr[0], tensor.F32, M*N).View(0, M, N)
	mask := b.grow(&b.dropScr[1], tensor.F32, M*N).View(0, M, N)
	b.MatMul(t, x, y, false, false, 0)
	b.DropoutForward(t, mask, t, p, seed)
	switch beta {
	case 0:
		b.Copy(out, t)
	case 1:
		b.AddScaled(out, t, 1)
	default:
		b.Scale(out, beta)
		b.AddScaled(out, t, 1)
	}
}
